// Scoring by blocks: a one-shot run by blocks (`arl eval`, `arl check`) scores each block on the
// thread that evaluated it, and keeps no flag column. A block holds whole series, and every figure
// of score() is a sum over series (events, alarms and segments never cross a series), so a block's
// counts are the frame's restricted to its series, and the frame's are their sums; the delays of
// detected events are lists, joined, whose median is taken at the end. What does not depend on the
// flags and is not a count (the exposure, a sum of fractions whose order would change its last
// digit; the objective chosen from the labels) is made once on the main thread (finishScores).
import { allFlaggedCounts, eventCountsOfBits, figures, type EventCounts, type EventTotals } from './events';
import { UNKNOWN } from './kernels';
import { anomalyRuns, hasBit, packTrue, popcount, setBits, type Labelled } from './points';
import { maxPairwiseRules, pointCounts, scoresFrom, type ExcludeScores, type FileScores, type ObjectiveInfo, type RuleScores, type Scores, type ScoreSplit } from './metrics';
import { splitIndex, type Splits } from './split';

/** What every block is scored for: sent once to each worker. */
export interface ScoringPlan {
  /** The splits scored in full. */
  splits: ScoreSplit[];
  /**
   * Splits of which only the file's objective and flag-all's are read (the below-baseline warning
   * on train), and whether that objective reads events (else points only).
   */
  objectiveSplits: ScoreSplit[];
  objectiveEvents: boolean;
  /** Points before and after an event where an alarm still catches it. */
  tolerance: number;
  /** For each rule of the file, in order, the index of its flags among the block's, or -1 (not evaluated). */
  rules: number[];
  /** The same for each exclude. */
  excludes: number[];
}

/** What a block's scoring reads besides its flags (points numbered from the block's first). */
export interface BlockLabels {
  /** The block's labelled points, in order, and which are anomalies. */
  labelled: Int32Array;
  anomaly: Uint8Array;
  /** The split of each series of the block (a split by series), or else of each point. */
  seriesSplit?: Uint8Array;
  pointSplit?: Uint8Array;
}

/** Counts kept per scored set of points (each rule after the excludes, the file, flag-all), in this order. */
const fields = ['tp', 'fp', 'unjudged', 'fires', 'alarms', 'trueAlarms', 'falseAlarms', 'judged', 'inEvents', 'eventFp', 'detected', 'adjustedTp'] as const;
const F = fields.length;

/** One split's counts over some series: sums, but for the delays (lists) and `longRun` (any). */
export interface SplitPart {
  points: number;
  series: number;
  labelled: number;
  anomalies: number;
  events: number;
  /** Some run of anomalies is longer than one point. */
  longRun: boolean;
  /** `fields` for each rule, then the file, then flag-all. */
  counts: Float64Array;
  /** Delays of the detected events, per rule, the file and flag-all. */
  delays: Float64Array[][];
  uniqueTp: Float64Array;
  /** Points each pair of rules both flag (rule a * rules + b), when pairs are compared. */
  overlap: Float64Array;
  /** removedTp, removedFp, fires of each exclude. */
  excludes: Float64Array;
}

/** A block's scores on every split of the plan, and what the firing warnings read (every point, no split). */
export interface BlockScores {
  /** The plan's splits, then its objective splits (of which only the file and flag-all are counted). */
  splits: SplitPart[];
  /** Per rule: points where it holds, and labelled points where it holds (before the excludes). */
  fires: Float64Array;
  /** Per pair of rules (a * rules + b): a holds somewhere (1), only where b holds (2), exactly where b holds (4). */
  cover: Uint8Array;
  /** Per exclude: points where it holds. */
  excludeFires: Float64Array;
}

const pairwise = (plan: ScoringPlan) => plan.rules.length <= maxPairwiseRules;

