// The end-to-end scenarios, each a function of the page; run.mjs runs them in order on one window.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(what, fn, timeout = 30000) {
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
    await sleep(200);
  }
}

async function quickInput(page, key, text, pick) {
  await page.keyboard.press(key);
  await page.waitForSelector('.quick-input-widget:not([style*="display: none"]) input');
  await page.keyboard.type(text);
  // Wait for the list to show the entry before choosing it.
  if (pick) await until(`"${pick}" in the quick pick`, async () => (await page.$$eval('.quick-input-list .monaco-list-row', (rows) => rows.map((r) => r.textContent ?? ''))).some((t) => t.includes(pick)));
  else await sleep(300);
  await page.keyboard.press('Enter');
}

const palette = (page, title) => quickInput(page, 'F1', title, title.replace(/^.*?: /, ''));

async function focusEditor(page) {
  await palette(page, 'View: Focus Active Editor Group');
  await sleep(200);
}

/** Puts the cursor at a 1-based line and column. */
async function goTo(page, line, column) {
  await focusEditor(page);
  await quickInput(page, 'Control+G', `${line}:${column}`);
  await sleep(200);
}

function lineCol(text, needle, delta = 0) {
  const at = text.indexOf(needle);
  assert.ok(at >= 0, `${needle} not in the file`);
  const before = text.slice(0, at + delta).split('\n');
  return [before.length, before[before.length - 1].length + 1];
}

/** Opens the rule file (once) and waits for its lenses. */
async function openRules(page) {
  const open = await page.$('.tabs-container .tab.active[aria-label*="stockout.arl"]');
  if (!open) await quickInput(page, 'Control+P', 'stockout.arl', 'stockout.arl');
  await until('the rule lenses', async () => (await lenses(page)).filter((t) => t.includes('F1')).length >= 4, 90000);
}

/** Focuses the rule file's editor (not the panel beside it) and scrolls to its first line. */
async function topOfRules(page) {
  await palette(page, 'View: Focus First Editor Group');
  await sleep(200);
  await page.keyboard.press('Control+Home');
  await sleep(200);
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
  const texts = await page.$$eval('.statusbar-item', (els) => els.map((e) => e.textContent ?? ''));
  const m = texts.map((t) => /F1 (\d\.\d{3})/.exec(t)).find(Boolean);
  return m ? Number(m[1]) : undefined;
}

async function problems(page) {
  return page.$$eval('.markers-panel .monaco-list-row', (rows) => rows.map((r) => r.textContent ?? ''));
}

async function undoAll(page, original, read) {
  await focusEditor(page);
  for (let i = 0; i < 20; i++) {
    await page.keyboard.press('Control+Z');
    await sleep(100);
    if ((await read()) === original) return;
  }
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
      const [line] = lineCol(original, 'rising(oos_ratio, 3) and oos_ratio >= 45');
      await goTo(page, line, 200);
      await page.keyboard.press('End');
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
      const good = await statusF1(page);
      // Weaken a rule first, so that there is something to fix.
      const [line, col] = lineCol(original, 'oos_ratio >= 45', 'oos_ratio >= '.length);
      await goTo(page, line, col);
      await page.keyboard.press('Shift+ArrowRight');
      await page.keyboard.press('Shift+ArrowRight');
      await page.keyboard.type('5');
      const weak = await until('the file lens to drop', async () => {
        const f = await statusF1(page);
        return f !== undefined && f < good ? f : undefined;
      });
      const [rl, rc] = lineCol(original, 'rule escalating', 'rule '.length + 2);
      await goTo(page, rl, rc);
      await page.keyboard.press('Control+.');
      await until('the lightbulb menu', async () => (await page.$$('.action-widget .monaco-list-row')).length > 0);
      // Move the focus to the first verified proposal and apply it with the keyboard.
      let chosen = '';
      for (let i = 0; i < 10 && !chosen; i++) {
        const focused = (await page.textContent('.action-widget .monaco-list-row.focused').catch(() => '')) ?? '';
        if (/F1:? (train )?[\d.]+ -> [\d.]+, val/.test(focused)) chosen = focused;
        else await page.keyboard.press('ArrowDown');
      }
      assert.ok(chosen, 'no verified proposal in the lightbulb menu');
      await page.keyboard.press('Enter');
      await until('the file lens to improve', async () => {
        const f = await statusF1(page);
        return f !== undefined && f > weak;
      });
      await focusEditor(page);
      await page.keyboard.press('Control+Z');
      await until('undo to bring back the weak rule', async () => await statusF1(page) === weak);
      await page.keyboard.press('Control+Z');
      await until('the original lens', async () => await statusF1(page) === good);
    },
  },
  {
    name: '5. clicking a rule lens opens the anomaly preview with a chart',
    file: '5-preview',
    async run({ page, evalJson }) {
      await openRules(page);
      const critical = evalJson.scores.rules.find((r) => r.name === 'critical');
      const lens = await until('the critical lens', async () => {
        for (const el of await page.$$('.codelens-decoration a')) {
          const t = (await el.textContent()) ?? '';
          if (t.includes(`TP ${critical.tp} FP ${critical.fp}`)) return el;
        }
        return undefined;
      });
      await lens.click();
      const frame = await until('a webview with a chart', async () => {
        for (const f of page.frames()) {
          const n = await f.evaluate(() => document.querySelectorAll('svg .mark-line path, svg .mark-symbol path').length).catch(() => 0);
          if (n > 0) return f;
        }
        return undefined;
      }, 60000);
      const text = await frame.evaluate(() => document.documentElement.innerText ?? '');
      assert.match(text, new RegExp(`False alarms \\(FP\\)\\s*${critical.fp}`));
      assert.match(text, new RegExp(`Missed anomalies \\(FN\\)\\s*${critical.fn}`));
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
    },
  },
  {
    name: '7. the trajectory panel shows the attempt the quick-fix recorded',
    file: '7-trajectory',
    async run({ page }) {
      await openRules(page);
      await focusEditor(page);
      await palette(page, 'ARL: Show Refinement Trajectory');
      await until('a webview with the trajectory chart', async () => {
        for (const f of page.frames()) {
          const t = await f.evaluate(() => (document.querySelector('svg') ? document.documentElement.innerText : '')).catch(() => '');
          if (/escalating/.test(t) && /offline|applied/i.test(t)) return true;
        }
        return false;
      }, 60000);
    },
  },
  {
    name: '8. three labels given in the review queue are saved, and persist with their lens after a reload',
    file: '8-review',
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
