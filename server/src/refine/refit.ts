// Refitting the thresholds of chosen rules on train and validation together. Selection (which rules,
// which conditions, which windows) is made on validation; once it is made, validation has done its
// job, and its labels can set the numbers as train's do, as a model chosen by cross-validation is
// fitted again on all its data. Validation lies between train and test in time under a split by
// time, and holds anomalies train may lack, so thresholds fitted on both rest on more incidents
// and on the most recent ones. The structure of the rules does not change; each threshold moves,
// one at a time, to the cut that best raises the objective summed over both splits: for point F1
// the exact optimum over every distinct value (refitting is estimation, not a choice, so no
// minimum gain), for other objectives the best of a few candidates by at least the minimum gain.
// Figures on validation after a refit are no longer held-out figures: only test says how the
// refitted rules do.
import * as A from '../../../grammar/src/ast';
import { evaluate, type Evaluation, type RefineContext } from './context';
import type { PlanNode } from '../engine/plan';
import { sweep, type CutOp } from './cuts';
import { boolExpr, spliceRule, thresholdOf, withThreshold, type Threshold } from './edit';
import { isStandardScore } from './features';
import { zCutLimit } from './space';
import { defaultMinGain } from './proposal';
import { objectiveOfCounts, splitCounts } from './select';

export interface RefitResult {
  text: string;
  /** Thresholds moved, in order: rule, from, to, and the file's text after the move. */
  moved: { rule: string; from: number; to: number; text: string }[];
  /** The objective on train and validation together, before and after. */
  before: number;
  after: number;
}

/** Cuts tried per threshold: quantiles of the compared values at the labelled points. */
const steps = 48;

/** The file's objective on train and validation together (counts summed over both splits). */
export function pooledObjective(ev: Evaluation): number {
  const flags = ev.fileFlags();
  const s = ev.ctx.scoring;
  const a = splitCounts(flags, s.events('train'));
  const b = splitCounts(flags, s.events('validation'));
  for (let j = 0; j < a.length; j++) a[j] += b[j];
  return objectiveOfCounts(s.objective.objective, a);
}

/** Thresholds of a rule that can move: comparisons of an expression with a number (not == or !=). */
export function thresholdsOf(rule: A.RuleDecl) {
  const out: NonNullable<ReturnType<typeof thresholdOf>>[] = [];
  if (rule.expr)
    A.walkExpr(rule.expr, (e) => {
      const t = thresholdOf(e);
      if (t && t.op !== '==' && t.op !== '!=') out.push(t);
    });
  return out;
}

const pooled = ['train', 'validation'] as const;

/** Two arrays end to end. */
function concat<T extends Float64Array | Uint8Array>(a: T, b: T): T {
  const out = new (a.constructor as new (n: number) => T)(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * The exact best cut for point F1 at the labelled points of train and validation together (every
 * distinct value tried, cuts.ts), and its roundest equal: the quantiles miss a cut in a tail (a
 * z-score's 5 lies past every quantile of 48).
 */
function pooledOptimum(ev: Evaluation, decl: A.RuleDecl, t: Threshold, node: PlanNode): number[] {
  const withValue = (v: boolean) => evaluate(ev.ctx, ev.text.slice(0, decl.start) + spliceRule(ev.text, decl, t.cmp, boolExpr(v)) + ev.text.slice(decl.end));
  const on = withValue(true);
  const off = withValue(false);
  const at = (split: (typeof pooled)[number]) => {
    const v = ev.at(node, split);
    return typeof v === 'number' ? new Float64Array(ev.index(split).labelled.length).fill(v) : (v as Float64Array);
  };
  const [a, b] = pooled;
  const r = sweep(
    {
      values: concat(at(a), at(b)),
      whenTrue: concat(on.fired(a), on.fired(b)),
      whenFalse: concat(off.fired(a), off.fired(b)),
      whenMissing: concat(ev.fired(a), ev.fired(b)),
      isAnomaly: concat(ev.index(a).isAnomaly, ev.index(b).isAnomaly),
      anomalies: ev.index(a).anomalies + ev.index(b).anomalies,
    },
    t.op as CutOp,
    t.value,
  );
  if (!r) return [];
  return [r.value].filter((v) => !isStandardScore(node) || Math.abs(v) <= zCutLimit);
}

/** The text with the thresholds of every rule (or of `rules`) refitted on train and validation together. */
export function refit(ctx: RefineContext, text: string, opts: { minGain?: number; signal?: AbortSignal; rules?: string[] } = {}): RefitResult {
  // Point F1: each threshold goes to its exact optimum (never lower; ties keep the nearest), twice
  // over, since moving one changes the others'. Other objectives: the best of the candidates, by at
  // least the minimum gain.
  const exact = ctx.scoring.objective.objective.kind === 'point_f1';
  const minGain = exact ? 0 : (opts.minGain ?? defaultMinGain);
  let ev = evaluate(ctx, text);
  const start = pooledObjective(ev);
  let cur = start;
  const moved: RefitResult['moved'] = [];
  const labelled = [ctx.scoring.index('train').labelled, ctx.scoring.index('validation').labelled];
  const names = ev.program.rules.filter((r) => r.node && (!opts.rules || opts.rules.includes(r.name))).map((r) => r.name);
  for (let pass = 0; pass < (exact ? 2 : 1); pass++)
    for (const name of names) {
      for (let k = 0; ; k++) {
        if (opts.signal?.aborted) return { text: ev.text, moved, before: start, after: cur };
        const decl = ev.rule(name);
        const t = decl && thresholdsOf(decl)[k];
        if (!decl || !t) break;
        const node = ev.program.nodeOf.get(t.subject);
        const col = node && ctx.data.evaluator.values(node);
        if (!node || !(col instanceof Float64Array)) continue;
        const cuts = new Set<number>(pooledOptimum(ev, decl, t, node));
        if (!exact) {
          const xs: number[] = [];
          for (const idx of labelled) for (let j = 0; j < idx.length; j++) if (Number.isFinite(col[idx[j]])) xs.push(col[idx[j]]);
          xs.sort((a, b) => a - b);
          for (let q = 0; q <= steps && xs.length; q++) cuts.add(Number(xs[Math.min(xs.length - 1, Math.floor((q / steps) * (xs.length - 1)))].toPrecision(4)));
        }
        cuts.delete(t.value);
        let best: { ev: Evaluation; v: number; cut: number } | undefined;
        for (const c of cuts) {
          const ruleText = spliceRule(ev.text, decl, t.cmp, withThreshold(t, c));
          const next = evaluate(ctx, ev.text.slice(0, decl.start) + ruleText + ev.text.slice(decl.end));
          if (next.errors.length) continue;
          const v = pooledObjective(next);
          if (!best || v > best.v + 1e-12) best = { ev: next, v, cut: c };
        }
        if (best && best.v >= cur + minGain - 1e-12) {
          moved.push({ rule: name, from: t.value, to: best.cut, text: best.ev.text });
          ev = best.ev;
          cur = best.v;
        }
      }
    }
  return { text: ev.text, moved, before: start, after: cur };
}
