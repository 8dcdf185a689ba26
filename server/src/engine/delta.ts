// A condition computed again with one threshold changed (`x >= 80` edited to `x >= 70`): its values
// can change only where x lies between the two thresholds. Those points are found in an index of
// x's values (buckets by value, built once per column), the loop runs at them only, and the rest
// is copied from the values before the edit. The same values as computing every point: the loop is
// element-wise and the constant is read by that one comparison alone.
import type { FusedLoop } from './fuse';
import type { PlanNode } from './plan';
import { flagsDerived } from './derive';
import { bitsFrom } from './points';

type Input = Float64Array | Uint8Array | number;

/** Most points recomputed, as a share of all: past it the whole loop is cheaper. */
const maxShare = 1 / 8;
/** Loops remembered by template. */
const maxRemembered = 512;

export class ThresholdDeltas {
  /** The last loop of each template: its root's key and its constants. */
  private readonly last = new Map<string, { key: string; consts: Input[] }>();
  /** Loops computed at some points only (for tests and benchmarks). */
  used = 0;

  /**
   * The values of `loop` (at `root`) for `inputs`, from the values of the same loop with another
   * threshold when `cached` still holds them; undefined when that does not apply.
   */
  values(root: PlanNode, loop: FusedLoop, inputs: Input[], n: number, cached: (key: string) => unknown): Uint8Array | undefined {
    const prev = this.last.get(loop.template);
    if (!prev || root.kind !== 'boolean' || prev.key === root.key) return undefined;
    const old = cached(prev.key);
    if (!(old instanceof Uint8Array) || old.length !== n) return undefined;
    // Exactly one constant differs, and it is a threshold: one comparison reads it, against a column.
    let j = -1;
    for (let k = 0; k < inputs.length; k++) {
      if (typeof inputs[k] !== 'number' || Object.is(inputs[k], prev.consts[k])) continue;
      if (j >= 0) return undefined;
      j = k;
    }
    if (j < 0) return undefined;
    const c = loop.leaves[j];
    const users = [...loop.region].filter((node) => node.args.includes(c));
    if (users.length !== 1 || users[0].op !== 'cmp') return undefined;
    const other = users[0].args[0] === c ? users[0].args[1] : users[0].args[0];
    const x = inputs[loop.leaves.indexOf(other)];
    const [a, b] = [prev.consts[j] as number, inputs[j] as number];
    if (!(x instanceof Float64Array) || a !== a || b !== b) return undefined;
    const points = indexOf(x).between(Math.min(a, b), Math.max(a, b), Math.floor(n * maxShare));
    if (!points) return undefined;
    // The loop at those points only: each leaf gathered there, the results put in place.
    const k = points.length;
    const gathered = inputs.map((v) => {
      if (typeof v === 'number') return v;
      const g = v instanceof Float64Array ? new Float64Array(k) : new Uint8Array(k);
      for (let t = 0; t < k; t++) g[t] = v[points[t]];
      return g;
    });
    const part = new Uint8Array(k);
    loop.run(k, gathered, part);
    const out = old.slice();
    for (let t = 0; t < k; t++) out[points[t]] = part[t];
    if (bitsFrom(out, old, points)) flagsDerived(out, old, points);
    this.used++;
    return out;
  }

  /** The loop just computed at `root`, for the next edit of one of its thresholds. */
  remember(root: PlanNode, loop: FusedLoop, inputs: Input[]): void {
    this.last.delete(loop.template);
    this.last.set(loop.template, { key: root.key, consts: inputs.map((v) => (typeof v === 'number' ? v : 0)) });
    if (this.last.size > maxRemembered) this.last.delete(this.last.keys().next().value!);
  }
}

/**
 * Points by value: equal buckets between two values of the column (its 1% and 99% quantiles, from
 * a sample) and one bucket on each side for the rest; each bucket lists its points in order.
 */
class ValueIndex {
  constructor(
    private readonly x: Float64Array,
    /** Bucket b + 1 holds values in [lo + b / scale, lo + (b + 1) / scale). */
    private readonly lo: number,
    private readonly scale: number,
    private readonly buckets: number,
    /** Points of bucket b: points[starts[b] .. starts[b + 1]). */
    private readonly starts: Int32Array,
    private readonly points: Int32Array,
  ) {}

  bucketOf(v: number): number {
    const b = Math.floor((v - this.lo) * this.scale);
    return b < 0 ? 0 : b >= this.buckets ? this.buckets + 1 : b + 1;
  }

  /** The points whose value lies in [lo, hi], or undefined past `most` of them. */
  between(lo: number, hi: number, most: number): Int32Array | undefined {
    const b0 = this.bucketOf(lo);
    const b1 = this.bucketOf(hi);
    const { x, points, starts } = this;
    if (starts[b1 + 1] - starts[b0] > most) return undefined;
    const out = new Int32Array(starts[b1 + 1] - starts[b0]);
    let n = 0;
    for (let b = b0; b <= b1; b++) {
      // A bucket strictly between the two holds values within [lo, hi] only (bucketOf never
      // decreases as the value grows): its points are taken without reading x.
      if (b > b0 && b < b1) {
        out.set(points.subarray(starts[b], starts[b + 1]), n);
        n += starts[b + 1] - starts[b];
        continue;
      }
      for (let k = starts[b]; k < starts[b + 1]; k++) {
        const v = x[points[k]];
        if (v >= lo && v <= hi) out[n++] = points[k];
      }
    }
    return out.slice(0, n);
  }
}

/** Indexes kept: the columns whose thresholds were edited last (each holds 4 bytes a point). */
const maxIndexes = 4;
const indexes = new Map<Float64Array, ValueIndex>();

/** The index of a column, built when first needed (missing values are in no bucket). */
function indexOf(x: Float64Array): ValueIndex {
  let index = indexes.get(x);
  if (index) {
    indexes.delete(x);
    indexes.set(x, index);
    return index;
  }
  const n = x.length;
  const step = Math.max(1, Math.floor(n / 4096));
  const sample: number[] = [];
  for (let i = 0; i < n; i += step) if (x[i] === x[i]) sample.push(x[i]);
  sample.sort((p, q) => p - q);
  const lo = sample.length ? sample[Math.floor(sample.length * 0.01)] : 0;
  const hi = sample.length ? sample[Math.floor(sample.length * 0.99)] : 0;
  const buckets = 4096;
  const scale = hi > lo && Number.isFinite(hi - lo) ? buckets / (hi - lo) : 0;
  const bounds = new ValueIndex(x, lo, scale, buckets, new Int32Array(0), new Int32Array(0));
  const bucket = new Uint16Array(n);
  const starts = new Int32Array(buckets + 3);
  for (let i = 0; i < n; i++) {
    const v = x[i];
    if (v !== v) continue;
    const k = bounds.bucketOf(v);
    bucket[i] = k;
    starts[k + 1]++;
  }
  for (let k = 0; k <= buckets + 1; k++) starts[k + 1] += starts[k];
  const fill = starts.slice();
  const points = new Int32Array(starts[buckets + 2]);
  for (let i = 0; i < n; i++) if (x[i] === x[i]) points[fill[bucket[i]]++] = i;
  indexes.set(x, (index = new ValueIndex(x, lo, scale, buckets, starts, points)));
  if (indexes.size > maxIndexes) indexes.delete(indexes.keys().next().value!);
  return index;
}
