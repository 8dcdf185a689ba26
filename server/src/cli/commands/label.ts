// `arl label FILE`: asks one or more Claude models, several times each, whether the chosen points
// of the dataset are anomalies, from a plot of each series and the dataset's business context.
// Labels every model agrees on go to .arl/labels/<dataset>.csv; the rest go there for review.
import { relative, resolve } from 'node:path';
import { projectRoot } from '../../io/access';
import { writeOutput } from '../../io/safefs';
import { labelPromptText } from '../../labels/prompt';
import { planRun, plotProblem, preparePrompt, readContext, runLabelling, selectTasks } from '../../labels/run';
import { sidecarLocation } from '../../labels/sidecar';
import { defaultModel } from '../../refine/models';
import { UsageError, write, type Command } from '../command';
import { allowOutsideOption, allowOutsideUsage, analyzeFile, printIssues, readAccess, readRuleFile } from '../shared';
import { llmFromEnv } from './learn';

function whole(v: unknown, name: string, min: number, max: number, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} takes a whole number from ${min} to ${max}.`);
  return n;
}

const n = (x: number) => x.toLocaleString('en-US');

export const labelCommand: Command = {
  name: 'label',
  summary: 'Label points of the dataset with LLMs (plots and business context; consensus of several models)',
  usage: `Usage: arl label FILE [--series ID]... [--unlabelled] [--budget N] [--time T]
                 [--model M]... [--votes K] [--max-requests N] [--dry-run [--image plot.png]]

