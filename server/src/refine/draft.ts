// Drafting starting rules from labelled data (the seed paper's B.2.1): statistics of features at
// anomalies vs normal points, turned into rules either offline, by a greedy Gini search (each rule a
// short conjunction of feature cuts, covering the anomalies the file still misses), or by an LLM
// given the statistics and the labellers' reasons. Drafts are checked and kept only if they raise
// train F1; the result is the file with the drafts appended.
import { writeName } from '../../../grammar/src/lexer';
import { printExpr } from '../../../grammar/src/print';
import { evaluate, f1Of, type Evaluation, type RefineContext, type SplitFigures } from './context';
import { giniCut } from './cuts';
import { binary, checkAddedRule, declaredNames, join, numberExpr } from './edit';
import { derivedFeatures, trainValues, type Feature } from './features';
import { askForRules, type LlmFailure, type LlmOptions, type Tokens } from './llm';
import { buildDraftPrompt } from './prompt';

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

export interface DraftOptions {
  /** Most rules drafted (default 4). */
  maxRules?: number;
  /** Most conditions in one offline rule (default 3). */
  maxConditions?: number;
  /** An offline rule stops growing once this share of what it flags is anomalous (default 0.85). */
  precision?: number;
  ev?: Evaluation;
}

interface Cond {
  feature: Feature;
  op: '>=' | '<';
  cut: number;
}

function freshName(taken: Set<string>, k: number): string {
  let n = k;
  while (taken.has(`draft_${n}`)) n++;
  taken.add(`draft_${n}`);
  return `draft_${n}`;
}

/** Appends checked rules one by one, keeping those that raise train F1. */
class Appender {
  ev: Evaluation;
  readonly kept: DraftedRule[] = [];
  readonly rejected: { ruleText: string; reason: string }[] = [];

  constructor(
    private readonly ctx: RefineContext,
    start: Evaluation,
  ) {
    this.ev = start;
  }

  add(ruleText: string): boolean {
    const c = checkAddedRule(this.ctx, this.ev, ruleText);
    if (!c.ok) {
      this.rejected.push({ ruleText, reason: `invalid: ${c.errors.join(' ')}` });
      return false;
    }
    const was = f1Of(this.ev.figures('train'));
    const now = f1Of(c.ev.figures('train'));
    if (!(now > was + 1e-9)) {
      this.rejected.push({ ruleText: c.ruleText, reason: `no gain: train F1 ${was.toFixed(3)} -> ${now.toFixed(3)}` });
      return false;
    }
    this.ev = c.ev;
    this.kept.push({ name: c.name, ruleText: c.ruleText, after: c.ev.split() });
    return true;
  }
}

function finish(ctx: RefineContext, start: Evaluation, a: Appender, header: string): DraftResult {
  const base = { rules: a.kept, before: start.split(), rejected: a.rejected };
  if (!a.kept.length) return { ...base, text: ctx.text, appended: '', after: start.split() };
  const appended = (ctx.text.endsWith('\n') ? '\n' : '\n\n') + header + '\n' + a.kept.map((r) => r.ruleText).join('\n') + '\n';
  const text = ctx.text + appended;
  return { ...base, text, appended, after: evaluate(ctx, text).split() };
}

/** Offline drafting: greedy conjunctions of Gini-best cuts over standard features. */
export function draftOffline(ctx: RefineContext, opts: DraftOptions = {}): DraftResult {
  const start = opts.ev ?? evaluate(ctx, ctx.text);
  const features = derivedFeatures(start);
  const idx = start.index('train');
  const y = idx.isAnomaly;
  const values = new Map(features.map((f) => [f, trainValues(start, f.node)]));
  const a = new Appender(ctx, start);
  const taken = declaredNames(start.parse.file);
  const maxRules = opts.maxRules ?? 4;
  for (let r = 0; r < maxRules; r++) {
    const covered = a.ev.fired('train');
    let pool: number[] = [];
    for (let k = 0; k < y.length; k++) if (!covered[k]) pool.push(k);
    const conds: Cond[] = [];
    for (let depth = 0; depth < (opts.maxConditions ?? 3); depth++) {
      let best: { f: Feature; cut: NonNullable<ReturnType<typeof giniCut>> } | undefined;
      for (const f of features) {
        if (conds.some((c) => c.feature === f)) continue;
        const cut = giniCut(values.get(f)!, y, pool);
        if (cut && cut.gain > 1e-12 && cut.keptAnomalies > 0 && (!best || cut.gain > best.cut.gain)) best = { f, cut };
      }
      if (!best) break;
      const v = values.get(best.f)!;
      const { op, cut } = best.cut;
      pool = pool.filter((k) => (op === '>=' ? v[k] >= cut : v[k] < cut));
      conds.push({ feature: best.f, op, cut });
      const pos = pool.reduce((s, k) => s + y[k], 0);
      if (!pool.length || pos / pool.length >= (opts.precision ?? 0.85)) break;
    }
    if (!conds.length) break;
    const name = freshName(taken, r + 1);
    const expr = join(conds.map((c) => binary(c.op, c.feature.expr, numberExpr(c.cut))), 'and');
    const title = `Drafted: ${conds.map((c) => `${c.op === '>=' ? 'high' : 'low'} ${c.feature.text}`).join(', ')}`;
    if (!a.add(`rule ${writeName(name)} ${JSON.stringify(title)} when ${printExpr(expr)}`)) break;
  }
  return finish(ctx, start, a, '# Drafted from the labelled data (offline Gini search); refine with `arl learn`.');
}

/** Drafting by an LLM from the feature statistics and the labellers' reasons. */
export async function draftWithLlm(ctx: RefineContext, llm: LlmOptions & { count?: number }, opts: DraftOptions = {}): Promise<DraftResult> {
  const start = opts.ev ?? evaluate(ctx, ctx.text);
  const prompt = buildDraftPrompt(ctx, { ev: start, count: llm.count ?? opts.maxRules ?? 4 });
  const answer = await askForRules(prompt, llm, (text) => {
    const c = checkAddedRule(ctx, start, text);
    return c.ok ? [] : c.errors;
  });
  const a = new Appender(ctx, start);
  for (const w of answer.invalid) a.rejected.push({ ruleText: w.text, reason: `invalid: ${w.errors.join(' ')}` });
  for (const text of answer.valid) a.add(text);
  const r = finish(ctx, start, a, `# Drafted from the labelled data by ${llm.model}; refine with \`arl learn\`.`);
  return { ...r, rationale: answer.rationale, tokens: answer.tokens, error: answer.error };
}
