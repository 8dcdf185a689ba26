// The end-to-end scenarios, each a function of the page; run.mjs runs them in order on one window.
// Every step waits on a state of the page (a quick input showing what was typed, the cursor at a
// line, a lens or the status bar changing), never on a fixed delay: the suite runs on loaded
// machines. Scenarios that edit the rule file put it back with "File: Revert File".
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './codeServer.mjs';

/** A generous bound: on a loaded 2-core machine the first analysis of the example takes a while. */
const patience = 120000;

/** Polls a state of the page until `fn` gives something truthy. */
async function until(what, fn, timeout = patience) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const quickInputBox = (page) => page.locator('.quick-input-widget .quick-input-box input');

/**
 * Opens a quick input with `key` and puts `text` in it (the whole box: the palette's `>` and Go to
 * Line's `:` included). Then `pick`: clicks the row labelled exactly so; or `ready`: waits until
 * the focused row says it (Go to Line's "line 16") and accepts. Waits for the input to close.
 */
async function quickInput(page, key, text, { pick, ready }) {
  await page.keyboard.press(key);
  const box = quickInputBox(page);
  await box.waitFor({ state: 'visible', timeout: patience });
  await box.fill(text);
  if (pick) {
    const labels = () => page.$$eval('.quick-input-widget .monaco-list-row .label-name', (els) => els.map((e) => e.textContent ?? ''));
    await until(`"${pick}" in the quick input`, async () => (await box.inputValue()) === text && (await labels()).includes(pick));
    // Move the focus to it with the keyboard, one row at a time (a click could land on a row the
    // list has just re-sorted).
    await focusListRow(page, '.quick-input-widget', (label) => label === pick, '.label-name');
    await page.keyboard.press('Enter');
  } else {
    await until(`the quick input to show "${ready}"`, async () => {
      if ((await box.inputValue()) !== text) return false;
      const focused = (await page.textContent('.quick-input-widget .monaco-list-row.focused').catch(() => null)) ?? '';
      return focused.includes(ready);
    });
    await page.keyboard.press('Enter');
  }
  await until('the quick input to close', async () => !(await page.locator('.quick-input-widget').isVisible()));
}

/** The focused row of a list under `container`: its id and label. */
const focusedRow = (page, container, labelSel) =>
  page.evaluate(
    ([c, l]) => {
      const row = document.querySelector(`${c} .monaco-list-row.focused`);
      return row ? { id: row.id, label: (l ? row.querySelector(l)?.textContent : (row.getAttribute('aria-label') ?? row.textContent)) ?? '' } : undefined;
    },
    [container, labelSel],
  );

/** Moves a list's focus down, one row at a time (waiting for each move), to the row `match` accepts. */
async function focusListRow(page, container, match, labelSel) {
  let focused = await until('the list focus', () => focusedRow(page, container, labelSel));
  const seen = new Set();
  while (!match(focused.label)) {
    assert.ok(!seen.has(focused.id), `no row of ${container} reachable from the keyboard matches`);
    seen.add(focused.id);
    const from = focused.id;
    await page.keyboard.press('ArrowDown');
    focused = await until('the list focus to move', async () => {
      const f = await focusedRow(page, container, labelSel);
      return f && f.id !== from ? f : undefined;
    });
  }
  return focused.label;
}

/** Runs a command from the palette. */
const palette = (page, title) => quickInput(page, 'F1', `>${title}`, { pick: title });

/** Puts the keyboard focus in the rule file's editor (the first group; panels open beside it). */
async function focusEditor(page) {
  await palette(page, 'View: Focus First Editor Group');
  await until('the editor to have the focus', () => page.evaluate(() => !!document.activeElement?.closest('.monaco-editor')));
}

/** Puts the cursor at a 1-based line and column, and waits until the status bar says so. */
async function goTo(page, line, column) {
  await focusEditor(page);
  await quickInput(page, 'Control+G', `:${line}:${column}`, { ready: `line ${line}` });
  await until(`the cursor at ${line}:${column}`, async () => (await statusTexts(page)).some((t) => t.startsWith(`Ln ${line}, Col ${column}`)));
}

