// The review queue: its order (margin, then LLM disagreements, then rules against labels), and
// the panel in headless Chromium on a page made by panelHtml, with a stand-in host that saves each
// decision to the real label file and sends the queue again, as the extension does.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze, type Analysis } from '../../server/src/engine/analyze';
import { DatasetStore } from '../../server/src/engine/store';
import { findPoint, seriesIndex } from '../../server/src/labels/merge';
import { buildReviewQueue } from '../../server/src/labels/review';
import { appendLabels, parseSidecar, sidecarLocation } from '../../server/src/labels/sidecar';
import { buildPreview } from '../../server/src/preview/preview';
import type { FromReview, ToReview } from '../../webviews/src/protocol';
import { tempDir } from '../support/tmp';
import { distDir, launch, openPanel, type Panel } from './harness';

const root = fileURLToPath(new URL('../..', import.meta.url));
let browser: Browser;
let dir: string;
let arlPath: string;
let csvPath: string;

/**
 * Six series of 10 points; the rule fires at oos >= 50. Last points: s0 48 (nearly fires), s1 30,
 * s2 51 (nearly does not), s3 10 (the LLMs disagree); s4 and s5 labelled 1 at 70 and 75 in the CSV.
 * Week 2 is labelled 0 everywhere but in s1, labelled 1 at a low value (the rules disagree).
 */
beforeAll(async () => {
  if (!existsSync(`${distDir}review.main.js`)) execFileSync(process.execPath, ['esbuild.mjs'], { cwd: root, stdio: 'inherit' });
  dir = tempDir();
  mkdirSync(join(dir, '.git'));
  const last = [48, 30, 51, 10, 70, 75];
  let csv = 'sku,week,oos,y\n';
  last.forEach((v, s) => {
    for (let w = 0; w < 10; w++) csv += `s${s},${w},${w === 9 ? v : (w * 3 + s) % 7},${w === 9 && s >= 4 ? 1 : w === 2 ? (s === 1 ? 1 : 0) : ''}\n`;
  });
  csvPath = join(dir, 'data.csv');
  writeFileSync(csvPath, csv);
  arlPath = join(dir, 'rules.arl');
  writeFileSync(arlPath, 'dataset "data.csv" { series = sku  time = week  label = y }\nrule high when oos >= 50\n');
  // The LLMs sent s3's last point to review.
  await appendLabels(csvPath, [{ series: 's3', time: '9', label: null, reason: 'No consensus: m1 says anomaly (2/3); m2 says normal (3/3).', source: 'llm:m1+m2', votes: 'm1=1,1,0; m2=0,0,0', date: '2026-11-27T00:00:00Z' }]);
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
});

const analysed = (): Promise<Analysis> => analyze(readFileSync(arlPath, 'utf8'), arlPath, { store: new DatasetStore() });
const entries = () => parseSidecar(readFileSync(sidecarLocation(csvPath).path, 'utf8')).entries;

