// The editor features a rule author relies on, over a real LSP connection: outline names, stale
// lenses, plurals, dataset path completion, the threshold sweep, proposal previews, a series' rows
// in its CSV, and undo / redo of applied proposals in the trajectory.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CodeActionRequest,
  CodeActionTriggerKind,
  CodeLensRequest,
  CompletionRequest,
  DocumentSymbolRequest,
  HoverRequest,
  CancellationTokenSource,
  type CancellationToken,
  type CodeAction,
  type CompletionItem,
  type DocumentSymbol,
} from 'vscode-languageserver-protocol/node';
import { analyze } from '../../server/src/engine/analyze';
import { DatasetStore } from '../../server/src/engine/store';
import { RecordAttemptRequest, RecordUndoRequest, SeriesLocationRequest, SweepRequest } from '../../server/src/lsp/protocol';
import { readTrajectory } from '../../server/src/refine/trajectory';
import { exampleDir, type ExampleDir } from '../support/example';
import { startTestServer, type TestClient } from '../support/lsp';
import { tempDir } from '../support/tmp';

let ex: ExampleDir;
let client: TestClient;
let uri: string;
let text: string;

function pos(t: string, needle: string, delta = 0): { line: number; character: number } {
  const at = t.indexOf(needle);
  if (at < 0) throw new Error(`not found: ${needle}`);
  const before = t.slice(0, at + delta);
  return { line: before.split('\n').length - 1, character: before.length - before.lastIndexOf('\n') - 1 };
}

const titles = async (u = uri) => ((await client.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri: u } })) ?? []).map((l) => l.command?.title ?? '');

beforeAll(async () => {
  ex = await exampleDir(600);
  uri = pathToFileURL(ex.arl).href;
  text = readFileSync(ex.arl, 'utf8');
  const workspace = { uri: pathToFileURL(ex.dir).href, name: 'ws' };
  client = await startTestServer(
    { workspace: { workspaceEdit: { documentChanges: true, changeAnnotationSupport: { groupsOnLabel: true } } } },
    { debounceMs: 0 },
    { workspaceFolders: [workspace] },
  );
  await client.open(uri, text);
});

afterAll(() => client?.close());