/**
 * Puts the cursor at the end of the file (`text` as it is on disk) through Go to Line, which waits
 * for the status bar: a Control+End sent while a panel takes the focus back is lost, and the
 * Enter after it would replace the selection an earlier undo left.
 */
async function endOfFile(page, text) {
  const lines = text.split('\n');
  await goTo(page, lines.length, lines[lines.length - 1].length + 1);
}

function lineCol(text, needle, delta = 0) {
  const at = text.indexOf(needle);
  assert.ok(at >= 0, `${needle} not in the file`);
  const before = text.slice(0, at + delta).split('\n');
  return [before.length, before[before.length - 1].length + 1];
}

const statusTexts = (page) => page.$$eval('.statusbar-item', (els) => els.map((e) => (e.textContent ?? '').trim()));

/** Opens the rule file (once) and waits for its lenses. */
async function openRules(page) {
  const active = await page.$('.tabs-container .tab.active[aria-label*="stockout.arl"]');
  if (!active) await quickInput(page, 'Control+P', 'stockout.arl', { pick: 'stockout.arl' });
  await until('the rule file in front', () => page.$('.tabs-container .tab.active[aria-label*="stockout.arl"]'));
  await until('the rule lenses', async () => (await lenses(page)).filter((t) => t.includes('F1')).length >= 4);
}

/** Focuses the rule file's editor (not the panel beside it) and scrolls to its first line. */
async function topOfRules(page) {
  await palette(page, 'View: Focus First Editor Group');
  await goTo(page, 1, 1);
}

const lenses = (page) => page.$$eval('.codelens-decoration', (els) => els.map((e) => e.textContent ?? ''));

function ruleLens(texts, s) {
  return texts.find((t) => t.includes(`TP ${s.tp} FP ${s.fp} FN ${s.fn}`) && t.includes(`F1 ${s.f1.toFixed(2)}`));
}

const fileF1 = (texts) => {
  const t = texts.find((x) => x.includes('series ·'));
  const m = t && /file P [\d.–]+ · R [\d.–]+ · F1 ([\d.]+)/.exec(t);
  return m ? Number(m[1]) : undefined;
};

/** The file's F1 from the status bar item (always visible, unlike lenses scrolled away). */
async function statusF1(page) {
  const m = (await statusTexts(page)).map((t) => /F1 (\d\.\d{3})/.exec(t)).find(Boolean);
  return m ? Number(m[1]) : undefined;
}

async function problems(page) {
  return page.$$eval('.markers-panel .monaco-list-row', (rows) => rows.map((r) => r.textContent ?? ''));
}

/** Puts the rule file back as it is on disk, and waits until the status bar shows its F1 again. */
async function revert(page, f1) {
  await focusEditor(page);
  await palette(page, 'File: Revert File');
  if (f1 !== undefined) await until(`the file F1 back at ${f1}`, async () => (await statusF1(page)) === f1);
}

/** The webview frame in which `selector` exists. */
function webview(page, what, selector) {
  return until(what, async () => {
    for (const f of page.frames()) {
      if (await f.$(selector).catch(() => null)) return f;
    }
    return undefined;
  });
}

/**
 * Opens the lightbulb menu at the cursor and applies the entry whose label matches `re`, moving
 * the focus with the keyboard (the menu blocks the mouse until it moves) one entry at a time.
 * VS Code cancels the menu's request when diagnostics arrive meanwhile ("No code actions
 * available", or a menu from the lightbulb's own request): then it asks again.
 */
