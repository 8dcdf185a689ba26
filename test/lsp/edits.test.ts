// Edits over a real LSP connection: after a run of edits (thresholds, a window, a rule added and
// removed), the lenses and diagnostics are those of a fresh server opening the same text, though
// the edited server computed only what changed; and an analysis overtaken by a newer edit is
// abandoned, never published.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DidChangeTextDocumentNotification, DidCloseTextDocumentNotification, type PublishDiagnosticsParams } from 'vscode-languageserver-protocol/node';
import { exampleDir, type ExampleDir } from '../support/example';
import { holdDatasets, lensRows, startTestServer, type TestClient } from '../support/lsp';

let ex: ExampleDir;
let uri: string;
let text: string;

beforeAll(async () => {
  ex = await exampleDir(1500);
  uri = pathToFileURL(ex.arl).href;
  text = readFileSync(ex.arl, 'utf8');
});

const lensesOf = (client: TestClient) => lensRows(client, uri);
const sorted = (d: PublishDiagnosticsParams) => d.diagnostics.map((x) => [x.range.start.line, x.range.start.character, x.code, x.message]).sort();

/** Lenses and diagnostics of a server that opens `t` and has seen nothing before. */
async function fresh(t: string) {
  const client = await startTestServer();
  try {
    const d = await client.open(uri, t);
    return { lenses: await lensesOf(client), diagnostics: sorted(d) };
  } finally {
    client.close();
  }
}

describe('edits', () => {
  let client: TestClient;
  afterAll(() => client?.close());

  it('give the lenses and diagnostics a fresh server gives, computing only what changed', async () => {
    client = await startTestServer();
    await client.open(uri, text);
    const versions = [
      text.replace('oos_ratio >= 80', 'oos_ratio >= 70'),
      text.replace('oos_ratio >= 80', 'oos_ratio >= 71'),
      text.replace('oos_ratio >= 80', 'oos_ratio >= 72'),
      text.replace('oos_ratio >= 80', 'oos_ratio >= 60'),
      text.replace('oos_ratio >= 80', 'oos_ratio >= 60').replace('oos_ratio >= 50)', 'oos_ratio >= 55)'),
      text.replace('oos_ratio >= 80', 'oos_ratio >= 60').replace('oos_ratio >= 50)', 'oos_ratio >= 56)'),
      text.replace('recent < 3', 'recent < 2'),
      text.replace('recent < 3', 'recent < 4').replace('0.5 * lag', '0.4 * lag'),
      text.replace('zscore(oos_ratio, 52)', 'zscore(oos_ratio, 26)'),
      `${text}\nrule spike when oos_ratio >= 95\n`,
      `${text}\nrule spike when oos_ratio >= 90\n`,
      text,
    ];
    for (const t of versions) {
      const d = await client.change(uri, t);
      const got = { lenses: await lensesOf(client), diagnostics: sorted(d) };
      expect(got).toEqual(await fresh(t));
    }
    // The thresholds edited one after another were computed where they could change.
    const ev = client.workspace.latest(uri)!.data!.evaluator;
    expect(ev.deltas.used).toBeGreaterThan(3);
  });

  it('abandon an analysis a newer edit overtook: it is never published', async () => {
    const c = await startTestServer();
    try {
      // The first analysis waits at its dataset until the second has started.
      const { first, second, release: gate } = holdDatasets(c.workspace);
      void c.open(uri, text);
      await first;
      const edited = text.replace('oos_ratio >= 80', 'oos_ratio >= 75');
      const d = c.change(uri, edited);
      await second;
      gate();
      expect(sorted(await d)).toEqual((await fresh(edited)).diagnostics);
      expect(await lensesOf(c)).toEqual((await fresh(edited)).lenses);
      const versions = c.published.filter((p) => p.uri === uri).map((p) => p.version);
      expect(versions).toContain(2);
      expect(versions).not.toContain(1);
    } finally {
      c.close();
    }
  });
});

describe('the lenses of an edit', () => {
  it('are sent before its diagnostics, which still hold the checks on the flags', async () => {
    // A long debounce: the lens request starts the analysis of the edit.
    const c = await startTestServer({}, { debounceMs: 60000 });
    try {
      await c.open(uri, text);
      // A rule that never fires: a warning made from the flags.
      const edited = `${text}\nrule never when oos_ratio > 1000\n`;
      const analysed = c.diagnostics(uri, 2);
      await c.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 2 }, contentChanges: [{ text: edited }] });
      const lenses = await lensesOf(c);
      const d = await analysed;
      expect(d.diagnostics.map((x) => x.code)).toContain('never-fires');
      expect({ lenses, diagnostics: sorted(d) }).toEqual(await fresh(edited));
      const lensAt = c.sent.findIndex((m) => 'id' in m && 'result' in m && Array.isArray(m.result) && m.result.length > 0);
      const diagnosticsAt = c.sent.findIndex((m) => 'method' in m && m.method === 'textDocument/publishDiagnostics' && (m as { params?: PublishDiagnosticsParams }).params?.version === 2);
      expect(lensAt).toBeGreaterThan(0);
      expect(diagnosticsAt).toBeGreaterThan(lensAt);
    } finally {
      c.close();
    }
  });
});

describe('closing a file', () => {
  it('drops the work still waiting for it (its behavioural findings), so nothing holds its analysis', async () => {
    const c = await startTestServer();
    try {
      await c.open(uri, text);
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      // An edit analysed (the lenses asked for at once, its diagnostics published after them): its
      // behavioural findings wait for typing to pause.
      const analysed = c.diagnostics(uri, 2);
      await c.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 2 }, contentChanges: [{ text: text.replace('oos_ratio >= 80', 'oos_ratio >= 78') }] });
      expect((await lensesOf(c)).length).toBeGreaterThan(0);
      await analysed;
      const waiting = vi.getTimerCount();
      expect(waiting).toBeGreaterThan(0);
      const closed = c.diagnostics(uri);
      await c.conn.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
      expect((await closed).diagnostics).toEqual([]);
      expect(vi.getTimerCount()).toBe(waiting - 1);
    } finally {
      vi.useRealTimers();
      c.close();
    }
  });
});
