// The points scoring walks, found without visiting every point where the split allows it: the
// labelled points of a frame (once per frame), a split's points as a bit set (whole series at a
// time for splits by series), its segments (runs of split points within a series) and its runs of
// anomalies. Flags become bit sets once per flag column. Shared by metrics.ts and events.ts.
import type { Frame } from './frame';
import { TRUE, UNKNOWN, type Bool } from './kernels';
import type { ScoreSplit } from './metrics';
import { splitIndex, type Splits } from './split';

/** The labelled points of a frame, in order, and which of them are anomalies. */
export interface Labelled {
  points: Int32Array;
  anomaly: Uint8Array;
}

// By label column (frames under another id share their base's), or by frame when it has none.
const labelledOf = new WeakMap<object, Labelled>();

/** The frame's own list when it has one (the frame cache keeps it), else found in its label column once. */
export function labelledPoints(frame: Frame): Labelled {
  const own = frame.labelled;
  if (own) return own;
  const label = frame.label;
  let l = labelledOf.get(label ?? frame);
  if (!l) {
    let n = 0;
    if (label) for (let i = 0; i < label.length; i++) if (label[i] === label[i]) n++;
    const points = new Int32Array(n);
    const anomaly = new Uint8Array(n);
    if (label) {
      for (let i = 0, k = 0; i < label.length; i++) {
        const y = label[i];
        if (y !== y) continue;
        points[k] = i;
        anomaly[k++] = y === 1 ? 1 : 0;
      }
    }
    labelledOf.set(label ?? frame, (l = { points, anomaly }));
  }
  return l;
}

const labelledBitsOf = new WeakMap<Frame, Uint32Array>();

/** The labelled points of a frame as a bit set. */
export function labelledBits(frame: Frame): Uint32Array {
  let bits = labelledBitsOf.get(frame);
  if (!bits) {
    const { points } = labelledPoints(frame);
    bits = new Uint32Array((frame.length + 31) >>> 5);
    for (let k = 0; k < points.length; k++) bits[points[k] >>> 5] |= 1 << (points[k] & 31);
    labelledBitsOf.set(frame, bits);
  }
  return bits;
}

export function hasBit(bits: Uint32Array, i: number): boolean {
  return (bits[i >>> 5] & (1 << (i & 31))) !== 0;
}

/** Sets bits [a, b). */
export function setBits(bits: Uint32Array, a: number, b: number): void {
  if (a >= b) return;
  const wa = a >>> 5;
  const wb = (b - 1) >>> 5;
  const head = -1 << (a & 31);
  const tail = -1 >>> (31 - ((b - 1) & 31));
  if (wa === wb) {
    bits[wa] |= head & tail;
    return;
  }
  bits[wa] |= head;
  bits.fill(-1 >>> 0, wa + 1, wb);
  bits[wb] |= tail;
}

/** Whether any bit in [a, b) is set. */
export function anyBit(bits: Uint32Array, a: number, b: number): boolean {
  for (let i = a; i < b; ) {
    const w = i >>> 5;
    let word = bits[w] & (-1 << (i & 31));
    const end = (w + 1) << 5;
    if (end > b) word &= -1 >>> (31 - ((b - 1) & 31));
    if (word !== 0) return true;
    i = end;
  }
  return false;
}

/** The first set bit in [from, to), or -1. */
export function firstBit(bits: Uint32Array, from: number, to: number): number {
  for (let i = from; i < to; ) {
    const w = i >>> 5;
    const word = bits[w] & (-1 << (i & 31));
    if (word !== 0) {
      const j = (w << 5) + 31 - Math.clz32(word & -word);
      return j < to ? j : -1;
    }
    i = (w + 1) << 5;
  }
  return -1;
}

/** The last set bit in [from, to), or -1. */
export function lastBit(bits: Uint32Array, from: number, to: number): number {
  for (let i = to - 1; i >= from; ) {
    const w = i >>> 5;
    const word = bits[w] & (-1 >>> (31 - (i & 31)));
    if (word !== 0) {
      const j = (w << 5) + 31 - Math.clz32(word);
      return j >= from ? j : -1;
    }
    i = (w << 5) - 1;
  }
  return -1;
}

export function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

const uniformOf = new WeakMap<Splits, boolean>();

