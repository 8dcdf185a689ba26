// The plan evaluated at the labelled points of train and validation only. Window functions come
// from the engine's Evaluator (full columns, cached by key) and are then read at those points;
// point-by-point operations (comparisons, and/or/not, arithmetic) run on the few thousand points
// that are scored, so a candidate rule costs little more than parsing it. Test points are never
// computed here.
import { and3, or3, type Evaluator } from '../engine/evaluate';
import { FALSE, TRUE, UNKNOWN } from '../engine/kernels';
import type { PlanNode } from '../engine/plan';

type At = Float64Array | Uint8Array;
export type PointValues = At | number;

export class PointEvaluator {
  private readonly cache = new Map<string, At>();
  private bytes = 0;

  constructor(
    readonly main: Evaluator,
    /** Frame indices of the points, in the order results are given. */
    readonly points: Int32Array,
    readonly budgetBytes = 128 * 1024 * 1024,
  ) {}

  /** A node's values at the points; constants stay numbers. */
  values(node: PlanNode): PointValues {
    if (node.op === 'num' || node.op === 'bool') return node.value!;
    let v = this.cache.get(node.key);
    if (v) return v;
    v = this.compute(node);
    // Candidates come and go: past a budget, start afresh (the engine keeps the costly columns).
    if (this.bytes > this.budgetBytes) {
      this.cache.clear();
      this.bytes = 0;
    }
    this.cache.set(node.key, v);
    this.bytes += v.byteLength;
    return v;
  }

  private gather(full: Float64Array | Uint8Array): At {
    const out = full instanceof Uint8Array ? new Uint8Array(this.points.length) : new Float64Array(this.points.length);
    for (let k = 0; k < this.points.length; k++) out[k] = full[this.points[k]];
    return out;
  }

  private compute(node: PlanNode): At {
    const n = this.points.length;
    if (node.op === 'col' || node.op === 'call') {
      const full = this.main.values(node);
      if (typeof full === 'number') return (node.kind === 'boolean' ? new Uint8Array(n) : new Float64Array(n)).fill(full);
      return this.gather(full);
    }
    const args = node.args.map((a) => this.values(a));
    const get = (a: PointValues) => (typeof a === 'number' ? () => a : (k: number) => a[k]);
    const x = get(args[0]);
    const y = args.length > 1 ? get(args[1]) : x;
    switch (node.op) {
      case 'neg': {
        const out = new Float64Array(n);
        for (let k = 0; k < n; k++) out[k] = -x(k);
        return out;
      }
      case 'not': {
        const out = new Uint8Array(n);
        for (let k = 0; k < n; k++) {
          const v = x(k);
          out[k] = v === UNKNOWN ? UNKNOWN : v === TRUE ? FALSE : TRUE;
        }
        return out;
      }
      case 'arith': {
        const out = new Float64Array(n);
        const f = arith[node.fn];
        for (let k = 0; k < n; k++) out[k] = f(x(k), y(k));
        return out;
      }
      case 'cmp': {
        const out = new Uint8Array(n);
        const f = cmp[node.fn];
        for (let k = 0; k < n; k++) {
          const a = x(k);
          const b = y(k);
          out[k] = a !== a || b !== b ? UNKNOWN : f(a, b) ? TRUE : FALSE;
        }
        return out;
      }
      case 'logic': {
        const out = new Uint8Array(n);
        const f = node.fn === 'and' ? and3 : or3;
        for (let k = 0; k < n; k++) out[k] = f(x(k), y(k));
        return out;
      }
      default:
        throw new Error(`unknown plan op ${node.op}`);
    }
  }
}

// The same semantics as the engine's evaluate.ts: division by zero is missing.
const arith: Record<string, (a: number, b: number) => number> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => (b === 0 ? Number.NaN : a / b),
};

const cmp: Record<string, (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
};
