// The review queue: one point at a time with its series' plot, the LLMs' reason and votes, the
// rules' verdicts and margins, and a suggested label. Keys: a anomaly, n normal, s skip, u undo.
// Each decision is sent at once (the host saves it to the label file); a suggestion is only shown.
import type { View } from 'vega';
import { fill, h } from './dom';
import { count, margin } from './format';
import { isMessage, type FromReview, type ReviewItem, type ReviewQueue, type ReviewSeries, type ToReview } from './protocol';
import { mountView } from './render';
import { seriesSpec } from './spec';
import { readTheme } from './theme';
import { connectHost } from './vscode';

interface State {
  /** Points decided or skipped here (series@time), and the decisions in order for undo. */
  done: string[];
  history: { series: string; time: string; label: 0 | 1 }[];
}

const host = connectHost<State, FromReview>();
let state: State = { done: [], history: [], ...host.state() };
let queue: ReviewQueue | undefined;
let current: ReviewItem | undefined;
let prefer: string | undefined;
let lastRequest = 0;
let view: View | undefined;
let drawing: Promise<unknown> = Promise.resolve();

const groupTitle = { margin: 'The rules nearly decide otherwise', llm: 'The LLMs disagree', disagree: 'The rules disagree with the label' } as const;
const keyOf = (x: { series: string; time: string }) => `${x.series}@${x.time}`;

const root = document.getElementById('app')!;
const title = h('h1', {}, 'Review labels');
const summary = h('div', { class: 'bar muted', id: 'summary' }, 'Waiting for the queue…');
const error = h('div', { class: 'error', role: 'alert', id: 'error' });
const head = h('h2', { id: 'item-title' });
const facts = h('div', { id: 'facts' });
const plot = h('div', { class: 'chart', id: 'plot', 'aria-label': 'The series under review' });
const keys = h('div', { class: 'keys muted' }, h('kbd', {}, 'a'), ' anomaly · ', h('kbd', {}, 'n'), ' normal · ', h('kbd', {}, 's'), ' skip · ', h('kbd', {}, 'u'), ' undo the last decision');
const status = h('div', { class: 'muted', id: 'status', role: 'status' });
fill(root, title, summary, error, head, facts, keys, status, plot);

function save(): void {
  host.save(state);
}

function report(e: unknown): void {
  const message = e instanceof Error ? e.message : String(e);
  error.textContent = `Cannot draw the review: ${message}`;
  host.post({ type: 'error', message });
}

/** The next point to show: the one undone last, else the first not decided or skipped here. */
function pick(): ReviewItem | undefined {
  const items = queue?.items ?? [];
  const done = new Set(state.done);
  return (prefer ? items.find((i) => keyOf(i) === prefer) : undefined) ?? items.find((i) => !done.has(keyOf(i)));
}

function render(): void {
  if (!queue) return;
  const q = queue;
  const left = q.items.filter((i) => !state.done.includes(keyOf(i))).length;
  summary.textContent = `${count(left)} to review here · nearly decided ${count(q.counts.margin)} · LLMs disagree ${count(q.counts.llm)} · rules against labels ${count(q.counts.disagree)} · labels: ${count(q.labels.human)} by people, ${count(q.labels.llm)} from LLMs, ${count(q.labels.csv)} from the CSV`;
  const next = pick();
  root.setAttribute('aria-busy', 'false');
  if (!next) {
    current = undefined;
    head.textContent = 'Nothing left to review.';
    fill(facts);
    fill(plot);
    return;
  }
  const changed = !current || keyOf(current) !== keyOf(next);
  current = next;
  head.textContent = `${next.series} @ ${next.time}`;
  head.setAttribute('data-key', keyOf(next));
  const label = next.label === null ? 'not labelled' : `${next.label === 1 ? 'anomaly' : 'normal'} (${next.source === 'csv' ? 'from the CSV' : next.source === 'llm' ? 'from LLMs' : 'by a person'})`;
  const verdict = `${next.fired ? 'fire' : 'do not fire'} (margin ${margin(next.margin)})`;
  fill(
    facts,
    h('div', { class: 'muted', id: 'group' }, groupTitle[next.group]),
    h('div', { id: 'label' }, `Label now: ${label}${next.csvLabel !== undefined ? `; the CSV says ${next.csvLabel === 1 ? 'anomaly' : 'normal'}` : ''}`),
    h('div', { id: 'verdict' }, `The rules ${verdict}`),
    h(
      'table',
      { id: 'rules' },
      h('tr', {}, h('th', {}, 'rule'), h('th', {}, 'fires'), h('th', {}, 'margin')),
      next.rules.map((r) => h('tr', {}, h('td', {}, r.name), h('td', {}, r.fired ? 'yes' : 'no'), h('td', {}, margin(r.margin)))),
    ),
    next.llm ? h('div', { id: 'llm' }, `LLMs (${next.llm.source.slice(4)}; votes ${next.llm.votes}): ${next.llm.reason}`) : null,
    next.suggestion
      ? h('div', { id: 'suggestion' }, `Suggested: ${next.suggestion.label === 1 ? 'anomaly' : 'normal'} (${Math.round(next.suggestion.confidence * 100)}% of ${next.suggestion.neighbours} nearest labelled points by the rules' features). Press a or n to decide.`)
      : null,
  );
  if (changed) requestSeries(next);
}

