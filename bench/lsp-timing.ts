// First lenses after opening (no frame cache, then with it) and edit-to-lenses, through the
// language server protocol in this process (bench/scale.ts and bench/lsp-scale.ts).
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CodeLensRequest, DidChangeTextDocumentNotification, DidCloseTextDocumentNotification } from 'vscode-languageserver-protocol/node';
import type { Timings } from '../server/src/engine/analyze';
import { startTestServer, type TestClient } from '../test/support/lsp';

/**
 * Wall time (and this process's CPU time, the server being in it, worker threads included) from
 * open to the first lenses and from each edit to its lenses, in ms; and the first analysis' own
 * account of its time without the frame cache (reading the data, features, conditions and scores).
 * The lenses are asked for right after didOpen or didChange, as an editor does. Each edit is made
 * once the server has published the one before (its diagnostics and what else follows the lenses:
 * a person types slower than that); `editsBackToBack`, each as soon as the lenses before came.
 * Edit CPU counts everything the edit costs, up to its diagnostics. `threads`: the block worker
 * threads a first analysis starts (default: as the server chooses, one per idle core).
 */
export async function lspTimings(
  arl: string,
  dir: string,
  editRounds = 21,
  threads?: number,
): Promise<{ cold: number; coldCpu: number; warm: number; coldParts: Timings; edits: number[]; editsCpu: number[]; editsBackToBack: number[] }> {
  const text = readFileSync(arl, 'utf8');
  const uri = pathToFileURL(arl).href;
  const open = async () => {
    // A long debounce: the lens request itself triggers the analysis.
    const client = await startTestServer({}, { debounceMs: 60000 });
    if (threads !== undefined) client.workspace.evalThreads = () => threads;
    const t = performance.now();
    const c = process.cpuUsage();
    const published = client.open(uri, text);
    const lenses = await client.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri } });
    if (!lenses?.length) throw new Error('no lenses');
    const used = process.cpuUsage(c);
    const ms = performance.now() - t;
    await published;
    return { client, ms, cpu: (used.user + used.system) / 1000 };
  };
  const cacheDir = join(dir, '.arl', 'cache');
  rmSync(cacheDir, { recursive: true, force: true });
  const first = await open();
  const coldParts = { ...first.client.workspace.latest(uri)!.timings };
  await done(first.client, uri);
  await cacheWritten(cacheDir);
  const second = await open();
  const client = second.client;
  const edits: number[] = [];
  const editsCpu: number[] = [];
  const editsBackToBack: number[] = [];
  let version = 1;
  // Thresholds 70 to 89 (each a new one), then 70.5 to 89.5 back to back.
  for (let r = 0; r < 2 * editRounds; r++) {
    const idle = r < editRounds;
    const edited = text.replace('oos_ratio >= 80', `oos_ratio >= ${70 + (r % 20) + (idle ? 0 : 0.5)}`);
    const t = performance.now();
    const c = process.cpuUsage();
    const published = client.diagnostics(uri, ++version);
    await client.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ text: edited }] });
    const lenses = await client.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri } });
    if (!lenses?.length) throw new Error('no lenses');
    const ms = performance.now() - t;
    if (!idle) {
      if (r > editRounds) editsBackToBack.push(ms);
      continue;
    }
    await published;
    const used = process.cpuUsage(c);
    if (r > 0) edits.push(ms), editsCpu.push((used.user + used.system) / 1000);
  }
  await done(client, uri);
  return { cold: first.ms, coldCpu: first.cpu, warm: second.ms, coldParts, edits, editsCpu, editsBackToBack };
}

/** The server writes the frame cache in the background: the next session starts once it is there. */
async function cacheWritten(cacheDir: string): Promise<void> {
  while (!(existsSync(cacheDir) && readdirSync(cacheDir).some((f) => f.endsWith('.arlc')))) await new Promise((r) => setTimeout(r, 100));
}

/** Wall time from open to the first lenses without the frame cache, the first analysis on `threads` block worker threads and this one. */
export async function firstLenses(arl: string, dir: string, threads: number): Promise<number> {
  const uri = pathToFileURL(arl).href;
  const cacheDir = join(dir, '.arl', 'cache');
  rmSync(cacheDir, { recursive: true, force: true });
  const client = await startTestServer({}, { debounceMs: 60000 });
  client.workspace.evalThreads = () => threads;
  const t = performance.now();
  const published = client.open(uri, readFileSync(arl, 'utf8'));
  const lenses = await client.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri } });
  const ms = performance.now() - t;
  if (!lenses?.length) throw new Error('no lenses');
  await published;
  await done(client, uri);
  await cacheWritten(cacheDir);
  return ms;
}

/** Closes the file, so that the server drops the work it would do later (behavioural findings), then the connection. */
async function done(client: TestClient, uri: string): Promise<void> {
  const closed = async () => {
    // The diagnostics cleared on close (an edit's may come before them).
    for (;;) {
      const d = await client.diagnostics(uri);
      if (d.version === undefined && d.diagnostics.length === 0) return;
    }
  };
  const cleared = closed();
  await client.conn.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
  await cleared;
  client.close();
}
