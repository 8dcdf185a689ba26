// What the language server reads and writes: datasets only inside the workspace folders (or the
// file's own folder) and `arl.data.allowedRoots`; in an untrusted workspace no data at all and no
// file written, said in a lens and the file status; writes never through a planted link.
import { mkdirSync, readFileSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { CodeLensRequest, CompletionRequest, type CompletionItem, type Diagnostic } from 'vscode-languageserver-protocol/node';
import { FileStatusNotification, PreviewRequest, RecordAttemptRequest, RecordUndoRequest, RefineLlmRequest, WorkspaceTrustNotification, type FileStatus } from '../../server/src/lsp/protocol';
import { trajectoryPath } from '../../server/src/refine/trajectory';
import { syntheticCsv } from '../refine/synthetic';
import { exampleDir } from '../support/example';
import { startTestServer, type TestClient } from '../support/lsp';
import { tempDir } from '../support/tmp';

const block = (path: string) => `dataset "${path}" {\n    series = id\n    time = t\n    label = label\n}\nrule r when x >= 42.5 and y >= 5\n`;
let client: TestClient | undefined;
afterEach(() => {
  client?.close();
  client = undefined;
});

/** Opens a rule file naming `path` in `dir`; its diagnostics. */
async function openWith(c: TestClient, dir: string, path: string, name = 'rules.arl'): Promise<{ uri: string; diagnostics: Diagnostic[] }> {
  const file = join(dir, name);
  writeFileSync(file, block(path));
  const uri = pathToFileURL(file).href;
  return { uri, diagnostics: (await c.open(uri, block(path))).diagnostics };
}

function outside(diagnostics: Diagnostic[], raw: string): Diagnostic | undefined {
  const d = diagnostics.find((x) => x.code === 'dataset-outside');
  if (d) {
    // On the path string, saying what and how to allow it; nothing of the file's content.
    expect(d.severity).toBe(1);
    expect(d.range).toEqual({ start: { line: 0, character: 8 }, end: { line: 0, character: 10 + raw.length } });
    expect(d.message).toMatch(/is outside the workspace, so it was not read: ARL reads data only inside .*\. Move the file into the workspace, or add \S+ to the setting arl\.data\.allowedRoots\.$/);
  }
  expect(JSON.stringify(diagnostics)).not.toMatch(/root:|not in the header/);
  return d;
}

describe('datasets the server reads', () => {
  it('refuses paths outside the workspace, and links that lead outside, on the path string', async () => {
    client = await startTestServer();
    const dir = tempDir('arl-lsp-sec-');
    const data = tempDir('arl-lsp-data-');
    writeFileSync(join(data, 'data.csv'), syntheticCsv(40));
    symlinkSync(join(data, 'data.csv'), join(dir, 'linked.csv'));
    for (const [i, raw] of ['/proc/self/environ', '/etc/passwd', '../../../../etc/passwd', 'linked.csv'].entries()) {
      const { diagnostics } = await openWith(client, dir, raw, `r${i}.arl`);
      expect(outside(diagnostics, raw), raw).toBeDefined();
    }
    const lenses = await client.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri: pathToFileURL(join(dir, 'r1.arl')).href } });
    expect(lenses?.map((l) => l.command?.title)).toEqual([expect.stringMatching(/^Dataset not loaded: The dataset "\/etc\/passwd" is outside the workspace/)]);
  });

  it('reads a folder the user allowed with arl.data.allowedRoots', async () => {
    const data = tempDir('arl-lsp-data-');
    writeFileSync(join(data, 'data.csv'), syntheticCsv(40));
    client = await startTestServer({}, { debounceMs: 0, allowedRoots: [data] });
    const dir = tempDir('arl-lsp-sec-');
    symlinkSync(join(data, 'data.csv'), join(dir, 'linked.csv'));
    const { diagnostics } = await openWith(client, dir, 'linked.csv');
    expect(outside(diagnostics, 'linked.csv')).toBeUndefined();
    expect(diagnostics.filter((d) => d.severity === 1)).toEqual([]);
  });

  it('reads anywhere in the workspace folders; a file outside them reads only its own folder', async () => {
    const project = tempDir('arl-lsp-ws-');
    mkdirSync(join(project, 'rules'));
    mkdirSync(join(project, 'data'));
    writeFileSync(join(project, 'data', 'd.csv'), syntheticCsv(40));
    client = await startTestServer({ workspace: { workspaceFolders: true } }, { debounceMs: 0 }, { workspaceFolders: [{ uri: pathToFileURL(project).href, name: 'p' }] });
    const inFolder = await openWith(client, join(project, 'rules'), '../data/d.csv');
    expect(inFolder.diagnostics.filter((d) => d.severity === 1)).toEqual([]);
    client.close();
    client = await startTestServer();
    const alone = await openWith(client, join(project, 'rules'), '../data/d.csv', 'other.arl');
    expect(outside(alone.diagnostics, '../data/d.csv')).toBeDefined();
  });
});

