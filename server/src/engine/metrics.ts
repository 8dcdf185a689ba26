// Scoring: confusion matrices per rule and for the file, on one split, at labelled points.
// Backend-independent: it reads flag columns, whoever computed them.
import { countChange, derivation, remade, sharedChange } from './derive';
import { buildEventIndex, defaultObjective, eventScoresAllFlagged, eventScoresOfBits, fBeta, objectiveLabel, type EventIndex, type EventScores, type Objective } from './events';
import type { Frame } from './frame';
import { UNKNOWN, type Bool } from './kernels';
import { hasBit, popcount, splitPoints, trueBits, unknownBits, type SplitPoints } from './points';
import type { SplitName, Splits } from './split';

export type ScoreSplit = SplitName | 'all';

export interface Scores {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  /** Points (labelled or not) in the split where it fires. */
  fires: number;
  /** Labelled points where it could not decide (a missing value). */
  unjudged: number;
  /** NaN when undefined (nothing fired, no anomalies). */
  precision: number;
  recall: number;
  f1: number;
  /** Events (runs of labelled anomalies), and how many have a flagged point within the tolerance. */
  events: number;
  eventsCaught: number;
  eventRecall: number;
  /** Alarms (runs of flagged points): true ones touch an event, false ones hold a labelled normal point. */
  alarms: number;
  trueAlarms: number;
  falseAlarms: number;
  eventPrecision: number;
  eventF1: number;
  /** Median points from an event's start to its first flagged point (detected events). */
  delay: number;
  /** False alarms per 1,000 labelled points. */
  falseAlarmsPer1k: number;
  /** Alarms per series per FileScores.period. */
  alarmRate: number;
  /** Inflated: an event counts as wholly caught once one of its points is flagged. */
  pointAdjustedF1: number;
  /** The value of the file's objective (FileScores.objective) for these flags. */
  objective: number;
}

/** The objective a file is scored on, and why. */
export interface ObjectiveInfo {
  objective: Objective;
  /** `event F1`, `point F1`, `event F2`. */
  label: string;
  /** Set in the dataset block, or chosen from the labels. */
  set: boolean;
  why: string;
}

export interface RuleScores extends Scores {
  name: string;
  /** Anomalies it catches that no other rule does. */
  uniqueTp: number;
  /** Points where it and each other rule both fire. */
  overlap: Record<string, number>;
}

export interface ExcludeScores {
  name: string;
  /** Anomalies the rules caught that this exclude removes (they become misses). */
  removedTp: number;
  /** False alarms it removes. */
  removedFp: number;
  fires: number;
}

export interface FileScores {
  split: ScoreSplit;
  points: number;
  series: number;
  labelled: number;
  anomalies: number;
  /** Some anomaly runs are longer than one point: event-wise recall is meaningful. */
  hasEvents: boolean;
  objective: ObjectiveInfo;
  /** Points before and after an event where an alarm still catches it. */
  tolerance: number;
  /** The unit of alarmRate: alarms per series per week (dates) or per 1,000 points. */
  period: EventIndex['period'];
  file: Scores;
  /** The trivial baselines on the same split: flag every point, flag nothing. */
  baselines: { all: Scores; none: Scores };
  rules: RuleScores[];
  excludes: ExcludeScores[];
}

/** What scoring needs of a frame and its splits, computed once per split. */
export class ScoringIndex {
  private readonly bySplit = new Map<ScoreSplit, SplitIndex>();
  private readonly eventIndexes = new Map<string, EventIndex>();
  private defaultObj?: ReturnType<typeof defaultObjective>;

  constructor(
    readonly frame: Frame,
    readonly splits: Splits,
  ) {}

  get(split: ScoreSplit): SplitIndex {
    let s = this.bySplit.get(split);
    if (!s) {
      s = buildSplitIndex(this.frame, this.splits, split);
      this.bySplit.set(split, s);
    }
    return s;
  }

