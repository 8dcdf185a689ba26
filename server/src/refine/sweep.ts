// The threshold sweep of one comparison in a rule (`oos_ratio >= 80`): for every distinct value of
// the compared expression at the labelled train and validation points, the counts the rule and the
// file would have with the threshold there, in the context of the other rules and the excludes.
// Exact, not a grid: a point's flag depends on the threshold only through its own value, so the
// counts at each value are the counts with the comparison false everywhere plus the changes of
// the points at or beyond that value (prefix sums over the sorted values). Alerts count every
// point of the split, labelled or not. Reads train and validation only.
import * as A from '../../../grammar/src/ast';
import { weeksOf } from '../engine/alerts';
import { TRUE, type Bool } from '../engine/kernels';
import { evaluate, RefineError, type Evaluation, type RefineContext, type TuneSplit } from './context';
import { niceBetween } from './cuts';
import { boolExpr, insideCall, spliceRule, thresholdOf, type Threshold } from './edit';

export type SweepOp = '>=' | '>' | '<' | '<=';

/** Counts with the threshold at one value: tp and fp at labelled points, fires at every point of the split. */
export interface SweepCounts {
  tp: number;
  fp: number;
  fires: number;
}

export interface SweepStep {
  /** A value of the compared expression in the data; the comparison is `subject op threshold`. */
  threshold: number;
  /** The roundest number giving exactly the same flags at every point of the dataset (what Apply writes). */
  value: number;
  file: Record<TuneSplit, SweepCounts>;
  rule: Record<TuneSplit, SweepCounts>;
}

export interface SweepSplitInfo {
  /** Series with points in the split: alerts are theirs. */
  series: number;
  labelled: number;
  anomalies: number;
  points: number;
  /** Weeks the split covers (null when the time column holds no dates). */
  weeks: number | null;
}

export interface ThresholdSweep {
  rule: string;
  /** `oos_ratio >= 80`, as written. */
  comparison: string;
  subject: string;
  /** Read as `subject op threshold` (a literal on the left is turned around). */
  op: SweepOp;
  current: number;
  /** The literal Apply replaces: [start, end) in the text, and its text. */
  literal: { start: number; end: number; text: string };
  splits: Record<TuneSplit, SweepSplitInfo>;
  /** Sorted by threshold, ascending; one of them is the current threshold. */
  steps: SweepStep[];
  currentStep: number;
  /** Steps left out to stay under maxSteps (every other value was kept): 0 when none. */
  thinned: number;
}

export interface SweepOptions {
  /** Most steps returned (default 20,000); beyond, every k-th value is kept, and the current one. */
  maxSteps?: number;
}

/** The comparison with a number at `offset` in a rule of ev's text (the innermost one). */
export function comparisonAt(ev: Evaluation, offset: number): { rule: A.RuleDecl; t: Threshold } | undefined {
  const rule = ev.parse.file.rules.find((r) => r.start <= offset && offset <= r.end);
  if (!rule?.expr) return undefined;
  let found: Threshold | undefined;
  A.walkExpr(rule.expr, (e) => {
    if (e.start > offset || offset > e.end) return;
    const t = thresholdOf(e);
    if (t && (!found || e.end - e.start < found.cmp.end - found.cmp.start)) found = t;
  });
  return found ? { rule, t: found } : undefined;
}

/** Per column: its non-missing points sorted by value, and its distinct values (sorting 530,000 values once). */
const sortedCache = new WeakMap<Float64Array, { order: Uint32Array; distinct: Float64Array }>();

function sortedValues(x: Float64Array): { order: Uint32Array; distinct: Float64Array } {
  let c = sortedCache.get(x);
  if (c) return c;
  let m = 0;
  for (let i = 0; i < x.length; i++) if (x[i] === x[i]) m++;
  const order = new Uint32Array(m);
  for (let i = 0, k = 0; i < x.length; i++) if (x[i] === x[i]) order[k++] = i;
  order.sort((a, b) => x[a] - x[b]);
  const distinct: number[] = [];
  for (let k = 0; k < m; k++) if (k === 0 || x[order[k]] !== x[order[k - 1]]) distinct.push(x[order[k]]);
  sortedCache.set(x, (c = { order, distinct: Float64Array.from(distinct) }));
  return c;
}

// Counters: [level][split][measure], flattened. Levels: rule 0, file 1; splits: train 0,
// validation 1; measures: tp 0, fp 1, fires 2.
const slot = (level: number, split: number, measure: number) => level * 6 + split * 3 + measure;

const splits: TuneSplit[] = ['train', 'validation'];

