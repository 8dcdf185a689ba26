// The threshold sweep panel: P/R/F1 and alerts per week against the threshold of one comparison,
// on train and validation, for the rule or the whole file. Click or drag on the chart (or use the
// arrow keys) to pick a value and see its counts; Apply writes it into the rule. See protocol.ts.
import type { View } from 'vega';
import { debounce, fill, h } from './dom';
import { count, score } from './format';
import { isMessage, type FromSweep, type SweepData, type ToSweep } from './protocol';
import { mountView } from './render';
import { nearestStep, stepFigures, sweepSpec, sweepSplits, type Level } from './sweep';
import { readTheme } from './theme';
import { connectHost } from './vscode';

interface State {
  level: Level;
  /** The selected value, as Apply writes it (kept across updates of the sweep). */
  value?: number;
}

const host = connectHost<State, FromSweep>();
let state: State = { level: 'rule', ...host.state() };
let data: SweepData | undefined;
let selected: number | undefined;
let view: View | undefined;
let drawing: Promise<unknown> = Promise.resolve();

const root = document.getElementById('app')!;
const title = h('h1', {}, 'Threshold sweep');
const note = h('div', { class: 'caption muted', id: 'sweep-note' }, 'Waiting for the sweep…');
const levelSelect = h('select', { 'aria-label': 'Figures of' }, h('option', { value: 'rule' }, 'the rule'), h('option', { value: 'file' }, 'the file (all rules, excludes)')) as HTMLSelectElement;
const chart = h('div', { class: 'chart', id: 'chart', tabindex: 0, 'aria-label': 'Precision, recall, F1 and alerts against the threshold; arrow keys move the selection' });
const counts = h('section', { id: 'counts' });
const apply = h('button', { type: 'button', id: 'apply' }, 'Apply');
const status = h('div', { class: 'muted', id: 'status', role: 'status' });
const error = h('div', { class: 'error', id: 'error', role: 'alert' });
fill(
  root,
  title,
  note,
  h('div', { class: 'bar' }, h('label', {}, 'Figures of ', levelSelect), apply, status),
  error,
  chart,
  h('div', { class: 'caption muted' }, 'Solid: train; dashed: validation. Click or drag on the chart, or use ← / → (Home / End), to pick a threshold.'),
  counts,
);
levelSelect.value = state.level;

function report(e: unknown): void {
  const message = e instanceof Error ? e.message : String(e);
  error.textContent = `Cannot draw the sweep: ${message}`;
  host.post({ type: 'error', message });
}

function save(): void {
  host.save(state);
}

function select(k: number | undefined): void {
  if (!data || k === undefined) return;
  const next = Math.max(0, Math.min(data.steps.length - 1, k));
  if (next === selected) return;
  selected = next;
  state = { ...state, value: data.steps[next].value };
  save();
  renderCounts();
  redraw();
}

function pct(x: number | null): string {
  return score(x);
}

function renderCounts(): void {
  const d = data;
  if (!d || selected === undefined) return;
  const step = d.steps[selected];
  const now = d.currentStep;
  const head = h('tr', {}, ...['', 'precision', 'recall', 'F1', 'TP', 'FP', 'FN', d.splits.train.weeks ? 'alerts / week' : 'alerts'].map((t) => h('th', {}, t)));
  const rows = sweepSplits.flatMap((split) => {
    const f = stepFigures(d, selected!, state.level, split);
    const c = stepFigures(d, now, state.level, split);
    const cell = (v: string, before: string) => h('td', {}, v === before || selected === now ? v : `${before} → ${v}`);
    const rate = (x: { perWeek: number | null; alerts: number }) => (x.perWeek === null ? count(x.alerts) : x.perWeek.toFixed(x.perWeek >= 10 ? 1 : 2));
    return [
      h(
        'tr',
        { 'data-split': split },
        h('td', {}, split),
        cell(pct(f.precision), pct(c.precision)),
        cell(pct(f.recall), pct(c.recall)),
        cell(pct(f.f1), pct(c.f1)),
        cell(count(f.tp), count(c.tp)),
        cell(count(f.fp), count(c.fp)),
        cell(count(f.fn), count(c.fn)),
        cell(rate(f), rate(c)),
      ),
    ];
  });
  const which = state.level === 'rule' ? `rule \`${d.rule}\` (as its lens counts, after the excludes)` : 'the file (any rule, after the excludes)';
  fill(
    counts,
    h('h2', { id: 'selected-title' }, `${d.subject} ${d.op} ${step.value}`, selected === now ? ' (now)' : ` (now ${d.current})`),
    h(
      'p',
      { class: 'muted' },
      `Figures of ${which} at the labelled points of each split; alerts count every point of the split's series (train ${count(d.splits.train.series)}, validation ${count(d.splits.validation.series)}).`,
    ),
    h('table', { id: 'counts-table' }, h('thead', {}, head), h('tbody', {}, rows)),
  );
  apply.textContent = selected === now ? 'Apply (no change)' : `Apply ${d.op} ${step.value}`;
  (apply as HTMLButtonElement).disabled = selected === now;
}