/**
 * Whether every series lies in one split: a split by series (the hash split) says so, any other
 * split is checked once per split assignment.
 */
function bySeries(frame: Frame, splits: Splits): boolean {
  if (splits.seriesSplit) return true;
  let u = uniformOf.get(splits);
  if (u === undefined) {
    u = splits.by === 'series';
    const of = splits.of;
    const starts = frame.seriesStart;
    for (let s = 0; s + 1 < starts.length && u; s++) {
      const first = of[starts[s]];
      for (let i = starts[s] + 1; i < starts[s + 1]; i++) {
        if (of[i] !== first) {
          u = false;
          break;
        }
      }
    }
    uniformOf.set(splits, u);
  }
  return u;
}

/** A split's points as a bit set: whole series at a time when the split is by series. */
export function splitMask(frame: Frame, splits: Splits, split: ScoreSplit): Uint32Array {
  const n = frame.length;
  const mask = new Uint32Array((n + 31) >>> 5);
  if (split === 'all') {
    setBits(mask, 0, n);
    return mask;
  }
  const want = splitIndex[split];
  const starts = frame.seriesStart;
  if (splits.seriesSplit) {
    const of = splits.seriesSplit;
    for (let s = 0; s + 1 < starts.length; s++) if (of[s] === want) setBits(mask, starts[s], starts[s + 1]);
    return mask;
  }
  if (bySeries(frame, splits)) {
    for (let s = 0; s + 1 < starts.length; s++) if (starts[s] < starts[s + 1] && splits.of[starts[s]] === want) setBits(mask, starts[s], starts[s + 1]);
    return mask;
  }
  const of = splits.of;
  for (let i = 0; i < n; i++) if (of[i] === want) mask[i >>> 5] |= 1 << (i & 31);
  return mask;
}

/** What scoring needs of one split. */
export interface SplitPoints {
  mask: Uint32Array;
  /** The split holds every point (split all): the mask is all ones. */
  whole: boolean;
  points: number;
  /** Series with a point in the split. */
  series: number;
  /** Labelled points in the split, and their labels. */
  labelled: Int32Array;
  isAnomaly: Uint8Array;
  anomalies: number;
  /** Runs of consecutive anomalies within a series: [start, end) pairs. */
  runs: Int32Array;
}

const splitPointsOf = new WeakMap<Splits, Map<ScoreSplit, SplitPoints>>();

export function splitPoints(frame: Frame, splits: Splits, split: ScoreSplit): SplitPoints {
  let bySplit = splitPointsOf.get(splits);
  if (!bySplit) splitPointsOf.set(splits, (bySplit = new Map()));
  let p = bySplit.get(split);
  if (p) return p;
  const mask = splitMask(frame, splits, split);
  const all = labelledPoints(frame);
  const starts = frame.seriesStart;
  // Every point (split all): every labelled point, every series; by series: the split's series.
  const whole = split === 'all';
  const of = whole ? undefined : splits.seriesSplit;
  const want = whole ? -1 : splitIndex[split];
  let labelled = all.points;
  let isAnomaly = all.anomaly;
  let anomalies = 0;
  let m = labelled.length;
  if (whole) for (let k = 0; k < m; k++) anomalies += isAnomaly[k];
  else {
    labelled = new Int32Array(all.points.length);
    isAnomaly = new Uint8Array(all.points.length);
    m = 0;
    for (let k = 0; k < all.points.length; k++) {
      const i = all.points[k];
      if (!hasBit(mask, i)) continue;
      labelled[m] = i;
      isAnomaly[m++] = all.anomaly[k];
      anomalies += all.anomaly[k];
    }
    labelled = labelled.slice(0, m);
    isAnomaly = isAnomaly.slice(0, m);
  }
  let points = 0;
  let series = 0;
  if (whole || of) {
    for (let s = 0; s + 1 < starts.length; s++) {
      if (starts[s] === starts[s + 1] || (of && of[s] !== want)) continue;
      series++;
      points += starts[s + 1] - starts[s];
    }
  } else {
    for (let w = 0; w < mask.length; w++) if (mask[w]) points += popcount(mask[w]);
    for (let s = 0; s + 1 < starts.length; s++) if (anyBit(mask, starts[s], starts[s + 1])) series++;
  }
  p = { mask, whole, points, series, labelled, isAnomaly, anomalies, runs: anomalyRuns(labelled, isAnomaly, starts) };
  bySplit.set(split, p);
  return p;
}

