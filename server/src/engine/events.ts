// Event-aware scoring. An event is a maximal run of labelled anomalies in one series and split; an
// alarm is a maximal run of flagged points there. Pure and backend-independent: it reads flag
// columns (1 = flagged, anything else = not), whoever computed them. docs/language.md#metrics
// states the definitions; this file is their one implementation.
//
// Event precision is the share of the alarms' judged points that lie inside an event's window:
// each alarm weighs by its length, so an alarm that stays on through normal points pays for every
// one of them, and splitting alarms into pieces gains nothing. (Counting an alarm as wholly true
// gives "flag every point" a precision of 1; averaging the alarms' shares lets one long false
// alarm per series, beside many short true ones inside events, score near 1.) With the event
// recall this is the composite F-score of Garg et al. (2021).
import type { Objective } from '../../../grammar/src/check';
import { grouped } from '../../../grammar/src/plural';
import type { Frame } from './frame';
import type { ScoreSplit } from './metrics';
import { derivation, derivedUses } from './derive';
import { firstBit, labelledPoints, segmentsOf, splitPoints } from './points';
import { splitIndex, type Splits } from './split';
import { seriesSummary } from './summary';

export type { Objective } from '../../../grammar/src/check';

/** Point kinds in an EventIndex. */
export const OUTSIDE = 0;
export const UNLABELLED = 1;
export const NORMAL = 2;
export const ANOMALY = 3;

const WEEK = 7 * 24 * 3600 * 1000;

/** What event scoring needs of one split, built once per (split, tolerance). */
export interface EventIndex {
  split: ScoreSplit;
  tolerance: number;
  /** Points in the frame (flag columns have this length). */
  n: number;
  /** Per point: OUTSIDE the split, UNLABELLED, NORMAL or ANOMALY. */
  kind: Uint8Array;
  /** The split's labelled normal points, as a bit set. */
  normal: Uint32Array;
  /** The split's labelled points, in order, and which of them are anomalies. */
  labelledAt: Int32Array;
  labelledAnomaly: Uint8Array;
  /** Runs of the split's points within one series, [start, end) pairs: nothing crosses them. */
  segments: Int32Array;
  /** Segment of every point, -1 outside the split. */
  segmentOf: Int32Array;
  /** Events, [start, end) pairs in point order. */
  events: Int32Array;
  /** Each event widened by the tolerance and clipped to its segment, [from, to) pairs. */
  windows: Int32Array;
  /** Per point: 1 inside some event's window. */
  near: Uint8Array;
  /** Per point: the first event whose window holds it, -1 for none. */
  firstEvent: Int32Array;
  points: number;
  labelled: number;
  anomalies: number;
  /** Alarms per series per `period` are alarms / exposure. */
  period: 'week' | '1,000 points';
  exposure: number;
}

export function buildEventIndex(frame: Frame, splits: Splits, split: ScoreSplit, tolerance: number): EventIndex {
  const n = frame.length;
  const sp = splitPoints(frame, splits, split);
  const seg = segmentsOf(frame, splits, split, sp.mask);
  // Events are the split's runs of anomalies (a run never crosses a segment's end).
  const ev = sp.runs;
  const windows = new Int32Array(ev.length);
  for (let e = 0, g = 0; e < ev.length; e += 2) {
    while (seg[g + 1] <= ev[e]) g += 2;
    windows[e] = Math.max(seg[g], ev[e] - tolerance);
    windows[e + 1] = Math.min(seg[g + 1], ev[e + 1] + tolerance);
  }
  const { period, exposure } = exposureOf(frame, seg, sp.points);
  const normal = new Uint32Array((n + 31) >>> 5);
  for (let k = 0; k < sp.labelled.length; k++) if (!sp.isAnomaly[k]) normal[sp.labelled[k] >>> 5] |= 1 << (sp.labelled[k] & 31);
  // Point-sized columns (kind, near, segmentOf, firstEvent) are made on first use: scoring reads
  // the normal points' bits, the windows and the segments instead; the objective tracker reads them.
  let kind: Uint8Array | undefined;
  let near: Uint8Array | undefined;
  let segmentOf: Int32Array | undefined;
  let firstEvent: Int32Array | undefined;
  return {
    split,
    tolerance,
    n,
    normal,
    labelledAt: sp.labelled,
    labelledAnomaly: sp.isAnomaly,
    get kind() {
      return (kind ??= kindsOf(n, seg, sp.labelled, sp.isAnomaly));
    },
    segments: seg,
    get segmentOf() {
      return (segmentOf ??= segmentsOfPoints(n, seg));
    },
    events: ev,
    windows,
    get near() {
      return (near ??= nearOf(n, windows));
    },
    get firstEvent() {
      return (firstEvent ??= firstEvents(n, windows));
    },
    points: sp.points,
    labelled: sp.labelled.length,
    anomalies: sp.anomalies,
    period,
    exposure,
  };
}

