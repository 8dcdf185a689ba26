// A file's first analysis, by blocks of series on a worker thread and this one when cores are
// idle, over a real LSP connection: the lenses of column-by-column evaluation, an evaluator kept
// for edits that then compute only what changed, and a newer edit abandoning it.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

/** A server whose first analyses go by blocks of about 2,000 points on `threads` worker threads and this one (0: column by column). */
async function server(threads: number): Promise<TestClient> {
  const client = await startTestServer();
  client.workspace.evalThreads = () => threads;
  client.workspace.blockPoints = 2000;
  return client;
}

describe("a file's first analysis by blocks", () => {
  const clients: TestClient[] = [];
  afterAll(() => clients.forEach((c) => c.close()));

  it('shows the lenses of column-by-column evaluation, and edits after it compute what they did after that', async () => {
    const [columns, blocks] = [await server(0), await server(1)];
    clients.push(columns, blocks);
    await Promise.all([columns.open(uri, text), blocks.open(uri, text)]);
    const firstLenses = await lensesOf(blocks);
    expect(firstLenses.length).toBeGreaterThan(4);
    expect(firstLenses).toEqual(await lensesOf(columns));
    const cev = columns.workspace.latest(uri)!.data!.evaluator;
    const bev = blocks.workspace.latest(uri)!.data!.evaluator;
    // The blocks' features and flags were taken in: nothing computed column by column.
    expect(bev.computed).toBe(0);
    expect(cev.computed).toBeGreaterThan(0);
    const before = cev.computed;
    const versions = [
      text.replace('oos_ratio >= 45', 'oos_ratio >= 40'),
      text.replace('oos_ratio >= 45', 'oos_ratio >= 41'),
      text.replace('oos_ratio >= 80', 'oos_ratio >= 70'),
      text.replace('oos_ratio >= 80', 'oos_ratio >= 71'),
      text.replace('zscore(oos_ratio, 52)', 'zscore(oos_ratio, 26)'),
    ];
    for (const t of versions) {
      await Promise.all([columns.change(uri, t), blocks.change(uri, t)]);
      expect(await lensesOf(blocks)).toEqual(await lensesOf(columns));
    }
    // Edited back: the first lenses again.
    await blocks.change(uri, text);
    expect(await lensesOf(blocks)).toEqual(firstLenses);
    await columns.change(uri, text);
    // The same columns computed after the first analysis, thresholds only where they could change.
    expect(bev.computed).toBe(cev.computed - before);
    expect(bev.deltas.used).toBe(cev.deltas.used);
    expect(bev.deltas.used).toBeGreaterThan(1);
  });

  it('is abandoned for a newer edit, and that edit gets the lenses a server opening it gets', async () => {
    const c = await server(1);
    clients.push(c);
    // The first analysis waits at its dataset until the second has started.
    const { first, second, release: gate } = holdDatasets(c.workspace);
    void c.open(uri, text);
    await first;
    const edited = text.replace('oos_ratio >= 80', 'oos_ratio >= 75');
    const d = c.change(uri, edited);
    await second;
    gate();
    await d;
    const lenses = await lensesOf(c);
    expect(c.workspace.latest(uri)!.data!.evaluator.computed).toBe(0);
    const fresh = await server(0);
    clients.push(fresh);
    await fresh.open(uri, edited);
    expect(lenses).toEqual(await lensesOf(fresh));
    expect(c.published.filter((p) => p.uri === uri).map((p) => p.version)).not.toContain(1);
  });
});
