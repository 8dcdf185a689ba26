// The preview of a rule file on its dataset, as sent to the preview panel: plain JSON (no NaN, no
// typed arrays, no Infinity). Built by buildPreview (preview.ts); drawn by webviews/src.
import type { CompareOp, Severity } from '../../../grammar/src/ast';
import type { TimeKind } from '../engine/frame';
import type { ScoreSplit } from '../engine/metrics';
import type { SplitName, Splits } from '../engine/split';

/** The three groups of the series list. */
export type Group = 'fp' | 'fn' | 'tp';
export const groups: Group[] = ['fp', 'fn', 'tp'];

/**
 * What happened at one point of the shown series. tp / fp / fn / tn: a labelled point in the
 * split (as the engine scores it). fired / none: an unlabelled point, or one outside the split.
 */
export type PointOutcome = 'tp' | 'fp' | 'fn' | 'tn' | 'fired' | 'none';

export interface PreviewData {
  /** The .arl file. */
  file?: string;
  split: ScoreSplit;
  /** The rule previewed; null for the whole file (any rule firing). */
  rule: string | null;
  rules: RuleInfo[];
  /** Number-valued lets, any of which the plot can draw on its second axis. */
  lets?: string[];
  dataset: DatasetOverview;
  /** The engine's scores of the rule (or file) on the split. */
  scores: ScoreSummary;
  /** False positives, missed anomalies, caught anomalies: always these three, in this order. */
  groups: OutcomeGroup[];
  /** The selected series; null when the dataset has none. */
  series: SeriesView | null;
}

export interface RuleInfo {
  name: string;
  title?: string;
  severity: Severity;
  /** The rule's `category "..."`: the preview groups rules by it. */
  category?: string;
  /** The rule has errors: it is not evaluated and never fires. */
  broken: boolean;
}

export interface ScoreSummary {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  /** null when undefined (nothing fired, no anomalies). */
  precision: number | null;
  recall: number | null;
  f1: number | null;
}

export interface DatasetOverview {
  path: string;
  timeKind: TimeKind;
  /** All series of the dataset. */
  totalSeries: number;
  /** Series, points, labelled points and anomalies in the split. */
  series: number;
  points: number;
  labelled: number;
  anomalies: number;
  /** Share of anomalies among the labelled points of the split, over time. */
  rate: RateBar[];
  /** How points were split: by series, one time cut, each series' own time, or a column. */
  splitBy: Splits['by'];
}

export interface RateBar {
  /** Time span of the bar (equal for one time value). */
  start: number;
  end: number;
  /** The time (or span) for people. */
  label: string;
  labelled: number;
  anomalies: number;
  /** anomalies / labelled, 0..1. */
  rate: number;
}

export interface OutcomeGroup {
  outcome: Group;
  /** Points with this outcome in the split: equals the engine's tp, fp or fn. */
  count: number;
  /** Series with at least one such point, nearest to deciding otherwise first. */
  series: SeriesEntry[];
}

export interface SeriesEntry {
  id: string;
  /** Points of this outcome in the series. */
  points: number;
  /** The smallest margin among them (see margin.ts); null when no threshold could change it. */
  margin: number | null;
}

export interface SeriesView {
  id: string;
  /** Points in the series; `shown` after downsampling. */
  length: number;
  shown: number;
  /** Position in the series of each shown point; the arrays below are aligned with it. */
  index: number[];
  /** A number, or milliseconds since 1970 when dataset.timeKind is 'date'. */
  time: number[];
  timeText: string[];
  /** The columns the rule names (null: missing value). */
  columns: { name: string; values: (number | null)[] }[];
  /** A let the rule compares with a constant, for a second axis. */
  let?: { name: string; values: (number | null)[] };
  /** 1 anomaly, 0 normal, null unlabelled. */
  label: (0 | 1 | null)[];
  /** The labeller's reason, where there is one. */
  reason?: (string | null)[];
  /** Flags of every rule and exclude: 0 false, 1 true, 2 unknown (a missing value). */
  rules: { name: string; flags: number[] }[];
  excludes: { name: string; flags: number[] }[];
  outcome: PointOutcome[];
  /** Runs of consecutive labelled anomalies, padded half a step each side for shading. */
  runs: LabelRun[];
  thresholds: Threshold[];
  /** Outcomes of this series' points in the split. */
  counts: { tp: number; fp: number; fn: number; tn: number };
  /** The split of each shown point (train, validation or test), whatever split is scored. */
  split: SplitName[];
  /** Points of the whole series in each split. */
  splits: Record<SplitName, number>;
}

export interface LabelRun {
  /** Times of the first and last anomaly of the run. */
  first: number;
  last: number;
  /** The shaded span. */
  start: number;
  end: number;
}

export interface Threshold {
  rule: string;
  /** The column or let compared, with the comparison written `name op value`. */
  name: string;
  op: CompareOp;
  value: number;
  /** 'metric' for the main axis (a column), 'let' for the second axis. */
  axis: 'metric' | 'let';
}