function kindsOf(n: number, segments: Int32Array, labelled: Int32Array, isAnomaly: Uint8Array): Uint8Array {
  const out = new Uint8Array(n);
  for (let g = 0; g < segments.length; g += 2) out.fill(UNLABELLED, segments[g], segments[g + 1]);
  for (let k = 0; k < labelled.length; k++) out[labelled[k]] = isAnomaly[k] ? ANOMALY : NORMAL;
  return out;
}

function nearOf(n: number, windows: Int32Array): Uint8Array {
  const out = new Uint8Array(n);
  for (let e = 0; e < windows.length; e += 2) out.fill(1, windows[e], windows[e + 1]);
  return out;
}

function segmentsOfPoints(n: number, segments: Int32Array): Int32Array {
  const out = new Int32Array(n).fill(-1);
  for (let g = 0; g < segments.length; g += 2) out.fill(g >> 1, segments[g], segments[g + 1]);
  return out;
}

/** Windows are ordered by start and by end, so each point's first window is met first. */
function firstEvents(n: number, windows: Int32Array): Int32Array {
  const out = new Int32Array(n).fill(-1);
  let filled = 0;
  for (let e = 0; e < windows.length; e += 2) {
    for (let i = Math.max(windows[e], filled); i < windows[e + 1]; i++) out[i] = e >> 1;
    filled = Math.max(filled, windows[e + 1]);
  }
  return out;
}

/** Series-weeks covered by the segments when times are dates, else thousands of points. */
function exposureOf(frame: Frame, segments: Int32Array, points: number): { period: EventIndex['period']; exposure: number } {
  const steps = datedSteps(frame);
  if (!steps) return { period: '1,000 points', exposure: points / 1000 };
  const starts = frame.seriesStart;
  const step = stepOf(steps);
  let weeks = 0;
  // Segments come in series order.
  for (let g = 0, s = 0; g < segments.length; g += 2) {
    while (starts[s + 1] <= segments[g]) s++;
    weeks += ((segments[g + 1] - segments[g]) * step(s)) / WEEK;
  }
  return { period: 'week', exposure: weeks };
}

/**
 * The exposure of a split (EventIndex.exposure and period) without its index: whole series at a
 * time when the split holds whole series (split all, a split by series), else from its segments.
 * The same sum, in the same order, as exposureOf.
 */
export function splitExposure(frame: Frame, splits: Splits, split: ScoreSplit, points: number): { period: EventIndex['period']; exposure: number } {
  const of = split === 'all' ? undefined : splits.seriesSplit;
  if (split !== 'all' && !of) {
    const sp = splitPoints(frame, splits, split);
    return exposureOf(frame, segmentsOf(frame, splits, split, sp.mask), points);
  }
  const steps = datedSteps(frame);
  if (!steps) return { period: '1,000 points', exposure: points / 1000 };
  const want = split === 'all' ? -1 : splitIndex[split];
  const starts = frame.seriesStart;
  const step = stepOf(steps);
  let weeks = 0;
  for (let s = 0; s + 1 < starts.length; s++) {
    if (starts[s] === starts[s + 1] || (of && of[s] !== want)) continue;
    const known = steps[s];
    weeks += ((starts[s + 1] - starts[s]) * (known > 0 ? known : step(s))) / WEEK;
  }
  return { period: 'week', exposure: weeks };
}

/** Each series' median step when times are dates and some series has one (the summary keeps them: no time is read). */
function datedSteps(frame: Frame): Float64Array | undefined {
  if (frame.timeKind !== 'date') return undefined;
  const steps = seriesSummary(frame).step;
  for (let s = 0; s < steps.length; s++) if (steps[s] > 0) return steps;
  return undefined;
}

