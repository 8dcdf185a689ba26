// Column-at-a-time implementations of the ARL functions, series-aware and causal.
// Numbers: Float64Array with NaN for missing. Conditions: Uint8Array, 0 false, 1 true, 2 unknown
// (a comparison with a missing value); unknown never fires and `not unknown` stays unknown.
import { acrossKernels } from './across';
import { expandingBaseline, expandingCount, expandingReduce, expandingSlope } from './expanding';
import { flagColumn, numberColumn, type ColumnPool } from './pool';
import { slidingRobustZ } from './robust';
import { sequenceKernels } from './sequences';

export interface Layout {
  seriesStart: Int32Array;
  length: number;
  /** A block's pool of output columns (evaluation by blocks): kernels that write every point take theirs from it. */
  pool?: ColumnPool;
}

export const FALSE = 0;
export const TRUE = 1;
export const UNKNOWN = 2;

export type Num = Float64Array;
export type Bool = Uint8Array;
export type Consts = Record<string, number>;


/** Points in the longest series: no window holds more, whatever its length. */
function longestSeries(L: Layout): number {
  let m = 0;
  for (let s = 0; s + 1 < L.seriesStart.length; s++) m = Math.max(m, L.seriesStart[s + 1] - L.seriesStart[s]);
  return m;
}

/** A number column missing everywhere, for kernels that write some points only. */
function nans(L: Layout): Float64Array {
  return numberColumn(L).fill(Number.NaN);
}

/**
 * An output column that its kernel writes at every point from `first` points into each series on:
 * the points before (the warm-up, where it is missing) are filled here. When they are most of the
 * column (a window as long as the series), the whole column is filled at once.
 */
function warmedUp(L: Layout, first: number): Float64Array {
  const out = numberColumn(L);
  const starts = L.seriesStart;
  const series = starts.length - 1;
  if (first <= 0) return out;
  if (first * series * 2 >= L.length) return out.fill(Number.NaN);
  for (let s = 0; s < series; s++) {
    const end = Math.min(starts[s] + first, starts[s + 1]);
    for (let i = starts[s]; i < end; i++) out[i] = Number.NaN;
  }
  return out;
}

/**
 * Reduces the present values of each window [j - w + 1, j], j = i - offset. With `minCount` the
 * window may be cut at the series start, and needs that many values present.
 */
function windowed(x: Num, L: Layout, w: number, offset: number, r: Reducer, q: number, minCount?: number): Num {
  if (w === Infinity) return expandingReduce(x, L, offset, r, q, minCount);
  const partial = minCount !== undefined;
  const first = (partial ? 0 : w - 1) + offset;
  const out = warmedUp(L, first);
  const buf = new Float64Array(Math.min(w, longestSeries(L)));
  const starts = L.seriesStart;
  const need = Math.max(1, minCount ?? 1);
  if (w === 4 && r === 'median' && !partial) {
    median4(x, L, offset, out);
    return out;
  }
  for (let s = 0; s + 1 < starts.length; s++) {
    const a = starts[s];
    const b = starts[s + 1];
    for (let i = a + first; i < b; i++) {
      const j = i - offset;
      let n = 0;
      for (let t = Math.max(a, j - w + 1); t <= j; t++) {
        const v = x[t];
        if (v === v) buf[n++] = v;
      }
      if (n < need) {
        out[i] = Number.NaN;
        continue;
      }
      if (r === 'median' && n <= 4) {
        // Median of up to 4 values with min/max (no unpredictable branches), exactly as sorting would.
        const v0 = buf[0];
        if (n === 1) out[i] = v0;
        else if (n === 2) out[i] = (v0 + buf[1]) / 2;
        else if (n === 3) {
          const v1 = buf[1];
          out[i] = Math.max(Math.min(v0, v1), Math.min(Math.max(v0, v1), buf[2]));
        } else {
          const v1 = buf[1];
          const v2 = buf[2];
          const v3 = buf[3];
          out[i] = (Math.max(Math.min(v0, v1), Math.min(v2, v3)) + Math.min(Math.max(v0, v1), Math.max(v2, v3))) / 2;
        }
      } else if (r === 'median' && n <= 8) {
        // The common short median, sorted in place without a call.
        for (let p = 1; p < n; p++) {
          const key = buf[p];
          let k = p - 1;
          while (k >= 0 && buf[k] > key) buf[k + 1] = buf[k--];
          buf[k + 1] = key;
        }
        out[i] = n & 1 ? buf[n >> 1] : (buf[(n >> 1) - 1] + buf[n >> 1]) / 2;
      } else out[i] = reduce(r, buf, n, q);
    }
  }
  return out;
}

