// The preview panel: asks the host for the preview of a rule and a series, draws it, and moves
// through the series with the keyboard. See protocol.ts for the messages: the page says `ready`
// and asks for nothing until the host's `init` says what to show.
import type { Group } from '../../server/src/preview/types';
import { debounce } from './dom';
import { highlight, locate, renderList, stepGroup, stepSeries, type Selection } from './list';
import { PreviewPage } from './preview-view';
import { isMessage, type FromPreview, type PreviewData, type ScoreSplit, type ToPreview } from './protocol';
import { connectHost } from './vscode';

interface State {
  rule: string | null;
  split: ScoreSplit;
  series?: string;
  group?: Group;
  /** The let on the right axis: absent, the preview's pick; null, none. */
  let?: string | null;
}

const host = connectHost<State, FromPreview>();
let state: State = { rule: null, split: 'train', ...host.state() };
let data: PreviewData | undefined;
let lastRequest = 0;
/** The host's `init` (or a `show`) came: until then the page asks for nothing. */
let started = false;
let listSignature = '';

const page = new PreviewPage(document.getElementById('app')!, {
  onRule: (rule) => {
    state = { ...state, rule, series: undefined, group: undefined };
    request();
  },
  onSplit: (split) => {
    state = { ...state, split, series: undefined, group: undefined };
    request();
  },
  onLet: (name) => {
    state = { ...state, let: name };
    request();
  },
  onReveal: (rule) => host.post({ type: 'revealRule', rule }),
  onOpenCsv: (series) => host.post({ type: 'openCsv', series }),
});

function save(): void {
  host.save(state);
}

/** Asks for the current state's preview; answers to earlier requests are dropped. */
function request(): void {
  save();
  lastRequest++;
  page.busy(true);
  host.post({ type: 'requestPreview', requestId: lastRequest, params: { rule: state.rule, split: state.split, series: state.series, ...(state.let !== undefined ? { let: state.let } : {}) } });
}

function report(e: unknown): void {
  const message = e instanceof Error ? e.message : String(e);
  page.showError(`Cannot draw the preview: ${message}`);
  host.post({ type: 'error', message });
}

async function show(d: PreviewData): Promise<void> {
  data = d;
  page.showError('');
  const id = d.series?.id;
  state = { rule: d.rule, split: d.split, series: id, group: id ? locate(d.groups, id, state.group)?.group : undefined, let: state.let };
  save();
  page.header(d);
  // The list is redrawn only when it changed (not when only the selection moved).
  const signature = `${d.rule}|${d.split}|${d.groups.map((g) => g.series.map((s) => `${s.id}:${s.points}:${s.margin}`).join(',')).join('|')}`;
  const selected = signature === listSignature ? highlight(page.list, selection()) : renderList(page.list, d.groups, selection(), select);
  listSignature = signature;
  selected?.scrollIntoView({ block: 'nearest' });
  await page.draw(d);
  page.busy(false);
}

function selection(): Selection | undefined {
  return state.series && state.group ? { group: state.group, id: state.series } : undefined;
}

function select(s: Selection | undefined): void {
  if (!s || (s.id === state.series && s.group === state.group)) return;
  state = { ...state, series: s.id, group: s.group };
  highlight(page.list, s)?.scrollIntoView({ block: 'nearest' });
  request();
}

window.addEventListener('message', (event: MessageEvent) => {
  const m = event.data;
  if (!isMessage<ToPreview>(m)) return;
  switch (m.type) {
    case 'init':
      started = true;
      // The first thing the page asks for: what the host says, or what it showed last.
      if (m.rule !== undefined && (m.rule !== state.rule || (m.split && m.split !== state.split))) state = { rule: m.rule, split: m.split ?? state.split };
      request();
      break;
    case 'show':
      started = true;
      if (m.rule !== state.rule || (m.split && m.split !== state.split)) state = { rule: m.rule, split: m.split ?? state.split };
      request();
      break;
    case 'changed':
      if (started) request();
      break;
    case 'preview':
      if (m.requestId === lastRequest) show(m.data).catch(report);
      break;
    case 'previewError':
      if (m.requestId !== lastRequest) break;
      // The series or rule went away (an edit, a new dataset): fall back to the file's first series.
      if (m.code === 'unknown-series' && state.series) {
        state = { ...state, series: undefined, group: undefined };
        request();
      } else if (m.code === 'unknown-rule' && state.rule !== null) {
        state = { ...state, rule: null, series: undefined, group: undefined };
        request();
      } else if (m.code === 'unknown-let' && state.let) {
        state = { ...state, let: undefined };
        request();
      } else {
        page.busy(false);
        page.showError(m.message);
      }
      break;
    case 'theme':
      redraw();
      break;
  }
});

document.addEventListener('keydown', (e) => {
  const t = e.target as HTMLElement | null;
  if (!data || e.ctrlKey || e.metaKey || e.altKey || (t && /^(SELECT|INPUT|TEXTAREA)$/.test(t.tagName))) return;
  const groups = data.groups;
  let next: Selection | undefined;
  let handled = true;
  if ((e.key === 'ArrowDown' && e.shiftKey) || e.key === 'n') next = stepGroup(groups, selection(), 1);
  else if ((e.key === 'ArrowUp' && e.shiftKey) || e.key === 'p') next = stepGroup(groups, selection(), -1);
  else if (e.key === 'ArrowDown' || e.key === 'j') next = stepSeries(groups, selection(), 1);
  else if (e.key === 'ArrowUp' || e.key === 'k') next = stepSeries(groups, selection(), -1);
  else handled = false;
  if (!handled) return;
  e.preventDefault();
  select(next);
});

const redraw = debounce(() => {
  if (data) page.draw(data).catch(report);
}, 120);

// Theme switches change the classes on <body>; resizing changes the plot's width.
new MutationObserver(redraw).observe(document.body, { attributes: true, attributeFilter: ['class'] });
let lastWidth = 0;
new ResizeObserver(() => {
  const w = page.root.clientWidth;
  if (Math.abs(w - lastWidth) > 8) {
    lastWidth = w;
    redraw();
  }
}).observe(page.root);

host.post({ type: 'ready' });
