// Cut points on one feature: the exact F1-best threshold (a sweep over the sorted values), the
// exact objective-best one over every point of a split (events and alarms), and the Gini-best
// split (decision-stump style, as RuAG turns continuous attributes into predicates).
import { ObjectiveTracker, type EventIndex, type Objective } from '../engine/events';

/**
 * The roundest number between lo and hi (either may be infinite), nearest the middle among equals.
 * The ends are excluded unless `loIn` / `hiIn` say otherwise.
 */
export function niceBetween(lo: number, hi: number, loIn = false, hiIn = false): number {
  if (lo === -Infinity && hi === Infinity) return 0;
  if (lo === -Infinity) return niceBetween(hi - Math.max(1, Math.abs(hi)), hi, false, hiIn);
  if (hi === Infinity) return niceBetween(lo, lo + Math.max(1, Math.abs(lo)), loIn, false);
  if (!(hi > lo)) return lo;
  const mid = (lo + hi) / 2;
  const ok = (c: number) => (c > lo || (loIn && c === lo)) && (c < hi || (hiIn && c === hi));
  for (let k = Math.ceil(Math.log10(hi - lo)) + 1; k >= -10; k--) {
    const step = 10 ** k;
    const digits = Math.max(0, -k);
    let best: number | undefined;
    for (let m = Math.floor(lo / step); m <= Math.ceil(hi / step); m++) {
      const c = Number((m * step).toFixed(digits));
      if (ok(c) && (best === undefined || Math.abs(c - mid) < Math.abs(best - mid))) best = c;
    }
    if (best !== undefined) return best;
  }
  // Two values a rounding error apart: the rounded middle is the honest answer.
  return Number(mid.toPrecision(10));
}

export type CutOp = '>=' | '>' | '<' | '<=';

export interface SweepPoints {
  /** The compared value at each labelled point (NaN: missing). */
  values: ArrayLike<number>;
  /** Whether the file flags the point when the comparison holds, and when it does not. */
  whenTrue: ArrayLike<number>;
  whenFalse: ArrayLike<number>;
  /** Whether the file flags the point when the value is missing (the comparison is unknown). */
  whenMissing: ArrayLike<number>;
  isAnomaly: ArrayLike<number>;
  /** Anomalies among the labelled points. */
  anomalies: number;
}

export interface SweepResult {
  /** A threshold giving the best F1 (the current one when it is among the best). */
  value: number;
  f1: number;
  tp: number;
  fp: number;
  /**
   * The roundest threshold whose F1 is within `tolerance` of the best, over the run of thresholds
   * around the best one that all are: a difference smaller than the minimum gain is not one.
   */
  round: number;
}

/** The roundest number over the run of options around `best` (by position) scoring within tol of it. */
function roundNear<T extends { lo: number; hi: number }>(options: T[], best: T, score: (o: T) => number, tol: number, hiIn: boolean): number {
  const k = options.indexOf(best);
  let a = k;
  let b = k;
  while (a > 0 && score(options[a - 1]) >= score(best) - tol) a--;
  while (b + 1 < options.length && score(options[b + 1]) >= score(best) - tol) b++;
  const lo = Math.min(...options.slice(a, b + 1).map((o) => o.lo));
  const hi = Math.max(...options.slice(a, b + 1).map((o) => o.hi));
  return niceBetween(lo, hi, !hiIn, hiIn);
}

/**
 * The threshold t maximising file F1 when the comparison is `value op t`. Only points where the
 * comparison decides (whenTrue differs from whenFalse) move; the rest are counted as they are.
 * Exact: every distinct value is tried. Ties go to the threshold nearest `current`.
 */
