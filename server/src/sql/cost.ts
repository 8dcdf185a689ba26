// What a compiled rule file will cost DuckDB, estimated before the query runs, against the command
// line's budget (engine/budget.ts): `arl run --engine duckdb` has the same limits as `arl run`.
// Work is the in-memory engine's estimate, except where the query does more: medians, quantiles,
// ranks and robust_z hold each window's values in an array (sorted, so also bytes), and ewma
// folds over the series so far at every point.
import { workOf, type BudgetLimits } from '../engine/budget';
import type { CompiledDecl, PlanNode, Program } from '../engine/plan';

const arrays = new Set(['median', 'quantile', 'rank', 'robust_z']);

/** Values a node's arrays hold, summed over the points (0: it holds none). */
export function arrayValues(node: PlanNode, points: number, longest: number): number {
  if (node.op !== 'call') return 0;
  if (node.fn === 'ewma') return points * Math.max(1, longest);
  if (!arrays.has(node.fn)) return 0;
  // robust_z also sorts the deviations from the median: a second array.
  return points * Math.max(1, Math.min(node.consts.w ?? 1, longest)) * (node.fn === 'robust_z' ? 2 : 1);
}

export interface OverBudget {
  decl: CompiledDecl;
  what: 'memory' | 'work';
  message: string;
}

/**
 * Charges every node of the plan once, excludes first then rules (the in-memory engine's order);
 * the first declaration that goes past a limit, or undefined.
 */
export function overBudget(program: Program, points: number, longest: number, limits: BudgetLimits): OverBudget | undefined {
  const seen = new Set<PlanNode>();
  let work = 0;
  let bytes = 0;
  for (const decl of [...program.excludes, ...program.rules]) {
    if (!decl.node) continue;
    const stack = [decl.node];
    while (stack.length) {
      const n = stack.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      stack.push(...n.args);
      if (n.op === 'num' || n.op === 'bool' || n.op === 'col') continue;
      const held = arrayValues(n, points, longest);
      work += Math.max(workOf(n, points, longest), held);
      bytes += held * 8;
      if (work > limits.work) {
        return { decl, what: 'work', message: `it needs about ${work.toExponential(1)} point-operations, more than the ${limits.work.toExponential(0)} allowed (long windows over long series cost points x window)` };
      }
      if (bytes > limits.bytes) {
        return { decl, what: 'memory', message: `the values its windows hold in arrays (medians, quantiles, ranks, robust_z, ewma) need about ${size(bytes)}, more than the ${size(limits.bytes)} allowed` };
      }
    }
  }
  return undefined;
}

function size(b: number): string {
  return b >= 1024 ** 2 ? `${Math.round(b / 1024 ** 2).toLocaleString('en-US')} MB` : `${Math.ceil(b / 1024)} KB`;
}