async function until(panel: Panel, expr: string, timeout = 20000): Promise<void> {
  const end = Date.now() + timeout;
  while (!(await panel.page.evaluate(`!!(${expr})`))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${expr}`);
    await new Promise((r) => setTimeout(r, 40));
  }
}

const shown = (panel: Panel) => panel.page.evaluate("document.getElementById('item-title').getAttribute('data-key')") as Promise<string>;
const waitFor = (panel: Panel, key: string) =>
  until(panel, `document.getElementById('item-title')?.getAttribute('data-key') === ${JSON.stringify(key)} && document.getElementById('app').getAttribute('aria-busy') === 'false' && document.querySelector('#plot svg')`);

describe('review queue', () => {
  it('orders points: nearly decided first, then LLM disagreements, then rules against labels; suggests from neighbours', async () => {
    const q = buildReviewQueue(await analysed());
    expect(q.items.map((i) => `${i.group} ${i.series}@${i.time}`)).toEqual(['margin s2@9', 'margin s0@9', 'margin s1@9', 'llm s3@9', 'disagree s1@2']);
    expect(q.items[0]).toMatchObject({ fired: true, margin: 0.02, label: null, source: null });
    expect(q.items[1]).toMatchObject({ fired: false, margin: 0.04 });
    expect(q.items[3].llm).toMatchObject({ votes: 'm1=1,1,0; m2=0,0,0', source: 'llm:m1+m2', label: null });
    expect(q.items[4]).toMatchObject({ label: 1, source: 'csv', fired: false });
    // The labelled anomalies at 70 and 75 are the nearest neighbours of s2's 51; s1's 30 is nearer the quiet weeks.
    expect(q.items[0].suggestion).toMatchObject({ label: 1, neighbours: 7 });
    expect(q.items[2].suggestion).toMatchObject({ label: 0 });
  });

  it('queues an LLM label that overrides a different CSV label with the LLM disagreements, once', async () => {
    const d = tempDir();
    writeFileSync(join(d, 'data.csv'), 'id,t,x,y\na,0,1,\na,1,90,1\nb,0,1,\nb,1,2,0\n');
    writeFileSync(join(d, 'r.arl'), 'dataset "data.csv" { series = id  time = t  label = y }\nrule high when x > 50\n');
    await appendLabels(join(d, 'data.csv'), [{ series: 'a', time: '1', label: 0, reason: 'A glitch.', source: 'llm:m1', votes: 'm1=0,0,0', date: 'd' }]);
    const a = await analyze(readFileSync(join(d, 'r.arl'), 'utf8'), join(d, 'r.arl'), { store: new DatasetStore() });
    const q = buildReviewQueue(a);
    expect(q.items.map((i) => `${i.group} ${i.series}@${i.time}`)).toEqual(['llm a@1']);
    expect(q.items[0]).toMatchObject({ label: 0, source: 'llm', csvLabel: 1, llm: { reason: 'A glitch.' } });
  });

  it('takes a, n, s and u in the panel, saving each decision at once as a person’s label', async () => {
    let requests = 0;
    const host = async (m: unknown, panel: Panel) => {
      const msg = m as FromReview;
      const send = (x: ToReview) => panel.send(x);
      if (msg.type === 'ready') await send({ type: 'queue', data: buildReviewQueue(await analysed()) });
      else if (msg.type === 'requestSeries') {
        requests++;
        const a = await analysed();
        const frame = a.data!.frame;
        const i = findPoint(frame, seriesIndex(frame, msg.series), msg.time);
        const s = buildPreview(a, { rule: null, split: 'all', series: msg.series }).series!;
        await send({ type: 'series', requestId: msg.requestId, data: { series: s, timeKind: frame.timeKind, t: frame.time[i] } });
      } else if (msg.type === 'decide') {
        await appendLabels(csvPath, [{ series: msg.series, time: msg.time, label: msg.label, reason: '', source: 'human', votes: '', date: new Date().toISOString() }], [dir]);
        await send({ type: 'saved', series: msg.series, time: msg.time, label: msg.label });
        await send({ type: 'queue', data: buildReviewQueue(await analysed()) });
      }
    };
    const panel = await openPanel(browser, 'review.main.js', host);
    try {
      await waitFor(panel, 's2@9');
      expect(await panel.page.evaluate("document.getElementById('suggestion').textContent")).toMatch(/^Suggested: anomaly \(\d+% of 7 nearest labelled points/);
      expect(await panel.page.evaluate("document.getElementById('verdict').textContent")).toBe('The rules fire (margin 2.0%)');
      // The suggestion is not a label: nothing saved until a key is pressed.
      expect(existsSync(sidecarLocation(csvPath).path) && entries().some((e) => e.source === 'human')).toBe(false);
      await panel.page.keyboard.press('a');
      await waitFor(panel, 's0@9');
      await until(panel, "document.getElementById('status').textContent.startsWith('Saved: anomaly at s2@9')");
      expect(entries().filter((e) => e.source === 'human').map((e) => [e.series, e.time, e.label])).toEqual([['s2', '9', 1]]);
      await panel.page.keyboard.press('n');
      await waitFor(panel, 's1@9');
      await panel.page.keyboard.press('s');
      await waitFor(panel, 's3@9');
      mkdirSync(`${root}test-artifacts`, { recursive: true });
      await panel.page.screenshot({ path: `${root}test-artifacts/review.png`, fullPage: true });
      expect(await panel.page.evaluate("document.getElementById('llm').textContent")).toMatch(/^LLMs \(m1\+m2; votes m1=1,1,0; m2=0,0,0\): No consensus/);
      // Undo: the last decision (s0 normal) is withdrawn and s0 is shown again.
      await panel.page.keyboard.press('u');
      await waitFor(panel, 's0@9');
      await until(panel, "document.getElementById('status').textContent.startsWith('Saved: withdrawn at s0@9')");
      expect(entries().filter((e) => e.source === 'human').map((e) => [e.series, e.label])).toEqual([['s2', 1], ['s0', 0], ['s0', null]]);
      const a = await analysed();
      expect(a.data!.labels!.overlay.counts.human).toBe(1);
      await panel.page.keyboard.press('a');
      await waitFor(panel, 's3@9');
      expect((await analysed()).data!.labels!.overlay.counts.human).toBe(2);
      expect(await shown(panel)).toBe('s3@9');
      expect(await panel.violations()).toEqual([]);
      expect(requests).toBeGreaterThanOrEqual(5);
    } finally {
      await panel.close();
    }
  });
});
