// The evaluation budget of one analysis: time, memory for computed columns, and estimated work,
// checked before each column is computed. A file that asks for more gets a diagnostic, not a hang.
import { totalmem } from 'node:os';
import type { PlanNode } from './plan';

export interface BudgetLimits {
  /** Wall time of the evaluation, in ms. */
  ms: number;
  /** Bytes of columns computed. */
  bytes: number;
  /** Estimated work, in point-operations (a window of w over n points costs n * w). */
  work: number;
}

/** Every analysis in the editor, and the default. */
export const defaultBudget: BudgetLimits = { ms: 30_000, bytes: 1024 ** 3, work: 2e10 };

/**
 * The command line: production data can be far larger than what is edited, and the person running
 * it chose the data; still bounded, so a rule file in CI cannot hold a runner for hours or
 * exhaust its memory.
 */
export const commandLineBudget: BudgetLimits = { ms: 10 * 60_000, bytes: Math.max(1024 ** 3, Math.floor(totalmem() / 2)), work: 1e12 };

export class BudgetExceeded extends Error {
  constructor(
    readonly what: 'time' | 'memory' | 'work',
    message: string,
  ) {
    super(message);
  }
}

export class Budget {
  private readonly start = performance.now();
  bytes = 0;
  work = 0;

  constructor(readonly limits: BudgetLimits = defaultBudget) {}

  /** Accounts for a column about to be computed; throws BudgetExceeded past a limit. */
  charge(work: number, bytes: number): void {
    const ms = performance.now() - this.start;
    if (ms > this.limits.ms) {
      throw new BudgetExceeded('time', `evaluation ran for more than ${Math.round(this.limits.ms / 1000)} s`);
    }
    if (this.work + work > this.limits.work) {
      throw new BudgetExceeded('work', `it needs about ${(this.work + work).toExponential(1)} point-operations, more than the ${this.limits.work.toExponential(0)} allowed (long windows over long series cost points x window)`);
    }
    if (this.bytes + bytes > this.limits.bytes) {
      const b = this.limits.bytes;
      throw new BudgetExceeded('memory', `its columns need more than ${b >= 1024 ** 2 ? `${Math.round(b / 1024 ** 2)} MB` : `${Math.ceil(b / 1024)} KB`}`);
    }
    this.work += work;
    this.bytes += bytes;
  }
}

const perWindow = new Set(['mean', 'median', 'min', 'max', 'sum', 'std', 'count', 'quantile', 'slope', 'zero_rate', 'zscore', 'robust_z']);
const perStep = new Set(['rising', 'falling', 'persist']);
/** With an `all` window these keep their points in order (a log-time insert each); the rest keep running totals. */
const ordered = new Set(['median', 'quantile', 'rank']);

/** Estimated point-operations to compute a node over `points` points whose longest series has `longest`. */
export function workOf(node: PlanNode, points: number, longest: number): number {
  if (node.op !== 'call') return points * Math.max(1, node.args.length);
  if (node.consts.w === Infinity) return points * (ordered.has(node.fn) ? Math.max(1, Math.ceil(Math.log2(longest + 1))) : 1);
  if (perWindow.has(node.fn)) return points * Math.max(1, Math.min(node.consts.w ?? 1, longest));
  if (perStep.has(node.fn)) return points * Math.max(1, Math.min(node.consts.k ?? 1, longest));
  return points * Math.max(1, node.args.length);
}