  /** What event scoring needs of a split, for a tolerance in points. */
  events(split: ScoreSplit, tolerance = 0): EventIndex {
    const key = `${split}:${tolerance}`;
    let e = this.eventIndexes.get(key);
    if (!e) {
      // Typing `tolerance = 120` passes through 1 and 12: keep only the last few tolerances.
      if (this.eventIndexes.size >= 8) this.eventIndexes.delete(this.eventIndexes.keys().next().value!);
      this.eventIndexes.set(key, (e = buildEventIndex(this.frame, this.splits, split, tolerance)));
    }
    return e;
  }

  /** The objective when the dataset block sets none: from the shape of the labels (all splits). */
  defaultObjective(): ReturnType<typeof defaultObjective> {
    return (this.defaultObj ??= defaultObjective(this.frame));
  }

  /** The objective a dataset block asks for, or the default, with the reason. */
  objective(set?: Objective): ObjectiveInfo {
    if (set) return { objective: set, label: objectiveLabel(set), set: true, why: 'set in the dataset block' };
    const d = this.defaultObjective();
    return { objective: d.objective, label: objectiveLabel(d.objective), set: false, why: d.why };
  }
}

export interface SplitIndex extends SplitPoints {
  split: ScoreSplit;
}

const anomaliesOf = new WeakMap<SplitIndex, Int32Array>();

/** The split's labelled anomalies. */
function anomalyPoints(idx: SplitIndex): Int32Array {
  let a = anomaliesOf.get(idx);
  if (!a) {
    a = new Int32Array(idx.anomalies);
    for (let k = 0, j = 0; k < idx.labelled.length; k++) if (idx.isAnomaly[k]) a[j++] = idx.labelled[k];
    anomaliesOf.set(idx, a);
  }
  return a;
}

function buildSplitIndex(frame: Frame, splits: Splits, split: ScoreSplit): SplitIndex {
  return { split, ...splitPoints(frame, splits, split) };
}

// Flag columns come from the feature cache, so an unchanged rule hands in the same array after an
// edit elsewhere: its bit set within a split is remembered (by the flags' bit set) instead of
// being rebuilt, and made from the one before where a threshold edit changed a few words (derive.ts).
const bitsCache = new WeakMap<Uint32Array, WeakMap<Uint32Array, Uint32Array>>();

function cachedBits(flags: Bool, mask: Uint32Array, whole = false): Uint32Array {
  const raw = trueBits(flags);
  // Every point in the split: the flags' own bit set.
  if (whole) return raw;
  let perMask = bitsCache.get(raw);
  if (!perMask) bitsCache.set(raw, (perMask = new WeakMap()));
  let bits = perMask.get(mask);
  if (!bits) {
    const d = derivation(raw);
    const before = d && bitsCache.get(d.from)?.get(mask);
    if (before) bits = remade(before, d!.words, (w) => raw[w] & mask[w]);
    else {
      bits = new Uint32Array(mask.length);
      for (let w = 0; w < mask.length; w++) bits[w] = raw[w] & mask[w];
    }
    perMask.set(mask, bits);
  }
  return bits;
}

/** Points two bit sets share, remembered for the pair (both ways). */
const sharedCache = new WeakMap<Uint32Array, WeakMap<Uint32Array, number>>();

function shared(a: Uint32Array, b: Uint32Array): number {
  let c = sharedCache.get(a)?.get(b);
  if (c !== undefined) return c;
  // One of them made from a bit set before an edit: the count before, changed at its words.
  const da = derivation(a);
  const db = derivation(b);
  const before = da && sharedCache.get(da.from)?.get(b);
  const beforeB = db && sharedCache.get(a)?.get(db.from);
  if (before !== undefined) c = before + sharedChange(a, da!.from, b, da!.words);
  else if (beforeB !== undefined) c = beforeB + sharedChange(b, db!.from, a, db!.words);
  else {
    c = 0;
    for (let w = 0; w < a.length; w++) {
      const x = a[w] & b[w];
      if (x !== 0) c += popcount(x);
    }
  }
  for (const [p, q] of [
    [a, b],
    [b, a],
  ]) {
    let m = sharedCache.get(p);
    if (!m) sharedCache.set(p, (m = new WeakMap()));
    m.set(q, c);
  }
  return c;
}

