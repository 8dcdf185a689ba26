// Drafting starting rules from labelled data (the seed paper's B.2.1). Offline: rule discovery
// (discover.ts: sequential covering over scale-free features, category tests and holds, pruned on
// validation, cleaned, named and explained). By an LLM: given the feature statistics and the
// labellers' reasons. Either way a draft is kept only when it passes the acceptance rule: the
// train objective, less the complexity cost, rises by the minimum gain and validation does not
// fall. The result is the file with the drafts appended.
import { evaluate, type Evaluation, type RefineContext, type SplitFigures } from './context';
import { appendRule, discover, type DiscoverOptions } from './discover';
import { checkAddedRule } from './edit';
import { askForRules, type LlmFailure, type LlmOptions, type Tokens } from './llm';
import { buildDraftPrompt } from './prompt';
import { verdict } from './proposal';

export interface DraftedRule {
  name: string;
  ruleText: string;
  /** File-level figures after adding it (and the drafts before it). */
  after: SplitFigures;
}

export interface DraftResult {
  /** The file with the drafts appended (ctx.text when none was kept). */
  text: string;
  /** What was appended. */
  appended: string;
  rules: DraftedRule[];
  before: SplitFigures;
  after: SplitFigures;
  /** Drafts not kept, and why. */
  rejected: { ruleText: string; reason: string }[];
  rationale?: string;
  tokens?: Tokens;
  error?: LlmFailure;
}

export interface DraftOptions extends DiscoverOptions {
  ev?: Evaluation;
}

/** Appends checked rules one by one, keeping those that pass the acceptance rule. */
class Appender {
  ev: Evaluation;
  readonly kept: DraftedRule[] = [];
  readonly rejected: { ruleText: string; reason: string }[] = [];

  constructor(
    private readonly ctx: RefineContext,
    start: Evaluation,
    private readonly minGain?: number,
  ) {
    this.ev = start;
  }

  add(ruleText: string): boolean {
    const c = checkAddedRule(this.ctx, this.ev, ruleText);
    if (!c.ok) {
      this.rejected.push({ ruleText, reason: `invalid: ${c.errors.join(' ')}` });
      return false;
    }
    const v = verdict(this.ev, c.ev, { minGain: this.minGain });
    if (!v.ok) {
      this.rejected.push({ ruleText: c.ruleText, reason: v.reason });
      return false;
    }
    this.ev = c.ev;
    this.kept.push({ name: c.name, ruleText: c.ruleText, after: c.ev.split() });
    return true;
  }
}

/** Offline drafting: rules discovered from the data (discover.ts), as many as pass. */
export function draftOffline(ctx: RefineContext, opts: DraftOptions = {}): DraftResult {
  const start = opts.ev ?? evaluate(ctx, ctx.text);
  const d = discover(ctx, { ...opts, maxRules: start.program.rules.length + (opts.maxRules ?? 8), ev: start });
  const base = { before: start.split(), rejected: d.rejected };
  if (!d.rules.length) return { ...base, text: ctx.text, appended: '', rules: [], after: start.split() };
  const header = '# Discovered from the labelled data (offline: sequential covering, pruned on validation); refine with `arl learn`.';
  let appended = (ctx.text.endsWith('\n') ? '\n' : '\n\n') + header + '\n';
  for (const r of d.rules) appended = appendRule(appended, r.ruleText, r.comment);
  return { ...base, text: ctx.text + appended, appended, rules: d.rules.map((r) => ({ name: r.name, ruleText: r.ruleText, after: r.after })), after: evaluate(ctx, ctx.text + appended).split() };
}

function finish(ctx: RefineContext, start: Evaluation, a: Appender, header: string): DraftResult {
  const base = { rules: a.kept, before: start.split(), rejected: a.rejected };
  if (!a.kept.length) return { ...base, text: ctx.text, appended: '', after: start.split() };
  const appended = (ctx.text.endsWith('\n') ? '\n' : '\n\n') + header + '\n' + a.kept.map((r) => r.ruleText).join('\n') + '\n';
  const text = ctx.text + appended;
  return { ...base, text, appended, after: evaluate(ctx, text).split() };
}

/** Drafting by an LLM from the feature statistics and the labellers' reasons. */
export async function draftWithLlm(ctx: RefineContext, llm: LlmOptions & { count?: number }, opts: DraftOptions = {}): Promise<DraftResult> {
  const start = opts.ev ?? evaluate(ctx, ctx.text);
  const prompt = buildDraftPrompt(ctx, { ev: start, count: llm.count ?? opts.maxRules ?? 4 });
  const answer = await askForRules(prompt, llm, (text) => {
    const c = checkAddedRule(ctx, start, text);
    return c.ok ? [] : c.errors;
  });
  const a = new Appender(ctx, start, opts.minGain);
  for (const w of answer.invalid) a.rejected.push({ ruleText: w.text, reason: `invalid: ${w.errors.join(' ')}` });
  for (const text of answer.valid) a.add(text);
  const r = finish(ctx, start, a, `# Drafted from the labelled data by ${llm.model}; refine with \`arl learn\`.`);
  return { ...r, rationale: answer.rationale, tokens: answer.tokens, error: answer.error };
}
