// The in-memory backend: runs a plan over a frame, one column at a time. Results are cached by the
// plan node's structural key, so an edit to one rule recomputes only the nodes that changed.
import { workOf, type Budget } from './budget';
import { categoryCall, missingCategories } from './categories';
import type { EvalFrame } from './blocks';
import type { Categorical } from './frame';
import { FALSE, kernels, TRUE, UNKNOWN, type Bool, type Num } from './kernels';
import { ThresholdDeltas } from './delta';
import { evaluateFused, fusedLoop, isFusable, type FusedLoop } from './fuse';
import type { PlanNode } from './plan';
import { flagColumn, numberColumn, type Outputs } from './pool';

/** A column of numbers, a column of conditions, or a constant. */
export type Values = Num | Bool | number;

/** What the cache holds: computed columns. */
type Column = Num | Bool | Categorical;

interface Entry {
  values: Column;
  bytes: number;
  used: number;
}

/** Computed columns by plan key, least recently used evicted past a byte budget. */
export class FeatureCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  private tick = 0;
  hits = 0;
  misses = 0;

  constructor(readonly budgetBytes = 512 * 1024 * 1024) {}

  get(key: string): Column | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    e.used = ++this.tick;
    return e.values;
  }

  set(key: string, values: Column): void {
    const bytes = 'codes' in values ? values.codes.byteLength : values.byteLength;
    this.entries.set(key, { values, bytes, used: ++this.tick });
    this.bytes += bytes;
    if (this.bytes > this.budgetBytes) this.evict();
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Lets one column go. */
  delete(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.bytes -= e.bytes;
  }

  /** Lets every column go (a one-shot run, once its flags are computed). */
  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Bytes that can be added before the least recently used columns are let go. */
  room(): number {
    return Math.max(0, this.budgetBytes * 0.75 - this.bytes);
  }

  private evict(): void {
    const byAge = [...this.entries].sort((a, b) => a[1].used - b[1].used);
    for (const [k, e] of byAge) {
      if (this.bytes <= this.budgetBytes * 0.75) break;
      this.entries.delete(k);
      this.bytes -= e.bytes;
    }
  }
}

export class Evaluator {
  /** Nodes computed (not found in the cache) since creation: for tests and benchmarks. */
  computed = 0;
  /** Evaluate operator by operator (for tests comparing both paths). */
  noFusion = false;
  /**
   * Keep inner nodes of fused loops met again as cached leaves (an evaluator kept across edits:
   * the language server, learning). Off for an evaluator used once (a block).
   */
  reuseInner = false;

  constructor(
    readonly frame: EvalFrame,
    readonly cache = new FeatureCache(),
  ) {}

  private longestSeries = -1;

  /**
   * A number or condition node's values (category nodes are read only by the calls that take them);
   * with a budget, each column computed is charged to it first (BudgetExceeded).
   */
  values(node: PlanNode, budget?: Budget): Values {
    const v = this.anyValues(node, budget);
    if (typeof v === 'object' && 'codes' in v) throw new Error('a category column has no flags or numbers');
    return v;
  }

  private anyValues(node: PlanNode, budget?: Budget): Values | Categorical {
    if (node.op === 'num' || node.op === 'bool') return node.value!;
    if (node.op === 'col' && node.kind === 'category') return this.frame.categories.get(node.name!) ?? missingCategories(this.frame.length);
    if (node.op === 'col') return this.frame.columns.get(node.name!) ?? new Float64Array(this.frame.length).fill(Number.NaN);
    const hit = this.cache.get(node.key);
    if (hit) {
      this.cache.hits++;
      return hit;
    }
    // Trees of element-wise operators run as one fused loop; their leaves are cached as usual.
    const fused = isFusable(node) && !this.noFusion;
    const args = fused ? [] : node.args.map((a) => this.anyValues(a, budget));
    if (budget) budget.charge(workOf(node, this.frame.length, this.longest()), this.frame.length * (node.kind === 'boolean' ? 1 : 8));
    const out = fused ? this.fused(node, budget) : this.compute(node, args, budget);
    if (typeof out !== 'number') {
      this.cache.misses++;
      this.computed++;
      this.cache.set(node.key, out);
    }
    return out;
  }

  /**
   * Inner nodes of fused loops computed so far, by key (the last few thousand). A loop computed
   * again around one of them (the rest of a rule after an edit elsewhere in it) takes it as a
   * leaf: it is computed once more, as one loop of its own, and cached, so the next edit reads it.
   */
  private readonly inner = new Map<string, true>();
  /** A leaf of that kind is being computed: its own loop is not cut further. */
  private plain = false;

  /** Loops computed again with one threshold changed (delta.ts). */
  readonly deltas = new ThresholdDeltas();