// After an edit most flag columns are the same arrays (the feature cache): what is made from a
// list of them (the excludes' union, a rule's bits after the excludes, the file's bits, scores) is
// remembered by the identity of the arrays, in a tree of weak maps, and made again only when one
// of them changed.
interface MemoNode {
  next: WeakMap<object, MemoNode>;
  value?: unknown;
}
const memoRoot: WeakMap<object, MemoNode> = new WeakMap();
/** Stands for a declaration without flags in memo keys. */
const missing = {};
const named = new Map<string, object>();
/** A memo key: an array as it is, a string as one object per text. */
function key(k: object | string): object {
  if (typeof k !== 'string') return k;
  let o = named.get(k);
  if (!o) named.set(k, (o = {}));
  return o;
}

function memo<V>(keys: object[], make: () => V): V {
  let level = memoRoot;
  let node: MemoNode | undefined;
  for (const k of keys) {
    node = level.get(k);
    if (!node) level.set(k, (node = { next: new WeakMap() }));
    level = node.next;
  }
  if (node!.value === undefined) node!.value = make();
  return node!.value as V;
}

/** What memo holds for `keys`, adding nothing. */
function peek(keys: object[]): unknown {
  let level = memoRoot;
  let node: MemoNode | undefined;
  for (const k of keys) {
    node = level.get(k);
    if (!node) return undefined;
    level = node.next;
  }
  return node?.value;
}

/**
 * A bit set made word by word (`word(w)`) from bit sets among `keys`, memoized: when one of those
 * was made from another by an edit (derive.ts) and the set made from that one is remembered, it
 * is copied and made again at the words the edit changed.
 */
function memoBits(keys: object[], word: (w: number) => number, make: () => Uint32Array): Uint32Array {
  return memo(keys, () => {
    for (let j = 0; j < keys.length; j++) {
      const d = keys[j] instanceof Uint32Array ? derivation(keys[j] as Uint32Array) : undefined;
      const before = d && (peek(keys.map((k, m) => (m === j ? d.from : k))) as Uint32Array | undefined);
      if (before) return remade(before, d!.words, word);
    }
    return make();
  });
}

/** Bit set of points where `flags` is true and no exclude is, within the split. */
function firedBits(flags: Bool, excluded: Uint32Array | undefined, mask: Uint32Array, whole: boolean): Uint32Array {
  const raw = cachedBits(flags, mask, whole);
  if (!excluded) return raw;
  return memoBits([excluded, raw], (w) => raw[w] & ~excluded[w], () => without(raw, excluded));
}

/** The union of bit sets (one per key list). */
function unionOf(keys: object[], sets: Uint32Array[], words: number): Uint32Array {
  const word = (w: number) => {
    let x = 0;
    for (let k = 0; k < sets.length; k++) x |= sets[k][w];
    return x;
  };
  return memoBits(keys, word, () => {
    const out = new Uint32Array(words);
    for (let k = 0; k < sets.length; k++) orInto(out, sets[k]);
    return out;
  });
}

function orInto(out: Uint32Array, b: Uint32Array): void {
  for (let w = 0; w < out.length; w++) out[w] |= b[w];
}

/** a without b. */
function without(a: Uint32Array, b: Uint32Array): Uint32Array {
  const out = new Uint32Array(a.length);
  for (let w = 0; w < a.length; w++) out[w] = a[w] & ~b[w];
  return out;
}

const has = hasBit;

const counts = new WeakMap<Uint32Array, number>();

/** Bits set, remembered per bit set (and counted from the count before an edit, derive.ts). */
function count(bits: Uint32Array): number {
  let c = counts.get(bits);
  if (c !== undefined) return c;
  const d = derivation(bits);
  const before = d && counts.get(d.from);
  if (before !== undefined) c = before + countChange(bits, d!.from, d!.words);
  else {
    c = 0;
    for (let w = 0; w < bits.length; w++) if (bits[w]) c += popcount(bits[w]);
  }
  counts.set(bits, c);
  return c;
}

