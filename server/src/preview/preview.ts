// The data of the preview panel (and of `arl plot`): a dataset overview, the series grouped by
// outcome for one rule (or the whole file), and the points of one series. Pure: it reads an
// Analysis and returns plain JSON.
import { excerpt } from '../../../grammar/src/excerpt';
import { closestNames } from '../../../grammar/src/issues';
import type { Analysis } from '../engine/analyze';
import { formatTime, type Frame } from '../engine/frame';
import { TRUE } from '../engine/kernels';
import type { ScoreSplit, Scores, SplitIndex } from '../engine/metrics';
import type { PlanNode } from '../engine/plan';
import { splitNames, type SplitName } from '../engine/split';
import { lttb } from './lttb';
import { Margins } from './margin';
import { previewThresholds, ruleColumns } from './rule-parts';
import type { Group, LabelRun, OutcomeGroup, PointOutcome, PreviewData, RateBar, ScoreSummary, SeriesEntry, SeriesView } from './types';

export type * from './types';

export interface PreviewOptions {
  /** A rule name; absent or null for the whole file. */
  rule?: string | null;
  split: ScoreSplit;
  /** The series to show; absent: the first of the list (false positives first). */
  series?: string;
  /** Points drawn at most, 10 or more (labelled and flagged points are always kept). Default 2000. */
  maxPoints?: number;
  /** The let drawn on a second axis: a name, null for none, absent to pick one the rule compares. */
  let?: string | null;
}

export type PreviewErrorCode = 'no-dataset' | 'data-error' | 'bad-split' | 'unknown-rule' | 'unknown-series' | 'unknown-let';

/** Why a preview cannot be built; `message` is written for people. */
export class PreviewError extends Error {
  constructor(
    readonly code: PreviewErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'PreviewError';
  }
}

const maxRateBars = 60;
const scoreSplits: ScoreSplit[] = ['train', 'validation', 'test', 'all'];

