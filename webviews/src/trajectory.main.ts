// The trajectory panel: how precision, recall and F1 moved over the refinement attempts; clicking
// an attempt shows its change as a line diff and the analysis behind it. See protocol.ts.
import type { View } from 'vega';
import { lineDiff } from './diff';
import { debounce, fill, h } from './dom';
import { count, score } from './format';
import { isMessage, type AttemptScores, type FromTrajectory, type ToTrajectory, type TrajectoryAttempt, type TrajectoryData } from './protocol';
import { mountView } from './render';
import { trajectorySpec } from './spec';
import { readTheme } from './theme';
import { connectHost } from './vscode';

interface State {
  selected?: string;
}

const host = connectHost<State, FromTrajectory>();
let state: State = { ...host.state() };
let data: TrajectoryData | undefined;
let view: View | undefined;
let drawing: Promise<unknown> = Promise.resolve();

const root = document.getElementById('app')!;
const title = h('h1', {}, 'Refinement trajectory');
const summary = h('div', { class: 'bar muted', id: 'summary' }, 'Waiting for the trajectory…');
const chart = h('div', { class: 'chart', id: 'chart', 'aria-label': 'Scores per attempt' });
const table = h('table', { class: 'attempts', id: 'attempts', role: 'listbox', 'aria-label': 'Attempts' });
const details = h('section', { id: 'details' });
const error = h('div', { class: 'error', role: 'alert' });
fill(root, title, summary, error, chart, table, details);

function report(e: unknown): void {
  const message = e instanceof Error ? e.message : String(e);
  error.textContent = `Cannot draw the trajectory: ${message}`;
  host.post({ type: 'error', message });
}

function selectedAttempt(): TrajectoryAttempt | undefined {
  return data?.attempts.find((a) => a.id === state.selected);
}

function select(id: string | undefined): void {
  if (!data || !id || id === state.selected) return;
  state = { selected: id };
  host.save(state);
  render();
}

function render(): void {
  if (!data) return;
  const d = data;
  root.setAttribute('aria-busy', 'false');
  title.textContent = `Refinement trajectory · ${d.file.split(/[\\/]/).pop()}`;
  const undone = d.attempts.filter((a) => a.accepted && a.undone).length;
  const accepted = d.attempts.filter((a) => a.accepted).length - undone;
  summary.textContent = `${count(d.attempts.length)} attempt${d.attempts.length === 1 ? '' : 's'} · ${count(accepted)} accepted${undone ? ` · ${count(undone)} undone` : ''} · ${count(d.attempts.length - accepted - undone)} rejected`;
  renderTable(d);
  renderDetails(selectedAttempt());
  drawChart();
}

function drawChart(): void {
  const d = data;
  if (!d) return;
  drawing = drawing
    .then(async () => {
      const width = Math.max(240, root.clientWidth - 40);
      view = await mountView(chart, trajectorySpec(d, { width, height: 220, theme: readTheme(), selected: state.selected }), view);
      view.addEventListener('click', (_event, item) => {
        const datum = (item as { datum?: { id?: unknown } } | null | undefined)?.datum;
        if (typeof datum?.id === 'string') select(datum.id);
      });
    })
    .catch(report);
}

/** accepted, undone (accepted, then taken back in the editor) or rejected. */
function statusClass(a: TrajectoryAttempt): string {
  return a.undone ? 'undone' : a.accepted ? 'accepted' : 'rejected';
}

function statusText(a: TrajectoryAttempt): string {
  return a.undone ? '↶ undone' : a.accepted ? '✓ accepted' : '✗ rejected';
}

/** The file's objective on a split (F1 in records older than the objective). */
function objective(s: AttemptScores): string {
  return score(s.objective ?? s.f1);
}

/** What the figures measure: point F1 in older records. */
const measure = (a: TrajectoryAttempt) => a.objectiveName ?? 'point F1';