/**
 * Runs of anomalies at consecutive labelled points of one series, as [start, end) pairs in order
 * (`labelled`: points in order; `isAnomaly`: 1 where that point is an anomaly).
 */
export function anomalyRuns(labelled: Int32Array, isAnomaly: Uint8Array, starts: Int32Array): Int32Array {
  const runs: number[] = [];
  let start = -1;
  let last = -2;
  let end = 0;
  let s = 0;
  for (let k = 0; k < labelled.length; k++) {
    if (!isAnomaly[k]) continue;
    const i = labelled[k];
    if (start >= 0 && (i !== last + 1 || i >= end)) {
      runs.push(start, last + 1);
      start = -1;
    }
    if (start < 0) {
      start = i;
      while (starts[s + 1] <= i) s++;
      end = starts[s + 1];
    }
    last = i;
  }
  if (start >= 0) runs.push(start, last + 1);
  return Int32Array.from(runs);
}

/** Runs of a split's points within one series: [start, end) pairs, in order. */
export function segmentsOf(frame: Frame, splits: Splits, split: ScoreSplit, mask: Uint32Array): Int32Array {
  const starts = frame.seriesStart;
  if (split === 'all' || bySeries(frame, splits)) {
    // Whole series: one segment each, straight into the result.
    let count = 0;
    for (let s = 0; s + 1 < starts.length; s++) if (starts[s] < starts[s + 1] && hasBit(mask, starts[s])) count++;
    const out = new Int32Array(2 * count);
    for (let s = 0, g = 0; s + 1 < starts.length; s++) if (starts[s] < starts[s + 1] && hasBit(mask, starts[s])) (out[g++] = starts[s]), (out[g++] = starts[s + 1]);
    return out;
  }
  const out: number[] = [];
  for (let s = 0; s + 1 < starts.length; s++) {
    const a = starts[s];
    const b = starts[s + 1];
    let seg = -1;
    for (let i = a; i <= b; i++) {
      const inSplit = i < b && hasBit(mask, i);
      if (inSplit && seg < 0) seg = i;
      if (!inSplit && seg >= 0) out.push(seg, i), (seg = -1);
    }
  }
  return Int32Array.from(out);
}

// A flag column as a bit set (1 where it is true), made once per column: flag columns of
// unchanged rules are the same arrays after an edit (the feature cache).
const bitsOf = new WeakMap<Bool, Uint32Array>();
// The points where a flag column is unknown, as a bit set: scoring reads it at labelled points, a
// pass over 6.6 MB of bits rather than over every labelled point of a 53 MB column.
const unknownOf = new WeakMap<Bool, Uint32Array>();

/**
 * Notes that `flags` differs from `from` only at `points` (a threshold edited, delta.ts): its bit
 * sets (true, unknown) are then `from`'s with those points set again, where `from` has them.
 * True when `from` had both (and `flags` now has them).
 */
export function bitsFrom(flags: Bool, from: Bool, points: Int32Array): boolean {
  if (!bitsOf.has(from) || !unknownOf.has(from)) return false;
  const patch = (sets: WeakMap<Bool, Uint32Array>, value: number) => {
    const base = sets.get(from);
    if (!base || sets.has(flags)) return;
    const bits = base.slice();
    for (let k = 0; k < points.length; k++) {
      const i = points[k];
      if (flags[i] === value) bits[i >>> 5] |= 1 << (i & 31);
      else bits[i >>> 5] &= ~(1 << (i & 31));
    }
    sets.set(flags, bits);
  };
  patch(bitsOf, TRUE);
  patch(unknownOf, UNKNOWN);
  return true;
}

export function trueBits(flags: Bool): Uint32Array {
  return bitsOf.get(flags) ?? packed(flags)[0];
}

export function unknownBits(flags: Bool): Uint32Array {
  return unknownOf.get(flags) ?? packed(flags)[1];
}

/** Both bit sets of a flag column, made in one pass and kept. */
function packed(flags: Bool): [Uint32Array, Uint32Array] {
  const both = packFlags(flags);
  knownBits(flags, both[0], both[1]);
  return both;
}