function requestSeries(item: ReviewItem): void {
  const requestId = ++lastRequest;
  root.setAttribute('aria-busy', 'true');
  host.post({ type: 'requestSeries', requestId, series: item.series, time: item.time });
}

function draw(d: ReviewSeries): void {
  drawing = drawing
    .then(async () => {
      const width = Math.max(300, root.clientWidth - 60);
      const spec = seriesSpec(d.series, { timeKind: d.timeKind, theme: readTheme(), width, height: 260, title: d.series.id, mark: { t: d.t, text: 'review' } });
      view = await mountView(plot, spec, view);
      root.setAttribute('aria-busy', 'false');
    })
    .catch(report);
}

function decide(label: 0 | 1): void {
  if (!current) return;
  const item = current;
  state = { done: [...state.done, keyOf(item)], history: [...state.history, { series: item.series, time: item.time, label }] };
  prefer = undefined;
  save();
  status.textContent = `Saving ${label === 1 ? 'anomaly' : 'normal'} at ${keyOf(item)}…`;
  host.post({ type: 'decide', series: item.series, time: item.time, label });
  render();
}

function skip(): void {
  if (!current) return;
  state = { ...state, done: [...state.done, keyOf(current)] };
  prefer = undefined;
  save();
  render();
}

function undo(): void {
  const last = state.history[state.history.length - 1];
  if (!last) return;
  const k = keyOf(last);
  state = { done: state.done.filter((x) => x !== k), history: state.history.slice(0, -1) };
  prefer = k;
  save();
  status.textContent = `Undoing the label at ${k}…`;
  host.post({ type: 'decide', series: last.series, time: last.time, label: null });
  render();
}

document.addEventListener('keydown', (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const k = e.key.toLowerCase();
  if (k === 'a') decide(1);
  else if (k === 'n') decide(0);
  else if (k === 's') skip();
  else if (k === 'u') undo();
  else return;
  e.preventDefault();
});

window.addEventListener('message', (event: MessageEvent) => {
  const m = event.data as unknown;
  if (!isMessage<ToReview>(m)) return;
  if (m.type === 'queue') {
    queue = m.data;
    render();
  } else if (m.type === 'series') {
    if (m.requestId === lastRequest) draw(m.data);
  } else if (m.type === 'seriesError') {
    if (m.requestId === lastRequest) report(new Error(m.message));
  } else if (m.type === 'saved') {
    const what = m.label === null ? 'withdrawn' : m.label === 1 ? 'anomaly' : 'normal';
    status.textContent = `Saved: ${what} at ${m.series}@${m.time}.`;
  } else if (m.type === 'saveError') {
    error.textContent = `Not saved: ${m.message}`;
    const last = state.history[state.history.length - 1];
    if (last) {
      const k = keyOf(last);
      state = { done: state.done.filter((x) => x !== k), history: state.history.slice(0, -1) };
      prefer = k;
      save();
      render();
    }
  } else if (m.type === 'theme' && current) requestSeries(current);
});

host.post({ type: 'ready' });
