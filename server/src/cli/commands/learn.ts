// `arl learn FILE (--rule R | --all)`: refines rules against the labelled data, headless, and
// writes the chosen versions back into the file (or to --out), recording every attempt.
import { promises as fs } from 'node:fs';
import { relative, resolve } from 'node:path';
import { parse } from '../../../../grammar/src/parse';
import type { Analysis } from '../../engine/analyze';
import { contextFromAnalysis, RefineError, type RefineContext } from '../../refine/context';
import { learn, llmProposer, offlineProposer, type AllFigures, type LearnResult, type Proposer } from '../../refine/learn';
import type { LlmOptions } from '../../refine/llm';
import { appendAttempt, readTrajectory, trajectoryPath } from '../../refine/trajectory';
import { UsageError, write, type Command, type Io, type OptionValues } from '../command';
import { learnReporter, stopText } from '../learnProgress';
import { f1Of } from '../../refine/context';
import { analyzeFile, fmt, printIssues, readRuleFile, table, type RuleFile } from '../shared';

export const defaultModel = 'claude-sonnet-4-5';

/** A number option: absent gives the default; anything else must pass `ok`. */
export function numberOption(values: OptionValues, name: string, fallback: number, ok: (n: number) => boolean, what: string): number {
  const v = values[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isFinite(n) || !ok(n)) throw new UsageError(`--${name} takes ${what}.`);
  return n;
}

/** The LLM settings from the environment; a clear message when the key is missing. */
export function llmFromEnv(io: Io, model: string): LlmOptions | string {
  const apiKey = io.env.ANTHROPIC_API_KEY;
  if (!apiKey) return 'the anthropic proposer needs an API key: set ANTHROPIC_API_KEY (and ANTHROPIC_BASE_URL to use another endpoint), or use --proposer offline.';
  return { apiKey, baseURL: io.env.ANTHROPIC_BASE_URL || undefined, model, signal: io.signal };
}

