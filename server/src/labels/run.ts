// Labelling a rule file's dataset with LLMs: which points to ask about, what it will cost, and the
// run itself (plot, votes, consensus, one sidecar write per point). Shared by `arl label` and the
// language server. A cancelled or failed run keeps every label written before it stopped.
import { constants, promises as fs } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Analysis } from '../engine/analyze';
import { formatTime } from '../engine/frame';
import { checkReadable, type ReadAccess } from '../io/access';
import type { LlmOptions, Tokens } from '../refine/llm';
import { askVote, type VoteFailureCode } from './ask';
import { decide, type Decision, type ModelVotes } from './consensus';
import { findPoint, LabelFrom, seriesIndex } from './merge';
import { plotColumns, renderLabelPlot } from './plot';
import { buildLabelPrompt, estimateTokens, type LabelPrompt } from './prompt';
import { appendLabels } from './sidecar';

export interface LabelTask {
  /** Series index in the frame, and the point to judge. */
  s: number;
  point: number;
  series: string;
  time: string;
}

export interface SelectOptions {
  /** These series only (ids). */
  series?: string[];
  /** Only points with no label and no LLM decision yet (the default without `series`). */
  unlabelled?: boolean;
  /** At most this many points. */
  budget?: number;
  /** The time to judge in each series (as the dataset writes it); default: each series' last point. */
  time?: string;
}

/** The points to ask about, and what could not be found (unknown series, a time a series lacks). */
export function selectTasks(a: Analysis, o: SelectOptions): { tasks: LabelTask[]; problems: string[] } {
  const frame = a.data!.frame;
  const overlay = a.data!.labels?.overlay;
  const problems: string[] = [];
  let chosen: number[];
  if (o.series?.length) {
    chosen = [];
    for (const id of o.series) {
      const s = seriesIndex(frame, id);
      if (s < 0) problems.push(`No series \`${id.slice(0, 80)}\` in the dataset.`);
      else chosen.push(s);
    }
  } else chosen = frame.seriesIds.map((_, s) => s);
  const unlabelled = o.unlabelled ?? !o.series?.length;
  const tasks: LabelTask[] = [];
  const cols = plotColumns(a).map((c) => frame.columns.get(c)!);
  let blank = 0;
  for (const s of chosen) {
    if (frame.seriesStart[s + 1] === frame.seriesStart[s]) continue;
    // A series with nothing to draw would send an empty picture.
    let values = false;
    for (let i = frame.seriesStart[s]; i < frame.seriesStart[s + 1] && !values; i++) values = cols.some((c) => c[i] === c[i]);
    if (!values) {
      if (blank++ < 5) problems.push(`Series \`${frame.seriesIds[s].slice(0, 80)}\` has no value to plot; skipped.`);
      continue;
    }
    const point = o.time === undefined ? frame.seriesStart[s + 1] - 1 : findPoint(frame, s, o.time);
    if (point < 0) {
      problems.push(`Series \`${frame.seriesIds[s].slice(0, 80)}\` has no point at ${o.time}.`);
      continue;
    }
    const labelled = overlay ? overlay.from[point] !== LabelFrom.none || overlay.llm.has(point) : !!frame.label && frame.label[point] === frame.label[point];
    if (unlabelled && labelled) continue;
    tasks.push({ s, point, series: frame.seriesIds[s], time: formatTime(frame, frame.time[point]) });
    if (o.budget !== undefined && tasks.length >= o.budget) break;
  }
  if (blank > 5) problems.push(`${blank - 5} more series with no value to plot skipped.`);
  return { tasks, problems };
}

/** Why the dataset cannot be labelled from plots, or undefined. */
export function plotProblem(a: Analysis): string | undefined {
  if (!plotColumns(a).length) return 'The dataset has no number column to plot: labelling sends a plot of each series, so it needs one.';
  return undefined;
}

/** The longest context file read, in bytes. */
export const maxContextBytes = 16 * 1024;

