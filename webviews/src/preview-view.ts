// The preview panel's page: header (dataset overview, scores, anomaly rate), series list, plot.
// Beside an editor the panel is narrow: the plot then takes the full width above the list, and
// every chart is as wide as its container (and redrawn when it changes).
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
  onLet(name: string | null): void;
  onReveal(rule: string): void;
  onOpenCsv(series: string): void;
}

const splits: ScoreSplit[] = ['train', 'validation', 'test', 'all'];

/** The plot's height for a width: wider panels get taller plots, within bounds. */
export function plotHeight(width: number): number {
  return Math.round(Math.max(240, Math.min(460, width * 0.45)));
}

export class PreviewPage {
  readonly title = h('h1', {}, 'ARL preview');
  readonly ruleSelect = h('select', { 'aria-label': 'Rule' }) as HTMLSelectElement;
  readonly splitSelect = h('select', { 'aria-label': 'Split' }) as HTMLSelectElement;
  readonly letSelect = h('select', { 'aria-label': 'Right axis' }) as HTMLSelectElement;
  readonly reveal = h('button', { type: 'button', title: 'Show the rule in the editor' }, 'Go to rule');
  readonly openCsv = h('button', { type: 'button', id: 'open-csv', title: 'Open the dataset at the first row of this series' }, 'Open in CSV');
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
    this.letSelect.addEventListener('change', () => events.onLet(this.letSelect.value === '' ? null : this.letSelect.value));
    this.reveal.addEventListener('click', () => this.ruleSelect.value && events.onReveal(this.ruleSelect.value));
    this.openCsv.addEventListener('click', () => this.plotTitle.textContent && events.onOpenCsv(this.plotTitle.textContent));
    const keys = h(
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
    );
    fill(
      root,
      h(
        'header',
        {},
        this.title,
        h('div', { class: 'bar' }, h('label', {}, 'Rule ', this.ruleSelect), this.reveal, h('label', {}, 'Split ', this.splitSelect)),
        this.overview,
        this.scores,
        h('div', { class: 'caption muted', id: 'rate-caption' }, 'Anomaly rate: the share of labelled points that are anomalies, over time; ', h('span', { class: 'swatch peak' }), ' the highest.'),
        this.rate,
      ),
      this.error,
      h(
        'div',
        { class: 'layout' },
        h(
          'section',
          { class: 'plot-area' },
          h('div', { class: 'bar' }, this.plotTitle, this.openCsv, h('label', {}, 'Right axis ', this.letSelect)),
          this.plotNote,
          this.plot,
          h(
            'div',
            { class: 'caption muted', id: 'plot-caption' },
            'Dashed lines: the thresholds the rules compare with, grey on the left axis (columns), purple on the right axis (lets). Shaded: runs of labelled anomalies.',
          ),
          keys,
        ),
        h(
          'nav',
          {},
          h('div', { class: 'caption muted', id: 'list-caption' }, 'Each series with its points in the group and, in %, how much the rule’s inputs would have to change to decide otherwise (its margin): nearest first.'),
          this.list,
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
    fill(this.letSelect, h('option', { value: '' }, 'none'), (d.lets ?? []).map((l) => h('option', { value: l }, l)));
    this.letSelect.value = d.series?.let?.name ?? '';
    this.letSelect.disabled = !(d.lets ?? []).length;
    this.openCsv.hidden = !d.series;
    const ds = d.dataset;
    fill(
      this.overview,
      h('span', { class: 'stat' }, h('b', {}, count(ds.series)), ` series in ${d.split}`, ds.totalSeries !== ds.series ? ` (of ${count(ds.totalSeries)})` : ''),
      h('span', { class: 'stat' }, h('b', {}, count(ds.points)), ds.points === 1 ? ' point' : ' points'),
      h('span', { class: 'stat' }, h('b', {}, count(ds.labelled)), ' labelled'),
      h('span', { class: 'stat' }, h('b', {}, count(ds.anomalies)), `${ds.anomalies === 1 ? ' anomaly' : ' anomalies'} (${percent(ds.labelled ? ds.anomalies / ds.labelled : null)})`),
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
    const width = Math.max(200, this.rate.clientWidth || this.root.clientWidth);
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
    // The whole chart, axes and legend included, fits the container's width.
    const width = Math.max(240, this.plot.clientWidth || this.root.clientWidth);
    const spec = seriesSpec(s, { timeKind: d.dataset.timeKind, theme: readTheme(), width, height: plotHeight(width), fit: true });
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
