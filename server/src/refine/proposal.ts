// A proposed new version of a rule, judged the same way whoever wrote it (the offline search, an
// LLM, a person): re-read as ARL, scored on train and validation in the context of the whole file,
// offered only if it improves train F1 and keeps the train-validation F1 gap within maxGap (when
// the file's gap is already wider, the edit may not widen it further).
import { f1Of, gapOf, type Evaluation, type RefineContext, type SplitFigures } from './context';
import { checkRuleText, type TextEdit } from './edit';

export type ProposalKind = 'threshold' | 'literal' | 'add-conjunct' | 'drop' | 'operator' | 'window' | 'llm';

export interface Proposal {
  rule: string;
  kind: ProposalKind;
  /** "Tune threshold 35 -> 42 (file F1: train 0.81 -> 0.86, validation 0.84 -> 0.85)". */
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
  /** Train F1 minus validation F1, after the edit. */
  gap: number;
}

export interface Rejected {
  rule: string;
  kind: ProposalKind;
  title: string;
  ruleText: string;
  /** Why it is not offered: invalid ARL (with the errors), no gain, or too large a gap. */
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
  /** Largest train-validation F1 gap allowed after the edit (default 0.1). */
  maxGap?: number;
}

export const defaultMaxGap = 0.1;

export function f2(x: number): string {
  return Number.isFinite(x) ? x.toFixed(2) : '-';
}

/**
 * The verified effect for a title: the file's F1 (proposals are judged on the whole file) on train
 * and validation, before -> after, with two decimals, or three when two would hide a change.
 */
export function figuresTitle(before: SplitFigures, after: SplitFigures): string {
  const pairs = (['train', 'validation'] as const).map((s) => [f1Of(before[s]), f1Of(after[s])] as const);
  const d = pairs.some(([x, y]) => x !== y && x.toFixed(2) === y.toFixed(2)) ? 3 : 2;
  const [t, v] = pairs.map(([x, y]) => `${x.toFixed(d)} -> ${y.toFixed(d)}`);
  return `file F1: train ${t}, validation ${v}`;
}

/** Scores a candidate against `base` (the file as it is) and decides whether to offer it. */
export function judge(ctx: RefineContext, base: Evaluation, rule: string, c: Candidate, opts: JudgeOptions = {}): Proposal | Rejected {
  const maxGap = opts.maxGap ?? defaultMaxGap;
  const checked = checkRuleText(ctx, base, rule, c.ruleText);
  if (!checked.ok) return { rule, ...c, reason: `invalid: ${checked.errors.join(' ')}`, errors: checked.errors };
  const before = base.split();
  const after = checked.ev.split();
  const gap = gapOf(after);
  const t0 = f1Of(before.train);
  const t1 = f1Of(after.train);
  const figures = figuresTitle(before, after);
  if (!(t1 > t0 + 1e-9)) return { rule, ...c, ruleText: checked.ruleText, reason: `no gain: train F1 ${t0.toFixed(3)} -> ${t1.toFixed(3)}`, after };
  // Within maxGap; or, when the gap is already wider than that, not wider than before.
  const allowed = Math.max(maxGap, gapOf(before));
  if (gap > allowed + 1e-12) {
    const limit = allowed > maxGap ? `the current ${allowed.toFixed(3)}` : String(maxGap);
    return { rule, ...c, ruleText: checked.ruleText, reason: `overfit: train-validation gap ${gap.toFixed(3)} > ${limit}`, after };
  }
  return {
    rule,
    kind: c.kind,
    title: `${c.title} (${figures})`,
    ruleText: checked.ruleText,
    edit: checked.edit,
    text: checked.ev.text,
    before,
    after,
    gap,
  };
}

export function isProposal(x: Proposal | Rejected): x is Proposal {
  return 'edit' in x;
}

/** Best first: train F1, then validation F1, then the shorter text. */
export function byMerit(a: Proposal, b: Proposal): number {
  return (
    f1Of(b.after.train) - f1Of(a.after.train) ||
    f1Of(b.after.validation) - f1Of(a.after.validation) ||
    a.ruleText.length - b.ruleText.length ||
    a.title.localeCompare(b.title)
  );
}