/** The dataset block's business context: its text, or the file it names (inside `access`). */
export async function readContext(a: Analysis, access: ReadAccess): Promise<{ text: string } | { error: string }> {
  const c = a.check.dataset.context;
  if (!c) return { text: '' };
  if ('text' in c) return { text: c.text };
  const path = resolve(a.path ? dirname(a.path) : '.', c.file);
  const refused = await checkReadable(path, c.file, access);
  if (refused) return { error: refused.replace(/^The dataset/, 'The context file') };
  try {
    const h = await fs.open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
    try {
      const st = await h.stat();
      if (!st.isFile()) return { error: `The context file ${c.file} is not a regular file.` };
      if (st.size > maxContextBytes) return { error: `The context file ${c.file} is ${Math.round(st.size / 1024)} KB; at most ${maxContextBytes / 1024} KB is sent with each plot. Shorten it.` };
      return { text: (await h.readFile('utf8')).trim() };
    } finally {
      await h.close();
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { error: `The context file ${c.file} cannot be read: ${code === 'ENOENT' ? 'no such file' : code === 'ELOOP' ? 'it is a symbolic link' : (e as Error).message}.` };
  }
}

/** The prompt for one point: its plot and the question. */
export async function preparePrompt(a: Analysis, task: LabelTask, context: string): Promise<LabelPrompt> {
  const frame = a.data!.frame;
  const columns = plotColumns(a);
  const png = await renderLabelPlot(frame, task.s, columns, task.point);
  const first = frame.seriesStart[task.s];
  const last = frame.seriesStart[task.s + 1] - 1;
  return buildLabelPrompt(
    {
      dataset: a.datasetPath ? basename(a.datasetPath) : frame.source,
      series: task.series,
      time: task.time,
      columns,
      context,
      length: last - first + 1,
      first: formatTime(frame, frame.time[first]),
      last: formatTime(frame, frame.time[last]),
    },
    png,
  );
}

export interface Plan {
  tasks: LabelTask[];
  /** Points left out by the request cap. */
  capped: number;
  requests: number;
  /** Estimated tokens of the whole run. */
  tokens: Tokens;
  perRequest: Tokens;
}

/** What a run will cost: requests (points x models x votes, within `maxRequests`) and tokens. */
export function planRun(tasks: LabelTask[], sample: LabelPrompt | undefined, models: number, votes: number, maxRequests: number): Plan {
  const per = models * votes;
  const fit = Math.max(0, Math.min(tasks.length, Math.floor(maxRequests / per)));
  const perRequest = sample ? estimateTokens(sample) : { input: 0, output: 0 };
  const requests = fit * per;
  return { tasks: tasks.slice(0, fit), capped: tasks.length - fit, requests, perRequest, tokens: { input: perRequest.input * requests, output: perRequest.output * requests } };
}

export interface TaskOutcome {
  task: LabelTask;
  decision: Decision;
  /** Failures of single votes, as messages (the first of each kind). */
  failures: { model: string; code: VoteFailureCode; message: string }[];
}

export interface RunOptions {
  models: string[];
  votes: number;
  /** Everything of a request but the model. */
  llm: Omit<LlmOptions, 'model'>;
  context: string;
  /** Folders the sidecar's folder must lie in. */
  roots?: string[];
  /** Failed requests in a row that stop the run (default 5). */
  maxFailures?: number;
  onProgress?: (done: number, total: number, last: TaskOutcome) => void;
  now?: () => Date;
}

export interface RunResult {
  outcomes: TaskOutcome[];
  accepted: number;
  review: number;
  failed: number;
  requests: number;
  tokens: Tokens;
  cancelled: boolean;
  /** Why the run stopped early (repeated failures, a refused key). */
  stopped?: string;
  sidecar?: string;
}

/** Failures after which another request cannot do better. */
const fatal = new Set<string>(['auth']);

export async function runLabelling(a: Analysis, tasks: LabelTask[], o: RunOptions): Promise<RunResult> {
  const r: RunResult = { outcomes: [], accepted: 0, review: 0, failed: 0, requests: 0, tokens: { input: 0, output: 0 }, cancelled: false };
  const maxFailures = o.maxFailures ?? 5;
  let inRow = 0;
  const signal = o.llm.signal;
  for (const task of tasks) {
    if (signal?.aborted) {
      r.cancelled = true;
      break;
    }
    const prompt = await preparePrompt(a, task, o.context);
    const models: ModelVotes[] = o.models.map((model) => ({ model, votes: [] }));
    const failures: TaskOutcome['failures'] = [];
    for (const m of models) {
      for (let v = 0; v < o.votes && !r.stopped && !signal?.aborted; v++) {
        const res = await askVote(prompt, { ...o.llm, model: m.model, temperature: o.llm.temperature ?? (o.votes > 1 ? 1 : 0) });
        if (res.error?.code === 'cancelled') break;
        r.requests++;
        r.tokens.input += res.tokens.input;
        r.tokens.output += res.tokens.output;
        if (res.vote) {
          m.votes.push(res.vote);
          inRow = 0;
          continue;
        }
        const e = res.error!;
        m.votes.push({ failed: e.message });
        if (!failures.some((f) => f.model === m.model && f.code === e.code)) failures.push({ model: m.model, code: e.code, message: e.message });
        inRow++;
        if (fatal.has(e.code)) r.stopped = `Stopped: ${e.message}`;
        else if (inRow >= maxFailures) r.stopped = `Stopped after ${inRow} failed requests in a row; the last: ${e.message}`;
      }
    }
    // A point whose votes were cut short (cancelled, or the run stopped) is not decided: it is the one in flight.
    if (signal?.aborted || models.some((m) => m.votes.length < o.votes)) {
      r.cancelled = !!signal?.aborted;
      break;
    }
    const decision = decide(models);
    const outcome: TaskOutcome = { task, decision, failures };
    if (decision.status !== 'failed') {
      r.sidecar = await appendLabels(
        a.datasetPath!,
        [
          {
            series: task.series,
            time: task.time,
            label: decision.status === 'accepted' ? decision.label! : null,
            reason: decision.reason,
            source: `llm:${o.models.join('+')}`,
            votes: decision.votes,
            date: (o.now?.() ?? new Date()).toISOString(),
          },
        ],
        o.roots,
      );
    }
    r[decision.status === 'accepted' ? 'accepted' : decision.status]++;
    r.outcomes.push(outcome);
    o.onProgress?.(r.outcomes.length, tasks.length, outcome);
    if (r.stopped) break;
  }
  return r;
}
