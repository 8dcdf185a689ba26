// Categories, column groups and sessions in the editor, over a real LSP connection: diagnostics,
// hover, completion inside strings, signature help, semantic tokens and quick-fixes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CodeActionRequest,
  CodeLensRequest,
  CompletionRequest,
  HoverRequest,
  SemanticTokensRequest,
  SignatureHelpRequest,
  type CompletionItem,
  type Hover,
  type MarkupContent,
  type TextEdit,
} from 'vscode-languageserver-protocol/node';
import { Evaluator, FeatureCache } from '../../server/src/engine/evaluate';
import type { Frame } from '../../server/src/engine/frame';
import { scoringOf, type DataSession } from '../../server/src/engine/store';
import { semanticLegend } from '../../server/src/lsp/providers/semanticTokens';
import { mixedFrameOf, tempDir } from '../core/helpers';
import { startTestServer, type TestClient } from '../support/lsp';

function pos(t: string, needle: string, delta = 0): { line: number; character: number } {
  const at = t.indexOf(needle);
  if (at < 0) throw new Error(`not found: ${needle}`);
  const before = t.slice(0, at + delta).split('\n');
  return { line: before.length - 1, character: before[before.length - 1].length };
}

const hoverText = async (client: TestClient, uri: string, text: string, needle: string, delta = 1) =>
  (((await client.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: pos(text, needle, delta) })) as Hover | null)?.contents as MarkupContent | undefined)?.value ?? '';

/** HDFS-like block sessions: events in order, the label on each block's last row. */
function sessions(): Frame {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const blocks: Record<string, { seq: number[]; event: (string | null)[]; label: (number | null)[] }> = {};
  for (let b = 0; b < 40; b++) {
    const failed = b % 4 === 0;
    const event = ['E1', 'E2', 'E2', 'E5', 'E3', 'E5', 'E3'];
    if (failed) event.splice(3, 0, 'E11');
    if (failed) event.push('E28');
    else if (rand() < 0.3) event.push('E28');
    const n = event.length;
    blocks[`blk_${b}`] = { seq: event.map((_, i) => i), event, label: event.map((_, i) => (i === n - 1 ? (failed ? 1 : 0) : null)) };
  }
  return mixedFrameOf(blocks);
}

function sessionOf(frame: Frame): DataSession {
  return {
    frame,
    evaluator: new Evaluator(frame, new FeatureCache()),
    loadMs: 0,
    cache: 'off',
    prefetch: () => true,
    damaged: () => false,
    scoring: scoringOf(frame),
  };
}

describe('categories in the editor', () => {
  let client: TestClient;
  let uri: string;
  const text = `dataset "hdfs.csv" { series = id  time = t  label = label  split = 100/0/0 }

rule failure "E11 then E28" when before(event == "E11", event == "E28")
rule typo when event == "E111"
rule wrong when event == 28
`;

  beforeAll(async () => {
    client = await startTestServer();
    // The loader of text columns lives elsewhere: this file's data is the in-memory frame.
    const session = sessionOf(sessions());
    client.workspace.store.get = async () => ({ ok: true, session, fresh: true });
    uri = pathToFileURL(join(tempDir(), 'hdfs.arl')).href;
  });

  afterAll(() => client?.close());

  it('diagnoses an unknown category (warning, with the known values) and a number compared with a category (error)', async () => {
    const d = await client.open(uri, text);
    const typo = d.diagnostics.find((x) => x.code === 'unknown-category')!;
    expect(typo.severity).toBe(2);
    expect(typo.range).toEqual({ start: pos(text, '"E111"'), end: pos(text, '"E111"', 6) });
    expect(typo.message).toContain('`event` never holds "E111": did you mean "E11"?');
    expect(typo.message).toContain('Its values, most frequent first: "E2", "E5", "E3", "E1"');
    const wrong = d.diagnostics.find((x) => x.code === 'kind-mismatch')!;
    expect(wrong.severity).toBe(1);
    expect(wrong.range.start).toEqual(pos(text, '28\n'));
    expect(wrong.message).toBe('`event` holds categories (text), not numbers: compare it with a string: `event == "28"`.');
    const fixes = await client.conn.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: typo.range, context: { diagnostics: [typo] } });
    const first = (fixes as { title: string; edit: { changes: Record<string, TextEdit[]> } }[])[0];
    expect(first.title).toBe('Change to `"E11"`');
    expect(first.edit.changes[uri][0].newText).toBe('"E11"');
  });

  it('scores the one-line HDFS rule', async () => {
    const lenses = await client.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri } });
    const failure = lenses!.map((l) => l.command?.title ?? '').find((t) => t.includes('TP'))!;
    expect(failure).toContain('F1 1.00 · TP 10 FP 0 FN 0');
  });

  it('hovers a category column with its values at anomalies vs normal points, and a category', async () => {
    const col = await hoverText(client, uri, text, 'event == "E11"');
    expect(col).toContain('**category column** `event`');
    expect(col).toContain('| value | anomalies | normal |');
    // Only the last row of a block is labelled: E28 ends every failed block, E3 most normal ones.
    expect(col).toMatch(/\| "E28" \| 10 \(100%\) \| \d+ \(\d+(\.\d+)?%\) \|/);
    expect(col).toMatch(/\| "E3" \| 0 \(0%\) \| \d+ /);
    const lit = await hoverText(client, uri, text, '"E28")');
    expect(lit).toContain('**category** "E28" of `event`');
    expect(lit).toContain('| "E28" | 10 (100%)');
  });

  it('completes a category column’s values inside the string, most frequent first', async () => {
    const typed = text + 'rule more when event in ["E5", "E';
    await client.change(uri, typed);
    const at = { line: typed.split('\n').length - 1, character: typed.split('\n').pop()!.length };
    const items = (await client.conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: at })) as CompletionItem[];
    expect(items.map((i) => i.label)).toEqual(['E2', 'E5', 'E3', 'E1', 'E28', 'E11']);
    expect(items[0].textEdit).toEqual({ range: { start: { line: at.line, character: at.character - 1 }, end: at }, newText: 'E2' });
    await client.change(uri, text);
  });

  it('colours category strings as enum members', async () => {
    const sem = await client.conn.sendRequest(SemanticTokensRequest.type, { textDocument: { uri } });
    const data = sem!.data;
    const tokens: { line: number; char: number; length: number; type: string }[] = [];
    let line = 0;
    let char = 0;
    for (let i = 0; i < data.length; i += 5) {
      line += data[i];
      char = data[i] ? data[i + 1] : char + data[i + 1];
      tokens.push({ line, char, length: data[i + 2], type: semanticLegend.tokenTypes[data[i + 3]] });
    }
    const e11 = pos(text, '"E11"');
    expect(tokens).toContainEqual({ line: e11.line, char: e11.character, length: 5, type: 'enumMember' });
    const ev = pos(text, 'event == "E11"');
    expect(tokens).toContainEqual({ line: ev.line, char: ev.character, length: 5, type: 'property' });
  });
});