describe('an untrusted workspace', () => {
  it('reads no data, writes nothing, and says so; trust turns the data on', async () => {
    const ex = await exampleDir(60);
    client = await startTestServer({}, { debounceMs: 0, trusted: false });
    const statuses: FileStatus[] = [];
    const waiters: { state: string; resolve: () => void }[] = [];
    client.conn.onNotification(FileStatusNotification, (s) => {
      statuses.push(s);
      for (const w of waiters.filter((x) => x.state === s.state)) w.resolve();
    });
    const status = (state: string) => (statuses.some((s) => s.state === state) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ state, resolve })));
    // A label column the CSV does not have: reading the data would report it.
    const text = readFileSync(ex.arl, 'utf8').replace('label  = is_anomaly', 'label  = no_such_column').replace('rising(oos_ratio, 3)', 'risng(oos_ratio, 3)');
    expect(text).toContain('no_such_column');
    const uri = pathToFileURL(ex.arl).href;
    const { diagnostics } = await client.open(uri, text);
    // Parse and check still run; the data is not read (no missing-column error).
    expect(diagnostics.filter((d) => d.severity === 1).map((d) => d.message)).toEqual([expect.stringMatching(/Unknown function `risng`/)]);
    expect(diagnostics.find((d) => d.code === 'restricted')?.message).toMatch(/^Restricted mode: the data is not read in an untrusted workspace/);
    expect(diagnostics.map((d) => d.code)).not.toContain('missing-column');
    await status('errors');
    const fixed = await client.change(uri, text.replace('risng(', 'rising('));
    expect(fixed.diagnostics.map((d) => d.code)).toEqual(['restricted']);
    await status('restricted');
    expect(statuses.at(-1)).toMatchObject({ state: 'restricted', message: expect.stringMatching(/^Restricted mode: ARL reads no data and writes no file/) });
    const lenses = await client.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri } });
    expect(lenses?.map((l) => l.command?.title)).toEqual(['Restricted mode: data not read (trust the workspace to see metrics)']);
    const preview = await client.conn.sendRequest(PreviewRequest, { uri, rule: null, split: 'train' }).then(
      () => undefined,
      (e: Error) => e.message,
    );
    expect(preview).toMatch(/Restricted mode/);
    // No write, no LLM.
    const write = await client.conn.sendRequest(RecordAttemptRequest, { uri, rule: 'critical', proposer: 'offline', title: 't', before: 'a', after: 'b' }).then(
      () => undefined,
      (e: { code: number; message: string }) => e,
    );
    expect(write).toMatchObject({ code: -32803, message: expect.stringMatching(/^Restricted mode/) });
    const llm = await client.conn.sendRequest(RefineLlmRequest, { uri, rule: 'critical', model: 'm' });
    expect(llm.error?.code).toBe('untrusted');
    expect(existsSync(join(ex.dir, '.arl'))).toBe(false);
    // Trusted now: the data is read (and the wrong label column reported).
    statuses.length = 0;
    await client.conn.sendNotification(WorkspaceTrustNotification, { trusted: true });
    await status('data-error');
    expect(statuses.at(-1)?.message).toMatch(/no_such_column/);
  });
});

describe('folders the server lists', () => {
  it('completes no file name in the dataset path of an untrusted workspace, and the folder\'s once trusted', async () => {
    const dir = tempDir('arl-lsp-paths-');
    writeFileSync(join(dir, 'data.csv'), syntheticCsv(10));
    client = await startTestServer({}, { debounceMs: 0, trusted: false });
    const text = 'dataset "" {\n    series = id\n}\n';
    const uri = pathToFileURL(join(dir, 'rules.arl')).href;
    await client.open(uri, text);
    const labels = async () => ((await client!.conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: 0, character: 9 } })) as CompletionItem[]).map((i) => i.label);
    expect(await labels()).toEqual([]);
    await client.conn.sendNotification(WorkspaceTrustNotification, { trusted: true });
    expect(await labels()).toEqual(['data.csv']);
  });
});

describe('writes from the server', () => {
  it('refuses to record an attempt through a trajectory linked outside', async () => {
    const ex = await exampleDir(60);
    const target = join(tempDir('arl-lsp-home-'), '.bashrc');
    writeFileSync(target, 'export PATH=$PATH\n');
    mkdirSync(join(ex.dir, '.arl'));
    symlinkSync(target, trajectoryPath(ex.arl));
    client = await startTestServer();
    const uri = pathToFileURL(ex.arl).href;
    await client.open(uri, readFileSync(ex.arl, 'utf8'));
    const e = await client.conn.sendRequest(RecordAttemptRequest, { uri, rule: 'critical', proposer: 'offline', title: '$(id)', before: 'a', after: 'b' }).then(
      () => undefined,
      (x: { code: number; message: string }) => x,
    );
    expect(e).toMatchObject({ code: -32803, message: expect.stringMatching(/^Refusing to write .*stockout\.arl\.trajectory\.jsonl: it is a symbolic link/) });
    expect(readFileSync(target, 'utf8')).toBe('export PATH=$PATH\n');
  });

  it('refuses to record an undo through a trajectory linked outside, and in an untrusted workspace', async () => {
    const ex = await exampleDir(60);
    const target = join(tempDir('arl-lsp-home-'), '.bashrc');
    writeFileSync(target, 'export PATH=$PATH\n');
    mkdirSync(join(ex.dir, '.arl'));
    symlinkSync(target, trajectoryPath(ex.arl));
    client = await startTestServer();
    const uri = pathToFileURL(ex.arl).href;
    await client.open(uri, readFileSync(ex.arl, 'utf8'));
    const undo = () =>
      client!.conn.sendRequest(RecordUndoRequest, { uri, attempt: 'a1', rule: 'critical', action: 'undo' }).then(
        () => undefined,
        (x: { code: number; message: string }) => x,
      );
    expect(await undo()).toMatchObject({ code: -32803, message: expect.stringMatching(/^Refusing to write .*stockout\.arl\.trajectory\.jsonl: it is a symbolic link/) });
    expect(readFileSync(target, 'utf8')).toBe('export PATH=$PATH\n');
    await client.conn.sendNotification(WorkspaceTrustNotification, { trusted: false });
    expect(await undo()).toMatchObject({ code: -32803, message: expect.stringMatching(/^Restricted mode/) });
    expect(readFileSync(target, 'utf8')).toBe('export PATH=$PATH\n');
  });
});
