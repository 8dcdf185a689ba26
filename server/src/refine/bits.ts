// Bit sets over the points of a frame (bit i = point i), for searches that combine thousands of
// conditions: `and`, `or` and scoring cost a pass over n / 32 words. BitScorer gives the value of
// the objective of engine/events.ts for a bit set of flags, exactly as objectiveScore does for the
// same flags as bytes (a test holds them equal), without unpacking the bits: point counts and the
// event precision are popcounts, event recall a look into each event's window.
import { ANOMALY, NORMAL, objectiveScore, type EventIndex, type Objective } from '../engine/events';
import { TRUE } from '../engine/kernels';

export type Bits = Uint32Array<ArrayBuffer>;

export function wordsFor(n: number): number {
  return (n + 31) >>> 5;
}

/** Points where a condition column is true (unknown and false are not). */
export function bitsOfBool(b: Uint8Array): Bits {
  const out = new Uint32Array(wordsFor(b.length));
  for (let i = 0; i < b.length; i++) if (b[i] === TRUE) out[i >>> 5] |= 1 << (i & 31);
  return out;
}

/** Points where a predicate of the index holds. */
export function bitsWhere(n: number, f: (i: number) => boolean): Bits {
  const out = new Uint32Array(wordsFor(n));
  for (let i = 0; i < n; i++) if (f(i)) out[i >>> 5] |= 1 << (i & 31);
  return out;
}

export function and(a: Bits, b: Bits, out: Bits = new Uint32Array(a.length)): Bits {
  for (let w = 0; w < a.length; w++) out[w] = a[w] & b[w];
  return out;
}

export function or(a: Bits, b: Bits, out: Bits = new Uint32Array(a.length)): Bits {
  for (let w = 0; w < a.length; w++) out[w] = a[w] | b[w];
  return out;
}

/** a and not b. */
export function andNot(a: Bits, b: Bits, out: Bits = new Uint32Array(a.length)): Bits {
  for (let w = 0; w < a.length; w++) out[w] = a[w] & ~b[w];
  return out;
}

export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

export function count(a: Bits): number {
  let c = 0;
  for (let w = 0; w < a.length; w++) if (a[w]) c += popcount32(a[w]);
  return c;
}

/** Points set in both. */
export function countAnd(a: Bits, b: Bits): number {
  let c = 0;
  for (let w = 0; w < a.length; w++) {
    const x = a[w] & b[w];
    if (x) c += popcount32(x);
  }
  return c;
}

export function has(a: Bits, i: number): boolean {
  return (a[i >>> 5] & (1 << (i & 31))) !== 0;
}

/** Bytes (1 flagged, 0 not) of a bit set, as the engine's scoring reads flags. */
export function bytesOf(a: Bits, n: number, out = new Uint8Array(n)): Uint8Array {
  for (let i = 0; i < n; i++) out[i] = (a[i >>> 5] >>> (i & 31)) & 1;
  return out;
}

/**
 * `count(c, w) >= 1` of a condition's true points, as the engine computes it: true where c held
 * within the last w points of the series (now included), from the w-th point of each series on
 * (before that the window is not full and the count is missing).
 */
export function hold(a: Bits, w: number, seriesStart: Int32Array): Bits {
  const out = new Uint32Array(a.length);
  for (let s = 0; s + 1 < seriesStart.length; s++) {
    let last = -Infinity;
    const first = seriesStart[s] + w - 1;
    for (let i = seriesStart[s]; i < seriesStart[s + 1]; i++) {
      if ((a[i >>> 5] >>> (i & 31)) & 1) last = i;
      if (i >= first && i - last < w) out[i >>> 5] |= 1 << (i & 31);
    }
  }
  return out;
}

/** The objective of a bit set of flags on one split, as objectiveScore computes it. */
export class BitScorer {
  readonly words: number;
  /** Labelled anomalies and labelled normal points of the split. */
  readonly anomalies: Bits;
  readonly normals: Bits;
  /** Points of the split inside an event's window, and labelled normal points outside every window. */
  private readonly near: Bits;
  private readonly outside: Bits;

  constructor(
    readonly objective: Objective,
    readonly idx: EventIndex,
  ) {
    const n = idx.n;
    this.words = wordsFor(n);
    this.anomalies = bitsWhere(n, (i) => idx.kind[i] === ANOMALY);
    this.normals = bitsWhere(n, (i) => idx.kind[i] === NORMAL);
    this.near = bitsWhere(n, (i) => idx.segmentOf[i] >= 0 && idx.near[i] === 1);
    this.outside = bitsWhere(n, (i) => idx.kind[i] === NORMAL && !idx.near[i]);
  }

  /** Labelled anomalies and normal points of the split that are flagged. */
  counts(flags: Bits): { tp: number; fp: number } {
    return { tp: countAnd(flags, this.anomalies), fp: countAnd(flags, this.normals) };
  }

  /** The objective's value (0 when undefined). */
  score(flags: Bits): number {
    if (this.objective.kind === 'point_f1') {
      const tp = countAnd(flags, this.anomalies);
      const fp = countAnd(flags, this.normals);
      const d = tp + fp + this.idx.anomalies;
      return d ? (2 * tp) / d : 0;
    }
    const inside = countAnd(flags, this.near);
    const judged = inside + countAnd(flags, this.outside);
    const events = this.idx.events.length >> 1;
    const p = judged ? inside / judged : Number.NaN;
    const r = events ? this.detected(flags) / events : Number.NaN;
    const beta = this.objective.kind === 'f_beta' ? this.objective.beta : 1;
    if (!(p > 0) || !(r > 0)) return 0;
    const b2 = beta * beta;
    return ((1 + b2) * p * r) / (b2 * p + r);
  }

  /** The same value through the engine's own function: for tests and checks. */
  reference(flags: Bits): number {
    return objectiveScore(this.objective, bytesOf(flags, this.idx.n), this.idx);
  }

  /** Events with a flagged point in their window. */
  private detected(flags: Bits): number {
    const { events, windows } = this.idx;
    let detected = 0;
    for (let e = 0; e < events.length; e += 2) if (anyIn(flags, windows[e], windows[e + 1])) detected++;
    return detected;
  }
}

/** Whether a bit is set in [from, to). */
export function anyIn(a: Bits, from: number, to: number): boolean {
  if (from >= to) return false;
  const wa = from >>> 5;
  const wb = (to - 1) >>> 5;
  const loMask = ~0 << (from & 31);
  const hiMask = ((to - 1) & 31) === 31 ? ~0 : (1 << (((to - 1) & 31) + 1)) - 1;
  if (wa === wb) return (a[wa] & loMask & hiMask) !== 0;
  if (a[wa] & loMask) return true;
  for (let w = wa + 1; w < wb; w++) if (a[w]) return true;
  return (a[wb] & hiMask) !== 0;
}
