// Refitting the thresholds of chosen rules on train and validation together. Selection (which rules,
// which conditions, which windows) is made on validation; once it is made, validation has done its
// job, and its labels can set the numbers as train's do, as a model chosen by cross-validation is
// fitted again on all its data. Validation lies between train and test in time under a split by
// time, and holds anomalies train may lack, so thresholds fitted on both rest on more incidents
// and on the most recent ones. The structure of the rules does not change; each threshold moves,
// one at a time, to the cut that best raises the objective summed over both splits, and only when
// that gain is at least the minimum gain. Figures on validation after a refit are no longer
// held-out figures: only test says how the refitted rules do.
import * as A from '../../../grammar/src/ast';
import { evaluate, type Evaluation, type RefineContext } from './context';
import { spliceRule, thresholdOf, withThreshold } from './edit';
import { defaultMinGain } from './proposal';
import { objectiveOfCounts, splitCounts } from './select';

export interface RefitResult {
  text: string;
  /** Thresholds moved: rule, from, to. */
  moved: { rule: string; from: number; to: number }[];
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

/** The text with every rule's thresholds refitted on train and validation together. */
export function refit(ctx: RefineContext, text: string, opts: { minGain?: number; signal?: AbortSignal } = {}): RefitResult {
  const minGain = opts.minGain ?? defaultMinGain;
  let ev = evaluate(ctx, text);
  const start = pooledObjective(ev);
  let cur = start;
  const moved: RefitResult['moved'] = [];
  const labelled = [ctx.scoring.index('train').labelled, ctx.scoring.index('validation').labelled];
  const names = ev.program.rules.filter((r) => r.node).map((r) => r.name);
  for (const name of names) {
    for (let k = 0; ; k++) {
      if (opts.signal?.aborted) return { text: ev.text, moved, before: start, after: cur };
      const decl = ev.rule(name);
      const t = decl && thresholdsOf(decl)[k];
      if (!decl || !t) break;
      const node = ev.program.nodeOf.get(t.subject);
      const col = node && ctx.data.evaluator.values(node);
      if (!(col instanceof Float64Array)) continue;
      const xs: number[] = [];
      for (const idx of labelled) for (let j = 0; j < idx.length; j++) if (Number.isFinite(col[idx[j]])) xs.push(col[idx[j]]);
      if (!xs.length) continue;
      xs.sort((a, b) => a - b);
      const cuts = new Set<number>();
      for (let q = 0; q <= steps; q++) cuts.add(Number(xs[Math.min(xs.length - 1, Math.floor((q / steps) * (xs.length - 1)))].toPrecision(4)));
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
        moved.push({ rule: name, from: t.value, to: best.cut });
        ev = best.ev;
        cur = best.v;
      }
    }
  }
  return { text: ev.text, moved, before: start, after: cur };
}
