// The preview panel's page: header (dataset overview, scores, anomaly rate), series list, plot.
import type { View } from 'vega';
import type { PreviewData, SeriesView } from '../../server/src/preview/types';
import { fill, h } from './dom';
import { count, percent, score, splitsNote } from './format';
import type { ScoreSplit } from './protocol';
import { mountView } from './render';
import { rateSpec, seriesSpec } from './spec';
import { readTheme } from './theme';

export interface PageEvents {
  onRule(rule: string | null): void;
  onSplit(split: ScoreSplit): void;
  onReveal(rule: string): void;
}

const splits: ScoreSplit[] = ['train', 'validation', 'test', 'all'];

export class PreviewPage {
  readonly title = h('h1', {}, 'ARL preview');
  readonly ruleSelect = h('select', { 'aria-label': 'Rule' }) as HTMLSelectElement;
  readonly splitSelect = h('select', { 'aria-label': 'Split' }) as HTMLSelectElement;
  readonly reveal = h('button', { type: 'button', title: 'Show the rule in the editor' }, 'Go to rule');
  readonly overview = h('div', { class: 'bar muted', id: 'overview' });
  readonly scores = h('div', { class: 'bar', id: 'scores' });
  readonly rate = h('div', { class: 'chart', id: 'rate', 'aria-label': 'Anomaly rate over time' });
  readonly list = h('div', { class: 'list', id: 'list', role: 'listbox', 'aria-label': 'Series', tabindex: 0 });
  readonly plotTitle = h('h2', { id: 'plot-title' });
  readonly plotNote = h('div', { class: 'muted', id: 'plot-note' });
  readonly plot = h('div', { class: 'chart', id: 'plot', 'aria-label': 'Selected series' });
  readonly error = h('div', { class: 'error', id: 'error', role: 'alert' });
  private rateView?: View;
  private plotView?: View;
  /** Draws run one after another, so two views never share a container. */
  private drawing: Promise<unknown> = Promise.resolve();

  constructor(
    readonly root: HTMLElement,
    events: PageEvents,
  ) {
    for (const s of splits) this.splitSelect.append(h('option', { value: s }, s));
    this.ruleSelect.addEventListener('change', () => events.onRule(this.ruleSelect.value === '' ? null : this.ruleSelect.value));
    this.splitSelect.addEventListener('change', () => events.onSplit(this.splitSelect.value as ScoreSplit));
    this.reveal.addEventListener('click', () => this.ruleSelect.value && events.onReveal(this.ruleSelect.value));
    fill(
      root,
      h('header', {}, this.title, h('div', { class: 'bar' }, h('label', {}, 'Rule ', this.ruleSelect), this.reveal, h('label', {}, 'Split ', this.splitSelect)), this.overview, this.scores, this.rate),
      this.error,
      h(
        'div',
        { class: 'layout' },
        h('nav', {}, this.list),
        h(
          'section',
          {},
          this.plotTitle,
          this.plotNote,
          this.plot,
          h(
            'div',
            { class: 'keys muted' },
            h('kbd', {}, 'j'),
            '/',
            h('kbd', {}, 'k'),
            ' or ',
            h('kbd', {}, '↓'),
            '/',
            h('kbd', {}, '↑'),
            ' next / previous series · ',
            h('kbd', {}, 'n'),
            '/',
            h('kbd', {}, 'p'),
            ' or ',
            h('kbd', {}, '⇧↓'),
            '/',
            h('kbd', {}, '⇧↑'),
            ' next / previous group',
          ),
        ),
      ),
    );
  }

  busy(on: boolean): void {
    this.root.setAttribute('aria-busy', on ? 'true' : 'false');
  }

  showError(message: string): void {
    this.error.textContent = message;
  }