For each point chosen (by default the last point of every series that has no label yet), draws
its series as a PNG with the point marked, and asks each model K times, through a tool, whether
the point is an anomaly in the business context (\`context\` in the dataset block) and why. A
model's decision is its majority; a label is kept when every model's majority agrees. Every
decision is appended at once to .arl/labels/<dataset>.csv beside the dataset: accepted ones with
their label, the others blank, for review. Before sending, prints how many requests will be made
and an estimate of the tokens. Ctrl-C stops after the request in flight and keeps what was done.

Options:
  --series ID        label this series (repeatable; default: every series)
  --unlabelled       only points with no label and no LLM decision yet (the default without --series)
  --budget N         at most N points
  --time T           the time to judge in each series, as the dataset writes it (default: its last point)
  --model M          a model to ask (repeatable; default ${defaultModel})
  --votes K          votes per model and point (default 3)
  --max-requests N   at most N requests in all (default 300); points past it are left for later
  --dry-run          print the plan and the first point's prompt; send nothing
  --image PATH       with --dry-run: write the first point's plot as PNG
${allowOutsideUsage}

Reads ANTHROPIC_API_KEY (and ANTHROPIC_BASE_URL when set).`,
  options: {
    series: { type: 'string', multiple: true },
    unlabelled: { type: 'boolean' },
    budget: { type: 'string' },
    time: { type: 'string' },
    model: { type: 'string', multiple: true },
    votes: { type: 'string' },
    'max-requests': { type: 'string' },
    'dry-run': { type: 'boolean' },
    image: { type: 'string' },
    ...allowOutsideOption,
  },
  async run(positionals, values, io) {
    if (positionals.length > 1) throw new UsageError(`one rule file at a time; also got ${positionals.slice(1).join(' ')}.`);
    const votes = whole(values.votes, 'votes', 1, 9, 3);
    const maxRequests = whole(values['max-requests'], 'max-requests', 1, 1_000_000, 300);
    const budget = values.budget === undefined ? undefined : whole(values.budget, 'budget', 1, 10_000_000, 0);
    const models = [...new Set((values.model as string[] | undefined) ?? [defaultModel])];
    if (models.some((m) => !m.trim())) throw new UsageError('--model takes a model name.');
    const dry = values['dry-run'] === true;
    if (values.image && !dry) throw new UsageError('--image goes with --dry-run.');
    if (!dry && !io.env.ANTHROPIC_API_KEY) {
      write(io.stderr, 'arl label: no API key: set ANTHROPIC_API_KEY (and ANTHROPIC_BASE_URL to use another endpoint). --dry-run shows what would be sent without one.');
      return 1;
    }
    const file = await readRuleFile(positionals[0], io);
    const a = await analyzeFile(file, io, { values });
    const errors = printIssues(file, a.issues.filter((i) => i.severity === 'error' || i.code === 'label-file'), io);
    if (errors || !a.data || !a.datasetPath) {
      write(io.stderr, errors ? 'arl label: fix the errors above first.' : 'arl label: no dataset: add a `dataset "file.csv" { ... }` block.');
      return 1;
    }
    if (!a.check.dataset.columns.label) {
      write(io.stderr, 'arl label: the dataset block names no label column: add `label = COLUMN` (the column may be empty) so the labels have a place.');
      return 1;
    }
    const unplottable = plotProblem(a);
    if (unplottable) {
      write(io.stderr, `arl label: ${unplottable}`);
      return 1;
    }
    const context = await readContext(a, await readAccess(file, values, io));
    if ('error' in context) {
      write(io.stderr, `arl label: ${context.error}`);
      return 1;
    }
    const { tasks, problems } = selectTasks(a, { series: values.series as string[] | undefined, unlabelled: values.unlabelled === true ? true : undefined, budget, time: values.time as string | undefined });
    for (const p of problems) write(io.stderr, `arl label: ${p}`);
    if (!tasks.length) {
      write(io.stderr, `arl label: nothing to label${problems.length ? '' : ': every chosen point has a label or an LLM decision already (name series with --series to ask again)'}.`);
      return problems.length ? 1 : 0;
    }
    const first = await preparePrompt(a, tasks[0], context.text);
    const plan = planRun(tasks, first, models.length, votes, maxRequests);
    const cap = plan.capped ? ` (${n(plan.capped)} more left for later by --max-requests ${n(maxRequests)})` : '';
    write(
      io.stderr,
      `arl label: ${n(plan.tasks.length)} point${plan.tasks.length === 1 ? '' : 's'}${cap} x ${models.length} model${models.length === 1 ? '' : 's'} x ${votes} vote${votes === 1 ? '' : 's'} = ${n(plan.requests)} requests, about ${n(plan.perRequest.input)} input and ${n(plan.perRequest.output)} output tokens each (${n(plan.tokens.input)} + ${n(plan.tokens.output)} in all, estimated).`,
    );
    if (dry) {
      write(io.stdout, labelPromptText(first, models, votes));
      if (values.image) {
        const path = resolve(io.cwd, values.image as string);
        await writeOutput(path, Buffer.from(first.image, 'base64'));
        write(io.stderr, `Wrote ${relative(io.cwd, path) || path}: the plot of series ${tasks[0].series} at ${tasks[0].time}.`);
      }
      return 0;
    }
    if (!plan.tasks.length) {
      write(io.stderr, `arl label: --max-requests ${maxRequests} is fewer than the ${models.length * votes} requests one point takes.`);
      return 1;
    }
    const llm = llmFromEnv(io, models[0], 'label');
    if (typeof llm === 'string') throw new Error(llm);
    const { model: _model, ...rest } = llm;
    const roots = [await projectRoot(file.path)];
    const res = await runLabelling(a, plan.tasks, {
      models,
      votes,
      llm: rest,
      context: context.text,
      roots,
      onProgress(done, total, o) {
        const d = o.decision;
        const what = d.status === 'accepted' ? (d.label === 1 ? 'anomaly' : 'normal') : d.status === 'review' ? 'to review' : 'failed';
        const fails = o.failures.map((f) => `${f.model}: ${f.message}`).join(' ');
        write(io.stderr, `[${done}/${total}] ${o.task.series} @ ${o.task.time}: ${what} (${d.votes})${fails ? ` - ${fails}` : ''}`);
      },
    });
    const side = relative(io.cwd, sidecarLocation(a.datasetPath).path);
    const summary = `${res.accepted} accepted, ${res.review} to review, ${res.failed} failed; ${n(res.requests)} requests, ${n(res.tokens.input)} input and ${n(res.tokens.output)} output tokens`;
    if (res.stopped) write(io.stderr, `arl label: ${res.stopped}`);
    if (res.cancelled) write(io.stderr, `arl label: cancelled; the ${res.outcomes.length} points decided are kept in ${side}.`);
    write(io.stderr, `arl label: ${summary}. Labels in ${side}.`);
    return res.stopped || res.cancelled ? 1 : 0;
  },
};
