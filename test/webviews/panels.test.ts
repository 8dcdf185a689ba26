// The preview page's handshake and layout beside an editor, the threshold sweep panel, and undone
// attempts in the trajectory panel: bundles in headless Chromium under the real CSP.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Analysis } from '../../server/src/engine/analyze';
import { LineIndex } from '../../grammar/src/issues';
import { buildPreview } from '../../server/src/preview/preview';
import { contextFromAnalysis } from '../../server/src/refine/context';
import { sweepThreshold } from '../../server/src/refine/sweep';
import type { FromPreview, FromSweep, FromTrajectory, PreviewParams, SweepData } from '../../webviews/src/protocol';
import { trajectoryRows } from '../../webviews/src/spec';
import { stepFigures } from '../../webviews/src/sweep';
import { previewHost, stockout, trajectory } from './fixtures';
import { distDir, launch, openPanel, until, type Panel } from './harness';

const root = fileURLToPath(new URL('../..', import.meta.url));
const artifacts = `${root}test-artifacts/`;

let browser: Browser;
let example: Analysis;

beforeAll(async () => {
  if (!['preview', 'trajectory', 'sweep'].every((b) => existsSync(`${distDir}${b}.main.js`))) execFileSync(process.execPath, ['esbuild.mjs'], { cwd: root, stdio: 'inherit' });
  mkdirSync(artifacts, { recursive: true });
  [example, browser] = await Promise.all([stockout(500).then((e) => e.analysis), launch()]);
});

afterAll(async () => {
  await browser?.close();
});

function requests(panel: Panel): PreviewParams[] {
  return (panel.posted as FromPreview[]).flatMap((m) => (m.type === 'requestPreview' ? [m.params] : []));
}

const shown = (id: string) =>
  `document.getElementById('plot-title')?.textContent === ${JSON.stringify(id)} && document.getElementById('app').getAttribute('aria-busy') === 'false' && document.querySelector('#plot svg')`;

/** The sweep of a comparison of the example, as the server sends it. */
function sweepData(needle: string): SweepData {
  const ctx = contextFromAnalysis(example);
  const s = sweepThreshold(ctx, ctx.text.indexOf(needle) + 1);
  const index = new LineIndex(ctx.text);
  return { ...s, uri: 'file:///ws/stockout.arl', version: 7, literal: { range: index.range(s.literal.start, s.literal.end), text: s.literal.text } };
}