  /** The header: file, rule choice, dataset overview and scores. */
  header(d: PreviewData): void {
    const file = d.file ? d.file.split(/[\\/]/).pop() : 'ARL';
    this.title.textContent = `${file} · ${d.rule === null ? 'all rules' : `rule ${d.rule}`}`;
    fill(
      this.ruleSelect,
      h('option', { value: '' }, 'All rules (the file)'),
      byCategory(d.rules).flatMap(([category, rules]) => {
        const options = rules.map((r) => h('option', { value: r.name, disabled: r.broken }, `${r.name}${r.title ? ` — ${r.title}` : ''}${r.broken ? ' (has errors)' : ''}`));
        return category === null ? options : [h('optgroup', { label: category }, options)];
      }),
    );
    this.ruleSelect.value = d.rule ?? '';
    this.splitSelect.value = d.split;
    this.reveal.hidden = d.rule === null;
    const ds = d.dataset;
    fill(
      this.overview,
      h('span', { class: 'stat' }, h('b', {}, count(ds.series)), ` series in ${d.split}`, ds.totalSeries !== ds.series ? ` (of ${count(ds.totalSeries)})` : ''),
      h('span', { class: 'stat' }, h('b', {}, count(ds.points)), ' points'),
      h('span', { class: 'stat' }, h('b', {}, count(ds.labelled)), ' labelled'),
      h('span', { class: 'stat' }, h('b', {}, count(ds.anomalies)), ` anomalies (${percent(ds.labelled ? ds.anomalies / ds.labelled : null)})`),
    );
    const s = d.scores;
    fill(
      this.scores,
      h('span', { class: 'stat' }, 'precision ', h('b', {}, score(s.precision))),
      h('span', { class: 'stat' }, 'recall ', h('b', {}, score(s.recall))),
      h('span', { class: 'stat' }, 'F1 ', h('b', {}, score(s.f1))),
      h('span', { class: 'stat muted' }, `TP ${count(s.tp)} · FP ${count(s.fp)} · FN ${count(s.fn)} · TN ${count(s.tn)}`),
    );
  }

  /** Redraws both charts (after new data, a theme change or a resize). */
  draw(d: PreviewData): Promise<void> {
    const next = this.drawing.then(() => Promise.all([this.drawRate(d), this.drawPlot(d)]));
    this.drawing = next.catch(() => undefined);
    return next.then(() => undefined);
  }

  private async drawRate(d: PreviewData): Promise<void> {
    const width = Math.max(200, this.root.clientWidth - 8);
    this.rateView = await mountView(this.rate, rateSpec(d.dataset.rate, { width, height: 70, theme: readTheme() }), this.rateView);
  }

  private async drawPlot(d: PreviewData): Promise<void> {
    const s = d.series;
    if (!s) {
      this.plotTitle.textContent = 'No series';
      fill(this.plotNote);
      this.plotView?.finalize();
      this.plotView = undefined;
      fill(this.plot);
      return;
    }
    this.plotTitle.textContent = s.id;
    fill(this.plotNote, seriesNote(s));
    const width = Math.max(240, (this.plot.clientWidth || this.root.clientWidth - 260) - 70); // room for the axes
    const spec = seriesSpec(s, { timeKind: d.dataset.timeKind, theme: readTheme(), width, height: 280 });
    this.plotView = await mountView(this.plot, spec, this.plotView);
  }
}

/** What happened in the series, and the labeller's reasons. */
function seriesNote(s: SeriesView): string {
  const c = s.counts;
  const parts = [
    c.tp && `${c.tp} caught`,
    c.fp && `${c.fp} false alarm${c.fp > 1 ? 's' : ''}`,
    c.fn && `${c.fn} missed`,
    c.tn && `${c.tn} correctly quiet`,
  ].filter(Boolean);
  const reasons = [...new Set((s.reason ?? []).filter((r): r is string => !!r))].slice(0, 3);
  const shown = s.shown < s.length ? ` · ${count(s.shown)} of ${count(s.length)} points drawn` : '';
  return `${parts.join(' · ') || 'no labelled points in this split'}${shown} · ${splitsNote(s)}${reasons.length ? ` · label: ${reasons.join('; ')}` : ''}`;
}

/** Rules grouped by their category, in file order of each group's first rule; uncategorised ones first. */
export function byCategory(rules: PreviewData['rules']): [string | null, PreviewData['rules']][] {
  const groups = new Map<string | null, PreviewData['rules']>([[null, []]]);
  for (const r of rules) {
    const k = r.category ?? null;
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k)!.push(r);
  }
  return [...groups].filter(([, rs]) => rs.length);
}