/** Scores of nothing yet: what blocks' scores are added to. */
export function emptyScores(plan: ScoringPlan): BlockScores {
  const R = plan.rules.length;
  const pairs = pairwise(plan) ? R * R : 0;
  return {
    splits: [...plan.splits, ...plan.objectiveSplits].map(() => ({
      points: 0,
      series: 0,
      labelled: 0,
      anomalies: 0,
      events: 0,
      longRun: false,
      counts: new Float64Array((R + 2) * F),
      delays: Array.from({ length: R + 2 }, () => []),
      uniqueTp: new Float64Array(R),
      overlap: new Float64Array(pairs),
      excludes: new Float64Array(3 * plan.excludes.length),
    })),
    fires: new Float64Array(2 * R),
    // Nothing seen yet: each rule fires nowhere, only and exactly where every other does.
    cover: new Uint8Array(pairs).fill(6),
    excludeFires: new Float64Array(plan.excludes.length),
  };
}

/** Adds a block's scores into `total` (in any order: sums, joined lists, and/or of coverage). */
export function addScores(total: BlockScores, b: BlockScores): void {
  const sum = (x: Float64Array, y: Float64Array) => {
    for (let k = 0; k < x.length; k++) x[k] += y[k];
  };
  total.splits.forEach((t, k) => {
    const p = b.splits[k];
    t.points += p.points;
    t.series += p.series;
    t.labelled += p.labelled;
    t.anomalies += p.anomalies;
    t.events += p.events;
    t.longRun ||= p.longRun;
    sum(t.counts, p.counts);
    p.delays.forEach((d, j) => t.delays[j].push(...d.filter((x) => x.length)));
    sum(t.uniqueTp, p.uniqueTp);
    sum(t.overlap, p.overlap);
    sum(t.excludes, p.excludes);
  });
  sum(total.fires, b.fires);
  // Fires somewhere: in any block; only or exactly where the other does: in every block.
  for (let k = 0; k < total.cover.length; k++) total.cover[k] = (total.cover[k] & 6 & b.cover[k]) | ((total.cover[k] | b.cover[k]) & 1);
  sum(total.excludeFires, b.excludeFires);
}

/**
 * The scores of one block: `flags` are the block's flag columns (ScoringPlan.rules and excludes
 * index them), `seriesStart` its series (from 0), `labels` its labelled points and splits.
 */