/**
 * The median of full windows of 4 (a month of weeks), the most common window, in a loop of its
 * own: a series without a missing value or a -0 (almost all) in a loop without a branch on the
 * values (medianOf4), any other as the general loop gives it (medianOf4Any). Each loop is a
 * function of its own, so the common one is compiled for what it sees every time: a branch that
 * only rare series take would leave optimised code without type feedback for it.
 */
function median4(x: Num, L: Layout, offset: number, out: Num): void {
  const starts = L.seriesStart;
  for (let s = 0; s + 1 < starts.length; s++) {
    const a = starts[s];
    const b = starts[s + 1];
    if (b - a <= 3 + offset) continue;
    if (!medianOf4(x, a + 3, b - offset, offset, out)) medianOf4Any(x, a, b, offset, out);
  }
}

/**
 * Medians of the windows ending at j in [from, to), written at j + offset, each value read once
 * and compared once with the one before it. The smaller and the larger of the last two values are
 * kept (their places and values), and those of the two before them; of two values the smaller or
 * the larger is read at a place computed from the comparison's 0 or 1: no jump depends on the
 * values (a conditional expression on numbers compiles to one, and on noisy data it goes the wrong
 * way half the time; Math.min and max branch too). Of two equal values this picks the first, as
 * sorting would. Returns whether every value read was present and none a -0; where one was not,
 * what it wrote is not the median, and the series is done again by medianOf4Any.
 */
function medianOf4(x: Num, from: number, to: number, offset: number, out: Num): boolean {
  // The pair (from - 3, from - 2): where its smaller and larger values are, and the values.
  let c = +(x[from - 2] < x[from - 3]);
  let lo0 = from - 3 + c;
  let hi0 = from - 2 - c;
  let min0 = x[lo0];
  let max0 = x[hi0];
  // The pair (from - 2, from - 1).
  c = +(x[from - 1] < x[from - 2]);
  let lo1 = from - 2 + c;
  let hi1 = from - 1 - c;
  let min1 = x[lo1];
  let max1 = x[hi1];
  let before = x[from - 1];
  let bad = 0;
  for (let j = from - 3; j < from; j++) bad |= odd(x[j]);
  for (let j = from; j < to; j++) {
    const v = x[j];
    bad |= odd(v);
    // The pair (j - 1, j).
    const c2 = +(v < before);
    const lo2 = j - 1 + c2;
    const hi2 = j - c2;
    const min2 = x[lo2];
    const max2 = x[hi2];
    // The larger of the two smaller ones and the smaller of the two larger ones (pairs j - 3 and j - 1).
    const lo = lo0 + (lo2 - lo0) * +(min0 < min2);
    const hi = hi0 + (hi2 - hi0) * +(max2 < max0);
    out[j + offset] = (x[lo] + x[hi]) / 2;
    lo0 = lo1;
    hi0 = hi1;
    min0 = min1;
    max0 = max1;
    lo1 = lo2;
    hi1 = hi2;
    min1 = min2;
    max1 = max2;
    before = v;
  }
  return bad === 0;
}

/** 1 where v is missing or -0, else 0, without a branch. */
function odd(v: number): number {
  return +(v !== v) | +Object.is(v, -0);
}

/** medianOf4 over a series [a, b) with missing values or a -0: the median of the values present, -0 as Math.min and max order it. */
function medianOf4Any(x: Num, a: number, b: number, offset: number, out: Num): void {
  const buf = new Float64Array(4);
  for (let i = a + 3 + offset; i < b; i++) {
    const j = i - offset;
    let n = 0;
    for (let k = j - 3; k <= j; k++) if (x[k] === x[k]) buf[n++] = x[k];
    const [v0, v1, v2, v3] = buf;
    out[i] =
      n === 0
        ? Number.NaN
        : n === 1
          ? v0
          : n === 2
            ? (v0 + v1) / 2
            : n === 3
              ? Math.max(Math.min(v0, v1), Math.min(Math.max(v0, v1), v2))
              : (Math.max(Math.min(v0, v1), Math.min(v2, v3)) + Math.min(Math.max(v0, v1), Math.max(v2, v3))) / 2;
  }
}