function render(): void {
  const d = data;
  if (!d) return;
  root.setAttribute('aria-busy', 'false');
  error.textContent = '';
  title.textContent = `Threshold sweep · rule ${d.rule} · ${d.comparison.replace(/\s+/g, ' ')}`;
  note.textContent =
    `${count(d.steps.length)} thresholds: every distinct value of ${d.subject} at the labelled train and validation points where the comparison decides` +
    `${d.thinned ? ` (${count(d.thinned)} left out to keep it under ${count(d.steps.length)})` : ''}, each scored exactly, with the other rules and the excludes of the file.`;
  renderCounts();
  drawChart();
}

function drawChart(): void {
  const d = data;
  if (!d) return;
  drawing = drawing
    .then(async () => {
      const width = Math.max(280, chart.clientWidth || root.clientWidth);
      const height = Math.round(Math.max(220, Math.min(420, width * 0.42)));
      const drawn = selected;
      view = await mountView(chart, sweepSpec(d, { width, height, theme: readTheme(), level: state.level, selected: drawn }), view);
      // What the chart shows now (tests wait on it).
      chart.dataset.level = state.level;
      chart.dataset.selected = String(drawn);
    })
    .catch(report);
}

const redraw = debounce(drawChart, 60);

/** The step under a pointer event on the chart. */
function stepAt(e: PointerEvent): number | undefined {
  const svg = chart.querySelector('svg');
  if (!view || !data || !svg) return undefined;
  const rect = svg.getBoundingClientRect();
  const scale = view.scale('x') as ((v: number) => number) & { invert(px: number): number };
  if (!scale?.invert) return undefined;
  const px = e.clientX - rect.left - view.origin()[0];
  return nearestStep(data, scale.invert(px));
}

let dragging = false;
chart.addEventListener('pointerdown', (e) => {
  dragging = true;
  chart.setPointerCapture?.(e.pointerId);
  select(stepAt(e));
});
chart.addEventListener('pointermove', (e) => {
  if (dragging) select(stepAt(e));
});
const stop = () => (dragging = false);
chart.addEventListener('pointerup', stop);
chart.addEventListener('pointercancel', stop);

document.addEventListener('keydown', (e) => {
  const t = e.target as HTMLElement | null;
  if (!data || selected === undefined || e.ctrlKey || e.metaKey || e.altKey || (t && /^(SELECT|INPUT|TEXTAREA|BUTTON)$/.test(t.tagName))) return;
  const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
  if (step) select(selected + step * (e.shiftKey ? 10 : 1));
  else if (e.key === 'Home') select(0);
  else if (e.key === 'End') select(data.steps.length - 1);
  else return;
  e.preventDefault();
});

levelSelect.addEventListener('change', () => {
  state = { ...state, level: levelSelect.value as Level };
  save();
  renderCounts();
  redraw();
});

apply.addEventListener('click', () => {
  if (!data || selected === undefined || selected === data.currentStep) return;
  status.textContent = 'Applying…';
  host.post({ type: 'apply', value: data.steps[selected].value, version: data.version });
});

window.addEventListener('message', (event: MessageEvent) => {
  const m = event.data;
  if (!isMessage<ToSweep>(m)) return;
  switch (m.type) {
    case 'sweep':
      data = m.data;
      {
        // Keep the value the user picked if it is still there (the current step first); else the current one.
        const d = data;
        const at = d.steps[d.currentStep]?.value === state.value ? d.currentStep : d.steps.findIndex((s) => s.value === state.value);
        selected = at >= 0 ? at : d.currentStep;
      }
      render();
      break;
    case 'sweepError':
      root.setAttribute('aria-busy', 'false');
      error.textContent = m.message;
      break;
    case 'applied':
      status.textContent = m.ok ? `Applied ${m.value}.` : (m.message ?? 'Not applied.');
      break;
    case 'theme':
      redraw();
      break;
  }
});

new MutationObserver(redraw).observe(document.body, { attributes: true, attributeFilter: ['class'] });
let lastWidth = 0;
new ResizeObserver(() => {
  const w = root.clientWidth;
  if (Math.abs(w - lastWidth) > 8) {
    lastWidth = w;
    redraw();
  }
}).observe(root);

host.post({ type: 'ready' });