/** A series' step; a series without one (one point) counts the median of the others'. */
function stepOf(steps: Float64Array): (s: number) => number {
  let fallback: number | undefined;
  const median = () => {
    const known = steps.filter((x) => x > 0).sort();
    return known[known.length >> 1];
  };
  return (s) => (steps[s] > 0 ? steps[s] : (fallback ??= median()));
}

/** Every event figure of one flag column on one split. Ratios are NaN when undefined. */
export interface EventScores {
  events: number;
  /** Events with a flagged point in their window. */
  detected: number;
  alarms: number;
  /** Alarms with a point in some event's window. */
  trueAlarms: number;
  /** Other alarms holding a labelled normal point; the rest (only unlabelled points) are not judged. */
  falseAlarms: number;
  /** Of the alarms' judged points (inside an event's window, or labelled normal outside every window), the share inside. */
  eventPrecision: number;
  eventRecall: number;
  eventF1: number;
  /** Median points from an event's start to its first flagged point, over detected events. */
  delay: number;
  /** False alarms per 1,000 labelled points. */
  falseAlarmsPer1k: number;
  /** Alarms (judged or not) per series per period (EventIndex.period). */
  alarmRate: number;
  /** Point F1 where an event counts as wholly caught once one of its points is: inflated. */
  pointAdjustedF1: number;
}

/** F-beta from precision and recall: NaN when nothing can be scored, 0 when either is 0 or undefined. */
export function fBeta(precision: number, recall: number, beta: number): number {
  if (Number.isNaN(precision) && Number.isNaN(recall)) return Number.NaN;
  if (!(precision > 0) || !(recall > 0)) return 0;
  const b2 = beta * beta;
  return ((1 + b2) * precision * recall) / (b2 * precision + recall);
}

export function eventScores(flags: Uint8Array, idx: EventIndex): EventScores {
  return eventScoresOfBits(splitBits(flags, idx), idx);
}

/** The flags (1 = flagged) at the split's points, as a bit set. */
export function splitBits(flags: Uint8Array, idx: EventIndex): Uint32Array {
  const bits = new Uint32Array((idx.n + 31) >>> 5);
  const { segments } = idx;
  for (let g = 0; g < segments.length; g += 2) {
    for (let i = segments[g], b = segments[g + 1]; i < b; i++) if (flags[i] === 1) bits[i >>> 5] |= 1 << (i & 31);
  }
  return bits;
}

/**
 * eventScores of a bit set holding flagged points of the split only: the work follows the flagged
 * points (alarms) and the events, not every point of the split. A bit set an edit made from
 * another at a few words (derive.ts) is walked again only in the segments those words touch.
 */
export function eventScoresOfBits(bits: Uint32Array, idx: EventIndex): EventScores {
  let w = walks.get(bits)?.get(idx);
  if (!w) {
    const d = derivation(bits);
    const before = d && walks.get(d.from)?.get(idx);
    w = before ? rewalk(before, d!.from, bits, d!.words, idx) : walk(bits, idx, idx.n);
    let m = walks.get(bits);
    if (!m) walks.set(bits, (m = new WeakMap()));
    m.set(idx, w);
  }
  const { counts, delays } = countsOf(w, idx.events);
  return figures(totalsOf(idx), counts, delays);
}

/** A walk's counts with its detected events, and their delays (in event order). */
function countsOf(w: Walk, events: Int32Array): { counts: EventCounts; delays: Float64Array } {
  const delays = new Float64Array(events.length >> 1);
  let detected = 0;
  let adjustedTp = 0;
  for (let e = 0; e < events.length; e += 2) {
    const delay = w.delay[e >> 1];
    if (delay !== delay) continue;
    delays[detected++] = delay;
    if (w.caught[e >> 1]) adjustedTp += events[e + 1] - events[e];
  }
  const { alarms, trueAlarms, falseAlarms, judged, inEvents, fp } = w;
  return { counts: { alarms, trueAlarms, falseAlarms, judged, inEvents, fp, detected, adjustedTp }, delays: delays.subarray(0, detected) };
}

/** What event counting reads of a split: its normal points as bits, its segments, events and their windows. */
export type EventParts = Pick<EventIndex, 'normal' | 'segments' | 'events' | 'windows'>;

/**
 * The counts behind eventScoresOfBits, and the delays of the detected events (in event order).
 * Each is a sum over the split's segments, so the counts of parts of a frame holding whole series
 * each add up to the frame's (blockscore.ts).
 */