describe('preview page', () => {
  it('asks for nothing until the host says what to show, then shows the lens’s rule first', async () => {
    let greet: (() => Promise<void>) | undefined;
    const host = previewHost(() => example, { rule: 'critical' });
    const panel = await openPanel(browser, 'preview.main.js', (m, p) => {
      // Hold the answer to `ready` until the test has looked.
      if ((m as FromPreview).type === 'ready') greet = () => host(m, p);
      else return host(m, p);
    });
    try {
      await until(panel, 'document.getElementById("app")');
      while (!greet) await new Promise((r) => setTimeout(r, 20));
      expect(panel.posted).toEqual([{ type: 'ready' }]);
      await greet();
      const p = buildPreview(example, { rule: 'critical', split: 'train' });
      await until(panel, shown(p.series!.id));
      expect(requests(panel)[0]).toEqual({ rule: 'critical', split: 'train' });
      expect(await panel.page.evaluate(`document.querySelector('select[aria-label="Rule"]').value`)).toBe('critical');
      expect(await panel.page.textContent('#scores')).toContain(`FP ${p.scores.fp}`);
    } finally {
      await panel.close();
    }
  });

  it('beside an editor: the plot fills the width and grows with it, text at the editor’s size, everything explained', async () => {
    const vars = { '--vscode-editor-font-size': '15px', '--vscode-font-size': '13px' };
    const panel = await openPanel(browser, 'preview.main.js', previewHost(() => example, { rule: 'pressure' }), { width: 560, height: 900, vars });
    try {
      const p = buildPreview(example, { rule: 'pressure', split: 'train' });
      await until(panel, shown(p.series!.id));
      const box = async (sel: string) => (await panel.page.locator(sel).first().boundingBox())!;
      const narrow = await box('#plot svg');
      const area = await box('#plot');
      expect(narrow.width).toBeGreaterThan(area.width - 4);
      expect(narrow.width).toBeLessThanOrEqual(area.width + 1);
      expect(area.width).toBeGreaterThan(500);
      // The list goes below the plot.
      expect((await box('#list')).y).toBeGreaterThan(narrow.y + narrow.height);
      // Axis labels and threshold labels at the editor's font size.
      const sizes = (await panel.page.evaluate(`[...document.querySelectorAll('#plot svg text')].map((t) => t.getAttribute('font-size') || getComputedStyle(t).fontSize)`)) as string[];
      expect(sizes.length).toBeGreaterThan(5);
      for (const s of sizes) expect(parseFloat(s)).toBe(15);
      expect(await panel.page.textContent('#list-caption')).toMatch(/in %, how much the rule’s inputs would have to change to decide otherwise \(its margin\)/);
      expect(await panel.page.textContent('#rate-caption')).toMatch(/the highest/);
      expect(await panel.page.textContent('#plot-caption')).toMatch(/thresholds the rules compare with/);
      await panel.page.screenshot({ path: `${artifacts}preview-beside-editor.png`, fullPage: true });
      // Wider: the chart grows with the panel.
      await panel.page.setViewportSize({ width: 1000, height: 900 });
      await until(panel, `document.querySelector('#plot svg').getBoundingClientRect().width > ${narrow.width + 150}`);
      const wide = await box('#plot svg');
      expect(wide.height).toBeGreaterThan(narrow.height);
      expect(await panel.violations()).toEqual([]);
    } finally {
      await panel.close();
    }
  });

  it('draws any let’s thresholds on the right axis, keeps labels of lines at one height apart, and opens the CSV', async () => {
    const panel = await openPanel(browser, 'preview.main.js', previewHost(() => example, { rule: 'pressure' }), { width: 700, height: 900 });
    try {
      const p = buildPreview(example, { rule: 'pressure', split: 'train' });
      await until(panel, shown(p.series!.id));
      expect(await panel.page.evaluate(`document.querySelector('select[aria-label="Right axis"]').value`)).toBe('z');
      await panel.page.selectOption('select[aria-label="Right axis"]', 'recent');
      await until(panel, `[...document.querySelectorAll('#plot svg text')].some((t) => t.textContent.startsWith('recent < 3 (pressure)'))`);
      expect(requests(panel).at(-1)).toMatchObject({ rule: 'pressure', let: 'recent' });
      // No two threshold labels overlap.
      const boxes = (await panel.page.evaluate(
        `[...document.querySelectorAll('#plot svg g[class*="threshold_label"] text')].map((t) => { const r = t.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom, t.textContent]; })`,
      )) as [number, number, number, number, string][];
      expect(boxes.length).toBeGreaterThanOrEqual(3);
      for (let i = 0; i < boxes.length; i++)
        for (let j = i + 1; j < boxes.length; j++) {
          const [a, b] = [boxes[i], boxes[j]];
          const overlap = a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
          expect(overlap, `${a[4]} / ${b[4]}`).toBe(false);
        }
      await panel.page.click('#open-csv');
      expect(panel.posted.at(-1)).toEqual({ type: 'openCsv', series: p.series!.id });
      expect(await panel.violations()).toEqual([]);
    } finally {
      await panel.close();
    }
  });
});

