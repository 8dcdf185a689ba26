// Windows of `all`: every point of the series up to the window's end, in one pass per series
// (running sums; a Fenwick tree over the series' sorted values for medians, quantiles and ranks).
import { spreadFloor, TRUE, UNKNOWN, type BaselineKind, type Bool, type Layout, type Num } from './kernels';

type Reducer = 'mean' | 'sum' | 'median' | 'quantile' | 'min' | 'max' | 'std' | 'zero_rate';

function nans(n: number): Float64Array {
  return new Float64Array(n).fill(Number.NaN);
}

/** r[j] computed for every j, read `offset` points later in the same series. */
function shifted(r: Num, L: Layout, offset: number): Num {
  if (!offset) return r;
  const out = nans(L.length);
  for (let s = 0; s + 1 < L.seriesStart.length; s++) {
    for (let i = L.seriesStart[s] + offset; i < L.seriesStart[s + 1]; i++) out[i] = r[i - offset];
  }
  return out;
}

/** Counts of a series' values by rank: the k-th smallest and how many lie below a value. */
export class OrderStats {
  private readonly tree: Int32Array;
  private readonly top: number;
  /** Distinct values, ascending. */
  readonly sorted: Float64Array;
  size = 0;

  constructor(values: ArrayLike<number>) {
    const present = Float64Array.from(values).filter((v) => v === v).sort();
    let m = 0;
    for (let i = 0; i < present.length; i++) if (i === 0 || present[i] !== present[m - 1]) present[m++] = present[i];
    this.sorted = present.subarray(0, m);
    this.tree = new Int32Array(m + 1);
    let top = 1;
    while (top * 2 <= m) top *= 2;
    this.top = top;
  }

  /** Index of v among the distinct values (v must be one of them). */
  rankOf(v: number): number {
    let lo = 0;
    let hi = this.sorted.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.sorted[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  add(v: number): void {
    for (let i = this.rankOf(v) + 1; i < this.tree.length; i += i & -i) this.tree[i]++;
    this.size++;
  }

  /** How many values added have a rank below r. */
  below(r: number): number {
    let c = 0;
    for (let i = r; i > 0; i -= i & -i) c += this.tree[i];
    return c;
  }

  /** The k-th smallest value added (0-based). */
  kth(k: number): number {
    let pos = 0;
    let rem = k + 1;
    for (let step = this.top; step > 0; step >>= 1) {
      if (pos + step < this.tree.length && this.tree[pos + step] < rem) {
        pos += step;
        rem -= this.tree[pos];
      }
    }
    return this.sorted[pos];
  }

  /** Linear-interpolation quantile of the values added, as kernels.quantileOf computes it. */
  quantile(q: number): number {
    const pos = q * (this.size - 1);
    const lo = Math.floor(pos);
    const v = this.kth(lo);
    return pos === lo ? v : v + (this.kth(lo + 1) - v) * (pos - lo);
  }
}

/** mean, sum, min, max, std, zero_rate, median, quantile of [series start, j]. */
export function expandingReduce(x: Num, L: Layout, offset: number, r: Reducer, q: number, minCount?: number): Num {
  const out = nans(L.length);
  const need = Math.max(1, minCount ?? 1);
  for (let s = 0; s + 1 < L.seriesStart.length; s++) {
    const a = L.seriesStart[s];
    const b = L.seriesStart[s + 1];
    const order = r === 'median' || r === 'quantile' ? new OrderStats(x.subarray(a, b)) : undefined;
    let n = 0;
    let sum = 0;
    let mean = 0;
    let m2 = 0;
    let min = Infinity;
    let max = -Infinity;
    let zeros = 0;
    for (let j = a; j < b; j++) {
      const v = x[j];
      if (v === v) {
        n++;
        sum += v;
        // Welford's update: a stable running variance.
        const d = v - mean;
        mean += d / n;
        m2 += d * (v - mean);
        if (v < min) min = v;
        if (v > max) max = v;
        if (v === 0) zeros++;
        order?.add(v);
      }
      if (n < need) continue;
      switch (r) {
        case 'mean':
          out[j] = sum / n;
          break;
        case 'sum':
          out[j] = sum;
          break;
        case 'min':
          out[j] = min;
          break;
        case 'max':
          out[j] = max;
          break;
        case 'std':
          out[j] = n < 2 ? Number.NaN : Math.sqrt(m2 / (n - 1));
          break;
        case 'zero_rate':
          out[j] = zeros / n;
          break;
        case 'median':
          out[j] = order!.quantile(0.5);
          break;
        case 'quantile':
          out[j] = order!.quantile(q);
          break;
      }
    }
  }
  return shifted(out, L, offset);
}

/** count(x, all): trues of a condition, or values present; from `minCount` known points. */
export function expandingCount(x: Num | Bool, L: Layout, offset: number, minCount: number | undefined, condition: boolean): Num {
  const out = nans(L.length);
  const need = minCount ?? 0;
  for (let s = 0; s + 1 < L.seriesStart.length; s++) {
    let c = 0;
    let known = 0;
    for (let j = L.seriesStart[s]; j < L.seriesStart[s + 1]; j++) {
      const v = x[j];
      if (condition) {
        if (v === TRUE) c++;
        if (v !== UNKNOWN) known++;
      } else if (v === v) {
        c++;
        known++;
      }
      if (known >= need) out[j] = c;
    }
  }
  return shifted(out, L, offset);
}

/** slope(x, all): least squares over [series start, j], from running sums. */
export function expandingSlope(x: Num, L: Layout, offset: number, minCount?: number): Num {
  const out = nans(L.length);
  const need = Math.max(2, minCount ?? 2);
  for (let s = 0; s + 1 < L.seriesStart.length; s++) {
    const a = L.seriesStart[s];
    let n = 0;
    let mt = 0;
    let mv = 0;
    let ctt = 0;
    let ctv = 0;
    for (let j = a; j < L.seriesStart[s + 1]; j++) {
      const v = x[j];
      if (v === v) {
        // Running co-moments (Welford), stable for long series.
        n++;
        const t = j - a;
        const dt = t - mt;
        mt += dt / n;
        mv += (v - mv) / n;
        ctt += dt * (t - mt);
        ctv += dt * (v - mv);
      }
      if (n >= need) out[j] = ctv / ctt;
    }
  }
  return shifted(out, L, offset);
}

/** zscore(x, all) and rank(x, all): now against every point of the series before it. */
export function expandingBaseline(x: Num, L: Layout, offset: number, kind: BaselineKind, minCount?: number): Num {
  const out = nans(L.length);
  const need = Math.max(minCount ?? 0, kind === 'rank' ? 1 : 2);
  for (let s = 0; s + 1 < L.seriesStart.length; s++) {
    const a = L.seriesStart[s];
    const b = L.seriesStart[s + 1];
    const order = kind === 'rank' ? new OrderStats(x.subarray(a, b)) : undefined;
    let n = 0;
    let mean = 0;
    let m2 = 0;
    let abs = 0;
    for (let j = a; j < b; j++) {
      const v = x[j];
      if (v !== v) continue;
      if (n >= need) {
        if (order) {
          const r = order.rankOf(v);
          const below = order.below(r);
          out[j] = (below + 0.5 * (order.below(r + 1) - below)) / n;
        } else out[j] = (v - mean) / Math.max(Math.sqrt(m2 / (n - 1)), spreadFloor(abs / n));
      }
      n++;
      const d = v - mean;
      mean += d / n;
      m2 += d * (v - mean);
      abs += Math.abs(v);
      order?.add(v);
    }
  }
  return shifted(out, L, offset);
}