// The flag-all baseline's event figures depend on the split and tolerance only.
const flagAllOf = new WeakMap<EventIndex, EventScores>();
function flagAll(idx: EventIndex): EventScores {
  let e = flagAllOf.get(idx);
  if (!e) flagAllOf.set(idx, (e = eventScoresAllFlagged(idx)));
  return e;
}

/** How a split's flags are scored beyond points: events at a tolerance, for an objective. */
interface EventContext {
  index: EventIndex;
  objective: Objective;
}

/** The objective's value from point and event figures (0 when undefined, as learners compare it). */
export function objectiveValue(o: Objective, f1: number, e: Pick<EventScores, 'eventPrecision' | 'eventRecall' | 'eventF1'>): number {
  const v = o.kind === 'point_f1' ? f1 : o.kind === 'event_f1' ? e.eventF1 : fBeta(e.eventPrecision, e.eventRecall, o.beta);
  return Number.isNaN(v) ? 0 : v;
}

/**
 * `excluded`: points an exclude decided (never flagged, whatever the rules say), so never unjudged.
 * `unknown`: where the flags are unknown, as a bit set over points, or by labelled point (`byLabelled`).
 */
function scores(bits: Uint32Array, unknown: Uint32Array | Uint8Array | undefined, idx: SplitIndex, ctx: EventContext, excluded?: Uint32Array, byLabelled = false, events?: EventScores): Scores {
  const p = pointCounts(bits, unknown, idx.labelled, idx.isAnomaly, excluded, byLabelled);
  const e = events ?? eventScoresOfBits(bits, ctx.index);
  return scoresFrom(p, count(bits), e, idx.anomalies, idx.labelled.length, ctx.objective);
}

/** True and false positives and unjudged points at labelled points (see scores). */
export interface PointCounts {
  tp: number;
  fp: number;
  unjudged: number;
}

/** The point counts of scores(), at the labelled points `lab` (in order) whose labels are `anomaly`. */
export function pointCounts(bits: Uint32Array, unknown: Uint32Array | Uint8Array | undefined, lab: Int32Array, anomaly: Uint8Array, excluded?: Uint32Array, byLabelled = false): PointCounts {
  let tp = 0;
  let fp = 0;
  let unjudged = 0;
  // One loop per kind of `unknown`, so each reads one kind of array.
  if (byLabelled && unknown) {
    const u = unknown as Uint8Array;
    for (let k = 0; k < lab.length; k++) {
      const i = lab[k];
      if (has(bits, i)) anomaly[k] ? tp++ : fp++;
      else if (u[k] === UNKNOWN && !(excluded && has(excluded, i))) unjudged++;
    }
  } else {
    const u = unknown as Uint32Array | undefined;
    for (let k = 0; k < lab.length; k++) {
      const i = lab[k];
      if (has(bits, i)) anomaly[k] ? tp++ : fp++;
      else if (u && has(u, i) && !(excluded && has(excluded, i))) unjudged++;
    }
  }
  return { tp, fp, unjudged };
}

/** Scores from point counts, the points fired, event figures and the split's anomalies and labelled points. */
export function scoresFrom(p: PointCounts, fires: number, e: EventScores, anomalies: number, labelled: number, objective: Objective): Scores {
  const { tp, fp, unjudged } = p;
  const fn = anomalies - tp;
  const tn = labelled - anomalies - fp;
  const f1 = 2 * tp + fp + fn ? (2 * tp) / (2 * tp + fp + fn) : Number.NaN;
  return {
    tp,
    fp,
    fn,
    tn,
    fires,
    unjudged,
    precision: tp + fp ? tp / (tp + fp) : Number.NaN,
    recall: anomalies ? tp / anomalies : Number.NaN,
    f1,
    events: e.events,
    eventsCaught: e.detected,
    eventRecall: e.eventRecall,
    alarms: e.alarms,
    trueAlarms: e.trueAlarms,
    falseAlarms: e.falseAlarms,
    eventPrecision: e.eventPrecision,
    eventF1: e.eventF1,
    delay: e.delay,
    falseAlarmsPer1k: e.falseAlarmsPer1k,
    alarmRate: e.alarmRate,
    pointAdjustedF1: e.pointAdjustedF1,
    objective: objectiveValue(objective, f1, e),
  };
}

