// How far a rule was from deciding otherwise at a point: the margin, a relative distance.
//
// - A comparison `a op b`: |a - b| divided by the constant side (the threshold) when there is one
//   and it is not 0, else by max(|a|, |b|). `oos_ratio >= 35` at 42 has margin 7/35 = 0.2.
// - `p and q` true: min of the two (flipping either flips it); false: max over the false parts
//   (all of them must flip). `p or q` mirrors it; `not p` keeps the margin of p.
// - A missing value (unknown) has margin 0: any data could decide it.
// - Conditions no threshold can move (`rising(x, 3)`, `true`) have margin Infinity.
// The decision at a point is `rules and not excludes`, combined with the same laws.
import { FALSE, TRUE, UNKNOWN } from '../engine/kernels';
import type { Values } from '../engine/evaluate';
import type { PlanNode } from '../engine/plan';

export class Margins {
  private readonly columns = new Map<PlanNode, Values>();

  constructor(private readonly valuesOf: (node: PlanNode) => Values) {}

  private at(node: PlanNode, i: number): number {
    let v = this.columns.get(node);
    if (v === undefined) this.columns.set(node, (v = this.valuesOf(node)));
    return typeof v === 'number' ? v : v[i];
  }

  /**
   * The condition's value (TRUE, FALSE, UNKNOWN) and its margin at point i. `memo` holds the
   * nodes already seen at i: a let used twice is one node of the plan, visited once.
   */
  cond(node: PlanNode, i: number, memo = new Map<PlanNode, { value: number; margin: number }>()): { value: number; margin: number } {
    let r = memo.get(node);
    if (r) return r;
    const value = this.at(node, i);
    if (value === UNKNOWN) r = { value, margin: 0 };
    else if (node.op === 'cmp') r = { value, margin: this.compareMargin(node, i) };
    else if (node.op === 'not') r = { value, margin: this.cond(node.args[0], i, memo).margin };
    else if (node.op === 'logic') r = { value, margin: combine(node.fn as 'and' | 'or', value, node.args.map((a) => this.cond(a, i, memo))) };
    else r = { value, margin: Infinity };
    memo.set(node, r);
    return r;
  }

  private compareMargin(node: PlanNode, i: number): number {
    const [l, r] = node.args;
    if (l.kind !== 'number' || r.kind !== 'number') return Infinity;
    const a = this.at(l, i);
    const b = this.at(r, i);
    if (a !== a || b !== b) return 0;
    const scale = r.op === 'num' && b !== 0 ? Math.abs(b) : l.op === 'num' && a !== 0 ? Math.abs(a) : Math.max(Math.abs(a), Math.abs(b));
    return scale === 0 ? 0 : Math.abs(a - b) / scale;
  }

  /**
   * The decision at point i: fired when some rule is true and no exclude is (as the engine scores
   * it), with its margin. Rules without a plan (errors) never fire.
   */
  decision(rules: (PlanNode | undefined)[], excludes: (PlanNode | undefined)[], i: number): { fired: boolean; margin: number } {
    const memo = new Map<PlanNode, { value: number; margin: number }>();
    const parts = (nodes: (PlanNode | undefined)[]) => nodes.map((n) => (n ? this.cond(n, i, memo) : { value: FALSE, margin: Infinity }));
    const rule = any(parts(rules));
    const ex = any(parts(excludes));
    const fired = rule.value === TRUE && ex.value !== TRUE;
    let margin: number;
    if (fired) margin = Math.min(rule.margin, ex.margin);
    else if (rule.value === TRUE) margin = ex.margin;
    else if (ex.value === TRUE) margin = Math.max(rule.margin, ex.margin);
    else margin = rule.margin;
    return { fired, margin };
  }
}

function combine(op: 'and' | 'or', value: number, parts: { value: number; margin: number }[]): number {
  // The parts that agree with the result when one flip suffices, or all that must flip.
  const decisive = op === 'and' ? FALSE : TRUE;
  if (value === decisive) return Math.max(...parts.filter((p) => p.value === decisive).map((p) => p.margin));
  return Math.min(...parts.map((p) => p.margin));
}

/** `p1 or p2 or ...` in three-valued logic, with its margin; false (Infinity) when empty. */
function any(parts: { value: number; margin: number }[]): { value: number; margin: number } {
  if (!parts.length) return { value: FALSE, margin: Infinity };
  const value = parts.some((p) => p.value === TRUE) ? TRUE : parts.every((p) => p.value === FALSE) ? FALSE : UNKNOWN;
  return { value, margin: value === UNKNOWN ? 0 : combine('or', value, parts) };
}