  private fused(node: PlanNode, budget?: Budget): Values {
    const leaf = (n: PlanNode) => this.values(n, budget);
    const n = this.frame.length;
    if (!this.reuseInner || this.plain) return evaluateFused(node, this.frame, leaf);
    const seen = this.inner;
    const loop = fusedLoop(node, (a) => this.cache.has(a.key) || (seen.has(a.key) && varies(a)));
    const inputs = loop.leaves.map((a) => {
      if (!seen.has(a.key) || this.cache.has(a.key)) return leaf(a);
      this.plain = true;
      try {
        return leaf(a);
      } finally {
        this.plain = false;
      }
    });
    let out: Num | Bool | undefined = this.deltas.values(node, loop, inputs, n, (key) => this.cache.get(key));
    if (!out) loop.run(n, inputs, (out = node.kind === 'boolean' ? new Uint8Array(n) : new Float64Array(n)));
    this.deltas.remember(node, loop, inputs);
    this.met(node, loop);
    return out;
  }

  /** The inner nodes of a loop just computed at `node`, remembered (see `inner`). */
  private met(node: PlanNode, loop: FusedLoop): void {
    const seen = this.inner;
    for (const a of loop.region) {
      if (a === node) continue;
      seen.delete(a.key);
      seen.set(a.key, true);
      if (seen.size > 4096) seen.delete(seen.keys().next().value!);
    }
  }

  /**
   * A node's values computed elsewhere (block by block, blocks.ts), taken into the cache as if
   * computed here: a fused node is also remembered as the loop this evaluator would have run,
   * when every leaf of it is at hand (cached, a column or a constant), so that the next edit of it
   * is as incremental as after computing it here. Features first, then the nodes reading them.
   */
  adopt(node: PlanNode, values: Num | Bool): void {
    if (this.cache.has(node.key)) return;
    this.cache.set(node.key, values);
    if (!this.reuseInner || this.noFusion || !isFusable(node)) return;
    const seen = this.inner;
    const loop = fusedLoop(node, (a) => this.cache.has(a.key) || (seen.has(a.key) && varies(a)));
    this.met(node, loop);
    const inputs: (Num | Bool | number)[] = [];
    for (const a of loop.leaves) {
      const v = a.op === 'num' || a.op === 'bool' || a.op === 'col' ? this.values(a) : this.cache.get(a.key);
      if (v === undefined || (typeof v === 'object' && 'codes' in v)) return;
      inputs.push(v);
    }
    this.deltas.remember(node, loop, inputs);
  }

  private longest(): number {
    if (this.longestSeries < 0) {
      const s = this.frame.seriesStart;
      let m = 0;
      for (let i = 0; i + 1 < s.length; i++) m = Math.max(m, s[i + 1] - s[i]);
      this.longestSeries = m;
    }
    return this.longestSeries;
  }

  /** Values as a column (constants repeated). */
  column(node: PlanNode, budget?: Budget): Num | Bool {
    const v = this.values(node, budget);
    if (typeof v !== 'number') return v;
    return node.kind === 'boolean' ? new Uint8Array(this.frame.length).fill(v) : new Float64Array(this.frame.length).fill(v);
  }

  private compute(node: PlanNode, all: (Values | Categorical)[], budget?: Budget): Values | Categorical {
    const L = this.frame;
    // Only calls take categories (the checker sees to it).
    const args = all as (Num | Bool | number)[];
    switch (node.op) {
      case 'neg':
        return map1(args[0], L, (x) => -x);
      case 'not':
        return not(args[0], L);
      case 'arith':
        return arith(node.fn, args[0], args[1], L);
      case 'cmp':
        return compare(node.fn, args[0], args[1], L);
      case 'logic':
        return logic(node.fn, args[0], args[1], L);
      case 'call': {
        const cols = all.map((a, i) => (typeof a === 'number' ? this.column(node.args[i], budget) : a));
        return categoryCall(node, cols, this.frame) ?? kernels[node.fn](cols as (Num | Bool)[], node.consts, this.frame);
      }
      default:
        throw new Error(`unknown plan op ${node.op}`);
    }
  }
}

const variesOf = new WeakMap<PlanNode, boolean>();

/** Whether a node reads the data (a column or a call below it), so its values are a column, not one number. */
function varies(node: PlanNode): boolean {
  let v = variesOf.get(node);
  if (v === undefined) variesOf.set(node, (v = node.op === 'col' || node.op === 'call' || node.args.some(varies)));
  return v;
}

// The operators below write every point of their output: from a block's pool, when there is one.

function map1(a: Values, L: Outputs, f: (x: number) => number): Values {
  if (typeof a === 'number') return f(a);
  const out = numberColumn(L);
  const n = L.length;
  for (let i = 0; i < n; i++) out[i] = f(a[i]);
  return out;
}

