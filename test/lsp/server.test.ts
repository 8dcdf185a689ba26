// The language server in-process, over a real JSON-RPC connection, on the generated example.
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CodeActionRequest,
  CodeActionTriggerKind,
  CodeLensRequest,
  CompletionRequest,
  DefinitionRequest,
  DidChangeWatchedFilesNotification,
  DocumentFormattingRequest,
  DocumentSymbolRequest,
  FileChangeType,
  FoldingRangeRequest,
  HoverRequest,
  PrepareRenameRequest,
  ReferencesRequest,
  RenameRequest,
  SemanticTokensRequest,
  SignatureHelpRequest,
  type CodeLens,
  type CompletionItem,
  type Hover,
  type MarkupContent,
} from 'vscode-languageserver-protocol/node';
import { analyze } from '../../server/src/engine/analyze';
import { DatasetStore } from '../../server/src/engine/store';
import { MetricsRequest } from '../../server/src/lsp/protocol';
import { exampleDir, type ExampleDir } from '../support/example';
import { startTestServer, type TestClient } from '../support/lsp';

let ex: ExampleDir;
let client: TestClient;
let uri: string;
let text: string;

function pos(t: string, needle: string, delta = 0): { line: number; character: number } {
  const at = t.indexOf(needle);
  if (at < 0) throw new Error(`not found: ${needle}`);
  const before = t.slice(0, at + delta);
  const line = before.split('\n').length - 1;
  return { line, character: before.length - before.lastIndexOf('\n') - 1 };
}

const lensTitles = (lenses: CodeLens[] | null) => (lenses ?? []).map((l) => l.command?.title ?? '');

beforeAll(async () => {
  ex = await exampleDir(1000);
  uri = pathToFileURL(ex.arl).href;
  text = readFileSync(ex.arl, 'utf8');
  client = await startTestServer();
  const d = await client.open(uri, text);
  expect(d.diagnostics.filter((x) => x.severity === 1)).toEqual([]);
});

afterAll(() => client?.close());

