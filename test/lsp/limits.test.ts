// Hostile rule files through the language server: lets built on lets (a DAG far larger as a tree),
// nesting and chains past the limits. Every feature answers, and the errors say where and what to do.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CodeActionRequest,
  CodeActionTriggerKind,
  CodeLensRequest,
  DocumentSymbolRequest,
  HoverRequest,
  SemanticTokensRequest,
  type Hover,
  type MarkupContent,
} from 'vscode-languageserver-protocol/node';
import { PreviewRequest } from '../../server/src/lsp/protocol';
import { exampleDir, type ExampleDir } from '../support/example';
import { startTestServer, type TestClient } from '../support/lsp';

let ex: ExampleDir;
let client: TestClient;

beforeAll(async () => {
  ex = await exampleDir(200);
  client = await startTestServer();
});

afterAll(() => client?.close());

const head = `dataset "stockout.csv" {\n    series = sku\n    time = week\n    label = is_anomaly\n}\n`;

/** `let a1 = a0 + a0` ... `let an = a(n-1) + a(n-1)`: 2^n leaves as a tree, 2n nodes as a DAG. */
export function doublingLets(n: number): string {
  let t = 'let a0 = oos_ratio\n';
  for (let i = 1; i <= n; i++) t += `let a${i} = a${i - 1} + a${i - 1}\n`;
  return t;
}

function position(t: string, needle: string, delta = 0): { line: number; character: number } {
  const at = t.indexOf(needle);
  if (at < 0) throw new Error(`not found: ${needle}`);
  const before = t.slice(0, at + delta);
  return { line: before.split('\n').length - 1, character: before.length - before.lastIndexOf('\n') - 1 };
}

async function open(name: string, text: string) {
  const path = join(ex.dir, name);
  writeFileSync(path, text);
  const uri = pathToFileURL(path).href;
  const d = await client.open(uri, text);
  return { uri, diagnostics: d.diagnostics };
}

describe('hostile rule files in the language server', () => {
  it('200 lets each doubling the one before: diagnostics, lenses, hover, preview and proposals all answer', async () => {
    const n = 200;
    // a200 = 2^200 * oos_ratio, so `a200 > 0` fires where oos_ratio > 0, like `ref`.
    const text = `${head}${doublingLets(n)}rule doubled when a${n} > 0 and oos_ratio >= 40\nrule ref when oos_ratio > 0 and oos_ratio >= 40\n`;
    const { uri, diagnostics } = await open('doubling.arl', text);
    expect(diagnostics.filter((d) => d.severity === 1)).toEqual([]);
    const doc = { textDocument: { uri } };
    const lenses = (await client.conn.sendRequest(CodeLensRequest.type, doc)) ?? [];
    const title = (rule: string) => lenses.find((l) => l.range.start.line === position(text, `rule ${rule} `).line)?.command?.title ?? '';
    expect(title('doubled')).toMatch(/F1/);
    expect(title('doubled')).toBe(title('ref'));
    const hover = (await client.conn.sendRequest(HoverRequest.type, { ...doc, position: position(text, `a${n} > 0`, 1) })) as Hover | null;
    expect((hover?.contents as MarkupContent).value).toMatch(/anomal/);
    const preview = await client.conn.sendRequest(PreviewRequest, { uri, rule: 'doubled', split: 'train' });
    expect(preview.series?.length).toBeGreaterThan(0);
    const actions = await client.conn.sendRequest(CodeActionRequest.type, {
      ...doc,
      range: { start: position(text, 'rule doubled'), end: position(text, 'rule doubled') },
      context: { diagnostics: [], triggerKind: CodeActionTriggerKind.Invoked },
    });
    expect(Array.isArray(actions)).toBe(true);
    expect(((await client.conn.sendRequest(SemanticTokensRequest.type, doc))?.data.length ?? 0) > 0).toBe(true);
  });

  it('nesting, chains and windows past the limits: located errors, and the other rules still get metrics', async () => {
    const rules = [
      `rule parens when ${'('.repeat(300)}oos_ratio > 1${')'.repeat(300)}`,
      `rule calls when ${'abs('.repeat(300)}oos_ratio${')'.repeat(300)} > 1`,
      `rule nots when ${'not '.repeat(5000)}oos_ratio > 1`,
      `rule signs when ${'- '.repeat(5000)}oos_ratio > 1`,
      `rule ands when ${Array.from({ length: 5000 }, (_, i) => `oos_ratio > ${i}`).join(' and ')}`,
      `rule sums when ${Array.from({ length: 5000 }, () => 'oos_ratio').join(' + ')} > 1`,
      `rule window when mean(oos_ratio, 1e10) > 1`,
      `rule fine when oos_ratio >= 50`,
    ];
    const text = `${head}${rules.join('\n')}\n`;
    const { uri, diagnostics } = await open('deep.arl', text);
    const errors = diagnostics.filter((d) => d.severity === 1);
    const at = (rule: string) => errors.filter((d) => d.range.start.line === position(text, `rule ${rule} `).line).map((d) => d.code);
    expect(at('parens')).toEqual(['nesting-limit']);
    expect(at('calls')).toEqual(['nesting-limit']);
    expect(at('nots')).toEqual(['nesting-limit']);
    expect(at('signs')).toEqual(['nesting-limit']);
    expect(at('ands')).toEqual(['depth-limit']);
    expect(at('sums')).toEqual(['depth-limit']);
    expect(at('window')).toEqual(['bad-constant']);
    expect(at('fine')).toEqual([]);
    expect(errors.find((d) => d.code === 'bad-constant')?.message).toMatch(/1,000,000/);
    const lenses = (await client.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri } })) ?? [];
    expect(lenses.find((l) => l.range.start.line === position(text, 'rule fine').line)?.command?.title).toMatch(/F1/);
    const symbols = await client.conn.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } });
    expect(symbols?.length).toBe(rules.length + 1);
    for (const needle of ['oos_ratio > 1)', 'oos_ratio > 4999', 'oos_ratio + oos_ratio']) {
      await client.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: position(text, needle) });
    }
  });
});