describe('threshold sweep panel', () => {
  it('draws P/R/F1 and alerts against the threshold, shows the counts of a clicked value, and applies it', async () => {
    const data = sweepData('oos_ratio >= 80');
    const panel = await openPanel(
      browser,
      'sweep.main.js',
      async (m, p) => {
        if ((m as FromSweep).type === 'ready') await p.send({ type: 'sweep', data });
      },
      { width: 640, height: 900 },
    );
    try {
      await until(panel, `document.querySelector('#chart g.metric_marks path') && document.getElementById('counts-table')`);
      expect(await panel.page.textContent('h1')).toBe('Threshold sweep · rule critical · oos_ratio >= 80');
      // The current value is marked, and its counts are the rule's.
      expect(await panel.page.textContent('#selected-title')).toBe('oos_ratio >= 80 (now)');
      const now = stepFigures(data, data.currentStep, 'rule', 'train');
      const trainRow = async () => ((await panel.page.locator('tr[data-split="train"] td').allTextContents()) as string[]).slice(1);
      expect((await trainRow()).slice(3, 6)).toEqual([String(now.tp), String(now.fp), String(now.fn)]);
      expect(await panel.page.locator('#chart g.current_marks line').count()).toBe(1);
      // A click on the chart picks the value under it.
      const chart = (await panel.page.locator('#chart svg').boundingBox())!;
      await panel.page.mouse.click(chart.x + chart.width * 0.3, chart.y + chart.height / 2);
      await until(panel, `!document.getElementById('selected-title').textContent.includes('(now)')`);
      const title = (await panel.page.textContent('#selected-title'))!;
      const value = Number(/>= ([\d.]+) \(now 80\)/.exec(title)![1]);
      const k = data.steps.findIndex((s) => s.value === value);
      expect(k).toBeGreaterThanOrEqual(0);
      expect(k).toBeLessThan(data.currentStep);
      const picked = stepFigures(data, k, 'rule', 'train');
      expect((await trainRow())[3]).toBe(`${now.tp} → ${picked.tp}`);
      // Drag to the right: the threshold rises.
      await panel.page.mouse.move(chart.x + chart.width * 0.3, chart.y + chart.height / 2);
      await panel.page.mouse.down();
      await panel.page.mouse.move(chart.x + chart.width * 0.6, chart.y + chart.height / 2, { steps: 5 });
      await panel.page.mouse.up();
      await until(panel, `Number(/>= ([\\d.]+)/.exec(document.getElementById('selected-title').textContent)[1]) > ${value}`);
      // The keyboard steps one value at a time.
      const before = (await panel.page.textContent('#selected-title'))!;
      await panel.page.focus('#chart');
      await panel.page.keyboard.press('ArrowLeft');
      await until(panel, `document.getElementById('selected-title').textContent !== ${JSON.stringify(before)}`);
      // The file's figures on request.
      await panel.page.selectOption('select[aria-label="Figures of"]', 'file');
      const fileNow = stepFigures(data, data.currentStep, 'file', 'validation');
      await until(panel, `document.querySelector('tr[data-split="validation"] td:nth-child(5)').textContent.startsWith(${JSON.stringify(String(fileNow.tp))})`);
      await until(panel, `document.getElementById('chart').dataset.level === 'file' && document.querySelector('#chart g.selected_marks line')`);
      await panel.page.screenshot({ path: `${artifacts}sweep.png`, fullPage: true });
      // Apply posts the value and the version it was computed on.
      const chosen = Number(/>= ([\d.]+)/.exec((await panel.page.textContent('#selected-title'))!)![1]);
      await panel.page.click('#apply');
      expect(panel.posted.at(-1)).toEqual({ type: 'apply', value: chosen, version: 7 });
      await panel.send({ type: 'applied', value: chosen, ok: true });
      await until(panel, `document.getElementById('status').textContent === 'Applied ${chosen}.'`);
      expect(await panel.violations()).toEqual([]);
    } finally {
      await panel.close();
    }
  });

  it('shows why a comparison cannot be swept', async () => {
    const panel = await openPanel(browser, 'sweep.main.js', async (m, p) => {
      if ((m as FromSweep).type === 'ready') await p.send({ type: 'sweepError', message: 'This comparison is read inside a function call.' });
    });
    try {
      await until(panel, `document.getElementById('error').textContent.includes('inside a function call')`);
    } finally {
      await panel.close();
    }
  });
});

describe('trajectory panel', () => {
  it('shows an accepted change the user undid as undone', async () => {
    const t = trajectory(4);
    t.attempts[2] = { ...t.attempts[2], accepted: true, undone: '2025-11-24T10:09:00Z' };
    const panel = await openPanel(browser, 'trajectory.main.js', async (m, p) => {
      if ((m as FromTrajectory).type === 'ready') await p.send({ type: 'trajectory', data: t });
    });
    try {
      await panel.page.waitForSelector('#chart g.undone_marks');
      expect(await panel.page.textContent('tr[data-attempt="a3"] td[data-status]')).toBe('↶ undone');
      expect(await panel.page.textContent('#summary')).toBe('4 attempts · 1 accepted · 1 undone · 2 rejected');
      expect(await panel.page.locator('#chart g.undone_marks > path').count()).toBe(trajectoryRows(t).filter((r) => r.status === 'undone').length);
      expect(trajectoryRows(t).filter((r) => r.status === 'undone').length).toBeGreaterThan(0);
      await panel.page.click('tr[data-attempt="a3"]');
      await until(panel, `document.querySelector('#details h2').textContent.includes('undone')`);
      expect(await panel.page.textContent('#details .bar')).toContain('undone in the editor at 2025-11-24T10:09:00Z');
    } finally {
      await panel.close();
    }
  });
});