describe('editor features', () => {
  it('never names an outline entry with an empty string (`dataset ""`, `test ""`)', async () => {
    const t = text.replace('dataset "stockout.csv"', 'dataset ""') + '\ntest "" {\n    oos_ratio = [1]\n    expect normal\n}\n';
    await client.change(uri, t);
    const symbols = (await client.conn.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } })) as DocumentSymbol[];
    expect(symbols.length).toBeGreaterThan(5);
    for (const s of symbols) expect(s.name, JSON.stringify(s)).not.toBe('');
    expect(symbols[0]).toMatchObject({ name: 'dataset', detail: 'dataset' });
    expect(symbols.at(-1)).toMatchObject({ name: 'test', detail: 'test' });
    await client.change(uri, text);
  });

  it('marks a broken rule’s lens stale, with its last figures, and says the file lens leaves it out', async () => {
    // The dataset block has two lenses (the file, its objective); the rules follow.
    const good = await titles();
    const critical = good[2];
    expect(critical).toMatch(/^P [\d.]+ · R/);
    await client.change(uri, text.replace('oos_ratio >= 80 or', 'oos_ratio >= or'));
    const broken = await titles();
    expect(broken).toHaveLength(good.length);
    expect(broken[2]).toBe(`$(warning) stale while \`critical\` has errors · last good: ${critical}`);
    expect(broken[0]).toContain('without critical (it has errors)');
    expect(broken[3]).toBe(good[3]);
    await client.change(uri, text);
    expect((await titles())[2]).toBe(critical);
  });

  it('says "1 anomaly", not "1 anomalies"', async () => {
    const dir = tempDir('arl-plural-');
    writeFileSync(join(dir, 'd.csv'), 'id,t,x,label\na,0,1,0\na,1,9,1\na,2,1,0\n');
    const f = join(dir, 'one.arl');
    const src = 'dataset "d.csv" {\n    series = id\n    time = t\n    label = label\n    split = 100/0/0\n}\nrule hot when x > 5\nexclude calm when x < 0\n';
    writeFileSync(f, src);
    const u = pathToFileURL(f).href;
    await client.open(u, src);
    const t = await titles(u);
    expect(t[0]).toMatch(/^1 series · 3 points · 3 labelled · 1 anomaly · file /);
    expect(t[3]).toBe('removes 0 false alarms and 0 true anomalies (train)');
  });

  it('completes data files in the dataset path, relative to the rule file, never outside the workspace', async () => {
    mkdirSync(join(ex.dir, 'more'), { recursive: true });
    writeFileSync(join(ex.dir, 'more', 'b.csv'), 'id,t\n');
    writeFileSync(join(ex.dir, 'notes.md'), '');
    const ask = async (t: string, needle: string, delta: number) => {
      await client.change(uri, t);
      return ((await client.conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: pos(t, needle, delta) })) as CompletionItem[]).map((i) => i.label).sort();
    };
    expect(await ask(text.replace('"stockout.csv"', '""'), 'dataset ""', 9)).toEqual(['more/', 'stockout.csv']);
    expect(await ask(text.replace('"stockout.csv"', '"more/"'), 'dataset "more/"', 14)).toEqual(['b.csv']);
    expect(await ask(text.replace('"stockout.csv"', '"../"'), 'dataset "../"', 12)).toEqual([]);
    expect(await ask(text.replace('"stockout.csv"', '"/"'), 'dataset "/"', 10)).toEqual([]);
    // A quote not closed yet (the editor did not close it).
    expect(await ask(text.replace('"stockout.csv" {', '"st'), 'dataset "st', 11)).toEqual(['more/', 'stockout.csv']);
    // Nothing to complete inside a rule's title.
    expect(await ask(text, '"Critical Stock', 5)).toEqual([]);
    // After `when`: columns and lets, never the label (the checker rejects it).
    const after = await ask(`${text}\nrule fresh when `, 'rule fresh when ', 'rule fresh when '.length);
    expect(after).toEqual(expect.arrayContaining(['oos_ratio', 'z']));
    expect(after).not.toContain('is_anomaly');
    // Nor does "did you mean" offer it for a name that is not there.
    const typo = `${text}\nrule fresh when is_anomal > 0\n`;
    const d = await client.change(uri, typo);
    const unknown = d.diagnostics.find((x) => x.code === 'unknown-name')!;
    expect(unknown.message).toBe("Unknown name `is_anomal`. Names are the dataset's numeric columns and the lets.");
    const fixes = (await client.conn.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: unknown.range, context: { diagnostics: [unknown] } })) as CodeAction[];
    expect(fixes.map((f) => f.title)).not.toContain('Change to `is_anomaly`');
    await client.change(uri, text);
  });

  it('sweeps a threshold from a code action, exactly as the engine scores the applied value', async () => {
    const at = pos(text, 'oos_ratio >= 80', 2);
    const actions = (await client.conn.sendRequest(CodeActionRequest.type, {
      textDocument: { uri },
      range: { start: at, end: at },
      context: { diagnostics: [], triggerKind: CodeActionTriggerKind.Automatic },
    })) as CodeAction[];
    const action = actions.find((x) => x.command?.command === 'arl.sweepThreshold');
    expect(action?.title).toBe('Sweep the threshold of `oos_ratio >= 80` (P/R/F1 and alerts per week)');
    const args = action!.command!.arguments![0];
    const sw = await client.conn.sendRequest(SweepRequest, args);
    expect(sw).toMatchObject({ uri, rule: 'critical', op: '>=', current: 80, literal: { text: '80', range: { start: pos(text, '80 or'), end: pos(text, ' or (oos') } } });
    const step = sw.steps[Math.floor(sw.steps.length / 3)];
    const applied = text.replace('oos_ratio >= 80 or', `oos_ratio >= ${step.value} or`);
    const a = await analyze(applied, ex.arl, { store: new DatasetStore() });
    for (const split of ['train', 'validation'] as const) {
      const s = a.scores(split)!;
      expect(step.rule[split]).toEqual({ tp: s.rules[0].tp, fp: s.rules[0].fp, fires: s.rules[0].fires });
      expect(step.file[split]).toEqual({ tp: s.file.tp, fp: s.file.fp, fires: s.file.fires });
    }
    // Not a comparison: a clear error.
    await expect(client.conn.sendRequest(SweepRequest, { uri, position: pos(text, 'let z') })).rejects.toThrow(/Put the cursor on a comparison/);
  });

  it('previews a proposal in the refactor preview, with the file’s and the rule’s F1 before -> after', async () => {
    const weak = text.replace('oos_ratio >= 45', 'oos_ratio >= 5');
    await client.change(uri, weak);
    const at = pos(weak, 'rule escalating', 6);
    const actions = (await client.conn.sendRequest(CodeActionRequest.type, {
      textDocument: { uri },
      range: { start: at, end: at },
      context: { diagnostics: [], triggerKind: CodeActionTriggerKind.Invoked },
    })) as CodeAction[];
    const fix = actions.find((x) => x.kind === 'quickfix' && x.edit)!;
    const preview = actions.find((x) => x.title === `Preview: ${fix.title.replace(/ \(file point F1:.*\)$/, '')}`)!;
    expect(preview.kind).toBe('refactor.rewrite');
    const ann = preview.edit!.changeAnnotations!.proposal;
    expect(ann.needsConfirmation).toBe(true);
    expect(ann.description).toMatch(/^file point F1: train [\d.]+ -> [\d.]+, validation [\d.]+ -> [\d.]+; rule `escalating` F1: train [\d.]+ -> [\d.]+, validation [\d.]+ -> [\d.]+$/);
    expect(preview.command?.command).toBe('arl.recordAttempt');
    await client.change(uri, text);
  });

  it('keeps searching when VS Code cancels an open menu’s request (diagnostics arrived), so the lightbulb gets the proposals', async () => {
    const weak = text.replace('oos_ratio >= 45', 'oos_ratio >= 6');
    await client.change(uri, weak);
    const at = pos(weak, 'rule escalating', 6);
    const ask = (triggerKind: CodeActionTriggerKind, token?: CancellationToken) =>
      client.conn.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: { start: at, end: at }, context: { diagnostics: [], triggerKind } }, token) as Promise<CodeAction[] | null>;
    const source = new CancellationTokenSource();
    const invoked = ask(CodeActionTriggerKind.Invoked, source.token).catch(() => null);
    // The server handles messages in order: once a later request is answered, the search runs.
    await client.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: at });
    source.cancel();
    await invoked;
    // The lightbulb's own (automatic) requests never start a search: they offer what is known.
    const deadline = Date.now() + 60000;
    let fixes: CodeAction[] = [];
    while (!fixes.length) {
      expect(Date.now(), 'the search went on after the cancellation').toBeLessThan(deadline);
      fixes = ((await ask(CodeActionTriggerKind.Automatic)) ?? []).filter((x) => x.kind === 'quickfix' && x.edit);
      if (!fixes.length) await new Promise((r) => setTimeout(r, 100));
    }
    expect(fixes[0].title).toMatch(/\(file point F1: train [\d.]+ -> [\d.]+, validation [\d.]+ -> [\d.]+\)$/);
    await client.change(uri, text);
  });

  it('finds a series’ first row in its CSV', async () => {
    const csv = readFileSync(ex.csv, 'utf8').split('\n');
    const id = csv[1].split(',')[0];
    const loc = await client.conn.sendRequest(SeriesLocationRequest, { uri, series: id });
    expect(loc.path).toBe(ex.csv);
    expect(csv[loc.line - 1].startsWith(`${id},`)).toBe(true);
    expect(csv.findIndex((l) => l.startsWith(`${id},`)) + 1).toBe(loc.line);
    const other = csv[csv.length - 2].split(',')[0];
    const l2 = await client.conn.sendRequest(SeriesLocationRequest, { uri, series: other });
    expect(csv.findIndex((l) => l.startsWith(`${other},`)) + 1).toBe(l2.line);
    await expect(client.conn.sendRequest(SeriesLocationRequest, { uri, series: 'NOPE' })).rejects.toThrow(/No series `NOPE`/);
  });

  it('records an applied proposal, then its undo and redo, so the trajectory shows the file as it is', async () => {
    const after = text.replace('oos_ratio >= 45', 'oos_ratio >= 47');
    const ruleBefore = text.slice(text.indexOf('rule escalating'), text.indexOf('oos_ratio >= 45') + 15);
    const ruleAfter = ruleBefore.replace('45', '47');
    await client.change(uri, after);
    const rec = await client.conn.sendRequest(RecordAttemptRequest, { uri, rule: 'escalating', proposer: 'offline', title: 'Tune threshold 45 -> 47', before: ruleBefore, after: ruleAfter });
    expect(rec?.id).toMatch(/^[0-9a-f-]{36}$/);
    const mine = async () => (await readTrajectory(ex.arl)).attempts.find((x) => x.id === rec!.id)!;
    expect((await mine()).undone).toBeUndefined();
    await client.change(uri, text);
    await client.conn.sendRequest(RecordUndoRequest, { uri, attempt: rec!.id, rule: 'escalating', action: 'undo' });
    expect((await mine()).undone).toMatch(/^\d{4}-\d\d-\d\dT/);
    await client.change(uri, after);
    await client.conn.sendRequest(RecordUndoRequest, { uri, attempt: rec!.id, rule: 'escalating', action: 'redo' });
    expect((await mine()).undone).toBeUndefined();
    await client.change(uri, text);
  });
});
