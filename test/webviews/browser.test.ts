// The webview bundles in headless Chromium, on pages made by panelHtml (the real CSP), with a
// stand-in VS Code that records messages and state and answers as the host would.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze, type Analysis } from '../../server/src/engine/analyze';
import { DatasetStore } from '../../server/src/engine/store';
import { buildPreview } from '../../server/src/preview/preview';
import type { FromPreview, FromTrajectory, PreviewParams } from '../../webviews/src/protocol';
import { trajectoryRows } from '../../webviews/src/spec';
import { handAnalysis, previewHost, stockout, trajectory } from './fixtures';
import { distDir, launch, openPanel, type Panel } from './harness';

const root = fileURLToPath(new URL('../..', import.meta.url));
const artifacts = `${root}test-artifacts/`;

let browser: Browser;
let example: Analysis;
let exampleText: string;
let hand: Analysis;

beforeAll(async () => {
  if (!existsSync(`${distDir}preview.main.js`) || !existsSync(`${distDir}trajectory.main.js`)) {
    execFileSync(process.execPath, ['esbuild.mjs'], { cwd: root, stdio: 'inherit' });
  }
  mkdirSync(artifacts, { recursive: true });
  const ex = await stockout(500);
  example = ex.analysis;
  exampleText = readFileSync(ex.arl, 'utf8');
  [hand, browser] = await Promise.all([handAnalysis(), launch()]);
});

afterAll(async () => {
  await browser?.close();
});

/**
 * Waits until `expr` is true in the page. Polled through page.evaluate: waitForFunction would
 * evaluate a string with eval, which the page's CSP rightly refuses.
 */