export function sweep(p: SweepPoints, op: CutOp, current?: number, tolerance = 0): SweepResult | undefined {
  let tp0 = 0;
  let fp0 = 0;
  const dep: number[] = [];
  const n = p.values.length;
  for (let k = 0; k < n; k++) {
    const v = p.values[k];
    const fire = v !== v ? p.whenMissing[k] : p.whenTrue[k] === p.whenFalse[k] ? p.whenTrue[k] : -1;
    if (fire === -1) {
      dep.push(k);
      // Start with the comparison false everywhere; holding moves a point to whenTrue.
      if (p.whenFalse[k]) p.isAnomaly[k] ? tp0++ : fp0++;
    } else if (fire) p.isAnomaly[k] ? tp0++ : fp0++;
  }
  if (!dep.length) return undefined;
  const up = op === '>=' || op === '>';
  // Points enter the "holds" set from the top (>=, >) or from the bottom (<, <=).
  dep.sort((a, b) => (up ? p.values[b] - p.values[a] : p.values[a] - p.values[b]));
  const f1 = (tp: number, fp: number) => {
    const d = tp + fp + p.anomalies;
    return d ? (2 * tp) / d : 0;
  };
  type Option = { lo: number; hi: number; f1: number; tp: number; fp: number };
  const options: Option[] = [];
  let tp = tp0;
  let fp = fp0;
  // Holds nowhere: the threshold is beyond every value.
  const first = p.values[dep[0]];
  options.push(up ? { lo: first, hi: Infinity, f1: f1(tp, fp), tp, fp } : { lo: -Infinity, hi: first, f1: f1(tp, fp), tp, fp });
  for (let j = 0; j < dep.length; ) {
    const v = p.values[dep[j]];
    while (j < dep.length && p.values[dep[j]] === v) {
      const k = dep[j++];
      const d = p.whenTrue[k] - p.whenFalse[k];
      if (p.isAnomaly[k]) tp += d;
      else fp += d;
    }
    const next = j < dep.length ? p.values[dep[j]] : up ? -Infinity : Infinity;
    options.push(up ? { lo: next, hi: v, f1: f1(tp, fp), tp, fp } : { lo: v, hi: next, f1: f1(tp, fp), tp, fp });
  }
  const inside = (o: Option, t: number) => {
    // The thresholds that give option o's set of points: (lo, hi] or [lo, hi).
    if (op === '>=') return t > o.lo && t <= o.hi;
    if (op === '>') return t >= o.lo && t < o.hi;
    if (op === '<') return t > o.lo && t <= o.hi;
    return t >= o.lo && t < o.hi;
  };
  let best: Option | undefined;
  let bestDist = Infinity;
  for (const o of options) {
    const dist = current === undefined ? 0 : inside(o, current) ? -1 : Math.min(Math.abs(current - o.lo), Math.abs(current - o.hi));
    if (!best || o.f1 > best.f1 + 1e-12 || (Math.abs(o.f1 - best.f1) <= 1e-12 && dist < bestDist)) {
      best = o;
      bestDist = dist;
    }
  }
  const b = best!;
  const hiIn = op === '>=' || op === '<';
  const value = current !== undefined && inside(b, current) ? current : niceBetween(b.lo, b.hi, !hiIn, hiIn);
  return { value, f1: b.f1, tp: b.tp, fp: b.fp, round: tolerance > 0 ? roundNear(options, b, (o) => o.f1, tolerance, hiIn) : value };
}

export interface GiniCut {
  /** Keep points with value >= cut (`>=`) or below it (`<`). */
  op: '>=' | '<';
  cut: number;
  /** Weighted Gini impurity of the split, and its decrease from the unsplit set. */
  impurity: number;
  gain: number;
  /** Points and anomalies on the kept side. */
  kept: number;
  keptAnomalies: number;
}

function gini(pos: number, n: number): number {
  if (!n) return 0;
  const p = pos / n;
  return 2 * p * (1 - p);
}

/**
 * The split of `points` by value that minimises Gini impurity; the kept side is the one with the
 * higher anomaly rate. Missing values go to the side that is not kept.
 */
export function giniCut(values: ArrayLike<number>, isAnomaly: ArrayLike<number>, points?: ArrayLike<number>): GiniCut | undefined {
  const idx: number[] = [];
  let missing = 0;
  let missingPos = 0;
  const m = points ? points.length : values.length;
  for (let j = 0; j < m; j++) {
    const k = points ? points[j] : j;
    if (values[k] === values[k]) idx.push(k);
    else {
      missing++;
      if (isAnomaly[k]) missingPos++;
    }
  }
  if (idx.length < 2) return undefined;
  idx.sort((a, b) => values[a] - values[b]);
  const n = idx.length + missing;
  let totalPos = missingPos;
  for (const k of idx) if (isAnomaly[k]) totalPos++;
  const parent = gini(totalPos, n);
  let best: GiniCut | undefined;
  let belowN = 0;
  let belowPos = 0;
  for (let j = 0; j < idx.length - 1; j++) {
    belowN++;
    if (isAnomaly[idx[j]]) belowPos++;
    const v = values[idx[j]];
    const next = values[idx[j + 1]];
    if (next === v) continue;
    const aboveN = idx.length - belowN;
    const abovePos = totalPos - missingPos - belowPos;
    // The kept side excludes the missing points; they join the other side.
    const upKeep = abovePos / aboveN >= belowPos / belowN;
    const keptN = upKeep ? aboveN : belowN;
    const keptPos = upKeep ? abovePos : belowPos;
    const restN = n - keptN;
    const restPos = totalPos - keptPos;
    const impurity = (keptN * gini(keptPos, keptN) + restN * gini(restPos, restN)) / n;
    if (!best || impurity < best.impurity - 1e-15) {
      best = { op: upKeep ? '>=' : '<', cut: niceBetween(v, next, false, true), impurity, gain: parent - impurity, kept: keptN, keptAnomalies: keptPos };
    }
  }
  return best;
}

