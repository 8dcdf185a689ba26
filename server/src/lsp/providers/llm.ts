// "Refine with LLM" and "Show LLM Prompt" in the server, where the data is. Every candidate the
// model proposes is parsed, checked and scored like a person's edit, and recorded in the trajectory
// (a failed exchange too). In an untrusted workspace nothing is sent, read or written.
import { basename, dirname } from 'node:path';
import { LineIndex } from '../../../../grammar/src/issues';
import type { Analysis } from '../../engine/analyze';
import { analyzeRule } from '../../refine/behaviour';
import { evaluate } from '../../refine/context';
import { proposeWithLlm } from '../../refine/llm';
import { warningKey, type LlmWarning } from '../../refine/models';
import { buildRefinePrompt, promptText } from '../../refine/prompt';
import { checkArlFile } from '../../io/safefs';
import { appendAttempt, makeAttempt, makeEditRecord, readTrajectory } from '../../refine/trajectory';
import type { RecordAttemptParams, RecordUndoParams, RefineLlmParams, RefineLlmResult } from '../protocol';
import type { RefineService } from '../refine';
import { restrictedMessage, type Trust } from '../trust';

const failed = (code: string, message: string): RefineLlmResult => ({ proposals: [], rejected: [], rationale: '', tokens: { input: 0, output: 0 }, error: { code, message } });

export async function refineWithLlm(a: Analysis, p: RefineLlmParams, refine: RefineService, signal: AbortSignal, trust: Trust): Promise<RefineLlmResult> {
  if (!trust.trusted) return failed('untrusted', restrictedMessage);
  const apiKey = process.env.ANTHROPIC_API_KEY;
  if (!apiKey) return failed('auth', 'No Anthropic API key: run "ARL: Set Anthropic API Key" (or set ANTHROPIC_API_KEY for the CLI).');
  if (!refine.canRefine(a, p.rule)) return failed('no-data', `\`${p.rule}\` cannot be refined: it needs a labelled dataset and no errors.`);
  const roots = a.path ? trust.workspaceOf(a.path) : undefined;
  // Nothing is sent when the attempts could not be recorded (a link planted in .arl/).
  if (a.path) await checkArlFile(dirname(a.path), `${basename(a.path)}.trajectory.jsonl`, roots);
  const ctx = refine.context(a);
  const ev = evaluate(ctx, ctx.text);
  const history = a.path ? (await readTrajectory(a.path, { rule: p.rule })).attempts : [];
  const b = analyzeRule(ctx, p.rule, { ev });
  const warnings = new Map<string, LlmWarning>();
  const onWarning = (w: LlmWarning) => void warnings.set(warningKey(w), w);
  const r = await proposeWithLlm(ctx, p.rule, { apiKey, baseURL: p.baseUrl || undefined, model: p.model, signal, history, maxGap: refine.maxGap, ev, onWarning });
  const decl = ev.rule(p.rule)!;
  const before = ctx.text.slice(decl.start, decl.end);
  if (a.path) {
    // Every candidate is an attempt, offered or not; the model's tokens go with the first.
    const common = { rule: p.rule, proposer: 'anthropic', model: p.model, objectiveName: ctx.scoring.objective.label, before, analysis: b.summary, figuresBefore: r.before };
    const record = (x: Parameters<typeof makeAttempt>[1]) => appendAttempt(a.path!, makeAttempt(a.path!, x), { roots });
    if (r.error && r.error.code !== 'cancelled' && !r.proposals.length && !r.rejected.length) {
      await record({ ...common, after: before, accepted: false, reason: `error: ${r.error.message}`, durationMs: r.durationMs, tokens: r.tokens });
    }
    const perCall = r.durationMs / Math.max(1, r.proposals.length + r.rejected.length);
    let first = true;
    const tokens = () => (first ? ((first = false), { tokens: r.tokens }) : {});
    for (const x of r.proposals) {
      await record({ ...common, kind: 'llm', title: x.title, after: x.ruleText, figuresAfter: x.after, accepted: true, reason: 'offered: improves train F1 within the gap', durationMs: perCall, ...tokens() });
    }
    for (const x of r.rejected) {
      await record({ ...common, kind: 'llm', title: x.title, after: x.ruleText, figuresAfter: x.after, accepted: false, reason: x.reason, durationMs: perCall, ...tokens() });
    }
  }
  const index = new LineIndex(a.parse.text);
  return {
    proposals: r.proposals.map((x) => ({ title: x.title, range: index.range(x.edit.start, x.edit.end), newText: x.edit.newText, rule: p.rule, before })),
    rejected: r.rejected.map((x) => ({ title: x.title, reason: x.reason })),
    rationale: r.rationale,
    tokens: r.tokens,
    error: r.error ? { code: r.error.code, message: r.error.message } : undefined,
    warnings: warnings.size ? [...warnings.values()] : undefined,
  };
}

export async function llmPrompt(a: Analysis, rule: string, model: string, refine: RefineService, trust: Trust): Promise<string> {
  if (!refine.canRefine(a, rule)) return `No prompt for \`${rule}\`: ${trust.trusted ? 'it needs a labelled dataset and no errors' : restrictedMessage}.`;
  const ctx = refine.context(a);
  const history = a.path ? (await readTrajectory(a.path, { rule })).attempts : [];
  const prompt = buildRefinePrompt(ctx, rule, { history });
  return `Model: ${model}, temperature 0. This is sent to the Anthropic Messages API, with your API key in a header.\n\n${promptText(prompt)}`;
}

/** An applied proposal: scored again on the text it produced and appended as accepted; its id. */
export async function recordAttempt(a: Analysis, p: RecordAttemptParams, refine: RefineService, trust: Trust): Promise<{ id: string } | null> {
  trust.assertWritable();
  if (!a.path || !refine.canRefine(a, p.rule)) return null;
  const ctx = refine.context(a);
  const after = evaluate(ctx, ctx.text).split();
  const beforeText = ctx.text.replace(p.after, () => p.before);
  const figuresBefore = beforeText !== ctx.text ? evaluate(ctx, beforeText).split() : after;
  const attempt = makeAttempt(a.path, { rule: p.rule, proposer: p.proposer, objectiveName: ctx.scoring.objective.label, title: p.title, before: p.before, after: p.after, analysis: '', figuresBefore, figuresAfter: after, accepted: true, reason: 'applied in the editor', durationMs: 0 });
  await appendAttempt(a.path, attempt, { roots: trust.workspaceOf(a.path) });
  return { id: attempt.id };
}

/** An undo or redo of an applied proposal, appended as a record of its own. */
export async function recordUndo(a: Analysis, p: RecordUndoParams, trust: Trust): Promise<void> {
  trust.assertWritable();
  if (!a.path) return;
  await appendAttempt(a.path, makeEditRecord(a.path, p.action, { id: p.attempt, rule: p.rule }), { roots: trust.workspaceOf(a.path) });
}