export function sumOf(buf: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += buf[i];
  return s;
}

export function meanOf(buf: Float64Array, n: number): number {
  return sumOf(buf, n) / n;
}

/** Sample standard deviation; NaN below two values. */
export function stdOf(buf: Float64Array, n: number): number {
  if (n < 2) return Number.NaN;
  const m = meanOf(buf, n);
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (buf[i] - m) * (buf[i] - m);
  return Math.sqrt(ss / (n - 1));
}

/** The k-th smallest (0-based) of buf[0..n), reordering buf (quickselect). */
function select(buf: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = buf[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (buf[i] < pivot) i++;
      while (buf[j] > pivot) j--;
      if (i <= j) {
        const t = buf[i];
        buf[i] = buf[j];
        buf[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return buf[k];
  }
  return buf[k];
}

/** Linear-interpolation quantile (numpy's default). */
export function quantileOf(buf: Float64Array, n: number, q: number): number {
  const pos = q * (n - 1);
  const lo = Math.floor(pos);
  if (n <= 24) {
    // Short windows (the common case): insertion sort beats selection.
    for (let i = 1; i < n; i++) {
      const key = buf[i];
      let j = i - 1;
      while (j >= 0 && buf[j] > key) buf[j + 1] = buf[j--];
      buf[j + 1] = key;
    }
    return pos === lo ? buf[lo] : buf[lo] + (buf[lo + 1] - buf[lo]) * (pos - lo);
  }
  const vlo = select(buf, n, lo);
  if (pos === lo) return vlo;
  // After select, the next order statistic is the smallest value right of lo.
  let vhi = Infinity;
  for (let i = lo + 1; i < n; i++) if (buf[i] < vhi) vhi = buf[i];
  return vlo + (vhi - vlo) * (pos - lo);
}

function slopeOf(x: Num, j0: number, j1: number): number {
  let n = 0;
  let st = 0;
  let sv = 0;
  for (let t = j0; t <= j1; t++) {
    const v = x[t];
    if (v === v) {
      n++;
      st += t - j0;
      sv += v;
    }
  }
  if (n < 2) return Number.NaN;
  const mt = st / n;
  const mv = sv / n;
  let num = 0;
  let den = 0;
  for (let t = j0; t <= j1; t++) {
    const v = x[t];
    if (v === v) {
      num += (t - j0 - mt) * (v - mv);
      den += (t - j0 - mt) * (t - j0 - mt);
    }
  }
  return num / den;
}

/** Value `k` points back in the same series. */
export function lag(x: Num, L: Layout, k: number): Num {
  const out = numberColumn(L);
  const n = L.length;
  const starts = L.seriesStart;
  // The whole column shifted by k, then each series' first k points missing.
  if (k < n) out.set(x.subarray(0, n - k), k);
  for (let s = 0; s + 1 < starts.length; s++) {
    const end = Math.min(starts[s] + k, starts[s + 1]);
    for (let i = starts[s]; i < end; i++) out[i] = Number.NaN;
  }
  return out;
}

/**
 * How many points of each window a condition is true at; with `minCount`, a window cut at the
 * series start counts once it holds that many known points.
 */
function countBool(x: Bool, L: Layout, w: number, offset: number, minCount?: number): Num {
  if (w === Infinity) return expandingCount(x, L, offset, minCount, true);
  const out = nans(L);
  const partial = minCount !== undefined;
  for (let s = 0; s + 1 < L.seriesStart.length; s++) {
    const a = L.seriesStart[s];
    const b = L.seriesStart[s + 1];
    for (let i = a + (partial ? 0 : w - 1) + offset; i < b; i++) {
      let c = 0;
      let known = 0;
      for (let t = Math.max(a, i - offset - w + 1); t <= i - offset; t++) {
        if (x[t] === TRUE) c++;
        if (x[t] !== UNKNOWN) known++;
      }
      if (!partial || known >= minCount) out[i] = c;
    }
  }
  return out;
}

/** How many values of each window are present. */
function countPresent(x: Num, L: Layout, w: number, offset: number, minCount?: number): Num {
  if (w === Infinity) return expandingCount(x, L, offset, minCount, false);
  const out = nans(L);
  const partial = minCount !== undefined;
  for (let s = 0; s + 1 < L.seriesStart.length; s++) {
    const a = L.seriesStart[s];
    const b = L.seriesStart[s + 1];
    for (let i = a + (partial ? 0 : w - 1) + offset; i < b; i++) {
      let n = 0;
      for (let t = Math.max(a, i - offset - w + 1); t <= i - offset; t++) if (x[t] === x[t]) n++;
      if (!partial || n >= minCount) out[i] = n;
    }
  }
  return out;
}

/** The smallest spread a baseline divides by: 1e-3 of the mean absolute value of its values, at least 1e-9. */
export const spreadFloorRelative = 1e-3;
export const spreadFloorAbsolute = 1e-9;

export function spreadFloor(meanAbs: number): number {
  return Math.max(spreadFloorRelative * meanAbs, spreadFloorAbsolute);
}

export type BaselineKind = 'zscore' | 'robust_z' | 'rank';

/**
 * Now compared with the w points before it: (x - centre) / spread for zscore and robust_z (the
 * spread floored, see spreadFloor), or the share of them below now for rank.
 */
function baseline(x: Num, L: Layout, w: number, offset: number, kind: BaselineKind, minCount?: number): Num {
  if (w === Infinity) return expandingBaseline(x, L, offset, kind, minCount);
  const partial = minCount !== undefined;
  const first = (partial ? 0 : w) + offset;
  const out = warmedUp(L, first);
  const buf = new Float64Array(Math.min(w, longestSeries(L)));
  const need = Math.max(minCount ?? 0, kind === 'rank' ? 1 : 2);
  if (kind === 'zscore' && !partial && w >= 2) {
    zscoreFull(x, L, w, offset, out, buf);
    return out;
  }
  for (let s = 0; s + 1 < L.seriesStart.length; s++) {
    const a = L.seriesStart[s];
    const b = L.seriesStart[s + 1];
    for (let i = a + first; i < b; i++) out[i] = baselineAt(x, a, i - offset, w, kind, need, buf);
  }
  return out;
}

/** baseline at one point: x[j] against the values present in x[max(a, j - w) .. j), gathered into buf. */
function baselineAt(x: Num, a: number, j: number, w: number, kind: BaselineKind, need: number, buf: Float64Array): number {
  const cur = x[j];
  if (cur !== cur) return Number.NaN;
  let n = 0;
  let abs = 0;
  // The sum in the order meanOf adds (so the same number), while the values are gathered.
  let sum = 0;
  for (let t = Math.max(a, j - w); t < j; t++) {
    const v = x[t];
    if (v === v) {
      buf[n++] = v;
      abs += Math.abs(v);
      sum += v;
    }
  }
  if (n < need) return Number.NaN;
  if (kind === 'rank') return rankIn(buf, n, cur);
  let centre: number;
  let spread: number;
  if (kind === 'robust_z') {
    centre = quantileOf(buf, n, 0.5);
    for (let t = 0; t < n; t++) buf[t] = Math.abs(buf[t] - centre);
    spread = 1.4826 * quantileOf(buf, n, 0.5);
    // More than half the window at the median: the mean absolute deviation instead.
    if (spread === 0) spread = 1.2533 * meanOf(buf, n);
  } else {
    // meanOf and stdOf, with the sum already made.
    centre = sum / n;
    let ss = 0;
    for (let t = 0; t < n; t++) ss += (buf[t] - centre) * (buf[t] - centre);
    spread = Math.sqrt(ss / (n - 1));
  }
  return (cur - centre) / Math.max(spread, spreadFloor(abs / n));
}

/**
 * zscore over full windows of w >= 2 points, as baselineAt gives it. Each window's sum (and sum of
 * absolute values) is made in the loop that sums the previous window's squares: the two chains of
 * additions, each waiting on its last one, then run side by side (about half the time). Each chain
 * adds in baselineAt's order, so the numbers are the same. A window with a missing value (its sum
 * of absolute values is then missing) is left to baselineAt.
 */
function zscoreFull(x: Num, L: Layout, w: number, offset: number, out: Num, buf: Float64Array): void {
  const starts = L.seriesStart;
  // The points written, in order, then the last one again: that turn sums the squares of the
  // last window. No code runs after the loop: compiled while it runs (on a first block), the loop
  // would lack type feedback for such code, and every later call would leave the compiled code there.
  let count = 0;
  for (let s = 0; s + 1 < starts.length; s++) count += Math.max(0, starts[s + 1] - starts[s] - w - offset);
  if (count === 0) return;
  const points = new Int32Array(count + 1);
  for (let s = 0, k = 0; s + 1 < starts.length; s++) for (let i = starts[s] + w + offset; i < starts[s + 1]; i++) points[k++] = i;
  points[count] = points[count - 1];
  // The point whose squares are still to sum (-1: none), its window's first point, centre and mean absolute value.
  let at = -1;
  let from0 = 0;
  let centre = 0;
  let meanAbs = 0;
  for (let k = 0; k <= count; k++) {
    const i = points[k];
    const from = i - offset - w;
    let sum = 0;
    let abs = 0;
    if (at >= 0) {
      let ss = 0;
      for (let t = 0; t < w; t++) {
        const v = x[from + t];
        sum += v;
        abs += Math.abs(v);
        const d = x[from0 + t] - centre;
        ss += d * d;
      }
      out[at] = (x[at - offset] - centre) / Math.max(Math.sqrt(ss / (w - 1)), spreadFloor(meanAbs));
    } else {
      for (let t = 0; t < w; t++) {
        const v = x[from + t];
        sum += v;
        abs += Math.abs(v);
      }
    }
    if (abs !== abs) {
      out[i] = baselineAt(x, from, i - offset, w, 'zscore', 2, buf);
      at = -1;
    } else {
      at = i;
      from0 = from;
      centre = sum / w;
      meanAbs = abs / w;
    }
  }
}

/** Share of buf[0..n) below v, ties counting half. */
function rankIn(buf: Float64Array, n: number, v: number): number {
  let below = 0;
  let equal = 0;
  for (let t = 0; t < n; t++) {
    if (buf[t] < v) below++;
    else if (buf[t] === v) equal++;
  }
  return (below + 0.5 * equal) / n;
}

function ewma(x: Num, L: Layout, w: number, offset: number): Num {
  const r = nans(L);
  const alpha = 2 / (w + 1);
  for (let s = 0; s + 1 < L.seriesStart.length; s++) {
    const a = L.seriesStart[s];
    const b = L.seriesStart[s + 1];
    let e = Number.NaN;
    for (let j = a; j < b; j++) {
      const v = x[j];
      if (v === v) e = e === e ? alpha * v + (1 - alpha) * e : v;
      if (j - a + 1 >= w) r[j] = e;
    }
  }
  return offset ? lag(r, L, offset) : r;
}

/** Kleene `and` of the conditions at i, i-1, ..., i-k+1 (`step` compares consecutive points). */
function run(L: Layout, k: number, first: number, at: (i: number) => number): Bool {
  const out = flagColumn(L).fill(UNKNOWN);
  for (let s = 0; s + 1 < L.seriesStart.length; s++) {
    const a = L.seriesStart[s];
    const b = L.seriesStart[s + 1];
    for (let i = a + first; i < b; i++) {
      let v = TRUE;
      for (let j = 0; j < k && v !== FALSE; j++) {
        const c = at(i - j);
        if (c === FALSE) v = FALSE;
        else if (c === UNKNOWN) v = UNKNOWN;
      }
      out[i] = v;
    }
  }
  return out;
}

/**
 * trend's loop of bits over a series [a, b) with every value present (almost all): each value read
 * once, only the false steps kept (a step is false where it is not true, missing values aside).
 * Returns whether every value was present; where one was not, what it wrote is not the trend, and
 * the series is done again by the loop that keeps unknown steps too.
 */
function trendPresent(x: Num, a: number, b: number, k: number, mask: number, sign: number, out: Bool): boolean {
  let before = sign * x[a];
  let missing = +(before !== before);
  let falses = 0;
  for (let i = a + 1, e = Math.min(a + k, b); i < e; i++) {
    const now = sign * x[i];
    missing |= +(now !== now);
    falses = ((falses << 1) | +(now <= before)) & mask;
    before = now;
  }
  for (let i = a + k; i < b; i++) {
    const now = sign * x[i];
    missing |= +(now !== now);
    falses = ((falses << 1) | +(now <= before)) & mask;
    out[i] = +(falses === 0);
    before = now;
  }
  return missing === 0;
}

/** Kleene `and` / `or` of x and y, read at [x * 3 + y]. */
export const AND3 = new Uint8Array([FALSE, FALSE, FALSE, FALSE, TRUE, UNKNOWN, FALSE, UNKNOWN, UNKNOWN]);
export const OR3 = new Uint8Array([FALSE, TRUE, UNKNOWN, TRUE, TRUE, TRUE, UNKNOWN, TRUE, UNKNOWN]);

/**
 * Rose (or fell) at each of the last k steps, in one pass: a window of steps is false when a false
 * step lies in it, else unknown when a step with a missing value does, else true. Up to 30 steps
 * the last k steps are kept as bits (false ones, unknown ones), so no jump depends on the values.
 */
function trend(x: Num, L: Layout, k: number, up: boolean): Bool {
  const out = flagColumn(L);
  const starts = L.seriesStart;
  const bits = k <= 30;
  const mask = bits ? (1 << k) - 1 : 0;
  const sign = up ? 1 : -1;
  for (let s = 0; s + 1 < starts.length; s++) {
    const a = starts[s];
    const b = starts[s + 1];
    for (let i = a, e = Math.min(a + k, b); i < e; i++) out[i] = UNKNOWN;
    if (bits && trendPresent(x, a, b, k, mask, sign, out)) continue;
    if (bits) {
      let falses = 0;
      let unknowns = 0;
      for (let i = a + 1; i < b; i++) {
        const now = sign * x[i];
        const before = sign * x[i - 1];
        // A missing value makes `now > before` false: such a step is unknown, not false.
        const unknown = +(now !== now) | +(before !== before);
        falses = ((falses << 1) | ((+(now > before) | unknown) ^ 1)) & mask;
        unknowns = ((unknowns << 1) | unknown) & mask;
        if (i >= a + k) out[i] = +(falses === 0) * (1 + +(unknowns !== 0));
      }
      continue;
    }
    // The last step (by the point it ends at) that was false, and that was unknown.
    let lastFalse = -1;
    let lastUnknown = -1;
    for (let i = a + 1; i < b; i++) {
      const now = x[i];
      const before = x[i - 1];
      if (now !== now || before !== before) lastUnknown = i;
      else if (up ? !(now > before) : !(now < before)) lastFalse = i;
      if (i >= a + k) out[i] = lastFalse > i - k ? FALSE : lastUnknown > i - k ? UNKNOWN : TRUE;
    }
  }
  return out;
}

function pointwise(x: Num, f: (v: number) => number): Num {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = f(x[i]);
  return out;
}

/** Missing for inputs outside the domain. */
const guarded = (f: (v: number) => number, ok: (v: number) => boolean) => (v: number) => (ok(v) ? f(v) : Number.NaN);

type Kernel = (args: (Num | Bool)[], c: Consts, L: Layout) => Num | Bool;

type Reducer = 'mean' | 'sum' | 'median' | 'quantile' | 'min' | 'max' | 'std' | 'zero_rate';

/** One switch instead of a callback per window keeps the hot loop monomorphic. */
function reduce(r: Reducer, buf: Float64Array, n: number, q: number): number {
  switch (r) {
    case 'mean':
      return meanOf(buf, n);
    case 'sum':
      return sumOf(buf, n);
    case 'median':
      return quantileOf(buf, n, 0.5);
    case 'quantile':
      return quantileOf(buf, n, q);
    case 'min': {
      let m = buf[0];
      for (let i = 1; i < n; i++) if (buf[i] < m) m = buf[i];
      return m;
    }
    case 'max': {
      let m = buf[0];
      for (let i = 1; i < n; i++) if (buf[i] > m) m = buf[i];
      return m;
    }
    case 'std':
      return stdOf(buf, n);
    case 'zero_rate': {
      let z = 0;
      for (let i = 0; i < n; i++) if (buf[i] === 0) z++;
      return z / n;
    }
  }
}

const win = (r: Reducer): Kernel => (args, c, L) => windowed(args[0] as Num, L, c.w, c.offset, r, c.q ?? 0.5, c.min_count);

export const kernels: Record<string, Kernel> = {
  lag: ([x], c, L) => lag(x as Num, L, c.k),
  diff: ([x], c, L) => {
    const p = lag(x as Num, L, c.k);
    const xs = x as Num;
    for (let i = 0; i < p.length; i++) p[i] = xs[i] - p[i];
    return p;
  },
  pct_change: ([x], c, L) => {
    const p = lag(x as Num, L, c.k);
    const xs = x as Num;
    for (let i = 0; i < p.length; i++) p[i] = p[i] === 0 ? Number.NaN : (xs[i] - p[i]) / p[i];
    return p;
  },
  mean: win('mean'),
  sum: win('sum'),
  median: win('median'),
  quantile: win('quantile'),
  min: win('min'),
  max: win('max'),
  std: win('std'),
  zero_rate: win('zero_rate'),
  count: ([x], c, L) => (x instanceof Uint8Array ? countBool(x, L, c.w, c.offset, c.min_count) : countPresent(x as Num, L, c.w, c.offset, c.min_count)),
  slope: ([x], c, L) => {
    if (c.w === Infinity) return expandingSlope(x as Num, L, c.offset, c.min_count);
    const out = nans(L);
    const partial = c.min_count !== undefined;
    for (let s = 0; s + 1 < L.seriesStart.length; s++) {
      const a = L.seriesStart[s];
      const b = L.seriesStart[s + 1];
      for (let i = a + (partial ? 0 : c.w - 1) + c.offset; i < b; i++) {
        const j0 = Math.max(a, i - c.offset - c.w + 1);
        if (partial && present(x as Num, j0, i - c.offset) < c.min_count) continue;
        out[i] = slopeOf(x as Num, j0, i - c.offset);
      }
    }
    return out;
  },
  ewma: ([x], c, L) => ewma(x as Num, L, c.w, c.offset),
  zscore: ([x], c, L) => baseline(x as Num, L, c.w, c.offset, 'zscore', c.min_count),
  robust_z: ([x], c, L) => slidingRobustZ(x as Num, L, c.w, c.offset, longestSeries(L), c.min_count),
  rank: ([x], c, L) => baseline(x as Num, L, c.w, c.offset, 'rank', c.min_count),
  ...sequenceKernels,
  ...acrossKernels,
  rising: ([x], c, L) => trend(x as Num, L, c.k, true),
  falling: ([x], c, L) => trend(x as Num, L, c.k, false),
  persist: ([x], c, L) => run(L, c.k, c.k - 1, (i) => (x as Bool)[i]),
  abs: ([x]) => pointwise(x as Num, Math.abs),
  log1p: ([x]) => pointwise(x as Num, guarded(Math.log1p, (v) => v > -1)),
  sqrt: ([x]) => pointwise(x as Num, guarded(Math.sqrt, (v) => v >= 0)),
  log: ([x]) => pointwise(x as Num, guarded(Math.log, (v) => v > 0)),
  least: (args) => extreme(args as Num[], Math.min),
  greatest: (args) => extreme(args as Num[], Math.max),
  coalesce: ([x, d]) => {
    const xs = x as Num;
    const ds = d as Num;
    const out = new Float64Array(xs.length);
    for (let i = 0; i < xs.length; i++) out[i] = xs[i] === xs[i] ? xs[i] : ds[i];
    return out;
  },
  is_missing: ([x]) => {
    const xs = x as Num;
    const out = new Uint8Array(xs.length);
    for (let i = 0; i < xs.length; i++) out[i] = xs[i] === xs[i] ? FALSE : TRUE;
    return out;
  },
};

/** Values present in x[j0..j1]. */
function present(x: Num, j0: number, j1: number): number {
  let n = 0;
  for (let t = j0; t <= j1; t++) if (x[t] === x[t]) n++;
  return n;
}

/** Point-by-point min or max; missing if any argument is. */
function extreme(args: Num[], f: (a: number, b: number) => number): Num {
  const out = Float64Array.from(args[0]);
  for (let k = 1; k < args.length; k++) {
    const y = args[k];
    for (let i = 0; i < out.length; i++) out[i] = f(out[i], y[i]);
  }
  return out;
}