export function scoreBlock(plan: ScoringPlan, flags: Uint8Array[], seriesStart: Int32Array, labels: BlockLabels): BlockScores {
  const n = seriesStart[seriesStart.length - 1];
  const words = (n + 31) >>> 5;
  const out = emptyScores(plan);
  const R = plan.rules.length;
  // Where each holds, as bits; where a rule is unknown is read from its flags at labelled points.
  const packed = flags.map(packTrue);
  const ruleRaw = plan.rules.map((r) => (r >= 0 ? packed[r] : undefined));
  const ruleFlags = plan.rules.map((r) => (r >= 0 ? flags[r] : undefined));
  const excludeRaw = plan.excludes.map((e) => (e >= 0 ? packed[e] : undefined));
  firing(out, plan, ruleRaw, excludeRaw, labels);
  // Points an exclude holds (none: no exclude evaluated), and each rule's points after them: at a
  // labelled point of a split these are the split's sets' values, so only what counts points
  // (fires, alarms, overlaps) needs them cut to the split.
  const live = excludeRaw.filter((b): b is Uint32Array => !!b);
  const excluded = live.length > 1 ? union(live, words) : live[0];
  const ruleAll = ruleRaw.map((b) => b && (excluded ? without(b, excluded) : b));
  const empty = new Uint32Array(words);
  const evaluated = ruleAll.filter((b): b is Uint32Array => !!b);
  // The file's points (a rule holds, no exclude does), and where some rule holds before the excludes.
  const fileAll = evaluated.length === 1 ? evaluated[0] : union(evaluated, words);
  let rawUnion: Uint32Array | undefined;
  const full = plan.splits.length;
  [...plan.splits, ...plan.objectiveSplits].forEach((split, k) => {
    const part = out.splits[k];
    const objectiveOnly = k >= full;
    const s = blockSplit(split, seriesStart, labels, plan.tolerance, !objectiveOnly || plan.objectiveEvents);
    const { mask } = s;
    const lab = s.labelledAt;
    const isAnomaly = s.labelledAnomaly;
    part.points = s.points;
    part.series = s.series;
    part.labelled = lab.length;
    part.anomalies = s.anomalies;
    part.events = s.events.length >> 1;
    part.longRun = s.longRun;
    set(part, R + 1, { tp: s.anomalies, fp: lab.length - s.anomalies, unjudged: 0 }, s.points, objectiveOnly && !plan.objectiveEvents ? undefined : allFlaggedCounts(s));
    if (objectiveOnly && !plan.objectiveEvents) {
      // The file's point counts alone (fileObjective's): a labelled point is flagged when a rule holds there after the excludes.
      let tp = 0;
      let fp = 0;
      for (let j = 0; j < lab.length; j++) if (hasBit(fileAll, lab[j])) isAnomaly[j] ? tp++ : fp++;
      set(part, R, { tp, fp, unjudged: 0 }, 0, undefined);
      return;
    }
    // The rules' points in the split (after the excludes); the file's are their union.
    const ruleBits = ruleAll.map((b) => (!b ? empty : mask ? and(b, mask) : b));
    const fileBits = mask ? and(fileAll, mask) : fileAll;
    // Each rule's flags at the labelled points where it is unknown; the file is unjudged at a
    // point when no rule fires and some rule could not decide.
    const anyUnknown = new Uint8Array(lab.length);
    const unknownAt = ruleFlags.map((f) => {
      if (!f) return undefined;
      const u = new Uint8Array(lab.length);
      for (let j = 0; j < lab.length; j++) {
        const v = f[lab[j]] === UNKNOWN ? UNKNOWN : 0;
        u[j] = v;
        anyUnknown[j] |= v;
      }
      return u;
    });
    set(part, R, pointCounts(fileBits, anyUnknown, lab, isAnomaly, excluded, true), count(fileBits), eventCountsOfBits(fileBits, s));
    if (objectiveOnly) return;
    ruleBits.forEach((bits, r) => {
      if (ruleRaw[r]) set(part, r, pointCounts(bits, unknownAt[r], lab, isAnomaly, excluded, true), count(bits), eventCountsOfBits(bits, s));
    });
    // Anomalies one rule alone catches.
    for (let j = 0; j < lab.length; j++) {
      if (!isAnomaly[j]) continue;
      let catcher = -1;
      for (let r = 0; r < R && catcher !== -2; r++) if (hasBit(ruleBits[r], lab[j])) catcher = catcher === -1 ? r : -2;
      if (catcher >= 0) part.uniqueTp[catcher]++;
    }
    if (part.overlap.length) for (let a = 0; a < R; a++) for (let b = a + 1; b < R; b++) part.overlap[a * R + b] = part.overlap[b * R + a] = shared(ruleBits[a], ruleBits[b]);
    // What each exclude removes: labelled points some rule holds at (before the excludes) and it too.
    excludeRaw.forEach((bits, e) => {
      if (!bits) return;
      rawUnion ??= union(ruleRaw.filter((b): b is Uint32Array => !!b), words);
      let tp = 0;
      let fp = 0;
      for (let j = 0; j < lab.length; j++) {
        const i = lab[j];
        if (!hasBit(bits, i) || !hasBit(rawUnion, i)) continue;
        if (isAnomaly[j]) tp++;
        else fp++;
      }
      part.excludes[3 * e] = tp;
      part.excludes[3 * e + 1] = fp;
      part.excludes[3 * e + 2] = mask ? shared(bits, mask) : count(bits);
    });
  });
  return out;
}

/** The counts of scored set j (a rule, the file, flag-all) of a split. */
function set(part: SplitPart, j: number, p: { tp: number; fp: number; unjudged: number }, fires: number, e: { counts: EventCounts; delays: Float64Array } | undefined): void {
  const c = part.counts;
  const o = j * F;
  c[o] = p.tp;
  c[o + 1] = p.fp;
  c[o + 2] = p.unjudged;
  c[o + 3] = fires;
  if (!e) return;
  c[o + 4] = e.counts.alarms;
  c[o + 5] = e.counts.trueAlarms;
  c[o + 6] = e.counts.falseAlarms;
  c[o + 7] = e.counts.judged;
  c[o + 8] = e.counts.inEvents;
  c[o + 9] = e.counts.fp;
  c[o + 10] = e.counts.detected;
  c[o + 11] = e.counts.adjustedTp;
  if (e.delays.length) part.delays[j].push(e.delays.slice());
}

