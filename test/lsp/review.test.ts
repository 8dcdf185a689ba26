// Review decisions through the language server: sent one after another without waiting (a
// reviewer pressing keys quickly), they are written to the label file in the order they were sent.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReviewDecideRequest } from '../../server/src/lsp/protocol';
import { startTestServer, type TestClient } from '../support/lsp';
import { tempDir } from '../support/tmp';

let client: TestClient;
let uri: string;
let dir: string;

beforeAll(async () => {
  dir = tempDir();
  let csv = 'sku,week,oos,y\n';
  for (let s = 0; s < 12; s++) for (let w = 0; w < 10; w++) csv += `s${s},${w},${w % 4},${w === 9 ? 0 : ''}\n`;
  writeFileSync(join(dir, 'data.csv'), csv);
  mkdirSync(join(dir, '.git'));
  const file = join(dir, 'rules.arl');
  const text = 'dataset "data.csv" {\n    series = sku\n    time = week\n    label = y\n}\nrule high when oos >= 3\n';
  writeFileSync(file, text);
  uri = pathToFileURL(file).href;
  client = await startTestServer({}, { debounceMs: 0 }, { workspaceFolders: [{ uri: pathToFileURL(dir).href, name: 'w' }] });
  await client.open(uri, text);
});

afterAll(() => client?.close());

describe('review decisions', () => {
  it('are written in the order they were sent, each once', async () => {
    const order = Array.from({ length: 12 }, (_, s) => `s${(s * 5) % 12}`);
    await Promise.all(order.map((series, k) => client.conn.sendRequest(ReviewDecideRequest, { uri, series, time: '9', label: k % 2 ? 0 : 1 })));
    const lines = readFileSync(join(dir, '.arl', 'labels', 'data.csv'), 'utf8').split('\n').filter((l) => l.includes(',human,'));
    expect(lines.map((l) => l.split(',')[0])).toEqual(order);
  });
});
