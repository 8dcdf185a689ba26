// The objective, event figures and trivial baselines in the editor: lenses, hover, the warning
// when the rules do no better than flagging every point, and completion of the objective.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CodeLensRequest, CompletionRequest, HoverRequest, type CompletionItem, type Hover, type MarkupContent } from 'vscode-languageserver-protocol/node';
import { startTestServer, type TestClient } from '../support/lsp';
import { tempDir } from '../support/tmp';

/** Three series of 60 points; anomalies are runs of 4 points where x jumps to 10, in every split. */
function eventCsv(): string {
  let out = 'id,t,x,y\n';
  for (const id of ['a', 'b', 'c']) {
    for (let t = 0; t < 60; t++) {
      const anomaly = (t >= 10 && t < 14) || (t >= 40 && t < 44) || (t >= 52 && t < 56);
      out += `${id},${t},${anomaly ? 10 : 1 + ((t * 7) % 5) / 10},${anomaly ? 1 : 0}\n`;
    }
  }
  return out;
}

const head = (extra = '') => `dataset "data.csv" {\n    series = id\n    time   = t\n    label  = y${extra}\n}\n\n`;
const good = head() + 'rule jump when x > 5\n';
const everywhere = head() + 'rule loud when x > 0\n';

let client: TestClient;
let uri: string;

beforeAll(async () => {
  const dir = tempDir('arl-events-');
  writeFileSync(join(dir, 'data.csv'), eventCsv());
  uri = pathToFileURL(join(dir, 'rules.arl')).href;
  client = await startTestServer();
  await client.open(uri, good);
});

afterAll(() => client?.close());

const lenses = async () => ((await client.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri } })) ?? []).map((l) => l.command?.title ?? '');
const hoverAt = async (line: number, character: number) =>
  (((await client.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line, character } })) as Hover | null)?.contents as MarkupContent | undefined)?.value ?? '';

describe('objective and baselines in the editor', () => {
  it('lenses show the event objective beside flag-all and flag-nothing, and event figures per rule', async () => {
    const d = await client.change(uri, good);
    expect(d.diagnostics.filter((x) => x.code === 'below-baseline')).toEqual([]);
    const t = await lenses();
    // Train: 36 points per series, one event of 4 each. Flag-all is one alarm per series with 4
    // of its 36 points in the event: event precision 0.11, recall 1, F1 0.20.
    expect(t[1]).toMatch(/^event F1 1\.00 · flag all 0\.20 · flag none 0\.00 · event P 1\.00 R 1\.00 F1 1\.00 · 3 alarms \(0 false\) · [\d.]+ per series per 1,000 points · median delay 0 pts \(train\)$/);
    expect(t[2]).toContain('event P 1.00 R 1.00 F1 1.00');
  });

  it('warns on the dataset block when the rules do no better than flagging every point', async () => {
    const d = await client.change(uri, everywhere);
    const w = d.diagnostics.filter((x) => x.code === 'below-baseline');
    expect(w).toHaveLength(1);
    expect(w[0].severity).toBe(2);
    expect(w[0].range.start).toEqual({ line: 0, character: 0 });
    expect(w[0].message).toContain("On train the rules' event F1 is 0.200, no better than flagging every point (0.200)");
    expect((await lenses())[1]).toContain('⚠ no better than flagging every point');
    // Fixed again: the warning goes.
    const fixed = await client.change(uri, good);
    expect(fixed.diagnostics.filter((x) => x.code === 'below-baseline')).toEqual([]);
  });

  it('hover on the dataset block says which objective is used and why, with the baselines', async () => {
    await client.change(uri, good);
    const h = await hoverAt(0, 3);
    expect(h).toContain('**Objective: event F1**, the default, because the labels form runs longer than one point');
    expect(h).toMatch(/\| rules \| 1 \| 1 \| 1 \| 1 \| 1 \| 3 \|/);
    expect(h).toMatch(/\| flag all \| 0\.2 \|/);
    expect(h).toMatch(/\| flag none \| 0 \| 0 \| – \| 0 \| 0 \| 0 \|/);
    expect(h).toContain('Point-adjusted F1, inflated');
    // Set explicitly: point F1, and hover says so.
    const text = head('\n    objective = point_f1');
    await client.change(uri, text + 'rule jump when x > 5\n');
    const p = await hoverAt(0, 3);
    expect(p).toContain('**Objective: point F1**, set in the dataset block');
    expect((await lenses())[1]).toMatch(/^point F1 1\.00 · flag all 0\.\d\d · flag none 0\.00 \(train\)$/);
  });

  it('tolerance and f_beta in the dataset block change what the lenses and the rule hover show', async () => {
    // Fires on the point just after each event: nothing caught without a tolerance.
    const late = 'rule late when lag(x, 1) > 5 and x < 5\n';
    const strict = await client.change(uri, head() + late);
    expect(strict.diagnostics.filter((x) => x.code === 'below-baseline')).toHaveLength(1);
    expect((await lenses())[2]).toContain('event P 0.00 R 0.00 F1 0.00');
    const tolerant = await client.change(uri, head('\n    tolerance = 1\n    objective = f_beta(2)') + late);
    expect(tolerant.diagnostics.filter((x) => x.severity === 1 || x.code === 'below-baseline')).toEqual([]);
    const t = await lenses();
    expect(t[1]).toMatch(/^event F2 1\.00 · flag all 0\.\d\d · flag none 0\.00 · event P 1\.00 R 1\.00 F1 1\.00 · 3 alarms \(0 false\) · .* · median delay 4 pts \(train\)$/);
    const rule = await hoverAt(7, 6);
    expect(rule).toContain('**rule** `late`');
    expect(rule).toMatch(/event P 1\.00 R 1\.00 F1 1\.00 · 3 alarms \(0 false\)/);
    const ds = await hoverAt(2, 6);
    expect(ds).toContain('**Objective: event F2**, set in the dataset block');
    expect(ds).toContain('Tolerance: 1 point before and after an event.');
  });

  it('completes the values of objective', async () => {
    const text = `dataset "data.csv" {\n    series = id\n    objective = `;
    await client.change(uri, text);
    const items = (await client.conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: 2, character: 16 } })) as CompletionItem[];
    expect(items.map((i) => i.label)).toEqual(['event_f1', 'point_f1', 'f_beta']);
    expect(items[2].insertText).toBe('f_beta(${1:2})');
    const keys = (await client.conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: 1, character: 4 } })) as CompletionItem[];
    expect(keys.map((i) => i.label)).toEqual(expect.arrayContaining(['objective', 'tolerance']));
  });
});