/** What the firing warnings read, over every point of the block, before the excludes. */
function firing(out: BlockScores, plan: ScoringPlan, ruleRaw: (Uint32Array | undefined)[], excludeRaw: (Uint32Array | undefined)[], labels: BlockLabels): void {
  const R = ruleRaw.length;
  const { labelled } = labels;
  ruleRaw.forEach((bits, k) => {
    if (!bits) return;
    out.fires[2 * k] = count(bits);
    let at = 0;
    for (let j = 0; j < labelled.length; j++) if (hasBit(bits, labelled[j])) at++;
    out.fires[2 * k + 1] = at;
  });
  if (out.cover.length) {
    for (let a = 0; a < R; a++) {
      for (let b = 0; b < R; b++) {
        const x = ruleRaw[a];
        const y = ruleRaw[b];
        if (a !== b && x && y) out.cover[a * R + b] = coverage(x, y);
      }
    }
  }
  excludeRaw.forEach((bits, e) => bits && (out.excludeFires[e] = count(bits)));
}

/** What a block's split is scored on: the split's points (a mask, none for every point), labels, segments, events. */
interface BlockSplit {
  mask?: Uint32Array;
  points: number;
  series: number;
  anomalies: number;
  longRun: boolean;
  labelledAt: Int32Array;
  labelledAnomaly: Uint8Array;
  normal: Uint32Array;
  segments: Int32Array;
  events: Int32Array;
  windows: Int32Array;
}

const none = new Int32Array(0);

/**
 * A split within a block, as splitPoints and buildEventIndex make it for a frame; without
 * `withEvents`, only its points, labels and counts (no segments, events or windows).
 */
function blockSplit(split: ScoreSplit, starts: Int32Array, labels: BlockLabels, tolerance: number, withEvents: boolean): BlockSplit {
  const n = starts[starts.length - 1];
  const series = starts.length - 1;
  const words = (n + 31) >>> 5;
  const whole = split === 'all';
  const want = whole ? -1 : splitIndex[split];
  const bySeries = whole ? undefined : labels.seriesSplit;
  let mask: Uint32Array | undefined;
  if (!whole) {
    mask = new Uint32Array(words);
    if (bySeries) {
      for (let s = 0; s < series; s++) if (bySeries[s] === want) setBits(mask, starts[s], starts[s + 1]);
    } else {
      const of = labels.pointSplit!;
      for (let i = 0; i < n; i++) if (of[i] === want) mask[i >>> 5] |= 1 << (i & 31);
    }
  }
  // The split's labelled points.
  let lab = labels.labelled;
  let isAnomaly = labels.anomaly;
  if (mask) {
    const m = mask;
    let count = 0;
    for (let k = 0; k < lab.length; k++) if (hasBit(m, lab[k])) count++;
    const l = new Int32Array(count);
    const a = new Uint8Array(count);
    for (let k = 0, j = 0; k < lab.length; k++) if (hasBit(m, lab[k])) (l[j] = lab[k]), (a[j++] = isAnomaly[k]);
    lab = l;
    isAnomaly = a;
  }
  // Segments: runs of the split's points within a series (whole series for a split by series).
  const perPoint = !!mask && !bySeries;
  const segments = withEvents ? new Int32Array(perPoint ? 2 * (Math.ceil(n / 2) + series) : 2 * series) : none;
  let g = 0;
  let points = 0;
  let inSeries = 0;
  for (let s = 0; s < series; s++) {
    const a = starts[s];
    const b = starts[s + 1];
    if (a === b) continue;
    if (!perPoint) {
      if (mask && bySeries![s] !== want) continue;
      if (withEvents) (segments[g++] = a), (segments[g++] = b);
      points += b - a;
      inSeries++;
      continue;
    }
    let seg = -1;
    let any = false;
    for (let i = a; i <= b; i++) {
      const inSplit = i < b && hasBit(mask!, i);
      if (inSplit) points++;
      if (inSplit && seg < 0) (seg = i), (any = true);
      if (!inSplit && seg >= 0) {
        if (withEvents) (segments[g++] = seg), (segments[g++] = i);
        seg = -1;
      }
    }
    if (any) inSeries++;
  }
  // Events: anomalies at consecutive points of one series (both in the split, so both listed).
  let anomalies = 0;
  for (let k = 0; k < lab.length; k++) anomalies += isAnomaly[k];
  const runs = anomalyRuns(lab, isAnomaly, starts);
  let longRun = false;
  for (let k = 0; k < runs.length && !longRun; k += 2) longRun = runs[k + 1] - runs[k] > 1;
  const segs = segments.subarray(0, g);
  const evs = withEvents ? runs : none;
  const e = evs.length;
  const windows = new Int32Array(e);
  for (let k = 0, h = 0; k < e; k += 2) {
    while (segs[h + 1] <= evs[k]) h += 2;
    windows[k] = Math.max(segs[h], evs[k] - tolerance);
    windows[k + 1] = Math.min(segs[h + 1], evs[k + 1] + tolerance);
  }
  const normal = new Uint32Array(withEvents ? words : 0);
  if (withEvents) for (let k = 0; k < lab.length; k++) if (!isAnomaly[k]) normal[lab[k] >>> 5] |= 1 << (lab[k] & 31);
  return { mask, points, series: inSeries, anomalies, longRun, labelledAt: lab, labelledAnomaly: isAnomaly, normal, segments: segs, events: evs, windows };
}