export function buildPreview(analysis: Analysis, opts: PreviewOptions): PreviewData {
  const data = analysis.data;
  if (!data) {
    if (analysis.dataError) throw new PreviewError('data-error', `The dataset cannot be read: ${analysis.dataError.message}`);
    throw new PreviewError('no-dataset', 'This file names no dataset: add a `dataset "file.csv" { ... }` block to preview its rules.');
  }
  if (!scoreSplits.includes(opts.split)) throw new PreviewError('bad-split', `Unknown split \`${opts.split}\`: use one of ${scoreSplits.join(', ')}.`);
  const frame = data.frame;
  const program = analysis.program;
  const ruleIndex = opts.rule == null ? -1 : program.rules.findIndex((r) => r.name === opts.rule);
  if (opts.rule != null && ruleIndex < 0) {
    const names = program.rules.map((r) => r.name).filter(Boolean);
    const near = closestNames(opts.rule, names);
    throw new PreviewError(
      'unknown-rule',
      `No rule \`${opts.rule}\` in this file${near.length ? `: did you mean \`${near[0]}\`?` : '.'} Its rules: ${names.join(', ') || 'none'}.`,
    );
  }
  const fileScores = analysis.scores(opts.split)!;
  const engine = ruleIndex < 0 ? fileScores.file : fileScores.rules[ruleIndex];
  const idx = data.scoring(analysis.shares).get(opts.split);
  const chosen = ruleIndex < 0 ? program.rules : [program.rules[ruleIndex]];
  const ruleNodes = chosen.map((r) => r.node);
  const excludeNodes = program.excludes.map((e) => e.node);
  const margins = new Margins((n) => data.evaluator.values(n));

  // Outcomes of the labelled points of the split, per series.
  const entries: Record<Group, Map<number, SeriesEntry>> = { fp: new Map(), fn: new Map(), tp: new Map() };
  const counts: Record<Group, number> = { fp: 0, fn: 0, tp: 0 };
  for (let k = 0; k < idx.labelled.length; k++) {
    const i = idx.labelled[k];
    const d = margins.decision(ruleNodes, excludeNodes, i);
    const anomaly = idx.isAnomaly[k] === 1;
    const g: Group | undefined = d.fired ? (anomaly ? 'tp' : 'fp') : anomaly ? 'fn' : undefined;
    if (!g) continue;
    counts[g]++;
    const s = frame.seriesOf[i];
    const e = entries[g].get(s);
    if (e) {
      e.points++;
      e.margin = Math.min(e.margin!, d.margin);
    } else entries[g].set(s, { id: frame.seriesIds[s], points: 1, margin: d.margin });
  }
  const groupList: OutcomeGroup[] = (['fp', 'fn', 'tp'] as Group[]).map((g) => ({ outcome: g, count: counts[g], series: ranked([...entries[g].values()]) }));

  const seriesIndex = pickSeries(frame, opts.series, groupList);
  const context = { analysis, frame, idx, ruleNodes, excludeNodes, margins, ruleIndex };
  return {
    file: analysis.path,
    split: opts.split,
    rule: ruleIndex < 0 ? null : program.rules[ruleIndex].name,
    rules: program.rules.map((r) => ({ name: r.name, title: r.title, severity: r.severity, ...(r.category ? { category: r.category } : {}), broken: !r.node })),
    lets: [...program.lets].filter(([, n]) => n.kind === 'number').map(([name]) => name),
    dataset: {
      path: analysis.datasetPath ?? frame.source,
      timeKind: frame.timeKind,
      totalSeries: frame.seriesIds.length,
      series: fileScores.series,
      points: fileScores.points,
      labelled: fileScores.labelled,
      anomalies: fileScores.anomalies,
      rate: rateBars(frame, idx),
      splitBy: data.scoring(analysis.shares).splits.by,
    },
    scores: summary(engine),
    groups: groupList,
    series: seriesIndex < 0 ? null : seriesView(context, seriesIndex, opts),
  };
}

/** Nearest to deciding otherwise first; ties by series id. */
function ranked(list: SeriesEntry[]): SeriesEntry[] {
  list.sort((a, b) => a.margin! - b.margin! || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const e of list) e.margin = Number.isFinite(e.margin) ? round(e.margin!) : null;
  return list;
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

function summary(s: Scores): ScoreSummary {
  const n = (x: number) => (Number.isFinite(x) ? x : null);
  return { tp: s.tp, fp: s.fp, fn: s.fn, tn: s.tn, precision: n(s.precision), recall: n(s.recall), f1: n(s.f1) };
}

const seriesMaps = new WeakMap<Frame, Map<string, number>>();

function pickSeries(frame: Frame, id: string | undefined, list: OutcomeGroup[]): number {
  if (id === undefined) {
    const first = list.find((g) => g.series.length)?.series[0].id;
    return first === undefined ? (frame.seriesIds.length ? 0 : -1) : pickSeries(frame, first, list);
  }
  let map = seriesMaps.get(frame);
  if (!map) seriesMaps.set(frame, (map = new Map(frame.seriesIds.map((s, i) => [s, i]))));
  const s = map.get(id);
  if (s === undefined) {
    const near = frame.seriesIds.length <= 50000 ? closestNames(id, frame.seriesIds) : [];
    throw new PreviewError('unknown-series', `No series \`${excerpt(id)}\` in the dataset${near.length ? `: did you mean \`${excerpt(near[0])}\`?` : '.'}`);
  }
  return s;
}

/** Anomaly rate of the labelled points of the split, by time (binned when there are many times). */
function rateBars(frame: Frame, idx: SplitIndex): RateBar[] {
  const byTime = new Map<number, { labelled: number; anomalies: number }>();
  for (let k = 0; k < idx.labelled.length; k++) {
    const t = frame.time[idx.labelled[k]];
    const b = byTime.get(t) ?? { labelled: 0, anomalies: 0 };
    b.labelled++;
    b.anomalies += idx.isAnomaly[k];
    byTime.set(t, b);
  }
  const times = [...byTime.keys()].sort((a, b) => a - b);
  if (times.length <= maxRateBars) {
    return times.map((t) => {
      const b = byTime.get(t)!;
      return { start: t, end: t, label: formatTime(frame, t), labelled: b.labelled, anomalies: b.anomalies, rate: b.anomalies / b.labelled };
    });
  }
  const lo = times[0];
  const width = (times[times.length - 1] - lo) / maxRateBars;
  const bins = Array.from({ length: maxRateBars }, (_, j) => ({ start: lo + j * width, end: lo + (j + 1) * width, labelled: 0, anomalies: 0 }));
  for (const t of times) {
    const b = bins[Math.min(maxRateBars - 1, Math.floor((t - lo) / width))];
    b.labelled += byTime.get(t)!.labelled;
    b.anomalies += byTime.get(t)!.anomalies;
  }
  return bins
    .filter((b) => b.labelled > 0)
    .map((b) => ({ ...b, label: `${formatTime(frame, b.start)} – ${formatTime(frame, b.end)}`, rate: b.anomalies / b.labelled }));
}

interface Context {
  analysis: Analysis;
  frame: Frame;
  idx: SplitIndex;
  ruleNodes: (PlanNode | undefined)[];
  excludeNodes: (PlanNode | undefined)[];
  margins: Margins;
  ruleIndex: number;
}

function inSplit(idx: SplitIndex, i: number): boolean {
  return (idx.mask[i >>> 5] & (1 << (i & 31))) !== 0;
}

function seriesView(c: Context, s: number, opts: PreviewOptions): SeriesView {
  const { analysis, frame, idx } = c;
  const a = frame.seriesStart[s];
  const b = frame.seriesStart[s + 1];
  const n = b - a;
  const label = frame.label;
  const ruleFlags = analysis.ruleFlags.map((r) => r.flags);
  const excludeFlags = analysis.excludeFlags.map((e) => e.flags);
  const chosenRules = c.ruleIndex < 0 ? analysis.program.rules : [analysis.program.rules[c.ruleIndex]];
  const columns = ruleColumns(analysis, chosenRules);
  const primary = frame.columns.get(columns[0]) ?? new Float64Array(frame.length).fill(Number.NaN);

  // Which split each point is in.
  const splitOf = analysis.data!.scoring(analysis.shares).splits.of;
  const splits: Record<SplitName, number> = { train: 0, validation: 0, test: 0 };
  for (let i = a; i < b; i++) splits[splitNames[splitOf[i]]]++;

  // Outcome of every point of the series.
  const outcome: PointOutcome[] = new Array(n);
  const counts = { tp: 0, fp: 0, fn: 0, tn: 0 };
  for (let j = 0; j < n; j++) {
    const i = a + j;
    const fired = c.margins.decision(c.ruleNodes, c.excludeNodes, i).fired;
    const y = label ? label[i] : Number.NaN;
    if (y === y && inSplit(idx, i)) {
      const o = fired ? (y === 1 ? 'tp' : 'fp') : y === 1 ? 'fn' : 'tn';
      counts[o]++;
      outcome[j] = o;
    } else outcome[j] = fired ? 'fired' : 'none';
  }

  // Downsample, keeping labelled points and every point a rule or exclude flags.
  const allFlags = [...ruleFlags, ...excludeFlags].filter((f): f is Uint8Array => f !== undefined);
  const flagged = (i: number) => allFlags.some((f) => f[i] === TRUE);
  const keep = (j: number) => (label !== undefined && label[a + j] === label[a + j]) || flagged(a + j);
  const budget = opts.maxPoints !== undefined && Number.isFinite(opts.maxPoints) ? Math.max(10, Math.floor(opts.maxPoints)) : 2000;
  const shown = lttb(frame.time.subarray(a, b), primary.subarray(a, b), budget, keep);

  const nums = (col: ArrayLike<number>) => shown.map((j) => (Number.isFinite(col[a + j]) ? col[a + j] : null));
  const flags = (f: Uint8Array | undefined) => shown.map((j) => (f ? f[a + j] : 0));
  const letName = pickLet(analysis, chosenRules, opts.let);
  const letNode = letName ? analysis.program.lets.get(letName) : undefined;
  const reasonColumn = analysis.check.dataset.columns.reason;
  const reasons = reasonColumn ? frame.text.get(reasonColumn) : undefined;
  return {
    id: frame.seriesIds[s],
    length: n,
    shown: shown.length,
    index: shown,
    time: shown.map((j) => frame.time[a + j]),
    timeText: shown.map((j) => formatTime(frame, frame.time[a + j])),
    columns: columns.map((name) => ({ name, values: nums(frame.columns.get(name) ?? []) })),
    let: letName && letNode ? { name: letName, values: nums(analysis.data!.evaluator.column(letNode)) } : undefined,
    label: shown.map((j) => (label && label[a + j] === label[a + j] ? (label[a + j] === 1 ? 1 : 0) : null)),
    reason: reasons ? shown.map((j) => reasons[a + j] || null) : undefined,
    rules: analysis.ruleFlags.map((r) => ({ name: r.name, flags: flags(r.flags) })),
    excludes: analysis.excludeFlags.map((e) => ({ name: e.name, flags: flags(e.flags) })),
    outcome: shown.map((j) => outcome[j]),
    runs: labelRuns(frame, a, b),
    thresholds: previewThresholds(analysis, chosenRules, columns, letName),
    counts,
    split: shown.map((j) => splitNames[splitOf[a + j]]),
    splits,
  };
}

/** The let on the second axis: the one asked for, or the first the rule compares with a constant. */
function pickLet(analysis: Analysis, rules: Analysis['program']['rules'], asked: string | null | undefined): string | undefined {
  if (asked === null) return undefined;
  if (asked !== undefined) {
    const node = analysis.program.lets.get(asked);
    if (!node || node.kind !== 'number') {
      const names = [...analysis.program.lets.entries()].filter(([, n]) => n.kind === 'number').map(([k]) => k);
      throw new PreviewError('unknown-let', `No number-valued let \`${asked}\` in this file. Lets: ${names.join(', ') || 'none'}.`);
    }
    return asked;
  }
  const t = previewThresholds(analysis, rules, [], undefined, true).find((x) => analysis.program.lets.get(x.name)?.kind === 'number');
  return t?.name;
}

/** Runs of consecutive anomalies in points [a, b), padded to the midpoints with their neighbours. */
function labelRuns(frame: Frame, a: number, b: number): LabelRun[] {
  const runs: LabelRun[] = [];
  const label = frame.label;
  if (!label) return runs;
  const t = frame.time;
  const step = b - a > 1 ? (t[b - 1] - t[a]) / (b - a - 1) : 1;
  for (let i = a; i < b; i++) {
    if (label[i] !== 1) continue;
    let j = i;
    while (j + 1 < b && label[j + 1] === 1) j++;
    const start = i > a ? (t[i - 1] + t[i]) / 2 : t[i] - step / 2;
    const end = j + 1 < b ? (t[j] + t[j + 1]) / 2 : t[j] + step / 2;
    runs.push({ first: t[i], last: t[j], start, end });
    i = j;
  }
  return runs;
}
