// "Refine with LLM" and "Show LLM Prompt" in the server, where the data is. Every candidate the
// model proposes is parsed, checked and scored like a person's edit, and recorded in the trajectory.
import { LineIndex } from '../../../../grammar/src/issues';
import type { Analysis } from '../../engine/analyze';
import { analyzeRule } from '../../refine/behaviour';
import { evaluate } from '../../refine/context';
import { proposeWithLlm } from '../../refine/llm';
import { buildRefinePrompt, promptText } from '../../refine/prompt';
import { appendAttempt, makeAttempt, makeEditRecord, readTrajectory } from '../../refine/trajectory';
import type { RecordAttemptParams, RecordUndoParams, RefineLlmParams, RefineLlmResult } from '../protocol';
import type { RefineService } from '../refine';

export async function refineWithLlm(a: Analysis, p: RefineLlmParams, refine: RefineService, signal: AbortSignal): Promise<RefineLlmResult> {
  const apiKey = process.env.ANTHROPIC_API_KEY;
  if (!apiKey) return { proposals: [], rejected: [], rationale: '', tokens: { input: 0, output: 0 }, error: { code: 'auth', message: 'No Anthropic API key: run "ARL: Set Anthropic API Key" (or set ANTHROPIC_API_KEY for the CLI).' } };
  const ctx = refine.context(a);
  const ev = evaluate(ctx, ctx.text);
  const history = a.path ? (await readTrajectory(a.path, { rule: p.rule })).attempts : [];
  const b = analyzeRule(ctx, p.rule, { ev });
  const r = await proposeWithLlm(ctx, p.rule, { apiKey, baseURL: p.baseUrl || undefined, model: p.model, signal, history, maxGap: refine.maxGap, ev });
  const decl = ev.rule(p.rule)!;
  const before = ctx.text.slice(decl.start, decl.end);
  if (a.path) {
    // Every candidate is an attempt, offered or not; the model's tokens go with the first.
    const common = { rule: p.rule, proposer: 'anthropic', model: p.model, before, analysis: b.summary, figuresBefore: r.before };
    const perCall = r.durationMs / Math.max(1, r.proposals.length + r.rejected.length);
    let first = true;
    const tokens = () => (first ? ((first = false), { tokens: r.tokens }) : {});
    for (const x of r.proposals) {
      await appendAttempt(a.path, makeAttempt(a.path, { ...common, kind: 'llm', title: x.title, after: x.ruleText, figuresAfter: x.after, accepted: true, reason: 'offered: improves train F1 within the gap', durationMs: perCall, ...tokens() }));
    }
    for (const x of r.rejected) {
      await appendAttempt(a.path, makeAttempt(a.path, { ...common, kind: 'llm', title: x.title, after: x.ruleText, figuresAfter: x.after, accepted: false, reason: x.reason, durationMs: perCall, ...tokens() }));
    }
  }
  const index = new LineIndex(a.parse.text);
  return {
    proposals: r.proposals.map((x) => ({ title: x.title, range: index.range(x.edit.start, x.edit.end), newText: x.edit.newText, rule: p.rule, before })),
    rejected: r.rejected.map((x) => ({ title: x.title, reason: x.reason })),
    rationale: r.rationale,
    tokens: r.tokens,
    error: r.error ? { code: r.error.code, message: r.error.message } : undefined,
  };
}

export async function llmPrompt(a: Analysis, rule: string, model: string, refine: RefineService): Promise<string> {
  const ctx = refine.context(a);
  const history = a.path ? (await readTrajectory(a.path, { rule })).attempts : [];
  const prompt = buildRefinePrompt(ctx, rule, { history });
  return `Model: ${model}, temperature 0. This is sent to the Anthropic Messages API, with your API key in a header.\n\n${promptText(prompt)}`;
}

/** An applied proposal: scored again on the text it produced and appended as accepted; its id. */
export async function recordAttempt(a: Analysis, p: RecordAttemptParams, refine: RefineService): Promise<{ id: string } | null> {
  if (!a.path || !refine.canRefine(a, p.rule)) return null;
  const ctx = refine.context(a);
  const after = evaluate(ctx, ctx.text).split();
  const beforeText = ctx.text.replace(p.after, () => p.before);
  const figuresBefore = beforeText !== ctx.text ? evaluate(ctx, beforeText).split() : after;
  const attempt = makeAttempt(a.path, { rule: p.rule, proposer: p.proposer, title: p.title, before: p.before, after: p.after, analysis: '', figuresBefore, figuresAfter: after, accepted: true, reason: 'applied in the editor', durationMs: 0 });
  await appendAttempt(a.path, attempt);
  return { id: attempt.id };
}

/** An undo or redo of an applied proposal, appended as a record of its own. */
export async function recordUndo(a: Analysis, p: RecordUndoParams): Promise<void> {
  if (!a.path) return;
  await appendAttempt(a.path, makeEditRecord(a.path, p.action, { id: p.attempt, rule: p.rule }));
}