function renderTable(d: TrajectoryData): void {
  // The objective in the header when every attempt measured the same one, else in each cell.
  const names = new Set(d.attempts.map(measure));
  const one = names.size <= 1 ? ([...names][0] ?? 'point F1') : undefined;
  const cell = (a: TrajectoryAttempt, split: 'train' | 'validation') => `${objective(a[split].before)} → ${objective(a[split].after)}${one ? '' : ` ${measure(a)}`}`;
  const head = h('tr', {}, ...['#', 'time', 'rule', 'proposer', 'status', one ? `${one} train` : 'train', one ? `${one} validation` : 'validation'].map((t) => h('th', {}, t)));
  const rows = d.attempts.map((a, i) => {
    const tr = h(
      'tr',
      { role: 'option', 'aria-selected': a.id === state.selected ? 'true' : 'false', 'data-attempt': a.id },
      h('td', {}, String(i + 1)),
      h('td', {}, a.time.replace('T', ' ').replace(/\.\d+Z$|Z$/, '')),
      h('td', {}, a.rule),
      h('td', {}, a.proposer),
      h('td', { class: statusClass(a), 'data-status': statusClass(a) }, statusText(a)),
      h('td', {}, cell(a, 'train')),
      h('td', {}, cell(a, 'validation')),
    );
    tr.addEventListener('click', () => select(a.id));
    return tr;
  });
  fill(table, h('thead', {}, head), h('tbody', {}, rows));
}

function scoresTable(a: TrajectoryAttempt): HTMLElement {
  // Point precision, recall and F1; the objective beside them when it is another (event F1...).
  const other = a.objectiveName && a.objectiveName !== 'point F1' ? a.objectiveName : undefined;
  const row = (name: string, split: 'train' | 'validation') => {
    const cells = (['precision', 'recall', 'f1'] as const).map((m) => h('td', {}, `${score(a[split].before[m])} → ${score(a[split].after[m])}`));
    if (other) cells.push(h('td', {}, `${objective(a[split].before)} → ${objective(a[split].after)}`));
    return h('tr', {}, h('td', {}, name), ...cells);
  };
  const heads = ['', 'precision', 'recall', 'point F1', ...(other ? [other] : [])];
  return h('table', {}, h('thead', {}, h('tr', {}, ...heads.map((t) => h('th', {}, t)))), h('tbody', {}, row('train', 'train'), row('validation', 'validation')));
}

function renderDetails(a: TrajectoryAttempt | undefined): void {
  if (!a) {
    fill(details, h('p', { class: 'muted' }, 'Click an attempt to see its change.'));
    return;
  }
  const open = h('button', { type: 'button' }, 'Open the change');
  open.addEventListener('click', () => host.post({ type: 'openAttempt', attemptId: a.id }));
  fill(
    details,
    h('h2', {}, `Attempt ${a.id} · rule ${a.rule} · `, h('span', { class: statusClass(a) }, statusClass(a))),
    h('div', { class: 'bar muted' }, `${a.time} · proposed by ${a.proposer}${a.undone ? ` · undone in the editor at ${a.undone}` : ''}`, open),
    h('p', {}, a.reason),
    scoresTable(a),
    h('h2', {}, 'Change'),
    h('div', { class: 'diff', id: 'diff' }, lineDiff(a.before, a.after).map((l) => h('div', { class: l.kind }, l.text))),
    h('h2', {}, 'Analysis'),
    h('pre', { id: 'analysis' }, a.analysis),
  );
}

window.addEventListener('message', (event: MessageEvent) => {
  const m = event.data;
  if (!isMessage<ToTrajectory>(m)) return;
  if (m.type === 'trajectory') {
    data = m.data;
    // A new attempt is shown unless the user picked one that still exists.
    if (!selectedAttempt()) state = { selected: data.attempts[data.attempts.length - 1]?.id };
    host.save(state);
    render();
  } else if (m.type === 'theme') redrawSoon();
});

document.addEventListener('keydown', (e) => {
  if (!data || e.ctrlKey || e.metaKey || e.altKey) return;
  const at = data.attempts.findIndex((a) => a.id === state.selected);
  const step = e.key === 'j' || e.key === 'ArrowDown' ? 1 : e.key === 'k' || e.key === 'ArrowUp' ? -1 : 0;
  if (!step) return;
  e.preventDefault();
  const next = data.attempts[Math.max(0, Math.min(data.attempts.length - 1, at + step))];
  select(next?.id);
});

const redrawSoon = debounce(drawChart, 120);
new MutationObserver(redrawSoon).observe(document.body, { attributes: true, attributeFilter: ['class'] });
new ResizeObserver(redrawSoon).observe(root);

host.post({ type: 'ready' });