function not(a: Values, L: Outputs): Values {
  if (typeof a === 'number') return a === UNKNOWN ? UNKNOWN : a === TRUE ? FALSE : TRUE;
  const out = flagColumn(L);
  const n = L.length;
  for (let i = 0; i < n; i++) {
    const v = a[i];
    out[i] = v === UNKNOWN ? UNKNOWN : v === TRUE ? FALSE : TRUE;
  }
  return out;
}

function divide(x: number, y: number): number {
  return y === 0 ? Number.NaN : x / y;
}

function arith(op: string, a: Values, b: Values, L: Outputs): Values {
  const f = op === '+' ? (x: number, y: number) => x + y : op === '-' ? (x: number, y: number) => x - y : op === '*' ? (x: number, y: number) => x * y : divide;
  if (typeof a === 'number' && typeof b === 'number') return f(a, b);
  const out = numberColumn(L);
  const n = L.length;
  if (typeof b === 'number') for (let i = 0; i < n; i++) out[i] = f((a as Num)[i], b);
  else if (typeof a === 'number') for (let i = 0; i < n; i++) out[i] = f(a, b[i]);
  else for (let i = 0; i < n; i++) out[i] = f(a[i], b[i]);
  return out;
}

function compare(op: string, a: Values, b: Values, L: Outputs): Values {
  const test = (x: number, y: number): number => {
    if (x !== x || y !== y) return UNKNOWN;
    switch (op) {
      case '<':
        return x < y ? TRUE : FALSE;
      case '<=':
        return x <= y ? TRUE : FALSE;
      case '>':
        return x > y ? TRUE : FALSE;
      case '>=':
        return x >= y ? TRUE : FALSE;
      case '==':
        return x === y ? TRUE : FALSE;
      default:
        return x !== y ? TRUE : FALSE;
    }
  };
  if (typeof a === 'number' && typeof b === 'number') return test(a, b);
  const out = flagColumn(L);
  const n = L.length;
  if (typeof b === 'number') compareScalar(op, a as Num, b, out);
  else if (typeof a === 'number') for (let i = 0; i < n; i++) out[i] = test(a, b[i]);
  else for (let i = 0; i < n; i++) out[i] = test(a[i], b[i]);
  return out;
}

/**
 * The common case, `column op constant`, without a call per point or a jump on the values: a
 * missing value makes the comparison false (true for `!=`) and adds unknown's 2.
 */
function compareScalar(op: string, a: Num, y: number, out: Bool): void {
  const n = out.length;
  if (y !== y) {
    out.fill(UNKNOWN);
    return;
  }
  switch (op) {
    case '<':
      for (let i = 0; i < n; i++) out[i] = +(a[i] < y) + 2 * +(a[i] !== a[i]);
      break;
    case '<=':
      for (let i = 0; i < n; i++) out[i] = +(a[i] <= y) + 2 * +(a[i] !== a[i]);
      break;
    case '>':
      for (let i = 0; i < n; i++) out[i] = +(a[i] > y) + 2 * +(a[i] !== a[i]);
      break;
    case '>=':
      for (let i = 0; i < n; i++) out[i] = +(a[i] >= y) + 2 * +(a[i] !== a[i]);
      break;
    case '==':
      for (let i = 0; i < n; i++) out[i] = +(a[i] === y) + 2 * +(a[i] !== a[i]);
      break;
    default:
      for (let i = 0; i < n; i++) out[i] = +(a[i] !== y) + +(a[i] !== a[i]);
  }
}

/** Kleene logic: false and unknown = false, true or unknown = true, otherwise unknown stays. */
export function and3(x: number, y: number): number {
  return x === FALSE || y === FALSE ? FALSE : x === TRUE && y === TRUE ? TRUE : UNKNOWN;
}
export function or3(x: number, y: number): number {
  return x === TRUE || y === TRUE ? TRUE : x === FALSE && y === FALSE ? FALSE : UNKNOWN;
}

function logic(op: string, a: Values, b: Values, L: Outputs): Values {
  const f = op === 'and' ? and3 : or3;
  if (typeof a === 'number' && typeof b === 'number') return f(a, b);
  const out = flagColumn(L);
  const n = L.length;
  if (typeof a !== 'number' && typeof b !== 'number') {
    if (op === 'and') for (let i = 0; i < n; i++) out[i] = and3(a[i], b[i]);
    else for (let i = 0; i < n; i++) out[i] = or3(a[i], b[i]);
  } else {
    const col = (typeof a === 'number' ? b : a) as Bool;
    const k = (typeof a === 'number' ? a : b) as number;
    for (let i = 0; i < n; i++) out[i] = f(col[i], k);
  }
  return out;
}
