// Isolation Forest (Liu, Ting and Zhou, ICDM 2008) as scikit-learn configures it by default:
// 100 trees, each grown on 256 points drawn without replacement (fewer when there are fewer),
// axis-parallel random splits (extension level 0), depth limit ceil(log2(samples)). The score is
// 2^(-E[h(x)] / c(samples)): near 1 for points isolated quickly, about 0.5 or less for the rest.
// Seeded, so a run is repeatable.
import { rng } from '../../examples/stockout/generate';

export interface ForestOptions {
  trees?: number;
  samples?: number;
  seed?: number;
}

/** Rows of `dim` numbers, one row after another (row-major). */
export interface Matrix {
  data: Float64Array;
  rows: number;
  dim: number;
}

const EULER = 0.5772156649015329;

/** Average path length of an unsuccessful search in a binary search tree of n points: c(n). */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + EULER) - (2 * (n - 1)) / n;
}

/** One tree in flat arrays; feature -1 marks a leaf holding `size` training points. */
interface Tree {
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  size: Int32Array;
}

export class IsolationForest {
  private readonly trees: Tree[] = [];
  readonly samples: number;

  constructor(
    readonly x: Matrix,
    opts: ForestOptions = {},
  ) {
    if (x.rows < 1) throw new Error('IsolationForest needs at least one row to fit.');
    const rand = rng(opts.seed ?? 42);
    this.samples = Math.min(opts.samples ?? 256, x.rows);
    const depthLimit = Math.ceil(Math.log2(Math.max(2, this.samples)));
    const pool = Int32Array.from({ length: x.rows }, (_, i) => i);
    for (let t = 0; t < (opts.trees ?? 100); t++) {
      // Partial Fisher-Yates: the first `samples` entries become a sample without replacement.
      for (let i = 0; i < this.samples; i++) {
        const j = i + Math.floor(rand() * (x.rows - i));
        const tmp = pool[i];
        pool[i] = pool[j];
        pool[j] = tmp;
      }
      this.trees.push(grow(x, pool.slice(0, this.samples), depthLimit, rand));
    }
  }

  /** Path length of row `r` of `m` in tree t: edges to its leaf plus c(points in the leaf). */
  pathLength(t: number, m: Matrix, r: number): number {
    const tree = this.trees[t];
    let node = 0;
    let depth = 0;
    while (tree.feature[node] >= 0) {
      node = m.data[r * m.dim + tree.feature[node]] < tree.threshold[node] ? tree.left[node] : tree.right[node];
      depth++;
    }
    return depth + averagePathLength(tree.size[node]);
  }

  /** Anomaly scores of every row of `m` (same columns as the fitted matrix): higher is more anomalous. */
  score(m: Matrix): Float64Array {
    if (m.dim !== this.x.dim) throw new Error(`IsolationForest was fitted on ${this.x.dim} columns, not ${m.dim}.`);
    const out = new Float64Array(m.rows);
    const c = averagePathLength(this.samples);
    for (let r = 0; r < m.rows; r++) {
      let sum = 0;
      for (let t = 0; t < this.trees.length; t++) sum += this.pathLength(t, m, r);
      out[r] = c > 0 ? 2 ** (-sum / this.trees.length / c) : 0.5;
    }
    return out;
  }
}

function grow(x: Matrix, rows: Int32Array, depthLimit: number, rand: () => number): Tree {
  const feature: number[] = [];
  const threshold: number[] = [];
  const left: number[] = [];
  const right: number[] = [];
  const size: number[] = [];
  const order = Int32Array.from({ length: x.dim }, (_, i) => i);
  // Grows the node for rows[a..b) and returns its index.
  const node = (a: number, b: number, depth: number): number => {
    const id = feature.length;
    feature.push(-1), threshold.push(0), left.push(-1), right.push(-1), size.push(b - a);
    if (depth >= depthLimit || b - a <= 1) return id;
    // A random feature among those not constant here (scikit-learn skips constant ones).
    for (let k = 0; k < x.dim; k++) {
      const j = k + Math.floor(rand() * (x.dim - k));
      const f = order[j];
      order[j] = order[k];
      order[k] = f;
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = a; i < b; i++) {
        const v = x.data[rows[i] * x.dim + f];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      if (!(hi > lo)) continue;
      let cut = lo + rand() * (hi - lo);
      if (cut <= lo) cut = hi; // keep both sides non-empty
      // Partition: values below the cut first.
      let m = a;
      for (let i = a; i < b; i++) {
        if (x.data[rows[i] * x.dim + f] < cut) {
          const tmp = rows[i];
          rows[i] = rows[m];
          rows[m] = tmp;
          m++;
        }
      }
      feature[id] = f;
      threshold[id] = cut;
      const l = node(a, m, depth + 1);
      const r = node(m, b, depth + 1);
      left[id] = l;
      right[id] = r;
      return id;
    }
    return id;
  };
  node(0, rows.length, 0);
  return { feature: Int32Array.from(feature), threshold: Float64Array.from(threshold), left: Int32Array.from(left), right: Int32Array.from(right), size: Int32Array.from(size) };
}