export function sweepThreshold(ctx: RefineContext, offset: number, opts: SweepOptions = {}): ThresholdSweep {
  const base = evaluate(ctx, ctx.text);
  const at = comparisonAt(base, offset);
  if (!at) throw new RefineError('Put the cursor on a comparison of a rule with a number, like `oos_ratio >= 80`.');
  const { rule, t } = at;
  const name = rule.name?.name;
  if (!name) throw new RefineError('This rule has no name yet.');
  if (t.op === '==' || t.op === '!=') throw new RefineError(`\`${t.op}\` compares with one value: only <, <=, > and >= thresholds can be swept.`);
  if (insideCall(rule.expr!, t.cmp)) throw new RefineError('This comparison is read inside a function call, at other points too: its threshold cannot be swept exactly.');
  const op = t.op as SweepOp;
  const decl = rule;
  const k = base.program.rules.findIndex((r) => r.decl === decl);
  if (!base.program.rules[k]?.node) throw new RefineError(`\`${name}\` has errors: fix them first.`);
  const subjectNode = base.program.nodeOf.get(t.subject);
  if (!subjectNode) throw new RefineError('The compared expression cannot be evaluated.');
  const x = ctx.data.evaluator.column(subjectNode) as Float64Array;

  // The rule with the comparison true and false everywhere; where its value is missing the
  // comparison is unknown whatever the threshold, so the rule is as it is now.
  const variant = (v: boolean) => {
    const text = ctx.text.slice(0, decl.start) + spliceRule(ctx.text, decl, t.cmp, boolExpr(v)) + ctx.text.slice(decl.end);
    const r = evaluate(ctx, text).flags().rules[k].flags;
    if (!r) throw new RefineError('The rule cannot be evaluated with this comparison replaced.');
    return r;
  };
  const whenTrue = variant(true);
  const whenFalse = variant(false);
  const flags = base.flags();
  const now = flags.rules[k].flags as Bool;
  const n = ctx.data.frame.length;
  const excluded = new Uint8Array(n);
  for (const e of flags.excludes) if (e.flags) for (let i = 0; i < n; i++) if (e.flags[i] === TRUE) excluded[i] = 1;
  const others = new Uint8Array(n);
  flags.rules.forEach((r, m) => {
    if (m !== k && r.flags) for (let i = 0; i < n; i++) if (r.flags[i] === TRUE) others[i] = 1;
  });

  const of = splitOf(ctx, n);
  const label = ctx.data.frame.label!;
  // Each point's flag with the comparison false (or, where the value is missing, as now), per
  // level; and how holding changes it (-1, 0, 1).
  const zero = new Float64Array(12);
  const deltaRule = new Int8Array(n);
  const deltaFile = new Int8Array(n);
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    const split = of[i];
    if (split > 1) continue; // test: never read
    const xi = x[i];
    const missing = xi !== xi;
    const off = missing ? now[i] === TRUE : whenFalse[i] === TRUE;
    const on = missing ? off : whenTrue[i] === TRUE;
    const keep = !excluded[i];
    const labelled = label[i] === label[i];
    const m = label[i] === 1 ? 0 : 1;
    for (let level = 0; level < 2; level++) {
      const other = level === 1 && others[i] === 1;
      const f0 = keep && (off || other) ? 1 : 0;
      const f1 = keep && (on || other) ? 1 : 0;
      zero[slot(level, split, 2)] += f0;
      if (labelled) zero[slot(level, split, m)] += f0;
      if (f1 !== f0) {
        (level ? deltaFile : deltaRule)[i] = f1 - f0;
        if (labelled) values.push(xi);
      }
    }
  }
  const info = {} as Record<TuneSplit, SweepSplitInfo>;
  for (const split of splits) {
    const idx = ctx.scoring.index(split);
    info[split] = { series: idx.series, labelled: idx.labelled.length, anomalies: idx.anomalies, points: idx.points, weeks: weeksOf(ctx.data.frame, idx) };
  }
  const candidates = new Set<number>(values);
  const { order, distinct } = sortedValues(x);
  const position = (v: number) => {
    let lo = 0;
    let hi = distinct.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (distinct[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  /** The roundest threshold that separates the data's values exactly as `v` does. */
  const nice = (v: number): number => {
    const p = position(v);
    const exact = distinct[p] === v;
    const prev = p > 0 ? distinct[p - 1] : -Infinity;
    const next = exact ? (p + 1 < distinct.length ? distinct[p + 1] : Infinity) : p < distinct.length ? distinct[p] : Infinity;
    // x >= t and x < t split between prev and v: any t in (prev, v]. x > t and x <= t: any t in [v, next).
    const r = op === '>=' || op === '<' ? niceBetween(prev, v, false, true) : niceBetween(v, next, true, false);
    return Number.isFinite(r) ? r : v;
  };

  // Beyond every value the comparison holds nowhere (or everywhere): one more step at that end.
  if (values.length) {
    const sortedValues = [...candidates].sort((a, b) => a - b);
    const lo = sortedValues[0];
    const hi = sortedValues[sortedValues.length - 1];
    // Just past the ends (2% of the range), so the chart's axis stays on the data.
    const pad = Math.max((hi - lo) * 0.02, Math.abs(hi || lo) * 1e-6, 1e-9);
    if (op === '>=' || op === '<') candidates.add(niceBetween(hi, hi + pad));
    else candidates.add(niceBetween(lo - pad, lo));
  }
  candidates.add(t.value);
  let sorted = [...candidates].sort((a, b) => a - b);
  const max = Math.max(10, opts.maxSteps ?? 20000);
  let thinned = 0;
  if (sorted.length > max) {
    const every = Math.ceil(sorted.length / max);
    const kept = sorted.filter((v, j) => j % every === 0 || v === t.value || j === sorted.length - 1);
    thinned = sorted.length - kept.length;
    sorted = kept;
  }

  // One walk over the points in value order: the comparison holds for those at or beyond each
  // threshold, from the top (>=, >) or from the bottom (<, <=).
  const up = op === '>=' || op === '>';
  const passes = (v: number, th: number) => (op === '>=' ? v >= th : op === '>' ? v > th : op === '<' ? v < th : v <= th);
  const sums = new Float64Array(12);
  const byThreshold = new Map<number, Float64Array>();
  let pos = up ? order.length - 1 : 0;
  for (const th of up ? [...sorted].reverse() : sorted) {
    for (; up ? pos >= 0 : pos < order.length; up ? pos-- : pos++) {
      const i = order[pos];
      if (!passes(x[i], th)) break;
      const split = of[i];
      if (split > 1) continue;
      const labelled = label[i] === label[i];
      const m = label[i] === 1 ? 0 : 1;
      const dr = deltaRule[i];
      const df = deltaFile[i];
      if (dr) {
        sums[slot(0, split, 2)] += dr;
        if (labelled) sums[slot(0, split, m)] += dr;
      }
      if (df) {
        sums[slot(1, split, 2)] += df;
        if (labelled) sums[slot(1, split, m)] += df;
      }
    }
    byThreshold.set(th, sums.slice());
  }
  const counts = (c: Float64Array, level: number, split: number): SweepCounts => ({
    tp: zero[slot(level, split, 0)] + c[slot(level, split, 0)],
    fp: zero[slot(level, split, 1)] + c[slot(level, split, 1)],
    fires: zero[slot(level, split, 2)] + c[slot(level, split, 2)],
  });
  const steps: SweepStep[] = sorted
    .map((th) => {
      const c = byThreshold.get(th)!;
      return {
        threshold: th,
        value: th === t.value ? t.value : nice(th),
        file: { train: counts(c, 1, 0), validation: counts(c, 1, 1) },
        rule: { train: counts(c, 0, 0), validation: counts(c, 0, 1) },
      };
    })
    // A value whose roundest equivalent is the current threshold is the current step.
    .filter((st) => st.threshold === t.value || st.value !== t.value);
  const lit = t.flipped ? t.cmp.left : t.cmp.right;
  return {
    rule: name,
    comparison: ctx.text.slice(t.cmp.start, t.cmp.end),
    subject: ctx.text.slice(t.subject.start, t.subject.end),
    op,
    current: t.value,
    literal: { start: lit.start, end: lit.end, text: ctx.text.slice(lit.start, lit.end) },
    splits: info,
    steps,
    currentStep: steps.findIndex((s) => s.threshold === t.value),
    thinned,
  };
}

/** The literal text for a threshold value (as ARL reads it back to the same number). */
export function thresholdText(v: number): string {
  return String(v);
}

/** Each point's split, from the split indexes: 0 train, 1 validation, 2 neither (test is never read). */
function splitOf(ctx: RefineContext, n: number): Uint8Array {
  const of = new Uint8Array(n).fill(2);
  (['train', 'validation'] as const).forEach((split, k) => {
    const mask = ctx.scoring.index(split).mask;
    for (let i = 0; i < n; i++) if ((mask[i >>> 5] >>> (i & 31)) & 1) of[i] = k;
  });
  return of;
}