export function eventCountsOfBits(bits: Uint32Array, idx: EventParts): { counts: EventCounts; delays: Float64Array } {
  return countsOf(walk(bits, idx, bits.length << 5), idx.events);
}

/** What the alarms of a bit set (or of some of its segments) add up to. */
interface AlarmCounts {
  alarms: number;
  trueAlarms: number;
  falseAlarms: number;
  /** Judged points of the alarms, and those inside event windows. */
  judged: number;
  inEvents: number;
  fp: number;
}

/** A walk over a bit set: its alarms' counts, and each event's delay (NaN: not detected) and whether it was caught. */
interface Walk extends AlarmCounts {
  delay: Float64Array;
  caught: Uint8Array;
}

const walks = new WeakMap<Uint32Array, WeakMap<EventIndex, Walk>>();

const noAlarms = (): AlarmCounts => ({ alarms: 0, trueAlarms: 0, falseAlarms: 0, judged: 0, inEvents: 0, fp: 0 });

/** A walk over the points [0, to) of a bit set. */
function walk(bits: Uint32Array, idx: EventParts, to: number): Walk {
  const c = noAlarms();
  countAlarms(bits, idx, 0, to, c);
  const n = idx.events.length >> 1;
  const w: Walk = { ...c, delay: new Float64Array(n).fill(Number.NaN), caught: new Uint8Array(n) };
  for (let e = 0; e < idx.events.length; e += 2) detect(bits, idx, e, w);
  return w;
}

/** The walk of `bits`, which is `from` but at `words`, from the walk of `from`: the segments those words touch walked again. */
function rewalk(before: Walk, from: Uint32Array, bits: Uint32Array, words: Int32Array, idx: EventIndex): Walk {
  const { segments, events } = idx;
  derivedUses.walks++;
  const w: Walk = { ...before, delay: before.delay.slice(), caught: before.caught.slice() };
  const was = noAlarms();
  const now = noAlarms();
  let g = -2;
  for (const word of Int32Array.from(words).sort()) {
    // The segments overlapping the word's points, each once (words in order, segments in order).
    for (let k = Math.max(g + 2, firstEnding(segments, word << 5)); k < segments.length && segments[k] < (word + 1) << 5; k += 2) {
      g = k;
      const a = segments[k];
      const b = segments[k + 1];
      countAlarms(from, idx, a, b, was);
      countAlarms(bits, idx, a, b, now);
      for (let e = firstEnding(events, a); e < events.length && events[e] < b; e += 2) detect(bits, idx, e, w);
    }
  }
  for (const key of Object.keys(was) as (keyof AlarmCounts)[]) w[key] += now[key] - was[key];
  return w;
}

/** The first pair of `pairs` ([start, end) pairs, ordered by start and by end) ending after point `p`, as its index. */
function firstEnding(pairs: Int32Array, p: number): number {
  let lo = 0;
  let hi = pairs.length >> 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (pairs[2 * mid + 1] <= p) lo = mid + 1;
    else hi = mid;
  }
  return 2 * lo;
}

/** Adds to `c` the alarms of the set bits in [from, to), which are segment bounds (alarms end there). */
function countAlarms(bits: Uint32Array, idx: EventParts, from: number, to: number, c: AlarmCounts): void {
  const { normal: normals, segments, windows } = idx;
  // An alarm is a run of flagged points within one segment: it ends where the next flagged point
  // is not the next point, or lies past the segment's end.
  let on = false;
  let inside = 0;
  let outside = 0;
  let last = -2;
  let segEnd = -1;
  let g = firstEnding(segments, from);
  // The first window ending after the point: the point is near an event when that window has begun
  // (windows are ordered by start and by end).
  let win = firstEnding(windows, from);
  const close = () => {
    if (inside) c.trueAlarms++;
    else if (outside) c.falseAlarms++;
    c.judged += inside + outside;
    c.inEvents += inside;
  };
  if (from >= to) return;
  const w0 = from >>> 5;
  const w1 = Math.min(bits.length - 1, (to - 1) >>> 5);
  for (let w = w0; w <= w1; w++) {
    let word = bits[w];
    if (w === w0) word &= -1 << (from & 31);
    if (w === (to - 1) >>> 5) word &= -1 >>> (31 - ((to - 1) & 31));
    while (word !== 0) {
      const i = (w << 5) + 31 - Math.clz32(word & -word);
      word &= word - 1;
      if (on && (i !== last + 1 || i >= segEnd)) {
        on = false;
        close();
      }
      if (!on) {
        on = true;
        c.alarms++;
        inside = 0;
        outside = 0;
        while (segments[g + 1] <= i) g += 2;
        segEnd = segments[g + 1];
      }
      const normal = (normals[w] & (1 << (i & 31))) !== 0;
      if (normal) c.fp++;
      while (win < windows.length && windows[win + 1] <= i) win += 2;
      if (win < windows.length && windows[win] <= i) inside++;
      else if (normal) outside++;
      last = i;
    }
  }
  if (on) close();
}

