// A proposed new version of a rule, judged the same way whoever wrote it (the offline search, an
// LLM, a person): re-read as ARL, scored on train and validation in the context of the whole file,
// on the file's objective. Offered only if the train objective, less the complexity cost, rises
// by at least the minimum gain and the validation objective does not fall (and, when a largest
// train-validation gap is given, the gap stays within it or does not widen).
import * as A from '../../../grammar/src/ast';
import { gapOf, objOf, type Evaluation, type RefineContext, type SplitFigures } from './context';
import { checkRuleText, type TextEdit } from './edit';

export type ProposalKind = 'threshold' | 'literal' | 'add-conjunct' | 'revive' | 'drop' | 'operator' | 'window' | 'llm' | 'add-rule' | 'remove-rule';

export interface Proposal {
  rule: string;
  kind: ProposalKind;
  /** "Tune threshold 35 -> 42 (file point F1: train 0.81 -> 0.86, validation 0.84 -> 0.85)". */
  title: string;
  /** The new rule declaration. */
  ruleText: string;
  /** Replaces the rule's whole declaration in the text the proposal was made for. */
  edit: TextEdit;
  /** That text with the edit applied. */
  text: string;
  /** File-level figures at labelled points, before and after the edit. */
  before: SplitFigures;
  after: SplitFigures;
  /** Train objective minus validation objective, after the edit. */
  gap: number;
  /** Train objective less the complexity cost, after minus before. */
  gain: number;
}

export interface Rejected {
  rule: string;
  kind: ProposalKind;
  title: string;
  ruleText: string;
  /** Why it is not offered: invalid ARL (with the errors), too small a gain, validation falls, too large a gap. */
  reason: string;
  /** The checker's messages, for an invalid text. */
  errors?: string[];
  after?: SplitFigures;
}

export interface Candidate {
  kind: ProposalKind;
  /** Without figures: "Tune threshold 35 -> 42". */
  title: string;
  ruleText: string;
}

export interface JudgeOptions {
  /** Largest train-validation gap allowed after the edit (default: no limit; the editor's `arl.refine.maxGap`). */
  maxGap?: number;
  /** Least rise of the train objective, less the complexity cost, for a change to count (default 0.002). */
  minGain?: number;
}

/** The editor's default for `arl.refine.maxGap`. */
export const defaultMaxGap = 0.1;
/** A change must raise the train objective, less the complexity cost, by at least this much. */
export const defaultMinGain = 0.002;
/** Complexity cost, in objective units: per condition of a rule, and per rule. */
export const conditionCost = 0.002;
export const ruleCost = 0.004;

export function f2(x: number): string {
  return Number.isFinite(x) ? x.toFixed(2) : '-';
}

/**
 * Conditions of an expression: comparisons and other conditions joined by `and`, `or`, `not`. A
 * condition holding conditions inside a call counts those instead (`count(a and b, 30) >= 1` is
 * two, `ever(event == "T7")` one, `before(a, b)` two).
 */
export function conditionsOf(e: A.Expr | undefined): number {
  if (!e) return 0;
  if (e.kind === 'paren') return conditionsOf(e.expr);
  if (e.kind === 'unary' && e.op === 'not') return conditionsOf(e.arg);
  if (e.kind === 'binary' && (e.op === 'and' || e.op === 'or')) return conditionsOf(e.left) + conditionsOf(e.right);
  return Math.max(1, nested(e));
}

const logicOps = new Set(['and', 'or', '<', '<=', '>', '>=', '==', '!=', 'in', 'not in']);

/** Conditions written as call arguments inside an expression. */
function nested(e: A.Expr): number {
  let n = 0;
  const visit = (x: A.Expr, inCall: boolean) => {
    const u = A.unparen(x);
    if (inCall && ((u.kind === 'binary' && logicOps.has(u.op)) || (u.kind === 'unary' && u.op === 'not'))) {
      n += conditionsOf(u);
      return;
    }
    if (u.kind === 'call') for (const a of u.args) visit(a.value, true);
    else if (u.kind === 'binary') (visit(u.left, inCall), visit(u.right, inCall));
    else if (u.kind === 'unary') visit(u.arg, inCall);
  };
  visit(e, false);
  return n;
}

/** The complexity cost of a file's rules: conditions and rules, in objective units. */
export function complexityOf(ev: Evaluation): number {
  let c = 0;
  for (const r of ev.parse.file.rules) c += ruleCost + conditionCost * conditionsOf(r.expr);
  return c;
}

/**
 * The verified effect for a title: the file's objective (proposals are judged on the whole file) on
 * train and validation, before -> after, with two decimals, or three when two would hide a change.
 */