/** How the dataset block asks for a file to be scored. */
export interface ScoreOptions {
  /** Absent: chosen from the labels (ScoringIndex.objective). */
  objective?: Objective;
  tolerance?: number;
}

/** Rule-by-rule comparisons (overlap, redundancy) are made up to this many rules. */
export const maxPairwiseRules = 200;

export interface NamedFlags {
  name: string;
  /** Undefined for a declaration that could not be evaluated. */
  flags?: Bool;
}

/** What the file's scores and the rules' share: the split, the events, the bit sets after the excludes. */
function fileParts(index: ScoringIndex, split: ScoreSplit, rules: NamedFlags[], excludes: NamedFlags[], opts: ScoreOptions) {
  const idx = index.get(split);
  const tolerance = opts.tolerance ?? 0;
  const objective = index.objective(opts.objective);
  const ctx: EventContext = { index: index.events(split, tolerance), objective: objective.objective };
  const words = idx.mask.length;
  const mask = idx.mask;
  // Rules that were not evaluated (errors, or past the evaluation budget) share one empty set.
  const none = memo([mask, missing], () => new Uint32Array(words));
  const excludeBits = excludes.map((e) => (e.flags ? cachedBits(e.flags, mask, idx.whole) : none));
  // One exclude's bits are the union (no copy).
  const excluded = excludeBits.length > 1 ? unionOf(['excluded', mask, ...excludeBits].map(key), excludeBits, words) : excludeBits[0];
  const ruleBits = rules.map((r) => (r.flags ? firedBits(r.flags, excluded, mask, idx.whole) : none));
  const fileBits = unionOf(['file', mask, ...ruleBits].map(key), ruleBits, words);
  // Each figure of a set of bits depends on the split's events and the objective, besides the bits.
  const objectiveKey = key(`${objective.objective.kind}:${objective.objective.kind === 'f_beta' ? objective.objective.beta : ''}`);
  const scored = (bits: Uint32Array, make: () => Scores): Scores => memo([bits, ctx.index, objectiveKey], make);
  // The file is unjudged at a point when no rule fires and some rule could not decide.
  const lab = idx.labelled;
  const file = () =>
    scored(fileBits, () => {
      const anyUnknown = new Uint8Array(lab.length);
      for (const r of rules) {
        const u = r.flags && unknownBits(r.flags);
        if (u) for (let k = 0; k < lab.length; k++) if (has(u, lab[k])) anyUnknown[k] = UNKNOWN;
      }
      return scores(fileBits, anyUnknown, idx, ctx, excluded, true);
    });
  const flagAllScores = () => scored(mask, () => scores(mask, undefined, idx, ctx, undefined, false, flagAll(ctx.index)));
  return { idx, tolerance, objective, ctx, words, mask, none, excludeBits, excluded, ruleBits, fileBits, scored, file, flagAllScores };
}

/**
 * The file's objective and flag-all's on a split (what the below-baseline warning compares),
 * without scoring the rules one by one; score() reuses what it made. For point F1, counted at the
 * split's labelled points alone (no bit set, no event).
 */