async function codeAction(page, re) {
  const row = page.locator('.action-widget .monaco-list-row', { hasText: re }).first();
  const menu = page.locator('.action-widget .monaco-list-row').first();
  const none = page.locator('.monaco-editor-overlaymessage', { hasText: 'No code actions available' });
  let asked = false;
  await until(`an action matching ${re}`, async () => {
    if (await row.isVisible()) return true;
    if (await menu.isVisible().catch(() => false)) {
      await page.keyboard.press('Escape');
      await until('the menu to close', async () => !(await menu.isVisible().catch(() => false)));
      asked = false;
    }
    if (await none.isVisible().catch(() => false)) {
      // The message stays until the cursor moves (Escape does not close it): move there and back.
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('ArrowLeft');
      await until('the "No code actions" message to close', async () => !(await none.isVisible().catch(() => false)));
      asked = false;
    }
    if (!asked) {
      await page.keyboard.press('Control+.');
      asked = true;
    }
    return false;
  });
  const label = await focusListRow(page, '.action-widget', (l) => re.test(l));
  await page.keyboard.press('Enter');
  await until('the lightbulb menu to close', async () => !(await page.locator('.action-widget .monaco-list-row').first().isVisible().catch(() => false)));
  return label;
}

/** `arl eval --json` of the rule file with `text` in its place (a sibling file, so the CSV resolves). */
function evalText(workspace, text) {
  const file = join(workspace, 'e2e-check.arl');
  writeFileSync(file, text);
  try {
    return JSON.parse(execFileSync(process.execPath, [join(root, 'dist/arl.cjs'), 'eval', file, '--json'], { encoding: 'utf8' }));
  } finally {
    rmSync(file, { force: true });
  }
}

async function notifications(page) {
  return page.$$eval('.notifications-toasts .notification-toast, .notifications-center .notification-list-item', (els) => els.map((e) => e.textContent ?? ''));
}

