// "ARL: Label Series with LLM" and "ARL: Show Labelling Prompt" in the server, where the data is.
// Off in untrusted workspaces; the key comes from the server's environment (secret storage).
import type { Analysis } from '../../engine/analyze';
import { labelPromptText } from '../../labels/prompt';
import { planRun, plotProblem, preparePrompt, readContext, runLabelling, selectTasks, type LabelTask } from '../../labels/run';
import { warningKey, type LlmWarning } from '../../refine/models';
import type { LabelParams, LabelPlan, LabelPromptResult, LabelRunResult } from '../protocol';
import { restrictedMessage, type Trust } from '../trust';

type Failure = { error: { code: string; message: string } };

/** The points, the context and the first prompt; or why labelling cannot start. */
async function prepare(a: Analysis, p: LabelParams, trust: Trust): Promise<Failure | { tasks: LabelTask[]; context: string; problems: string[] }> {
  const fail = (code: string, message: string): Failure => ({ error: { code, message } });
  if (!trust.trusted) return fail('untrusted', restrictedMessage);
  if (!a.data || !a.datasetPath) return fail('no-data', a.dataError ? `The dataset cannot be read: ${a.dataError.message}` : 'This file names no dataset: add a `dataset "file.csv" { ... }` block.');
  if (!a.check.dataset.columns.label) return fail('no-label', 'The dataset block names no label column: add `label = COLUMN` (the column may be empty) so the labels have a place.');
  const unplottable = plotProblem(a);
  if (unplottable) return fail('no-plot', unplottable);
  const access = trust.analyzeOptions(a.path).access!;
  const context = await readContext(a, access);
  if ('error' in context) return fail('context', context.error);
  const { tasks, problems } = selectTasks(a, { series: p.series, budget: p.budget });
  return { tasks, context: context.text, problems };
}

export async function labelPlan(a: Analysis, p: LabelParams, trust: Trust): Promise<LabelPlan | Failure> {
  const r = await prepare(a, p, trust);
  if ('error' in r) return r;
  const first = r.tasks.length ? await preparePrompt(a, r.tasks[0], r.context) : undefined;
  const plan = planRun(r.tasks, first, p.models.length, p.votes, p.maxRequests ?? 300);
  return { points: plan.tasks.length, capped: plan.capped, requests: plan.requests, perRequest: plan.perRequest, tokens: plan.tokens, problems: r.problems };
}

export async function labelPrompt(a: Analysis, p: LabelParams, trust: Trust): Promise<LabelPromptResult> {
  const r = await prepare(a, p, trust);
  if ('error' in r) return { text: r.error.message };
  const task = r.tasks[0];
  if (!task) return { text: `Nothing to label: ${r.problems[0] ?? 'every chosen point has a label or an LLM decision already.'}` };
  const prompt = await preparePrompt(a, task, r.context);
  const head = `This is sent to the Anthropic Messages API (${p.models.join(', ')}), with your API key in a header, for each point chosen; here, series ${task.series} at ${task.time}.`;
  return { text: `${head}\n\n${labelPromptText(prompt, p.models, p.votes)}`, image: prompt.image, series: task.series, time: task.time };
}

export async function labelSeries(a: Analysis, p: LabelParams, trust: Trust, signal: AbortSignal, progress: (done: number, total: number, message: string) => void): Promise<LabelRunResult> {
  const empty = { points: 0, capped: 0, requests: 0, perRequest: { input: 0, output: 0 }, tokens: { input: 0, output: 0 }, problems: [] };
  const base: LabelRunResult = { plan: empty, accepted: 0, review: 0, failed: 0, requests: 0, tokens: { input: 0, output: 0 }, cancelled: false };
  const apiKey = process.env.ANTHROPIC_API_KEY;
  if (trust.trusted && !apiKey) return { ...base, error: { code: 'auth', message: 'No Anthropic API key: run "ARL: Set Anthropic API Key" (or set ANTHROPIC_API_KEY for the CLI).' } };
  const r = await prepare(a, p, trust);
  if ('error' in r) return { ...base, ...r };
  const first = r.tasks.length ? await preparePrompt(a, r.tasks[0], r.context) : undefined;
  const plan = planRun(r.tasks, first, p.models.length, p.votes, p.maxRequests ?? 300);
  const planOut: LabelPlan = { points: plan.tasks.length, capped: plan.capped, requests: plan.requests, perRequest: plan.perRequest, tokens: plan.tokens, problems: r.problems };
  const warnings = new Map<string, LlmWarning>();
  const res = await runLabelling(a, plan.tasks, {
    models: p.models,
    votes: p.votes,
    llm: { apiKey: apiKey!, baseURL: p.baseUrl || undefined, signal, onWarning: (w) => void warnings.set(warningKey(w), w) },
    context: r.context,
    roots: trust.workspaceOf(a.path),
    onProgress(done, total, o) {
      const d = o.decision;
      const what = d.status === 'accepted' ? (d.label === 1 ? 'anomaly' : 'normal') : d.status === 'review' ? 'to review' : `failed: ${o.failures[0]?.message ?? ''}`;
      progress(done, total, `${o.task.series} @ ${o.task.time}: ${what}`);
    },
  });
  return {
    plan: planOut,
    accepted: res.accepted,
    review: res.review,
    failed: res.failed,
    requests: res.requests,
    tokens: res.tokens,
    cancelled: res.cancelled,
    stopped: res.stopped,
    warnings: warnings.size ? [...warnings.values()] : undefined,
  };
}