export function fileObjective(index: ScoringIndex, split: ScoreSplit, rules: NamedFlags[], excludes: NamedFlags[], opts: ScoreOptions = {}): { file: number; all: number; objective: ObjectiveInfo } {
  const objective = index.objective(opts.objective);
  if (objective.objective.kind === 'point_f1') {
    const idx = index.get(split);
    const lab = idx.labelled;
    const on = rules.flatMap((r) => (r.flags ? [trueBits(r.flags)] : []));
    const off = excludes.flatMap((e) => (e.flags ? [trueBits(e.flags)] : []));
    let tp = 0;
    let fp = 0;
    for (let k = 0; k < lab.length; k++) {
      const i = lab[k];
      let fired = false;
      for (let r = 0; r < on.length && !fired; r++) fired = has(on[r], i);
      for (let e = 0; e < off.length && fired; e++) fired = !has(off[e], i);
      if (fired) idx.isAnomaly[k] ? tp++ : fp++;
    }
    const f1 = (tp: number, fp: number, fn: number) => objectiveValue(objective.objective, 2 * tp + fp + fn ? (2 * tp) / (2 * tp + fp + fn) : Number.NaN, noEvents);
    return { file: f1(tp, fp, idx.anomalies - tp), all: f1(idx.anomalies, lab.length - idx.anomalies, 0), objective };
  }
  const p = fileParts(index, split, rules, excludes, opts);
  return { file: p.file().objective, all: p.flagAllScores().objective, objective: p.objective };
}

/** Event figures for an objective that reads none. */
const noEvents = { eventPrecision: Number.NaN, eventRecall: Number.NaN, eventF1: Number.NaN };

export function score(index: ScoringIndex, split: ScoreSplit, rules: NamedFlags[], excludes: NamedFlags[], opts: ScoreOptions = {}): FileScores {
  const p = fileParts(index, split, rules, excludes, opts);
  const { idx, tolerance, objective, ctx, words, mask, none, excludeBits, excluded, ruleBits, scored } = p;
  const rawBits = rules.filter((r) => r.flags).map((r) => cachedBits(r.flags!, mask, idx.whole));
  const rawUnion = unionOf(['raw', mask, ...rawBits].map(key), rawBits, words);
  const fileScores = p.file();

  // Anomalies one rule alone catches, in one pass over the labelled anomalies.
  const uniqueTp = new Array<number>(rules.length).fill(0);
  const anomalyAt = anomalyPoints(idx);
  for (let j = 0; j < anomalyAt.length; j++) {
    let catcher = -1;
    for (let k = 0; k < rules.length && catcher !== -2; k++) if (rules[k].flags && has(ruleBits[k], anomalyAt[j])) catcher = catcher === -1 ? k : -2;
    if (catcher >= 0) uniqueTp[catcher]++;
  }
  // Overlaps are pairwise (remembered per pair of bit sets, so an edit recounts only the edited
  // rule's): skipped for very large files, which would spend minutes on them.
  const pairwise = rules.length <= maxPairwiseRules;
  const ruleScores: RuleScores[] = rules.map((r, k) => {
    const s = r.flags ? scored(ruleBits[k], () => scores(ruleBits[k], unknownBits(r.flags!), idx, ctx, excluded)) : scored(none, () => scores(none, undefined, idx, ctx, excluded));
    const overlap: Record<string, number> = {};
    if (pairwise) rules.forEach((o, m) => m !== k && (overlap[o.name] = shared(ruleBits[k], ruleBits[m])));
    return { ...s, name: r.name, uniqueTp: uniqueTp[k], overlap };
  });

  const excludeScores: ExcludeScores[] = excludes.map((e, k) => {
    let removedTp = 0;
    let removedFp = 0;
    for (let j = 0; j < idx.labelled.length; j++) {
      const i = idx.labelled[j];
      if (!has(rawUnion, i) || !has(excludeBits[k], i)) continue;
      if (idx.isAnomaly[j]) removedTp++;
      else removedFp++;
    }
    return { name: e.name, removedTp, removedFp, fires: count(excludeBits[k]) };
  });

  let hasEvents = false;
  for (let r = 0; r < idx.runs.length && !hasEvents; r += 2) hasEvents = idx.runs[r + 1] - idx.runs[r] > 1;

  return {
    split,
    points: idx.points,
    series: idx.series,
    labelled: idx.labelled.length,
    anomalies: idx.anomalies,
    hasEvents,
    objective,
    tolerance,
    period: ctx.index.period,
    file: fileScores,
    baselines: { all: p.flagAllScores(), none: scored(none, () => scores(none, undefined, idx, ctx)) },
    rules: ruleScores,
    excludes: excludeScores,
  };
}