/** Event e's (an index into events) delay and whether it was caught, into `w`. */
function detect(bits: Uint32Array, idx: EventParts, e: number, w: Walk): void {
  const { events, windows } = idx;
  const first = firstBit(bits, windows[e], windows[e + 1]);
  w.delay[e >> 1] = first < 0 ? Number.NaN : first - events[e];
  w.caught[e >> 1] = first >= 0 && (first >= events[e] ? first < events[e + 1] : firstBit(bits, events[e], events[e + 1]) >= 0) ? 1 : 0;
}

/** The counts event figures are made from: each a sum over segments. */
export interface EventCounts extends AlarmCounts {
  detected: number;
  adjustedTp: number;
}

/** What event figures read of a split besides the counts: its events, anomalies and labelled points (counts), its exposure. */
export interface EventTotals {
  events: number;
  anomalies: number;
  labelled: number;
  exposure: number;
}

function totalsOf(idx: EventIndex): EventTotals {
  return { events: idx.events.length >> 1, anomalies: idx.anomalies, labelled: idx.labelled, exposure: idx.exposure };
}

/** Event figures from their counts and the delays of the detected events (sorted here, in place). */
export function figures(t: EventTotals, c: EventCounts, delays: Float64Array): EventScores {
  const nEvents = t.events;
  const { detected, adjustedTp, judged, fp, alarms, falseAlarms } = c;
  const eventPrecision = judged ? c.inEvents / judged : Number.NaN;
  const eventRecall = nEvents ? detected / nEvents : Number.NaN;
  const d = delays.sort();
  const fnAdj = t.anomalies - adjustedTp;
  return {
    events: nEvents,
    detected,
    alarms,
    trueAlarms: c.trueAlarms,
    falseAlarms,
    eventPrecision,
    eventRecall,
    eventF1: fBeta(eventPrecision, eventRecall, 1),
    delay: detected ? (detected % 2 ? d[detected >> 1] : (d[(detected >> 1) - 1] + d[detected >> 1]) / 2) : Number.NaN,
    falseAlarmsPer1k: t.labelled ? (1000 * falseAlarms) / t.labelled : Number.NaN,
    alarmRate: t.exposure > 0 ? alarms / t.exposure : Number.NaN,
    pointAdjustedF1: 2 * adjustedTp + fp + fnAdj ? (2 * adjustedTp) / (2 * adjustedTp + fp + fnAdj) : Number.NaN,
  };
}

/**
 * eventScores when every point of the split is flagged (the flag-all baseline), from the segments
 * (each one alarm), the windows and the labelled points: no walk over every point.
 */
export function eventScoresAllFlagged(idx: EventIndex): EventScores {
  const { counts, delays } = allFlaggedCounts(idx);
  return figures(totalsOf(idx), counts, delays);
}