/** ObjectiveTracker allocates prefix sums over the frame: one per event index and objective. */
const trackers = new WeakMap<EventIndex, Map<string, ObjectiveTracker>>();

function trackerFor(objective: Objective, idx: EventIndex): ObjectiveTracker {
  let m = trackers.get(idx);
  if (!m) trackers.set(idx, (m = new Map()));
  const key = JSON.stringify(objective);
  let t = m.get(key);
  if (!t) m.set(key, (t = new ObjectiveTracker(objective, idx)));
  return t;
}

export interface ObjectiveSweepPoints {
  /** The compared value at every point of the frame (NaN: missing). */
  values: ArrayLike<number>;
  /** The file's flags (1 flagged) at every point with the comparison true, and with it false. */
  whenTrue: ArrayLike<number>;
  whenFalse: ArrayLike<number>;
}

/**
 * The threshold t maximising the objective on a split when the comparison is `value op t`, over
 * every point of the split (so alarms and events are scored, not only labelled points). Exact for
 * comparisons that can only add flags (whenTrue covers whenFalse, as in `and` / `or` chains); for
 * other ones, undefined. Points enter an ObjectiveTracker from the base (the comparison false
 * everywhere) in the order the threshold reaches them. Ties go to the threshold nearest `current`.
 */
export function sweepObjective(p: ObjectiveSweepPoints, op: CutOp, objective: Objective, idx: EventIndex, current?: number, tolerance = 0): { value: number; objective: number; round: number } | undefined {
  const dep: number[] = [];
  for (let i = 0; i < idx.n; i++) {
    if (idx.kind[i] === 0) continue;
    const t = p.whenTrue[i] === 1;
    const f = p.whenFalse[i] === 1;
    if (f && !t) return undefined;
    if (t && !f && p.values[i] === p.values[i]) dep.push(i);
  }
  if (!dep.length) return undefined;
  const up = op === '>=' || op === '>';
  dep.sort((a, b) => (up ? p.values[b] - p.values[a] : p.values[a] - p.values[b]));
  const tracker = trackerFor(objective, idx);
  tracker.reset(Uint8Array.from(p.whenFalse as ArrayLike<number>));
  type Option = { lo: number; hi: number; v: number };
  const first = p.values[dep[0]];
  const options: Option[] = [up ? { lo: first, hi: Infinity, v: tracker.value() } : { lo: -Infinity, hi: first, v: tracker.value() }];
  for (let j = 0; j < dep.length; ) {
    const v = p.values[dep[j]];
    while (j < dep.length && p.values[dep[j]] === v) tracker.add(dep[j++]);
    const next = j < dep.length ? p.values[dep[j]] : up ? -Infinity : Infinity;
    options.push(up ? { lo: next, hi: v, v: tracker.value() } : { lo: v, hi: next, v: tracker.value() });
  }
  const inside = (o: Option, t: number) => (op === '>=' || op === '<' ? t > o.lo && t <= o.hi : t >= o.lo && t < o.hi);
  let best: Option | undefined;
  let bestDist = Infinity;
  for (const o of options) {
    const dist = current === undefined ? 0 : inside(o, current) ? -1 : Math.min(Math.abs(current - o.lo), Math.abs(current - o.hi));
    if (!best || o.v > best.v + 1e-12 || (Math.abs(o.v - best.v) <= 1e-12 && dist < bestDist)) (best = o), (bestDist = dist);
  }
  const b = best!;
  const hiIn = op === '>=' || op === '<';
  const value = current !== undefined && inside(b, current) ? current : niceBetween(b.lo, b.hi, !hiIn, hiIn);
  return { value, objective: b.v, round: tolerance > 0 ? roundNear(options, b, (o) => o.v, tolerance, hiIn) : value };
}