/** Gives a flag column its bit sets, made elsewhere (block by block, parallel.ts). */
export function knownBits(flags: Bool, trueSet: Uint32Array, unknownSet: Uint32Array): void {
  bitsOf.set(flags, trueSet);
  unknownOf.set(flags, unknownSet);
}

/** The bit set of the points where the flags are true (1 where flags[i] is TRUE), in one pass (half packFlags' work). */
export function packTrue(flags: Bool): Uint32Array {
  const n = flags.length;
  const yes = new Uint32Array((n + 31) >>> 5);
  // Four flags at a time, as packFlags does.
  const whole = flags.byteOffset % 4 === 0 ? n >>> 5 : 0;
  // The last word (or every word of an unaligned column) first, without a branch: a branch taken
  // only there would lack type feedback in optimised code, which then deoptimised at nearly every
  // block. First, because code after the loop over whole words lacks it too when that loop is
  // compiled while it runs (on a first block): every later call then left that code there.
  for (let w = whole; w < yes.length; w++) {
    const base = w << 5;
    const end = Math.min(32, n - base);
    let t = 0;
    for (let b = 0; b < end; b++) t |= +(flags[base + b] === TRUE) << b;
    yes[w] = t;
  }
  const quads = whole ? new Uint32Array(flags.buffer, flags.byteOffset, whole * 8) : new Uint32Array(0);
  for (let w = 0; w < whole; w++) {
    let t = 0;
    for (let q = 0; q < 8; q++) t |= ((Math.imul(quads[w * 8 + q] & 0x01010101, 0x01020408) >>> 24) & 0xf) << (q * 4);
    yes[w] = t;
  }
  return yes;
}

/** The bit set of the points where the flags are unknown (1 where flags[i] is UNKNOWN). */
export function packUnknown(flags: Bool): Uint32Array {
  return packFlags(flags)[1];
}

/** The bit sets of the points where the flags are true and where unknown, in one pass. */
export function packFlags(flags: Bool): [Uint32Array, Uint32Array] {
  const n = flags.length;
  const yes = new Uint32Array((n + 31) >>> 5);
  const unknown = new Uint32Array(yes.length);
  const whole = flags.byteOffset % 4 === 0 ? n >>> 5 : 0;
  // The last word first, without a branch (see packTrue).
  for (let w = whole; w < yes.length; w++) {
    const base = w << 5;
    const end = Math.min(32, n - base);
    let t = 0;
    let u = 0;
    for (let b = 0; b < end; b++) {
      const v = flags[base + b];
      t |= +(v === TRUE) << b;
      u |= +(v === UNKNOWN) << b;
    }
    yes[w] = t;
    unknown[w] = u;
  }
  // Four flags at a time: TRUE (1) has bit 0 set, UNKNOWN (2) bit 1, and one multiplication
  // gathers the four bits into a nibble, in point order.
  const quads = whole ? new Uint32Array(flags.buffer, flags.byteOffset, whole * 8) : new Uint32Array(0);
  for (let w = 0; w < whole; w++) {
    let t = 0;
    let u = 0;
    for (let q = 0; q < 8; q++) {
      const quad = quads[w * 8 + q];
      t |= ((Math.imul(quad & 0x01010101, 0x01020408) >>> 24) & 0xf) << (q * 4);
      u |= ((Math.imul((quad >>> 1) & 0x01010101, 0x01020408) >>> 24) & 0xf) << (q * 4);
    }
    yes[w] = t;
    unknown[w] = u;
  }
  return [yes, unknown];
}

/** Sets in `dst` the bits of `src` moved up by `at` (src's bit 0 is dst's bit `at`): a block's bits into the frame's. */
export function orBitsAt(dst: Uint32Array, src: Uint32Array, at: number): void {
  const w0 = at >>> 5;
  const sh = at & 31;
  if (!sh) {
    for (let k = 0; k < src.length && w0 + k < dst.length; k++) dst[w0 + k] |= src[k];
    return;
  }
  for (let k = 0; k < src.length; k++) {
    const v = src[k];
    if (!v) continue;
    if (w0 + k < dst.length) dst[w0 + k] |= v << sh;
    if (w0 + k + 1 < dst.length) dst[w0 + k + 1] |= v >>> (32 - sh);
  }
}
