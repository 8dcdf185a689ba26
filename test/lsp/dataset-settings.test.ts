// The dataset block's split and duplicates settings in the language server: completion, hover,
// and data problems listed as diagnostics.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompletionRequest, HoverRequest, type CompletionItem, type MarkupContent } from 'vscode-languageserver-protocol/node';
import { startTestServer, type TestClient } from '../support/lsp';
import { tempDir } from '../support/tmp';

let client: TestClient;
let dir: string;

function csv(fold: (s: number, t: number) => string): string {
  const rows = ['sku,t,x,fold,y'];
  for (let s = 0; s < 3; s++) for (let t = 0; t < 10; t++) rows.push(`s${s},${t},${t},${fold(s, t)},${t % 4 === 3 ? 1 : 0}`);
  return rows.join('\n') + '\n';
}

function at(text: string, needle: string, delta = needle.length): { line: number; character: number } {
  const i = text.indexOf(needle) + delta;
  const before = text.slice(0, i);
  return { line: before.split('\n').length - 1, character: i - before.lastIndexOf('\n') - 1 };
}

beforeAll(async () => {
  dir = tempDir();
  writeFileSync(join(dir, 'data.csv'), csv((_s, t) => (t < 6 ? 'train' : t < 8 ? 'validation' : 'test')));
  client = await startTestServer();
});

afterAll(() => client?.close());

describe('dataset settings in the editor', () => {
  it('completes split and duplicates values, and the columns after `split = column`', async () => {
    const text = 'dataset "data.csv" {\n    series = sku\n    time = t\n    label = y\n    split = \n    duplicates = \n}\nrule r when x > 5\n';
    const uri = pathToFileURL(join(dir, 'complete.arl')).href;
    await client.open(uri, text);
    const labels = async (p: { line: number; character: number }) =>
      ((await client.conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: p })) as CompletionItem[]).map((i) => i.label);
    expect(await labels(at(text, 'split = '))).toEqual(['60/20/20', 'time', 'column']);
    expect(await labels(at(text, 'duplicates = '))).toEqual(['error', 'first', 'last', 'mean', 'max']);
    const withColumn = text.replace('split = \n', 'split = column \n');
    await client.change(uri, withColumn);
    expect(await labels(at(withColumn, 'split = column '))).toEqual(expect.arrayContaining(['fold', 'sku', 'x']));
    expect(await labels(at(withColumn, '    time', 4))).toEqual(expect.arrayContaining(['split', 'duplicates']));
  });

  it('hovers the settings and their words', async () => {
    const text = 'dataset "data.csv" {\n    series = sku\n    time = t\n    label = y\n    split = time 60/20/20\n    duplicates = mean\n}\nrule r when x > 5\n';
    const uri = pathToFileURL(join(dir, 'hover.arl')).href;
    const d = await client.open(uri, text);
    expect(d.diagnostics.filter((x) => x.severity === 1)).toEqual([]);
    const hover = async (p: { line: number; character: number }) => ((await client.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: p }))?.contents as MarkupContent | undefined)?.value;
    expect(await hover(at(text, 'duplicates', 2))).toContain('repeat a time within a series');
    expect(await hover(at(text, 'time 60', 1))).toContain('each series cut by its own time');
    expect(await hover(at(text, '= mean', 3))).toContain('average the number columns');
    expect(await hover(at(text, 'split', 1))).toContain('`column NAME`');
  });

  it('lists every bad split value with its place, then how many more', async () => {
    writeFileSync(join(dir, 'bad.csv'), csv((s, t) => (s === 1 && t > 2 ? 'tset' : 'train')));
    const text = 'dataset "bad.csv" {\n    series = sku\n    time = t\n    label = y\n    split = column fold\n}\nrule r when x > 5\n';
    const uri = pathToFileURL(join(dir, 'bad.arl')).href;
    const d = await client.open(uri, text);
    const errors = d.diagnostics.filter((x) => x.code === 'dataset-error');
    // Rows 3..9 of series s1 (lines 15..21): 7 problems, each at the fold column (column 8).
    expect(errors.map((e) => e.message.match(/bad\.csv:(\d+:\d+):/)?.[1])).toEqual(['15:8', '16:8', '17:8', '18:8', '19:8', '20:8', '21:8']);
    expect(errors[0].message).toContain('"tset" is not a split: the split column `fold` holds train, validation or test');
    expect(errors[0].data).toMatchObject({ line: 15, column: 8 });
  });
});