/** The counts behind eventScoresAllFlagged, and the delays of the events (every one is detected). */
export function allFlaggedCounts(idx: Pick<EventIndex, 'segments' | 'windows' | 'events' | 'labelledAt' | 'labelledAnomaly'>): { counts: EventCounts; delays: Float64Array } {
  const { segments, windows, events, labelledAnomaly } = idx;
  const lab = idx.labelledAt;
  const c: EventCounts = { alarms: segments.length >> 1, trueAlarms: 0, falseAlarms: 0, judged: 0, inEvents: 0, fp: 0, detected: events.length >> 1, adjustedTp: 0 };
  let w = 0;
  let near = 0;
  let k = 0;
  for (let g = 0; g < segments.length; g += 2) {
    const a = segments[g];
    const b = segments[g + 1];
    // Points of the segment inside windows (the union: windows may overlap).
    let inside = 0;
    let covered = a;
    for (; w < windows.length && windows[w] < b; w += 2) {
      const from = Math.max(windows[w], covered);
      if (windows[w + 1] > from) (inside += windows[w + 1] - from), (covered = windows[w + 1]);
    }
    // Labelled normal points of the segment, and those outside every window.
    let outside = 0;
    for (; k < lab.length && lab[k] < b; k++) {
      const i = lab[k];
      if (i < a) continue;
      if (labelledAnomaly[k]) continue;
      c.fp++;
      while (near < windows.length && windows[near + 1] <= i) near += 2;
      if (!(near < windows.length && windows[near] <= i)) outside++;
    }
    if (inside) c.trueAlarms++;
    else if (outside) c.falseAlarms++;
    c.judged += inside + outside;
    c.inEvents += inside;
  }
  // Every window is flagged from its start: every event is caught, at its window's start.
  const delays = new Float64Array(events.length >> 1);
  for (let e = 0; e < events.length; e += 2) {
    delays[e >> 1] = windows[e] - events[e];
    c.adjustedTp += events[e + 1] - events[e];
  }
  return { counts: c, delays };
}

/** Short name of an objective, for people: `event F1`, `F0.5 (events)`. */
export function objectiveLabel(o: Objective): string {
  return o.kind === 'point_f1' ? 'point F1' : o.kind === 'event_f1' ? 'event F1' : `event F${o.beta}`;
}

/** The objective a file uses when its dataset block sets none, and why, from the labels. */
export function defaultObjective(frame: Frame): { objective: Objective; why: string } {
  // Runs of anomalies at consecutive points of one series, from the labelled points.
  const { points, anomaly } = labelledPoints(frame);
  const starts = frame.seriesStart;
  let longest = 0;
  let runs = 0;
  let run = 0;
  let last = -2;
  let end = 0;
  for (let k = 0, s = 0; k < points.length; k++) {
    if (!anomaly[k]) continue;
    const i = points[k];
    if (run && (i !== last + 1 || i >= end)) (runs++, (longest = Math.max(longest, run))), (run = 0);
    if (!run) {
      while (starts[s + 1] <= i) s++;
      end = starts[s + 1];
    }
    run++;
    last = i;
  }
  if (run) runs++, (longest = Math.max(longest, run));
  if (longest > 1) return { objective: { kind: 'event_f1' }, why: `the labels form runs longer than one point (${grouped(runs)} events, the longest ${grouped(longest)} points), so an incident counts once` };
  return { objective: { kind: 'point_f1' }, why: runs ? 'every labelled anomaly is a single point' : 'the labels hold no anomaly' };
}

/**
 * The objective of one flag column on a split: one pass over the split's points, no allocation.
 * For learners, which call it many times; `ObjectiveTracker` scores growing flag sets faster.
 */
export function objectiveScore(objective: Objective, flags: Uint8Array, idx: EventIndex): number {
  const { kind, near, segments } = idx;
  if (objective.kind === 'point_f1') {
    let tp = 0;
    let fp = 0;
    for (let g = 0; g < segments.length; g += 2) {
      for (let i = segments[g], b = segments[g + 1]; i < b; i++) {
        if (flags[i] !== 1) continue;
        const k = kind[i];
        if (k === ANOMALY) tp++;
        else if (k === NORMAL) fp++;
      }
    }
    const denom = tp + fp + idx.anomalies;
    return denom ? (2 * tp) / denom : 0;
  }
  // Precision is additive over flagged points: inside an event window, or normal outside all.
  let judged = 0;
  let inEvents = 0;
  for (let g = 0; g < segments.length; g += 2) {
    for (let i = segments[g], b = segments[g + 1]; i < b; i++) {
      if (flags[i] !== 1) continue;
      if (near[i]) (inEvents++, judged++);
      else if (kind[i] === NORMAL) judged++;
    }
  }
  const { events, windows } = idx;
  let detected = 0;
  for (let e = 0; e < events.length; e += 2) {
    for (let i = windows[e]; i < windows[e + 1]; i++) {
      if (flags[i] === 1) {
        detected++;
        break;
      }
    }
  }
  return objectiveOf(objective, inEvents, judged, detected, events.length >> 1);
}

function objectiveOf(o: Objective, inEvents: number, judged: number, detected: number, events: number): number {
  const v = fBeta(judged ? inEvents / judged : Number.NaN, events ? detected / events : Number.NaN, o.kind === 'f_beta' ? o.beta : 1);
  return Number.isNaN(v) ? 0 : v;
}