describe('language server', () => {
  it('shows on every rule the metrics the engine computes', async () => {
    const lenses = await client.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri } });
    const a = await analyze(text, ex.arl, { store: new DatasetStore() });
    const s = a.scores('train')!;
    const titles = lensTitles(lenses);
    expect(titles).toHaveLength(2 + 3 + 1);
    expect(titles[0]).toContain(`${s.series} series`);
    expect(titles[0]).toContain(`F1 ${s.file.f1.toFixed(2)}`);
    // The objective beside the trivial baselines: single-point labels, so point F1.
    const all = s.baselines.all.objective.toFixed(2);
    expect(titles[1]).toBe(`point F1 ${s.file.f1.toFixed(2)} · flag all ${all} · flag none 0.00 (train)`);
    s.rules.forEach((r, k) => {
      expect(titles[2 + k]).toContain(`F1 ${r.f1.toFixed(2)} · TP ${r.tp} FP ${r.fp} FN ${r.fn}`);
    });
    expect(titles[5]).toMatch(/removes \d+ false alarms/);
    expect(lenses![2].command?.command).toBe('arl.previewRule');
    expect(lenses![2].command?.arguments?.[0]).toMatchObject({ uri, rule: 'critical' });
    // The tooltip: the noise budget (alerts per week) and what precision and recall count.
    const tip = (lenses![2].command?.arguments?.[0] as { tooltip: string }).tooltip;
    const times = a.data!.frame.time;
    const weeks = (Math.max(...times) - Math.min(...times)) / (7 * 86400000) + 1; // weekly points: the span plus one week
    const rate = s.rules[0].fires / weeks;
    expect(tip).toContain(`critical on train: ${rate.toFixed(rate >= 10 ? 1 : 2)} alerts per week (${s.rules[0].fires} alerts over ${weeks} weeks, train)`);
  });

  it('reports a syntax error and clears it when fixed, and lenses follow a threshold edit', async () => {
    const broken = text.replace('oos_ratio >= 80 or', 'oos_ratio >= or');
    const d = await client.change(uri, broken);
    const errs = d.diagnostics.filter((x) => x.severity === 1);
    expect(errs.length).toBeGreaterThan(0);
    expect(errs[0].range.start.line).toBe(pos(broken, '>= or').line);
    // The other rules still get lenses while one is broken.
    const partial = lensTitles(await client.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri } }));
    expect(partial.filter((t) => t.includes('F1')).length).toBeGreaterThanOrEqual(3);
    const before = lensTitles(await client.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri } }));
    const edited = text.replace('oos_ratio >= 80 or', 'oos_ratio >= 20 or');
    const fixed = await client.change(uri, edited);
    expect(fixed.diagnostics.filter((x) => x.severity === 1)).toEqual([]);
    const after = lensTitles(await client.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri } }));
    expect(after[2]).not.toEqual(before[2]);
    const fp = (t: string) => Number(/FP (\d+)/.exec(t)![1]);
    expect(fp(after[2])).toBeGreaterThan(fp((await lensOf(text))[2]));
    await client.change(uri, text);
  });

  it('hovers functions, columns with distributions, lets and rules', async () => {
    const h = async (needle: string, delta = 1) =>
      ((await client.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: pos(text, needle, delta) })) as Hover | null)?.contents as MarkupContent | undefined;
    expect((await h('zscore('))?.value).toContain('zscore(x, w, offset = 0, [min_count])');
    const col = (await h('oos_ratio >= 80'))!.value;
    expect(col).toContain('column');
    expect(col).toMatch(/\| anomalies \| [\d,]+ \|/);
    expect(col).toContain('p90');
    const letz = (await h('z >= 5', 0))!.value;
    expect(letz).toContain('let z = zscore(oos_ratio, 52)');
    expect(letz).toContain('normal');
    const rule = (await h('rule critical', 2))!.value;
    expect(rule).toContain('Flags a point as an anomaly when `oos_ratio` is at least 80');
    expect(rule).toMatch(/F1 \d\.\d\d/);
  });

  it('completes keywords, functions, columns and lets, and helps with signatures', async () => {
    const t2 = text + '\nrule fresh when mean(oos_ratio, ';
    await client.change(uri, t2);
    const end = pos(t2, 'mean(oos_ratio, ', 'mean(oos_ratio, '.length);
    const sig = await client.conn.sendRequest(SignatureHelpRequest.type, { textDocument: { uri }, position: end });
    expect(sig?.signatures[0].label).toBe('mean(x, w, offset = 0, [min_count])');
    expect(sig?.activeParameter).toBe(1);
    const items = (await client.conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: end })) as CompletionItem[];
    const labels = items.map((i) => i.label);
    expect(labels).toEqual(expect.arrayContaining(['oos_ratio', 'units', 'z', 'recent', 'zscore', 'offset =']));
    expect(labels).not.toContain('is_anomaly');
    const t3 = text + '\nru';
    await client.change(uri, t3);
    const kw = (await client.conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: pos(t3, '\nru', 3) })) as CompletionItem[];
    expect(kw.map((i) => i.label)).toEqual(expect.arrayContaining(['rule', 'let', 'exclude', 'test', 'dataset']));
    await client.change(uri, text);
  });

  it('goes to definitions, finds references and renames lets', async () => {
    const at = pos(text, 'z >= 5');
    const def = await client.conn.sendRequest(DefinitionRequest.type, { textDocument: { uri }, position: at });
    expect(def).toMatchObject({ uri, range: { start: pos(text, 'z = zscore') } });
    const refs = await client.conn.sendRequest(ReferencesRequest.type, { textDocument: { uri }, position: at, context: { includeDeclaration: true } });
    expect(refs).toHaveLength(2);
    const prep = await client.conn.sendRequest(PrepareRenameRequest.type, { textDocument: { uri }, position: at });
    expect(prep).toMatchObject({ placeholder: 'z' });
    const edit = await client.conn.sendRequest(RenameRequest.type, { textDocument: { uri }, position: at, newName: 'zs' });
    expect(edit?.changes?.[uri]).toHaveLength(2);
    await expect(client.conn.sendRequest(RenameRequest.type, { textDocument: { uri }, position: at, newName: 'recent' })).rejects.toThrow(/already used/);
    await expect(client.conn.sendRequest(RenameRequest.type, { textDocument: { uri }, position: at, newName: 'when' })).rejects.toThrow(/not a name/);
    await expect(client.conn.sendRequest(PrepareRenameRequest.type, { textDocument: { uri }, position: pos(text, 'oos_ratio >= 80') })).rejects.toThrow(/column/);
  });

  it('formats, folds, outlines and colours the file', async () => {
    const messy = text.replace('oos_ratio >= 80 or (', 'oos_ratio>=80   or(');
    await client.change(uri, messy);
    const edits = await client.conn.sendRequest(DocumentFormattingRequest.type, { textDocument: { uri }, options: { tabSize: 4, insertSpaces: true } });
    expect(edits).toHaveLength(1);
    expect(edits![0].newText).toBe(text);
    await client.change(uri, text);
    const syms = await client.conn.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } });
    expect((syms as { name: string }[]).map((s) => s.name)).toEqual(['stockout.csv', 'recent', 'z', 'critical', 'pressure', 'escalating', 'drop', 'rise after quiet weeks', 'a drop is not an anomaly']);
    const folds = await client.conn.sendRequest(FoldingRangeRequest.type, { textDocument: { uri } });
    expect(folds!.length).toBeGreaterThanOrEqual(5);
    const sem = await client.conn.sendRequest(SemanticTokensRequest.type, { textDocument: { uri } });
    expect(sem!.data.length % 5).toBe(0);
    expect(sem!.data.length / 5).toBeGreaterThan(15);
  });

  it('offers "did you mean" quick-fixes from the diagnostic data', async () => {
    const typo = text.replace('oos_ratio >= 45', 'oos_ratoi >= 45');
    const d = await client.change(uri, typo);
    const diag = d.diagnostics.find((x) => x.code === 'unknown-name')!;
    expect(diag.message).toContain('oos_ratio');
    const actions = await client.conn.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: diag.range, context: { diagnostics: [diag] } });
    const fix = (actions as { title: string; edit?: { changes?: Record<string, { newText: string }[]> } }[]).find((a) => a.title.includes('oos_ratio'));
    expect(fix?.edit?.changes?.[uri][0].newText).toBe('oos_ratio');
    await client.change(uri, text);
  });

  it('offers verified offline proposals on a weak rule, and its behaviour as a diagnostic', async () => {
    const weak = text.replace('oos_ratio >= 45', 'oos_ratio >= 5');
    await client.change(uri, weak);
    const withBehaviour = await client.diagnostics(uri);
    const b = withBehaviour.diagnostics.find((d) => d.code === 'behaviour' && (d.data as { rule: string }).rule === 'escalating');
    expect(b?.message).toMatch(/^escalating is [a-z-]+: /);
    expect((b?.data as { kinds: string[] }).kinds).toContain('over-aggressive');
    expect(b?.severity).toBe(3);
    const at = pos(weak, 'rule escalating', 6);
    const before = (await client.conn.sendRequest(CodeActionRequest.type, {
      textDocument: { uri },
      range: { start: at, end: at },
      context: { diagnostics: [], triggerKind: CodeActionTriggerKind.Automatic },
    })) as { edit?: unknown }[];
    expect(before.filter((x) => x.edit)).toEqual([]);
    const actions = (await client.conn.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: { start: at, end: at }, context: { diagnostics: [b!] } })) as {
      title: string;
      edit?: { changes: Record<string, { range: { start: { line: number; character: number }; end: { line: number; character: number } }; newText: string }[]> };
      command?: { command: string };
    }[];
    const proposals = actions.filter((x) => x.edit);
    expect(proposals.length).toBeGreaterThan(0);
    // The lightbulb's own requests (automatic) never start a search; they offer what is known.
    const auto = (await client.conn.sendRequest(CodeActionRequest.type, {
      textDocument: { uri },
      range: { start: at, end: at },
      context: { diagnostics: [], triggerKind: CodeActionTriggerKind.Automatic },
    })) as { title: string }[];
    expect(auto.map((x) => x.title)).toEqual(expect.arrayContaining(proposals.map((x) => x.title)));
    expect(proposals[0].title).toMatch(/\(file point F1: train [\d.]+ -> [\d.]+, validation [\d.]+ -> [\d.]+\)$/);
    expect(actions.some((x) => x.command?.command === 'arl.refineWithLlm')).toBe(true);
    // Applying the first proposal really improves the file's train F1.
    const e = proposals[0].edit!.changes[uri][0];
    const lines = weak.split('\n');
    const off = (p: { line: number; character: number }) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
    const applied = weak.slice(0, off(e.range.start)) + e.newText + weak.slice(off(e.range.end));
    const f1 = async (t: string) => (await analyze(t, ex.arl, { store: new DatasetStore() })).scores('train')!.file.f1;
    expect(await f1(applied)).toBeGreaterThan(await f1(weak));
    await client.change(uri, text);
  });

  it('answers arl/metrics on any split', async () => {
    const m = await client.conn.sendRequest(MetricsRequest, { uri, split: 'validation' });
    const a = await analyze(text, ex.arl, { store: new DatasetStore() });
    expect(m?.file.f1).toBeCloseTo(a.scores('validation')!.file.f1, 10);
    expect(m?.dataset.series).toBe(a.scores('validation')!.series);
  });

  it('reloads the dataset when it changes on disk', async () => {
    const csv = readFileSync(ex.csv, 'utf8');
    const lines = csv.trimEnd().split('\n');
    // Drop every anomaly label: the rules then catch nothing.
    const relabelled = [lines[0], ...lines.slice(1).map((l) => l.replace(/,1,("[^"]*"|[^,]*)$/, ',0,$1'))].join('\n') + '\n';
    writeFileSync(ex.csv, relabelled);
    const next = client.diagnostics(uri);
    await client.conn.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: pathToFileURL(ex.csv).href, type: FileChangeType.Changed }] });
    await next;
    const titles = lensTitles(await client.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri } }));
    expect(titles[0]).toContain(' 0 anomalies');
    writeFileSync(ex.csv, csv);
  });

  it('reports a broken dataset on the dataset block with the CSV line', async () => {
    const bad = text.replace('"stockout.csv"', '"missing.csv"');
    const d = await client.change(uri, bad);
    const e = d.diagnostics.find((x) => x.code === 'dataset-error')!;
    expect(e.message).toContain('missing.csv');
    expect(e.range.start).toEqual(pos(bad, '"missing.csv"'));
    await client.change(uri, text);
  });
});

async function lensOf(t: string): Promise<string[]> {
  await client.change(uri, t);
  return lensTitles(await client.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri } }));
}