export const scenarios = [
  {
    name: '1. opening the rule file shows lenses equal to `arl eval`',
    file: '1-lenses',
    async run({ page, evalJson }) {
      await openRules(page);
      const texts = await lenses(page);
      for (const r of evalJson.scores.rules) assert.ok(ruleLens(texts, r), `no lens for ${r.name} matching arl eval (TP ${r.tp} FP ${r.fp} FN ${r.fn} F1 ${r.f1.toFixed(2)}); lenses: ${texts.join(' | ')}`);
      assert.equal(fileF1(texts), Number(evalJson.scores.file.f1.toFixed(2)));
    },
  },
  {
    name: '2. a syntax error appears in Problems and goes away when fixed',
    file: '2-problems',
    async run({ page, original }) {
      await openRules(page);
      const [line, col] = lineCol(original, 'rising(oos_ratio, 3) and oos_ratio >= 45', 'rising(oos_ratio, 3) and oos_ratio >= 45'.length);
      await goTo(page, line, col);
      await page.keyboard.type(' and');
      await page.keyboard.press('Control+Shift+M');
      await until('the error in Problems', async () => (await problems(page)).some((t) => t.includes('Expected an expression')));
      await focusEditor(page);
      await page.keyboard.press('Control+Z');
      await until('Problems to clear', async () => (await page.textContent('.markers-panel'))?.includes('No problems have been detected'));
    },
  },
  {
    name: '3. changing a threshold updates the lens',
    file: '3-threshold',
    async run({ page, original, evalJson }) {
      await openRules(page);
      const critical = evalJson.scores.rules.find((r) => r.name === 'critical');
      const [line, col] = lineCol(original, 'oos_ratio >= 80 or', 'oos_ratio >= '.length);
      await goTo(page, line, col);
      await page.keyboard.press('Shift+ArrowRight');
      await page.keyboard.press('Shift+ArrowRight');
      await page.keyboard.type('20');
      const changed = await until('the critical lens to change', async () => {
        const t = await lenses(page);
        return !ruleLens(t, critical) && t.find((x) => x.includes('F1') && !x.includes('series') && Number(/FP (\d+)/.exec(x)?.[1]) > critical.fp);
      });
      assert.ok(changed);
      await focusEditor(page);
      await page.keyboard.press('Control+Z');
      await until('the lens to come back', async () => ruleLens(await lenses(page), critical));
    },
  },
  {
    name: '4. an offline quick-fix from the lightbulb improves the lens, and undo restores it',
    file: '4-quickfix',
    async run({ page, original }) {
      await openRules(page);
      const good = await until('the file F1 in the status bar', () => statusF1(page));
      // Weaken a rule first, so that there is something to fix.
      const [line, col] = lineCol(original, 'oos_ratio >= 45', 'oos_ratio >= '.length);
      await goTo(page, line, col);
      await page.keyboard.press('Shift+ArrowRight');
      await page.keyboard.press('Shift+ArrowRight');
      await page.keyboard.type('5');
      const weak = await until('the file F1 to drop', async () => {
        const f = await statusF1(page);
        return f !== undefined && f < good ? f : undefined;
      });
      const [rl, rc] = lineCol(original, 'rule escalating', 'rule '.length + 2);
      await goTo(page, rl, rc);
      // A verified proposal: its title gives the file's F1 on train and validation, before -> after.
      const chosen = await codeAction(page, /file point F1: train [\d.]+ -> [\d.]+, validation [\d.]+ -> [\d.]+/);
      assert.match(chosen, /^(Tune|Add|Drop|Change|Window|Steps) /);
      await until('the file F1 to improve', async () => {
        const f = await statusF1(page);
        return f !== undefined && f > weak;
      });
      await focusEditor(page);
      await page.keyboard.press('Control+Z');
      await until('undo to bring back the weak rule', async () => (await statusF1(page)) === weak);
      await page.keyboard.press('Control+Z');
      await until('the original F1', async () => (await statusF1(page)) === good);
    },
  },
  {
    name: '5. the first click on a rule lens previews that rule, and "Open in CSV" goes to its first row',
    file: '5-preview',
    async run({ page, evalJson, workspace }) {
      await openRules(page);
      const critical = evalJson.scores.rules.find((r) => r.name === 'critical');
      const lens = page.locator('.codelens-decoration a', { hasText: `TP ${critical.tp} FP ${critical.fp}` }).first();
      await until('the critical lens', () => lens.isVisible());
      await lens.click();
      const frame = await webview(page, 'the preview with a chart', '#plot svg .mark-line path');
      await until('the preview of `critical`', () => frame.evaluate(() => document.querySelector('select[aria-label="Rule"]')?.value === 'critical' && document.getElementById('app')?.getAttribute('aria-busy') === 'false'));
      const text = await frame.evaluate(() => document.documentElement.innerText ?? '');
      assert.match(text, /· rule critical/);
      assert.match(text, new RegExp(`False alarms \\(FP\\)\\s*${critical.fp}`));
      assert.match(text, new RegExp(`Missed anomalies \\(FN\\)\\s*${critical.fn}`));
      // "Open in CSV": the dataset opens at the series' first row.
      const series = await frame.evaluate(() => document.getElementById('plot-title')?.textContent ?? '');
      const rows = readFileSync(join(workspace, 'stockout.csv'), 'utf8').split('\n');
      const line = rows.findIndex((r) => r.startsWith(`${series},`)) + 1;
      assert.ok(line > 1, `series ${series} in the CSV`);
      await frame.click('#open-csv');
      await until('the CSV at the series’ first row', async () => (await page.$('.tabs-container .tab.active[aria-label*="stockout.csv"]')) && (await statusTexts(page)).some((t) => t.startsWith(`Ln ${line}, Col 1`)));
      await page.screenshot({ path: join(root, 'test-artifacts', 'e2e', '5-open-in-csv.png') });
      await palette(page, 'View: Close Editor');
      await openRules(page);
    },
  },
  {
    name: '6. hovering a column shows its distribution',
    file: '6-hover',
    async run({ page }) {
      await openRules(page);
      const token = page.locator('.monaco-editor .view-lines .view-line span span', { hasText: /^oos_ratio$/ }).nth(2);
      await token.hover();
      const hover = await until('the hover', async () => {
        const t = (await page.$$eval('.monaco-hover', (els) => els.map((e) => e.textContent ?? '').join(' '))).trim();
        return t && t.includes('p50') ? t : undefined;
      });
      assert.match(hover, /anomalies/);
      assert.match(hover, /normal/);
      await page.mouse.move(0, 0);
    },
  },
  {
    name: '7. undo of an applied proposal shows in the trajectory panel',
    file: '7-trajectory',
    async run({ page }) {
      // Scenario 4 applied a proposal to `escalating` and undid it.
      await openRules(page);
      await focusEditor(page);
      await palette(page, 'ARL: Show Refinement Trajectory');
      const frame = await webview(page, 'the trajectory panel with an undone attempt', 'td[data-status="undone"]');
      const row = await frame.evaluate(() => document.querySelector('td[data-status="undone"]')?.closest('tr')?.innerText ?? '');
      assert.match(row, /escalating/);
      assert.match(row, /offline/);
      assert.match(row, /undone/);
      assert.match(await frame.evaluate(() => document.getElementById('summary')?.textContent ?? ''), /\d+ undone/);
    },
  },
  {
    name: '8. typing `dataset "` (and `test "`) shows no error, and the breadcrumbs follow',
    file: '8-empty-names',
    async run({ page, evalJson, original }) {
      await openRules(page);
      const f1 = Number(evalJson.scores.file.f1.toFixed(3));
      // The breadcrumbs show the document symbol at the cursor: they follow each edit.
      const crumb = () => page.$$eval('.breadcrumbs-control .monaco-breadcrumb-item', (els) => els.map((e) => (e.querySelector('.label-name')?.textContent ?? e.textContent ?? '').trim()).join(' > '));
      await endOfFile(page, original);
      await page.keyboard.press('Enter');
      const last = original.split('\n').length + 1;
      await until('the cursor past the last declaration', async () => (await statusTexts(page)).some((t) => t.startsWith(`Ln ${last}, Col 1`)));
      // What the editor holds after `dataset "` once it closed the quote (typed as is, whether
      // or not this editor closes quotes), the cursor between the quotes.
      await page.keyboard.type('dataset ""');
      await page.keyboard.press('ArrowLeft');
      await until('the breadcrumbs to show the nameless dataset', async () => (await crumb()) === 'stockout.arl > dataset');
      await page.keyboard.press('End');
      await page.keyboard.press('Enter');
      await page.keyboard.type('test ""');
      await page.keyboard.press('ArrowLeft');
      await until('the breadcrumbs to show the nameless test', async () => (await crumb()) === 'stockout.arl > test');
      await page.screenshot({ path: join(root, 'test-artifacts', 'e2e', '8-empty-names-typed.png') });
      const errors = (await notifications(page)).filter((t) => /failed|falsy/i.test(t));
      assert.deepEqual(errors, []);
      await revert(page, f1);
    },
  },
  {
    name: '9. after `when`, neither completion nor "did you mean" offers the label column',
    file: '9-completion',
    async run({ page, evalJson, original }) {
      await openRules(page);
      const f1 = Number(evalJson.scores.file.f1.toFixed(3));
      await endOfFile(page, original);
      await page.keyboard.press('Enter');
      await page.keyboard.type('rule fresh when is');
      await page.keyboard.press('Control+Space');
      const rows = () => page.$$eval('.suggest-widget .monaco-list-row', (els) => els.map((e) => e.getAttribute('aria-label') ?? e.textContent ?? ''));
      const shown = await until('the suggestions', async () => {
        const r = await rows();
        return r.some((t) => t.includes('is_missing')) ? r : undefined;
      });
      assert.ok(!shown.some((t) => t.includes('is_anomaly')), `the label column offered: ${shown.join(' | ')}`);
      await page.keyboard.press('Escape');
      // The unknown name `is` is reported without a "did you mean" of the label column.
      await page.keyboard.press('Control+Shift+M');
      const problem = await until('the unknown name in Problems', async () => (await problems(page)).find((t) => t.includes('Unknown name `is`')));
      assert.doesNotMatch(problem, /is_anomaly/);
      await revert(page, f1);
    },
  },
  {
    name: '10. the threshold sweep applies a value, and the lens matches `arl eval`',
    file: '10-sweep',
    async run({ page, original, workspace, evalJson }) {
      await openRules(page);
      const f1 = Number(evalJson.scores.file.f1.toFixed(3));
      const [line, col] = lineCol(original, 'oos_ratio >= 80 or', 2);
      await goTo(page, line, col);
      await codeAction(page, /Sweep the threshold of `oos_ratio >= 80`/);
      const frame = await webview(page, 'the sweep panel', '#counts-table');
      await until('the sweep chart', () => frame.$('#chart g.metric_marks path'));
      // Pick a lower threshold on the chart.
      const box = await frame.locator('#chart svg').boundingBox();
      await frame.locator('#chart svg').click({ position: { x: box.width * 0.35, y: box.height / 2 } });
      const title = await until('a value picked', async () => {
        const t = await frame.evaluate(() => document.getElementById('selected-title')?.textContent ?? '');
        return /\(now 80\)$/.test(t) ? t : undefined;
      });
      const value = /oos_ratio >= ([\d.]+) \(now 80\)/.exec(title)[1];
      await until('the chart to mark it', () => frame.$('#chart g.selected_marks line'));
      await page.screenshot({ path: join(root, 'test-artifacts', 'e2e', '10-sweep-picked.png') });
      await frame.click('#apply');
      await until('the value applied', async () => (await frame.evaluate(() => document.getElementById('status')?.textContent ?? '')) === `Applied ${value}.`);
      // The lens shows what `arl eval` gives for the file with that threshold.
      const want = evalText(workspace, original.replace('oos_ratio >= 80 or', `oos_ratio >= ${value} or`)).scores.rules.find((r) => r.name === 'critical');
      await until(`the critical lens to match arl eval at ${value}`, async () => ruleLens(await lenses(page), want));
      // The sweep follows the edit: the new value is now the current one, with the same counts.
      await until('the sweep at the new value', async () => (await frame.evaluate(() => document.getElementById('selected-title')?.textContent ?? '')) === `oos_ratio >= ${value} (now)`);
      const cells = await frame.evaluate(() => [...document.querySelectorAll('tr[data-split="train"] td')].map((td) => td.textContent));
      assert.deepEqual(cells.slice(4, 7), [String(want.tp), String(want.fp), String(want.fn)]);
      await revert(page, f1);
    },
  },
  {
    name: '11. three labels given in the review queue are saved, and persist with their lens after a reload',
    file: '11-review',
    async run({ page, workspace }) {
      await openRules(page);
      await focusEditor(page);
      await palette(page, 'ARL: Review Labels');
      const reviewFrame = () =>
        until('the review queue with a plot', async () => {
          for (const f of page.frames()) {
            const ok = await f.evaluate(() => !!document.getElementById('item-title')?.getAttribute('data-key') && !!document.querySelector('#plot svg')).catch(() => false);
            if (ok) return f;
          }
          return undefined;
        }, 90000);
      let frame = await reviewFrame();
      const keys = [];
      for (const key of ['a', 'n', 'a']) {
        const before = await frame.evaluate(() => document.getElementById('item-title').getAttribute('data-key'));
        keys.push(before);
        await frame.click('#item-title');
        await page.keyboard.press(key);
        await until(`the queue to move past ${before}`, async () => (await frame.evaluate(() => document.getElementById('item-title')?.getAttribute('data-key'))) !== before);
      }
      const sidecar = join(workspace, '.arl', 'labels', 'stockout.csv');
      const human = () => (existsSync(sidecar) ? readFileSync(sidecar, 'utf8').split('\n').filter((l) => l.includes(',human,')) : []);
      await until('three labels in the label file', async () => human().length === 3);
      assert.deepEqual(human().map((l) => `${l.split(',')[0]}@${l.split(',')[1]}`), keys);
      // The dataset block's lenses are above line 4: the top of the file must be in view.
      await topOfRules(page);
      await until('the labels lens', async () => (await lenses(page)).some((t) => t.includes('labels: 3 by people')), 60000);
      await palette(page, 'Developer: Reload Window');
      await page.waitForSelector('.monaco-workbench', { timeout: 90000 });
      await openRules(page);
      await topOfRules(page);
      await until('the labels lens after the reload', async () => (await lenses(page)).some((t) => t.includes('labels: 3 by people')), 90000);
      assert.equal(human().length, 3);
    },
  },
];

/** For trying a step by hand (node -e, a probe script). */
export const helpers = { until, quickInput, palette, focusEditor, goTo, openRules, statusF1, statusTexts, revert, codeAction, lenses };