export function figuresText(label: string, before: SplitFigures, after: SplitFigures): string {
  const pairs = (['train', 'validation'] as const).map((s) => [objOf(before[s]), objOf(after[s])] as const);
  const d = pairs.some(([x, y]) => x !== y && x.toFixed(2) === y.toFixed(2)) ? 3 : 2;
  const [t, v] = pairs.map(([x, y]) => `${x.toFixed(d)} -> ${y.toFixed(d)}`);
  return `file ${label}: train ${t}, validation ${v}`;
}

export interface Verdict {
  ok: boolean;
  /** Why not, or why it counts. */
  reason: string;
  gain: number;
  gap: number;
}

/** The acceptance rule, for any change from `base` to `next` (an edit, an added or removed rule). */
export function verdict(base: Evaluation, next: Evaluation, opts: JudgeOptions = {}): Verdict {
  const minGain = opts.minGain ?? defaultMinGain;
  const label = base.ctx.scoring.objective.label;
  const before = base.split();
  const after = next.split();
  const [t0, t1, v0, v1] = [objOf(before.train), objOf(after.train), objOf(before.validation), objOf(after.validation)];
  const c0 = complexityOf(base);
  const c1 = complexityOf(next);
  const gain = t1 - c1 - (t0 - c0);
  const gap = gapOf(after);
  const f = (x: number) => x.toFixed(3);
  if (gain < minGain - 1e-12) {
    const simpler = c1 < c0 ? `, ${f(c0 - c1)} simpler` : c1 > c0 ? `, ${f(c1 - c0)} more complex` : '';
    return { ok: false, gain, gap, reason: `too small a gain: train ${label} ${f(t0)} -> ${f(t1)}${simpler}: ${gain >= 0 ? '+' : ''}${f(gain)} < ${minGain}` };
  }
  if (v1 < v0 - 1e-12) return { ok: false, gain, gap, reason: `validation falls: ${label} ${f(v0)} -> ${f(v1)}` };
  if (opts.maxGap !== undefined) {
    // Within maxGap; or, when the gap is already wider than that, not wider than before.
    const allowed = Math.max(opts.maxGap, gapOf(before));
    if (gap > allowed + 1e-12) {
      const limit = allowed > opts.maxGap ? `the current ${allowed.toFixed(3)}` : String(opts.maxGap);
      return { ok: false, gain, gap, reason: `overfit: train-validation gap ${gap.toFixed(3)} > ${limit}` };
    }
  }
  const why = t1 > t0 + 1e-12 ? `train ${label} ${f(t0)} -> ${f(t1)}` : `simpler at train ${label} ${f(t1)}`;
  return { ok: true, gain, gap, reason: `${why} (+${f(gain)} with the complexity cost), validation ${f(v0)} -> ${f(v1)}` };
}

/** Scores a candidate against `base` (the file as it is) and decides whether to offer it. */
export function judge(ctx: RefineContext, base: Evaluation, rule: string, c: Candidate, opts: JudgeOptions = {}): Proposal | Rejected {
  const checked = checkRuleText(ctx, base, rule, c.ruleText);
  if (!checked.ok) return { rule, ...c, reason: `invalid: ${checked.errors.join(' ')}`, errors: checked.errors };
  const v = verdict(base, checked.ev, opts);
  const after = checked.ev.split();
  if (!v.ok) return { rule, ...c, ruleText: checked.ruleText, reason: v.reason, after };
  // A rule tuned until it fires nowhere is a removal in disguise: say so instead.
  const own = checked.ev.flags().rules.find((r) => r.name === rule)?.flags;
  if (own && !own.includes(1)) return { rule, ...c, ruleText: checked.ruleText, reason: 'dead: the rule would never fire; remove it instead', after };
  const before = base.split();
  return {
    rule,
    kind: c.kind,
    title: `${c.title} (${figuresText(ctx.scoring.objective.label, before, after)})`,
    ruleText: checked.ruleText,
    edit: checked.edit,
    text: checked.ev.text,
    before,
    after,
    gap: v.gap,
    gain: v.gain,
  };
}

export function isProposal(x: Proposal | Rejected): x is Proposal {
  return 'edit' in x;
}

/** Best first: the gain on train (with the complexity cost), then the validation objective, then the shorter text. */
export function byMerit(a: Proposal, b: Proposal): number {
  return b.gain - a.gain || objOf(b.after.validation) - objOf(a.after.validation) || a.ruleText.length - b.ruleText.length || a.title.localeCompare(b.title);
}
