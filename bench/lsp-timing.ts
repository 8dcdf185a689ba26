// First lenses after opening (no frame cache, then with it) and edit-to-lenses, through the
// language server protocol in this process (bench/scale.ts and bench/lsp-scale.ts).
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CodeLensRequest, DidChangeTextDocumentNotification } from 'vscode-languageserver-protocol/node';
import type { Timings } from '../server/src/engine/analyze';
import { startTestServer } from '../test/support/lsp';

/**
 * Wall time (and this process's CPU time, the server being in it, worker threads included) from
 * open to the first lenses and from each edit to its lenses, in ms; and the first analysis' own
 * account of its time without the frame cache (reading the data, features, conditions and scores).
 */
export async function lspTimings(arl: string, dir: string, editRounds = 21): Promise<{ cold: number; coldCpu: number; warm: number; coldParts: Timings; edits: number[]; editsCpu: number[] }> {
  const text = readFileSync(arl, 'utf8');
  const uri = pathToFileURL(arl).href;
  const open = async () => {
    // A long debounce: the lens request itself triggers the analysis.
    const client = await startTestServer({}, { debounceMs: 60000 });
    const t = performance.now();
    const c = process.cpuUsage();
    await client.open(uri, text);
    const lenses = await client.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri } });
    if (!lenses?.length) throw new Error('no lenses');
    const used = process.cpuUsage(c);
    return { client, ms: performance.now() - t, cpu: (used.user + used.system) / 1000 };
  };
  const cacheDir = join(dir, '.arl', 'cache');
  rmSync(cacheDir, { recursive: true, force: true });
  const first = await open();
  const coldParts = { ...first.client.workspace.latest(uri)!.timings };
  first.client.close();
  // The server writes the frame cache in the background: the next session starts once it is there.
  while (!(existsSync(cacheDir) && readdirSync(cacheDir).some((f) => f.endsWith('.arlc')))) await new Promise((r) => setTimeout(r, 100));
  const second = await open();
  const client = second.client;
  const edits: number[] = [];
  const editsCpu: number[] = [];
  let version = 1;
  for (let r = 0; r < editRounds; r++) {
    const edited = text.replace('oos_ratio >= 80', `oos_ratio >= ${70 + (r % 20)}`);
    const t = performance.now();
    const c = process.cpuUsage();
    await client.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: ++version }, contentChanges: [{ text: edited }] });
    const lenses = await client.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri } });
    if (!lenses?.length) throw new Error('no lenses');
    if (r > 0) edits.push(performance.now() - t);
    const used = process.cpuUsage(c);
    if (r > 0) editsCpu.push((used.user + used.system) / 1000);
  }
  client.close();
  return { cold: first.ms, coldCpu: first.cpu, warm: second.ms, coldParts, edits, editsCpu };
}