async function until(panel: Panel, expr: string, timeout = 20000): Promise<void> {
  const end = Date.now() + timeout;
  while (!(await panel.page.evaluate(`!!(${expr})`))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${expr}`);
    await new Promise((r) => setTimeout(r, 40));
  }
}

/** Waits until the page shows series `id` and is not busy. */
async function waitForSeries(panel: Panel, id: string): Promise<void> {
  await until(
    panel,
    `document.getElementById('plot-title')?.textContent === ${JSON.stringify(id)} && document.getElementById('app').getAttribute('aria-busy') === 'false' && document.querySelector('#plot svg')`,
  );
}

async function shownSeries(panel: Panel): Promise<string> {
  return (await panel.page.evaluate("document.getElementById('plot-title').textContent")) as string;
}

/** Marks of each outcome drawn in the plot. */
async function plotMarks(panel: Panel): Promise<Record<string, number>> {
  return (await panel.page.evaluate(
    `Object.fromEntries(['tp', 'fp', 'fn', 'anomaly'].map((n) => [n, document.querySelectorAll('#plot g.' + n + '_marks > path').length]))`,
  )) as Record<string, number>;
}

function requests(panel: Panel): PreviewParams[] {
  return (panel.posted as FromPreview[]).flatMap((m) => (m.type === 'requestPreview' ? [m.params] : []));
}

async function expectMarksMatchEngine(panel: Panel, a: Analysis, rule: string | null, split: PreviewParams['split']): Promise<number> {
  const id = await shownSeries(panel);
  const s = buildPreview(a, { rule, split, series: id }).series!;
  const m = await plotMarks(panel);
  expect({ tp: m.tp, fp: m.fp, fn: m.fn }).toEqual({ tp: s.counts.tp, fp: s.counts.fp, fn: s.counts.fn });
  expect(m.anomaly).toBe(s.label.filter((l) => l === 1).length);
  return s.counts.tp + s.counts.fp + s.counts.fn;
}

describe('preview panel', () => {
  it('draws the example: the list counts and the marks of each outcome equal the engine', async () => {
    const panel = await openPanel(browser, 'preview.main.js', previewHost(() => example));
    try {
      const first = buildPreview(example, { rule: null, split: 'train' });
      await waitForSeries(panel, first.series!.id);
      expect(panel.posted[0]).toEqual({ type: 'ready' });
      expect(requests(panel)[0]).toMatchObject({ rule: null, split: 'train' });
      const scores = example.scores('train')!.file;
      const counts = await panel.page.evaluate(`Object.fromEntries(['fp', 'fn', 'tp'].map((g) => [g, document.querySelector('[data-count="' + g + '"]').textContent]))`);
      expect(counts).toEqual({ fp: String(scores.fp), fn: String(scores.fn), tp: String(scores.tp) });
      expect(await panel.page.locator('#rate g.rate_marks > path').count()).toBe(first.dataset.rate.length);
      // Walk the list with the keyboard, checking every plot.
      const order = first.groups.flatMap((g) => g.series.map((s) => s.id));
      let outcomes = await expectMarksMatchEngine(panel, example, null, 'train');
      for (let k = 1; k < Math.min(8, order.length); k++) {
        await panel.page.keyboard.press(k % 2 ? 'j' : 'ArrowDown');
        await waitForSeries(panel, order[k]);
        outcomes += await expectMarksMatchEngine(panel, example, null, 'train');
      }
      expect(outcomes).toBeGreaterThanOrEqual(7);
      await panel.page.screenshot({ path: `${artifacts}preview-light.png`, fullPage: true });
      expect(await panel.violations()).toEqual([]);
    } finally {
      await panel.close();
    }
  });

  it('moves between series and groups with the keyboard', async () => {
    const panel = await openPanel(browser, 'preview.main.js', previewHost(() => example), { state: { rule: 'pressure', split: 'all' } });
    try {
      const p = buildPreview(example, { rule: 'pressure', split: 'all' });
      const [fp, fn, tp] = p.groups.map((g) => g.series.map((s) => s.id));
      await waitForSeries(panel, fp[0]);
      await panel.page.keyboard.press('n');
      await waitForSeries(panel, fn[0]);
      await panel.page.keyboard.press('Shift+ArrowDown');
      await waitForSeries(panel, tp[0]);
      await panel.page.keyboard.press('k');
      await waitForSeries(panel, fn[fn.length - 1]);
      await panel.page.keyboard.press('p');
      await waitForSeries(panel, fp[0]);
      await panel.page.keyboard.press('ArrowUp'); // already first: stays
      await panel.page.keyboard.press('j');
      await waitForSeries(panel, fp[1]);
      await panel.page.keyboard.press('Shift+ArrowUp');
      await waitForSeries(panel, fp[0]);
      const selected = await panel.page.evaluate(`document.querySelector('.item[aria-selected="true"]').dataset.series`);
      expect(selected).toBe(fp[0]);
      // A click selects too.
      await panel.page.click(`.item[data-group="tp"][data-series="${tp[1]}"]`);
      await waitForSeries(panel, tp[1]);
      expect(await panel.state()).toEqual({ rule: 'pressure', split: 'all', series: tp[1], group: 'tp' });
      expect(await panel.violations()).toEqual([]);
    } finally {
      await panel.close();
    }
  });

  it('draws many outcome points per series as the engine counts them', async () => {
    const panel = await openPanel(browser, 'preview.main.js', previewHost(() => hand), { state: { rule: 'both', split: 'all' } });
    try {
      const p = buildPreview(hand, { rule: 'both', split: 'all' });
      const order = p.groups.flatMap((g) => g.series.map((s) => s.id));
      await waitForSeries(panel, order[0]);
      let outcomes = await expectMarksMatchEngine(panel, hand, 'both', 'all');
      for (let k = 1; k < order.length; k++) {
        await panel.page.keyboard.press('j');
        await waitForSeries(panel, order[k]);
        outcomes += await expectMarksMatchEngine(panel, hand, 'both', 'all');
      }
      expect(outcomes).toBeGreaterThan(20);
      expect(await panel.violations()).toEqual([]);
    } finally {
      await panel.close();
    }
  });

  it('follows edits, keeps its series, drops stale answers and survives being hidden', async () => {
    let current = example;
    const panel = await openPanel(browser, 'preview.main.js', previewHost(() => current), { state: { rule: 'pressure', split: 'train' } });
    try {
      const p = buildPreview(example, { rule: 'pressure', split: 'train' });
      const order = p.groups.flatMap((g) => g.series.map((s) => s.id));
      await waitForSeries(panel, order[0]);
      await panel.page.keyboard.press('j');
      await waitForSeries(panel, order[1]);

      // An edit: the host says the analysis changed; the page asks again for the same series.
      current = await analyze(exampleText.replace('oos_ratio >= 35 and z >= 5', 'oos_ratio >= 20 and z >= 3'), example.path, { store: new DatasetStore() });
      const before = requests(panel).length;
      await panel.send({ type: 'changed' });
      await until(panel, `document.querySelector('[data-count="fp"]').textContent === ${JSON.stringify(String(current.scores('train')!.rules[1].fp))}`);
      await waitForSeries(panel, order[1]);
      expect(requests(panel).slice(before)[0]).toMatchObject({ rule: 'pressure', series: order[1] });
      expect(current.scores('train')!.rules[1].fp).not.toBe(example.scores('train')!.rules[1].fp);

      // An answer to an old request is dropped.
      await panel.send({ type: 'preview', requestId: 1, data: buildPreview(current, { rule: 'pressure', split: 'train', series: order[3] }) });
      await panel.page.waitForTimeout(300);
      expect(await shownSeries(panel)).toBe(order[1]);

      // The lens asks for another rule: the page shows its first series.
      await panel.send({ type: 'show', rule: 'critical' });
      const critical = buildPreview(current, { rule: 'critical', split: 'train' });
      await waitForSeries(panel, critical.series!.id);
      expect(requests(panel).at(-1)).toEqual({ rule: 'critical', split: 'train' });
      expect(await panel.page.evaluate(`document.querySelector('select[aria-label="Rule"]').value`)).toBe('critical');
      await panel.page.click('button:has-text("Go to rule")');
      expect(panel.posted.at(-1)).toEqual({ type: 'revealRule', rule: 'critical' });

      // Hidden and shown again: a new page starts from the saved state.
      const saved = await panel.state();
      expect(saved).toMatchObject({ rule: 'critical', split: 'train', series: critical.series!.id });
      const again = await openPanel(browser, 'preview.main.js', previewHost(() => current), { state: saved });
      try {
        await waitForSeries(again, critical.series!.id);
        expect(requests(again)[0]).toMatchObject({ rule: 'critical', series: critical.series!.id });
      } finally {
        await again.close();
      }
      expect(await panel.violations()).toEqual([]);
    } finally {
      await panel.close();
    }
  });

  it('falls back when the saved series or rule is gone, and shows other errors', async () => {
    let answering = true;
    const host = previewHost(() => example);
    const panel = await openPanel(browser, 'preview.main.js', (m, p) => (answering ? host(m, p) : undefined), {
      state: { rule: 'pressure', split: 'train', series: 'NOPE' },
    });
    try {
      await waitForSeries(panel, buildPreview(example, { rule: 'pressure', split: 'train' }).series!.id);
      await panel.send({ type: 'show', rule: 'gone' });
      await waitForSeries(panel, buildPreview(example, { rule: null, split: 'train' }).series!.id);
      expect(requests(panel).map((r) => [r.rule, r.series])).toEqual([
        ['pressure', 'NOPE'],
        ['pressure', undefined],
        ['gone', undefined],
        [null, undefined],
      ]);
      // Other errors are shown; only the answer to the latest request counts.
      answering = false;
      await panel.send({ type: 'changed' });
      await until(panel, `document.getElementById('app').getAttribute('aria-busy') === 'true'`);
      const latest = requests(panel).length;
      await panel.send({ type: 'previewError', requestId: latest - 1, message: 'an old answer' });
      await panel.send({ type: 'previewError', requestId: latest, code: 'data-error', message: 'The dataset cannot be read: stockout.csv:3:2: bad number' });
      await until(panel, `document.getElementById('error').textContent.includes('bad number')`);
      expect(await panel.page.textContent('#error')).not.toContain('old answer');
      expect(await panel.violations()).toEqual([]);
    } finally {
      await panel.close();
    }
  });

  it('takes its colours from the theme', async () => {
    const vars = {
      '--vscode-editor-background': '#1e1e1e',
      '--vscode-editor-foreground': '#d4d4d4',
      '--vscode-foreground': '#cccccc',
      '--vscode-descriptionForeground': '#9d9d9d',
      '--vscode-charts-red': '#f14c4c',
      '--vscode-charts-green': '#89d185',
      '--vscode-charts-blue': '#3794ff',
      '--vscode-charts-orange': '#d18616',
      '--vscode-charts-yellow': '#cca700',
      '--vscode-charts-purple': '#b180d7',
      '--vscode-list-activeSelectionBackground': '#04395e',
      '--vscode-list-activeSelectionForeground': '#ffffff',
      '--vscode-dropdown-background': '#3c3c3c',
      '--vscode-dropdown-foreground': '#f0f0f0',
      '--vscode-button-background': '#0e639c',
      '--vscode-button-foreground': '#ffffff',
    };
    const panel = await openPanel(browser, 'preview.main.js', previewHost(() => example), { state: { rule: 'pressure', split: 'all' }, bodyClass: 'vscode-dark', vars });
    try {
      const p = buildPreview(example, { rule: 'pressure', split: 'all' });
      await waitForSeries(panel, p.series!.id);
      const colours = (await panel.page.evaluate(
        `({ fp: document.querySelector('#plot g.fp_marks > path').getAttribute('fill'), line: document.querySelector('#plot g.line0_marks > path').getAttribute('stroke'), bg: document.querySelector('#plot svg').style.backgroundColor })`,
      )) as Record<string, string>;
      expect(colours).toEqual({ fp: '#d18616', line: '#3794ff', bg: 'rgb(30, 30, 30)' });
      await panel.page.screenshot({ path: `${artifacts}preview-dark.png`, fullPage: true });
      // A switch to a high-contrast theme redraws with its colours.
      await panel.page.evaluate(
        `document.documentElement.style.setProperty('--vscode-charts-orange', '#ffa500'); document.body.classList.replace('vscode-dark', 'vscode-high-contrast')`,
      );
      await until(panel, `document.querySelector('#plot g.fp_marks > path')?.getAttribute('fill') === '#ffa500'`);
      expect(await panel.violations()).toEqual([]);
    } finally {
      await panel.close();
    }
  });
});

describe('trajectory panel', () => {
  it('draws the attempts, shows a diff on click, and takes new attempts', async () => {
    let sent = trajectory(4);
    const panel = await openPanel(browser, 'trajectory.main.js', async (m, p) => {
      if ((m as FromTrajectory).type === 'ready') await p.send({ type: 'trajectory', data: sent });
    });
    try {
      const page = panel.page;
      await page.waitForSelector('#chart g.accepted_marks');
      const rows = trajectoryRows(sent);
      const accepted = rows.filter((r) => r.accepted).length;
      expect(await page.locator('#chart g.accepted_marks > path').count()).toBe(accepted);
      expect(await page.locator('#chart g.rejected_marks > path').count()).toBe(rows.length - accepted);
      // The latest attempt is shown first.
      expect(await page.textContent('#details h2')).toContain('Attempt a4');
      // A row click selects, with the rule's change as a line diff.
      await page.click('tr[data-attempt="a2"]');
      await until(panel, `document.querySelector('#details h2').textContent.includes('Attempt a2')`);
      expect(await page.locator('#diff .del').allTextContents()).toEqual(['    oos_ratio >= 32 and z >= 5']);
      expect(await page.locator('#diff .add').allTextContents()).toEqual(['    oos_ratio >= 33 and z >= 5', '    or recent < 3 and oos_ratio >= 12']);
      expect(await page.textContent('#analysis')).toContain('raising the threshold');
      // A click on the chart selects the attempt under it.
      await page.locator('#chart g.hit_marks > path').first().click({ force: true });
      await until(panel, `document.querySelector('#details h2').textContent.includes('Attempt a1')`);
      await page.click('button:has-text("Open the change")');
      expect(panel.posted.at(-1)).toEqual({ type: 'openAttempt', attemptId: 'a1' });
      await page.keyboard.press('j');
      await until(panel, `document.querySelector('#details h2').textContent.includes('Attempt a2')`);
      // The file grew: the chart and table take the new attempts; the selection stays.
      sent = trajectory(7);
      await panel.send({ type: 'trajectory', data: sent });
      await until(panel, `document.querySelectorAll('tr[data-attempt]').length === 7`);
      await until(panel, `document.querySelectorAll('#chart g.hit_marks > path').length === 7`);
      expect(await page.textContent('#details h2')).toContain('Attempt a2');
      expect(await page.textContent('#summary')).toBe('7 attempts · 4 accepted · 3 rejected');
      expect(await panel.state()).toEqual({ selected: 'a2' });
      // The figures are the file's objective: named in the header (point F1 for older records).
      expect(await page.locator('#attempts th').allTextContents()).toEqual(['#', 'time', 'rule', 'proposer', 'status', 'point F1 train', 'point F1 validation']);
      const byEvents = trajectory(2);
      for (const a of byEvents.attempts) {
        a.objectiveName = 'event F1';
        a.train.after = { ...a.train.after, objective: 0.5 };
        a.validation.after = { ...a.validation.after, objective: 0.25 };
      }
      await panel.send({ type: 'trajectory', data: byEvents });
      await until(panel, `document.querySelectorAll('tr[data-attempt]').length === 2`);
      expect(await page.locator('#attempts th').allTextContents()).toEqual(['#', 'time', 'rule', 'proposer', 'status', 'event F1 train', 'event F1 validation']);
      expect(await page.locator('tr[data-attempt="a1"] td').nth(5).textContent()).toBe(`${byEvents.attempts[0].train.before.f1!.toFixed(3)} → 0.500`);
      await page.click('tr[data-attempt="a1"]');
      await until(panel, `document.querySelector('#details h2').textContent.includes('Attempt a1')`);
      expect(await page.locator('#details th').allTextContents()).toEqual(['', 'precision', 'recall', 'point F1', 'event F1']);
      await panel.send({ type: 'trajectory', data: sent });
      await until(panel, `document.querySelectorAll('tr[data-attempt]').length === 7`);
      await page.click('tr[data-attempt="a2"]');
      await until(panel, `document.querySelector('#details h2').textContent.includes('Attempt a2')`);
      await page.screenshot({ path: `${artifacts}trajectory.png`, fullPage: true });
      expect(await panel.violations()).toEqual([]);
    } finally {
      await panel.close();
    }
  });
});