/**
 * The objective of a flag set that only grows: `reset` to a base (say the other rules' flags),
 * then `add` points one at a time (a threshold sweep, a candidate rule's hits) and read `value`
 * at any moment. `add` is O(1) amortised (alarm runs are merged through their end points, an
 * alarm's truth comes from prefix counts); `reset` is O(points). No allocation after creation.
 */
export class ObjectiveTracker {
  private readonly on: Uint8Array;
  /** For an alarm [a, b] (inclusive): partner[a] = b and partner[b] = a. */
  private readonly partner: Int32Array;
  private readonly nearBefore: Int32Array;
  /** Labelled normal points outside every event window, before each point. */
  private readonly outsideBefore: Int32Array;
  private readonly detected: Uint8Array;
  tp = 0;
  fp = 0;
  alarms = 0;
  trueAlarms = 0;
  falseAlarms = 0;
  /** Judged points of the alarms, and those inside event windows. */
  judged = 0;
  inEvents = 0;
  eventsDetected = 0;

  constructor(
    readonly objective: Objective,
    readonly idx: EventIndex,
  ) {
    const n = idx.n;
    this.on = new Uint8Array(n);
    this.partner = new Int32Array(n);
    this.nearBefore = new Int32Array(n + 1);
    this.outsideBefore = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) {
      this.nearBefore[i + 1] = this.nearBefore[i] + idx.near[i];
      this.outsideBefore[i + 1] = this.outsideBefore[i] + (idx.kind[i] === NORMAL && !idx.near[i] ? 1 : 0);
    }
    this.detected = new Uint8Array(idx.events.length >> 1);
  }

  /** Starts again from `base` (flags of the whole frame), or from nothing flagged. */
  reset(base?: Uint8Array): void {
    this.on.fill(0);
    this.detected.fill(0);
    this.tp = this.fp = this.alarms = this.trueAlarms = this.falseAlarms = this.judged = this.inEvents = this.eventsDetected = 0;
    if (!base) return;
    const { segments } = this.idx;
    for (let g = 0; g < segments.length; g += 2) for (let i = segments[g], b = segments[g + 1]; i < b; i++) if (base[i] === 1) this.add(i);
  }

  /** Flags point i (nothing happens outside the split or when it is flagged already). */
  add(i: number): void {
    const idx = this.idx;
    const k = idx.kind[i];
    if (k === OUTSIDE || this.on[i]) return;
    this.on[i] = 1;
    if (k === ANOMALY) this.tp++;
    else if (k === NORMAL) this.fp++;
    const g = idx.segmentOf[i];
    const left = i > 0 && idx.segmentOf[i - 1] === g && this.on[i - 1] === 1;
    const right = i + 1 < idx.n && idx.segmentOf[i + 1] === g && this.on[i + 1] === 1;
    let a = i;
    let b = i;
    this.alarms++;
    if (left) (a = this.partner[i - 1]), this.forget(a, i - 1);
    if (right) (b = this.partner[i + 1]), this.forget(i + 1, b);
    this.partner[a] = b;
    this.partner[b] = a;
    this.count(a, b, 1);
    for (let e = idx.firstEvent[i]; e >= 0 && 2 * e < idx.events.length && idx.windows[2 * e] <= i; e++) {
      if (i < idx.windows[2 * e + 1] && !this.detected[e]) (this.detected[e] = 1), this.eventsDetected++;
    }
  }

  /** The objective now (0 when undefined). */
  value(): number {
    if (this.objective.kind === 'point_f1') {
      const denom = this.tp + this.fp + this.idx.anomalies;
      return denom ? (2 * this.tp) / denom : 0;
    }
    return objectiveOf(this.objective, this.inEvents, this.judged, this.eventsDetected, this.idx.events.length >> 1);
  }

  private forget(a: number, b: number): void {
    this.alarms--;
    this.count(a, b, -1);
  }

  private count(a: number, b: number, sign: number): void {
    const inside = this.nearBefore[b + 1] - this.nearBefore[a];
    const outside = this.outsideBefore[b + 1] - this.outsideBefore[a];
    if (inside) this.trueAlarms += sign;
    else if (outside) this.falseAlarms += sign;
    this.judged += sign * (inside + outside);
    this.inEvents += sign * inside;
  }
}