/**
 * The labels and splits of series [s0, s1) of a frame, numbered from the block's first point (copies:
 * a worker takes them). `splits`: the splits' assignment, when a split other than `all` is scored.
 */
export function blockLabels(seriesStart: Int32Array, all: Labelled, splits: Pick<Splits, 'of' | 'seriesSplit'> | undefined, s0: number, s1: number): BlockLabels {
  const a = seriesStart[s0];
  const b = seriesStart[s1];
  const k0 = firstAtOrAfter(all.points, a);
  const k1 = firstAtOrAfter(all.points, b);
  const labelled = new Int32Array(k1 - k0);
  for (let k = k0; k < k1; k++) labelled[k - k0] = all.points[k] - a;
  const out: BlockLabels = { labelled, anomaly: all.anomaly.slice(k0, k1) };
  if (splits?.seriesSplit) out.seriesSplit = splits.seriesSplit.slice(s0, s1);
  else if (splits) out.pointSplit = splits.of.slice(a, b);
  return out;
}

/** The first index of a sorted list holding a value >= x. */
function firstAtOrAfter(list: Int32Array, x: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** What finishing a split's scores needs besides its counts (made once, on the main thread). */
export interface SplitContext {
  objective: ObjectiveInfo;
  tolerance: number;
  period: FileScores['period'];
  exposure: number;
}

/**
 * A split's FileScores from the sum of its blocks' counts: the same object score() gives over the
 * whole frame, key for key. `rules` and `excludes`: the names, in the plan's order.
 */
export function finishScores(split: ScoreSplit, p: SplitPart, ctx: SplitContext, rules: string[], excludes: string[]): FileScores {
  const totals: EventTotals = { events: p.events, anomalies: p.anomalies, labelled: p.labelled, exposure: ctx.exposure };
  const o = ctx.objective.objective;
  const R = rules.length;
  const scoresOf = (j: number): Scores => {
    const c = p.counts;
    const at = j * F;
    const counts: EventCounts = {
      alarms: c[at + 4],
      trueAlarms: c[at + 5],
      falseAlarms: c[at + 6],
      judged: c[at + 7],
      inEvents: c[at + 8],
      fp: c[at + 9],
      detected: c[at + 10],
      adjustedTp: c[at + 11],
    };
    const e = figures(totals, counts, joined(p.delays[j]));
    return scoresFrom({ tp: c[at], fp: c[at + 1], unjudged: c[at + 2] }, c[at + 3], e, p.anomalies, p.labelled, o);
  };
  const none = (): Scores => {
    const zero: EventCounts = { alarms: 0, trueAlarms: 0, falseAlarms: 0, judged: 0, inEvents: 0, fp: 0, detected: 0, adjustedTp: 0 };
    return scoresFrom({ tp: 0, fp: 0, unjudged: 0 }, 0, figures(totals, zero, new Float64Array(0)), p.anomalies, p.labelled, o);
  };
  const pairs = p.overlap.length > 0;
  const ruleScores: RuleScores[] = rules.map((name, k) => {
    const s = scoresOf(k);
    const overlap: Record<string, number> = {};
    if (pairs) rules.forEach((other, m) => m !== k && (overlap[other] = p.overlap[k * R + m]));
    return { ...s, name, uniqueTp: p.uniqueTp[k], overlap };
  });
  const excludeScores: ExcludeScores[] = excludes.map((name, e) => ({ name, removedTp: p.excludes[3 * e], removedFp: p.excludes[3 * e + 1], fires: p.excludes[3 * e + 2] }));
  return {
    split,
    points: p.points,
    series: p.series,
    labelled: p.labelled,
    anomalies: p.anomalies,
    hasEvents: p.longRun,
    objective: ctx.objective,
    tolerance: ctx.tolerance,
    period: ctx.period,
    file: scoresOf(R),
    baselines: { all: scoresOf(R + 1), none: none() },
    rules: ruleScores,
    excludes: excludeScores,
  };
}

/** The file's objective and flag-all's (what the below-baseline warning compares), as fileObjective gives them. */
export function objectives(s: FileScores): { file: number; all: number; objective: ObjectiveInfo } {
  return { file: s.file.objective, all: s.baselines.all.objective, objective: s.objective };
}

/** What the firing warnings read (analyze.ts, firingIssues), from the blocks' sums. */
export function firingFrom(total: BlockScores, plan: ScoringPlan) {
  const R = plan.rules.length;
  return {
    evaluated: (k: number) => plan.rules[k] >= 0,
    excludeEvaluated: (k: number) => plan.excludes[k] >= 0,
    fires: (k: number) => ({ fires: total.fires[2 * k], labelledFired: total.fires[2 * k + 1] }),
    covers: (a: number, b: number) => {
      const c = total.cover[a * R + b];
      return { any: (c & 1) !== 0, subset: (c & 2) !== 0, equal: (c & 4) !== 0 };
    },
    excludeFires: (e: number) => total.excludeFires[e],
  };
}

function joined(chunks: Float64Array[]): Float64Array {
  if (chunks.length === 1) return chunks[0].slice();
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Float64Array(n);
  let at = 0;
  for (const c of chunks) out.set(c, at), (at += c.length);
  return out;
}

function count(bits: Uint32Array): number {
  let c = 0;
  // No branch on the word: about a quarter of the words of a rule's bits hold a point, at random.
  for (let w = 0; w < bits.length; w++) c += popcount(bits[w]);
  return c;
}

function and(a: Uint32Array, b: Uint32Array): Uint32Array {
  const out = new Uint32Array(a.length);
  for (let w = 0; w < a.length; w++) out[w] = a[w] & b[w];
  return out;
}

function without(a: Uint32Array, b: Uint32Array): Uint32Array {
  const out = new Uint32Array(a.length);
  for (let w = 0; w < a.length; w++) out[w] = a[w] & ~b[w];
  return out;
}

function union(sets: Uint32Array[], words: number): Uint32Array {
  const out = new Uint32Array(words);
  for (const b of sets) for (let w = 0; w < words; w++) out[w] |= b[w];
  return out;
}

function shared(a: Uint32Array, b: Uint32Array): number {
  let c = 0;
  for (let w = 0; w < a.length; w++) {
    c += popcount(a[w] & b[w]);
  }
  return c;
}

/** coverage() of analyze.ts over one block, as the bits of BlockScores.cover: 1 any, 2 subset, 4 equal. */
export function coverage(a: Uint32Array, b: Uint32Array): number {
  let any = false;
  let subset = true;
  let equal = true;
  for (let w = 0; w < a.length && subset; w++) {
    if (a[w]) any = true;
    if (a[w] & ~b[w]) subset = false;
    if (a[w] !== b[w]) equal = false;
  }
  return (any ? 1 : 0) | (subset ? 2 : 0) | (equal ? 4 : 0);
}