/** Reads and analyses a rule file; prints its errors; the refinement context, or an exit code. */
export async function loadForRefine(arg: string | undefined, io: Io, command: string): Promise<{ file: RuleFile; a: Analysis; ctx: RefineContext } | number> {
  const file = await readRuleFile(arg, io);
  const a = await analyzeFile(file, io);
  const errors = printIssues(file, a.issues.filter((i) => i.severity === 'error'), io);
  if (errors) {
    write(io.stderr, `arl ${command}: fix the errors above first.`);
    return 1;
  }
  try {
    return { file, a, ctx: contextFromAnalysis(a) };
  } catch (e) {
    if (e instanceof RefineError) {
      write(io.stderr, `arl ${command}: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

/** `target` with each rule named in `names` replaced by its version in `learned`; the rest untouched. */
export function replaceRules(target: string, learned: string, names: string[]): string {
  const from = new Map(parse(learned).file.rules.flatMap((r) => (r.name ? [[r.name.name, learned.slice(r.start, r.end)] as const] : [])));
  const spans = parse(target)
    .file.rules.filter((r) => r.name && names.includes(r.name.name) && from.has(r.name.name))
    .sort((x, y) => y.start - x.start);
  let out = target;
  for (const r of spans) out = out.slice(0, r.start) + from.get(r.name!.name)! + out.slice(r.end);
  return out;
}

function figuresTable(before: AllFigures, after: AllFigures): string {
  const rows = (['train', 'validation', 'test'] as const).map((s) => [
    s === 'test' ? 'test (read once, for this report)' : s,
    fmt(before[s].precision),
    fmt(before[s].recall),
    fmt(before[s].f1),
    fmt(after[s].precision),
    fmt(after[s].recall),
    fmt(after[s].f1),
  ]);
  return table(['split', 'P before', 'R before', 'F1 before', 'P after', 'R after', 'F1 after'], rows);
}

interface SummaryContext {
  file: string;
  proposer: string;
  rules: string[];
  patience: number;
}

/** The searches, one row each; the chosen one marked. */
function searchesTable(r: LearnResult, patience: number): string {
  const rows = r.runs.map((x, k) => [
    `${x.restart + 1}${k === r.chosen ? ' (chosen)' : ''}`,
    String(x.iterations),
    String(x.accepted),
    fmt(f1Of(x.figures.train)),
    fmt(f1Of(x.figures.validation)),
    stopText(x.stoppedBy, patience),
  ]);
  return table(['search', 'iterations', 'changes kept', 'train F1', 'validation F1', 'stopped'], rows);
}

function summary(r: LearnResult, io: Io, c: SummaryContext, written: string | undefined, trajectory: string, changedRules: string[]): string {
  const secs = (r.durationMs / 1000).toFixed(1);
  const what = c.rules.length === 1 ? `rule \`${c.rules[0]}\`` : `${c.rules.length} rules`;
  const searches = r.runs.length === 1 ? '1 search' : `${r.runs.length} searches`;
  const tokens = r.tokens.input || r.tokens.output ? ` (${r.tokens.input} input + ${r.tokens.output} output tokens)` : '';
  const where = relative(io.cwd, trajectory) || trajectory;
  const lines = [
    `Learned ${what} of ${c.file} with the ${c.proposer} proposer: ${searches}, ${secs} s${tokens}.`,
    '',
    'File-level precision, recall and F1:',
    figuresTable(r.before, r.after),
    '',
    searchesTable(r, c.patience),
    ...(r.runs.length > 1 && r.chosen >= 0 ? [`Chosen on validation: search ${r.chosen + 1}.`] : []),
    '',
    changedRules.length ? `Changed: ${changedRules.map((n) => `\`${n}\``).join(', ')}.` : 'No rule changed.',
    ...(written ? [`Wrote ${relative(io.cwd, written) || written}.`] : []),
    `${r.attempts} attempt${r.attempts === 1 ? '' : 's'} recorded (${r.accepted} kept) in ${where}: see them with \`arl history ${c.file}\`.`,
  ];
  return lines.join('\n');
}

export const learnCommand: Command = {
  name: 'learn',
  summary: 'Refine rules against the labelled data and write the best versions back',
  usage: `Usage: arl learn FILE (--rule R ... | --all) [options]

Iterates on the train split: analyses each rule's behaviour, asks the proposer for new versions,
and accepts a change only when it raises the file's F1 on train while the train-validation gap
stays within --max-gap. Stops at --target-f1, after --patience iterations without gain, or after
--iterations. With --candidates M, M searches run (each from a different first move) and the
final rules are chosen on the validation split; the test split is read once, at the end, for the
report. The chosen rules replace the old ones in FILE (only the rule texts change) or go to
--out; every attempt is appended to .arl/<file>.trajectory.jsonl. On a terminal, a status line
shows the search, the iteration and the best F1 so far on train and validation. Ctrl-C stops and
keeps the best rules found so far.

Options:
  --rule R          a rule to learn (repeatable)
  --all             learn every rule
  --proposer P      offline (default: deterministic search, no network) or anthropic
                    (reads ANTHROPIC_API_KEY, and ANTHROPIC_BASE_URL when set)
  --model M         the anthropic model (default ${defaultModel})
  --iterations N    most iterations per search (default 10)
  --target-f1 X     stop once train F1 reaches X (default 1)
  --patience K      stop after K iterations without gain (default 3)
  --candidates M    independent searches, chosen between on validation (default 1)
  --max-gap G       largest train-validation F1 gap allowed (default 0.1)
  --out FILE        write the result there instead of changing FILE`,
  options: {
    rule: { type: 'string', multiple: true },
    all: { type: 'boolean' },
    proposer: { type: 'string' },
    model: { type: 'string' },
    iterations: { type: 'string' },
    'target-f1': { type: 'string' },
    patience: { type: 'string' },
    candidates: { type: 'string' },
    'max-gap': { type: 'string' },
    out: { type: 'string' },
  },
  async run(positionals, values, io) {
    const rules = (values.rule as string[] | undefined) ?? [];
    if (!values.all && !rules.length) throw new UsageError('name the rules to learn with --rule R, or --all.');
    if (values.all && rules.length) throw new UsageError('give --rule or --all, not both.');
    const proposerName = (values.proposer as string | undefined) ?? 'offline';
    if (proposerName !== 'offline' && proposerName !== 'anthropic') throw new UsageError('--proposer takes offline or anthropic.');
    const int = (n: number) => Number.isInteger(n) && n >= 1;
    const iterations = numberOption(values, 'iterations', 10, int, 'a whole number of at least 1');
    const patience = numberOption(values, 'patience', 3, int, 'a whole number of at least 1');
    const candidates = numberOption(values, 'candidates', 1, int, 'a whole number of at least 1');
    const targetF1 = numberOption(values, 'target-f1', 1, (n) => n > 0 && n <= 1, 'a number above 0, at most 1');
    const maxGap = numberOption(values, 'max-gap', 0.1, (n) => n >= 0 && n <= 1, 'a number between 0 and 1');
    let proposer: Proposer;
    if (proposerName === 'anthropic') {
      const llm = llmFromEnv(io, (values.model as string | undefined) ?? defaultModel);
      if (typeof llm === 'string') {
        write(io.stderr, `arl learn: ${llm}`);
        return 2;
      }
      proposer = llmProposer(llm);
    } else proposer = offlineProposer();

    const loaded = await loadForRefine(positionals[0], io, 'learn');
    if (typeof loaded === 'number') return loaded;
    const { file, ctx } = loaded;
    const known = new Set(loaded.a.program.rules.map((r) => r.name));
    for (const r of rules) if (!known.has(r)) throw new UsageError(`no rule \`${r}\` in ${positionals[0]}; its rules: ${[...known].join(', ')}.`);

    const history = (await readTrajectory(file.path)).attempts;
    const reporter = learnReporter(io.stderr, patience);
    let result: LearnResult;
    try {
      result = await learn(ctx, {
        rules,
        proposer,
        iterations,
        targetF1,
        patience,
        candidates,
        maxGap,
        signal: io.signal,
        history,
        ruleFile: file.path,
        runId: `learn-${new Date().toISOString()}`,
        record: (a) => appendAttempt(file.path, a),
        onProgress: (p) => reporter.onProgress(p),
        onSearchDone: (run, searches) => reporter.onSearchDone(run, searches),
      });
    } finally {
      reporter.done();
    }
    for (const e of new Set(result.errors)) write(io.stderr, `arl learn: ${e}`);

    const names = rules.length ? rules : [...known];
    const before = new Map(parse(file.text).file.rules.map((r) => [r.name?.name, file.text.slice(r.start, r.end)]));
    const after = new Map(parse(result.text).file.rules.map((r) => [r.name?.name, result.text.slice(r.start, r.end)]));
    const changed = names.filter((n) => before.get(n) !== after.get(n));
    const out = values.out ? resolve(io.cwd, values.out as string) : file.path;
    let written: string | undefined;
    if (changed.length || values.out) {
      // Re-read: the file may have been edited meanwhile; only the learned rules are replaced.
      const current = out === file.path ? await fs.readFile(file.path, 'utf8') : file.text;
      await fs.writeFile(out, replaceRules(current, result.text, changed), 'utf8');
      written = out;
    }
    const shown = relative(io.cwd, file.path) || file.path;
    write(io.stdout, summary(result, io, { file: shown, proposer: proposerName, rules: names, patience }, written, trajectoryPath(file.path), changed));
    if (result.cancelled) return 130;
    return result.errors.length && !result.accepted ? 1 : 0;
  },
};
