// Edit-to-lenses latency on the 10,000 x 53 example, through the real language server protocol:
// from didChange (one threshold edited) to the CodeLens response, without the debounce.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { CodeLensRequest, DidChangeTextDocumentNotification } from 'vscode-languageserver-protocol/node';
import { startTestServer } from '../test/support/lsp';
import { ensureExample, exampleArl, median, spread } from './util';

await ensureExample();
const text = readFileSync(exampleArl, 'utf8');
const uri = pathToFileURL(exampleArl).href;
// A long debounce: the lens request itself triggers the analysis, so the debounce is not measured.
const client = await startTestServer({}, { debounceMs: 60000 });
const t0 = performance.now();
await client.open(uri, text);
console.log(`open and first lenses (cold load): ${(performance.now() - t0).toFixed(0)} ms`);
const times: number[] = [];
let version = 1;
for (let r = 0; r < 41; r++) {
  const edited = text.replace('oos_ratio >= 80', `oos_ratio >= ${70 + (r % 20)}`);
  const t = performance.now();
  await client.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: ++version }, contentChanges: [{ text: edited }] });
  const lenses = await client.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri } });
  if (!lenses?.length) throw new Error('no lenses');
  if (r > 0) times.push(performance.now() - t);
}
console.log(`edit-to-lenses: ${spread(times)}; goal: median under 20 ms (${median(times) < 20 ? 'met' : 'not met'})`);
client.close();
process.exit(0);