describe('column groups in the editor', () => {
  let client: TestClient;
  let uri: string;
  const metrics = Array.from({ length: 38 }, (_, k) => `m${k + 1}`);
  const text = `dataset "smd.csv" { time = t  label = label }

let metrics = columns("m*")
rule hot when count_true(robust_z(metrics, 60) > 6) >= 3
rule cpu when any(columns("cpu*") > 0.9)
`;

  beforeAll(async () => {
    const dir = tempDir();
    const rows = [`t,${metrics.join(',')},label`];
    for (let t = 0; t < 400; t++) {
      const spike = t % 97 === 96;
      rows.push(`${t},${metrics.map((_, k) => (spike && k < 4 ? 0.9 : ((t * (k + 3)) % 17) / 100).toFixed(2)).join(',')},${spike ? 1 : 0}`);
    }
    writeFileSync(join(dir, 'smd.csv'), rows.join('\n') + '\n');
    client = await startTestServer();
    uri = pathToFileURL(join(dir, 'smd.arl')).href;
  });

  afterAll(() => client?.close());

  it('checks a rule over all 38 metrics in one line, and a pattern that matches nothing', async () => {
    const d = await client.open(uri, text);
    const errors = d.diagnostics.filter((x) => x.severity === 1);
    expect(errors).toHaveLength(1);
    expect(errors[0].code).toBe('no-columns');
    expect(errors[0].range.start).toEqual(pos(text, '"cpu*"'));
    expect(errors[0].message).toContain('`columns("cpu*")` matches no column. Columns: m1, m2, m3');
    const lenses = await client.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri } });
    expect(lenses!.map((l) => l.command?.title ?? '').some((t) => /F1 \d\.\d\d · TP \d+/.test(t))).toBe(true);
  });

  it('hovers a pattern with its columns and a group let with its members', async () => {
    expect(await hoverText(client, uri, text, '"m*"')).toContain(`**column group** \`columns("m*")\`\n\n38 columns: \`m1\`, \`m2\``);
    expect(await hoverText(client, uri, text, 'metrics, 60')).toContain('A group of 38 values, one per member: `m1`, `m2`');
  });

  it('completes patterns and column names inside columns("..."), and `all` as a window', async () => {
    const typed = text + 'rule any_high when max_of(columns("';
    await client.change(uri, typed);
    const at = { line: typed.split('\n').length - 1, character: typed.split('\n').pop()!.length };
    const items = (await client.conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: at })) as CompletionItem[];
    expect(items[0]).toMatchObject({ label: 'm*', detail: '38 columns' });
    expect(items.map((i) => i.label)).toEqual(expect.arrayContaining(['m1', 'm38']));
    expect(items.map((i) => i.label)).not.toContain('label');
    const typed2 = text + 'rule peak when m1 > max(m1, ';
    await client.change(uri, typed2);
    const at2 = { line: typed2.split('\n').length - 1, character: typed2.split('\n').pop()!.length };
    const items2 = (await client.conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: at2 })) as CompletionItem[];
    expect(items2.map((i) => i.label)).toContain('all');
    const sig = await client.conn.sendRequest(SignatureHelpRequest.type, { textDocument: { uri }, position: at2 });
    expect(sig?.signatures[0].label).toBe('max(x, w, offset = 0, [min_count])');
    await client.change(uri, text);
  });

  it('helps with the signature of a function over groups', async () => {
    const at = pos(text, 'robust_z(metrics', 0);
    const sig = await client.conn.sendRequest(SignatureHelpRequest.type, { textDocument: { uri }, position: at });
    expect(sig?.signatures[0].label).toBe('count_true(cond, ...)');
  });
});
