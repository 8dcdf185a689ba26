// `arl learn FILE (--rule R | --all)`: refines rules against the labelled data, headless, and
// writes the chosen versions back into the file (or to --out), recording every attempt.
import { promises as fs } from 'node:fs';
import { basename, dirname, relative, resolve } from 'node:path';
import { parse } from '../../../../grammar/src/parse';
import type { Analysis } from '../../engine/analyze';
import { scoreText } from '../../engine/rescore';
import type { Scores } from '../../engine/metrics';
import { contextFromAnalysis, objOf, RefineError, type Figures, type RefineContext } from '../../refine/context';
import { refreshExplanations, removeRule } from '../../refine/discover';
import { dropNewlyUnusedLets, learn, llmProposer, offlineProposer, type AllFigures, type LearnResult, type Proposer } from '../../refine/learn';
import type { LlmOptions } from '../../refine/llm';
import { defaultModel, describeWarning, isDefaultBaseUrl, warningKey } from '../../refine/models';
import { checkArlFile, replaceFile, writeOutput } from '../../io/safefs';
import { appendAttempt, readTrajectory, trajectoryPath } from '../../refine/trajectory';
import { UsageError, write, type Command, type Io, type OptionValues } from '../command';
import { learnReporter, stopText } from '../learnProgress';
import { allowOutsideOption, allowOutsideUsage, analyzeFile, fmt, printIssues, readRuleFile, table, type RuleFile } from '../shared';

/** A number option: absent gives the default; anything else must pass `ok`. */
export function numberOption(values: OptionValues, name: string, fallback: number, ok: (n: number) => boolean, what: string): number {
  const v = values[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isFinite(n) || !ok(n)) throw new UsageError(`--${name} takes ${what}.`);
  return n;
}

/**
 * The LLM settings from the environment; a clear message when the key is missing. What the SDK
 * warns about is said once, in one line on stderr, and so is a base URL other than the default.
 */
export function llmFromEnv(io: Io, model: string, command: string): LlmOptions | string {
  const apiKey = io.env.ANTHROPIC_API_KEY;
  if (!apiKey) return 'the anthropic proposer needs an API key: set ANTHROPIC_API_KEY (and ANTHROPIC_BASE_URL to use another endpoint), or use --proposer offline.';
  const said = new Set<string>();
  const onWarning: LlmOptions['onWarning'] = (w) => {
    if (said.has(warningKey(w))) return;
    said.add(warningKey(w));
    write(io.stderr, `arl ${command}: warning: ${describeWarning(w, '--model')}`);
  };
  const baseURL = io.env.ANTHROPIC_BASE_URL || undefined;
  // The key goes wherever the base URL points: say so once.
  if (baseURL && !isDefaultBaseUrl(baseURL)) write(io.stderr, `arl ${command}: note: requests and the API key go to ${baseURL} (set by ANTHROPIC_BASE_URL), not to Anthropic's API.`);
  return { apiKey, baseURL, model, signal: io.signal, onWarning };
}

/** Reads and analyses a rule file; prints its errors; the refinement context, or an exit code. */
export async function loadForRefine(arg: string | undefined, io: Io, command: string, values: OptionValues): Promise<{ file: RuleFile; a: Analysis; ctx: RefineContext } | number> {
  const file = await readRuleFile(arg, io);
  const a = await analyzeFile(file, io, { values });
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

/** The texts of every declaration but the rules named in `names` and the lets, in order. */
function otherDecls(text: string, names: string[]): string[] {
  return parse(text)
    .file.decls.filter((d) => d.kind !== 'let' && !(d.kind === 'rule' && d.name && names.includes(d.name.name)))
    .map((d) => text.slice(d.start, d.end));
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

/** A rule declaration of `text` with the comment lines just above it. */
function ruleBlock(text: string, name: string): string {
  const r = parse(text).file.rules.find((d) => d.name?.name === name);
  if (!r) return '';
  let start = text.lastIndexOf('\n', r.start - 1) + 1;
  while (start > 0) {
    const prev = text.lastIndexOf('\n', start - 2) + 1;
    if (!/^\s*#/.test(text.slice(prev, start - 1))) break;
    start = prev;
  }
  return text.slice(start, r.end);
}

export interface RuleChanges {
  changed: string[];
  added: string[];
  removed: string[];
}

/** What learning did to the rules, from `start` to `learned`. */
export function ruleChanges(start: string, learned: string): RuleChanges {
  const texts = (t: string) => new Map(parse(t).file.rules.flatMap((r) => (r.name ? [[r.name.name, t.slice(r.start, r.end)] as const] : [])));
  const a = texts(start);
  const b = texts(learned);
  return {
    changed: [...a.keys()].filter((n) => b.has(n) && a.get(n) !== b.get(n)),
    added: [...b.keys()].filter((n) => !a.has(n)),
    removed: [...a.keys()].filter((n) => !b.has(n)),
  };
}

/**
 * The learned changes made to `current` (the file as it is now, perhaps edited meanwhile): changed
 * rules replaced, removed rules (and the lets only they used) taken out, added rules appended.
 * Undefined when that would touch any other declaration.
 */
export function mergeLearned(current: string, learned: string, c: RuleChanges): string | undefined {
  let out = replaceRules(current, learned, c.changed);
  for (const n of c.removed) out = removeRule(out, n);
  out = dropNewlyUnusedLets(current, out);
  for (const n of c.added) {
    const block = ruleBlock(learned, n);
    if (!block) return undefined;
    out += (out.endsWith('\n\n') ? '' : out.endsWith('\n') ? '\n' : '\n\n') + block + '\n';
  }
  out = refreshExplanations(out);
  const touched = [...c.changed, ...c.removed, ...c.added];
  if (otherDecls(current, touched).join('\u0000') !== otherDecls(out, touched).join('\u0000')) return undefined;
  const lets = (t: string) => parse(t).file.lets.map((l) => t.slice(l.start, l.end));
  const before = new Set(lets(current));
  if (!lets(out).every((l) => before.has(l))) return undefined;
  return out;
}

function asFigures(s: Scores): Figures {
  return { tp: s.tp, fp: s.fp, fn: s.fn, tn: s.tn, precision: s.precision, recall: s.recall, f1: s.f1, objective: s.objective };
}

function figuresTable(before: AllFigures, after: AllFigures, objective: string): string {
  const withObjective = objective !== 'point F1';
  const rows = (['train', 'validation', 'test'] as const).map((s) => [
    s === 'test' ? 'test (read once, for this report)' : s,
    fmt(before[s].precision),
    fmt(before[s].recall),
    fmt(before[s].f1),
    fmt(after[s].precision),
    fmt(after[s].recall),
    fmt(after[s].f1),
    ...(withObjective ? [fmt(before[s].objective), fmt(after[s].objective)] : []),
  ]);
  return table(['split', 'P before', 'R before', 'F1 before', 'P after', 'R after', 'F1 after', ...(withObjective ? [`${objective} before`, `${objective} after`] : [])], rows);
}

interface SummaryContext {
  file: string;
  proposer: string;
  /** The rules learned (with --all, those the file started with). */
  rules: string[];
  patience: number;
}

/** The searches, one row each, on the objective; the chosen one marked. */
function searchesTable(r: LearnResult, patience: number): string {
  const rows = r.runs.map((x, k) => [
    `${x.restart + 1}${k === r.chosen ? ' (chosen)' : ''}`,
    String(x.iterations),
    String(x.accepted),
    fmt(objOf(x.figures.train)),
    fmt(objOf(x.figures.validation)),
    stopText(x.stoppedBy, patience),
  ]);
  return table(['search', 'iterations', 'changes kept', `train ${r.objective}`, `validation ${r.objective}`, 'stopped'], rows);
}

function summary(r: LearnResult, all: { before: AllFigures; after: AllFigures }, io: Io, c: SummaryContext, written: string | undefined, trajectory: string, changes: RuleChanges): string {
  const secs = (r.durationMs / 1000).toFixed(1);
  const what = c.rules.length === 1 ? `rule \`${c.rules[0]}\`` : c.rules.length ? `${c.rules.length} rules` : 'new rules';
  const searches = r.runs.length === 1 ? '1 search' : `${r.runs.length} searches`;
  const tokens = r.tokens.input || r.tokens.output ? ` (${r.tokens.input} input + ${r.tokens.output} output tokens)` : '';
  const where = relative(io.cwd, trajectory) || trajectory;
  const names = (xs: string[]) => xs.map((n) => `\`${n}\``).join(', ');
  const lines = [
    `Learned ${what} of ${c.file} with the ${c.proposer} proposer: ${searches}, ${secs} s${tokens}.`,
    '',
    'File-level precision, recall and F1:',
    figuresTable(all.before, all.after, r.objective),
    '',
    `Objective: ${r.objective}. Test was read once, for this table, after learning.`,
    '',
    searchesTable(r, c.patience),
    r.runs.length > 1 && r.chosen >= 0 ? `Chosen on validation: search ${r.chosen + 1}.` : undefined,
    r.selection && r.selection.value < r.selection.best - 1e-12
      ? `Chosen: the simplest of ${r.selection.versions} versions within one standard error of the best on validation (${r.objective} ${r.selection.value.toFixed(3)} against ${r.selection.best.toFixed(3)}).`
      : undefined,
    r.polish?.moved.length
      ? `Rounded on train and validation together: ${r.polish.moved.map((m) => `${m.rule} ${m.from} -> ${m.to}`).join(', ')}; the validation figures are not held out.`
      : undefined,
    r.refit ? `Refitted on train and validation: ${r.refit.moved.length} threshold${r.refit.moved.length === 1 ? '' : 's'} moved; the validation figures are not held out.` : undefined,
    '',
    changes.changed.length ? `Changed: ${names(changes.changed)}.` : !changes.added.length && !changes.removed.length ? 'No rule changed.' : undefined,
    changes.added.length ? `Added: ${names(changes.added)}.` : undefined,
    changes.removed.length ? `Removed: ${names(changes.removed)}.` : undefined,
    written ? `Wrote ${relative(io.cwd, written) || written}.` : undefined,
    `${r.attempts} attempt${r.attempts === 1 ? '' : 's'} recorded (${r.accepted} kept) in ${where}: see them with \`arl history ${c.file}\`.`,
  ].filter((l) => l !== undefined);
  return lines.join('\n');
}

export const learnCommand: Command = {
  name: 'learn',
  summary: 'Refine rules against the labelled data and write the best versions back',
  usage: `Usage: arl learn FILE (--rule R ... | --all) [options]

Iterates on the file's objective (point F1, event F1 or F-beta: the dataset block's objective):
analyses each rule's behaviour, asks the proposer for new versions, and accepts a change only
when the objective on train, less a cost per condition and per rule, rises by at least
--min-gain and the objective on validation does not fall; among the changes that pass, the one
best on validation is taken. The offline proposer also offers a rule back what it lost earlier in
the search (a condition, a disjunct), with the thresholds beside it tuned again. With --all,
learning may also add rules (discovered from the data offline, in an iteration where no edit of
the rules was accepted) and remove rules. Stops at --target-f1, after --patience iterations without gain, or
after --iterations. With --candidates M, M searches run (each from a different first move), and
the one whose best version is best on validation is chosen. The final rules are the simplest
version it met whose objective on validation is within one bootstrap standard error of the best; their thresholds
are then fitted again on train and validation together when the objective is point_f1 (--refit for
any objective, --no-refit never); validation figures are then no longer held out. The test split is read once, after
learning, for the report. The learned rules go into FILE (only rules change, and lets no rule uses any more) or to
--out; every attempt is appended to .arl/<file>.trajectory.jsonl. On a terminal, a status line
shows the search, the iteration and the best objective so far on train and validation. Ctrl-C
stops and keeps the best rules found so far.

Options:
  --rule R          a rule to learn (repeatable)
  --all             learn every rule
  --proposer P      offline (default: deterministic search, no network) or anthropic
                    (reads ANTHROPIC_API_KEY, and ANTHROPIC_BASE_URL when set)
  --model M         the anthropic model (default ${defaultModel})
  --iterations N    most iterations per search (default 10)
  --target-f1 X     stop once the objective on train reaches X (default 1)
  --patience K      stop after K iterations without gain (default 3)
  --candidates M    independent searches, chosen between on validation (default 1)
  --min-gain X      least rise of the train objective, with the complexity cost (default 0.002)
  --max-gap G       also refuse changes leaving a train-validation gap above G (default: none)
  --no-discover     with --all: only edit the rules, never add or remove one
  --refit           after the choice, refit the thresholds on train and validation together
                    (the default when the objective is point_f1)
  --no-refit        keep the thresholds the search chose on train
  --out FILE        write the result there instead of changing FILE
${allowOutsideUsage}`,
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
    'min-gain': { type: 'string' },
    'no-discover': { type: 'boolean' },
    'no-refit': { type: 'boolean' },
    refit: { type: 'boolean' },
    out: { type: 'string' },
    ...allowOutsideOption,
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
    const maxGap = values['max-gap'] === undefined ? undefined : numberOption(values, 'max-gap', 1, (n) => n >= 0 && n <= 1, 'a number between 0 and 1');
    const minGain = numberOption(values, 'min-gain', 0.002, (n) => n > 0 && n < 1, 'a number above 0, below 1');
    if (values['no-discover'] && !values.all) throw new UsageError('--no-discover goes with --all.');
    if (values.refit && values['no-refit']) throw new UsageError('--refit and --no-refit contradict each other: give one.');
    let proposer: Proposer;
    if (proposerName === 'anthropic') {
      const llm = llmFromEnv(io, (values.model as string | undefined) ?? defaultModel, 'learn');
      if (typeof llm === 'string') {
        write(io.stderr, `arl learn: ${llm}`);
        return 2;
      }
      proposer = llmProposer(llm);
    } else proposer = offlineProposer();

    const loaded = await loadForRefine(positionals[0], io, 'learn', values);
    if (typeof loaded === 'number') return loaded;
    const { file, ctx } = loaded;
    const known = new Set(loaded.a.program.rules.map((r) => r.name));
    for (const r of rules) if (!known.has(r)) throw new UsageError(`no rule \`${r}\` in ${positionals[0]}; its rules: ${[...known].join(', ')}.`);

    // A trajectory that cannot be written (a link planted in .arl/) stops before any work.
    await checkArlFile(dirname(file.path), `${basename(file.path)}.trajectory.jsonl`);
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
        minGain,
        discover: !!values.all && !values['no-discover'],
        refit: values.refit ? true : values['no-refit'] ? false : undefined,
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

    // The test split, read once, now that learning is over: the figures before and after.
    const test = (text: string) => asFigures(scoreText(loaded.a.data!, loaded.a.shares, text, 'test').file);
    const all = { before: { ...result.before, test: test(file.text) }, after: { ...result.after, test: test(result.text) } };
    const changes = ruleChanges(file.text, result.text);
    const any = changes.changed.length + changes.added.length + changes.removed.length > 0;
    const out = values.out ? resolve(io.cwd, values.out as string) : file.path;
    let written: string | undefined;
    if (any || values.out) {
      // Re-read: the file may have been edited meanwhile; only the learned rules change.
      const current = out === file.path ? await fs.readFile(file.path, 'utf8') : file.text;
      const text = mergeLearned(current, result.text, changes);
      if (text === undefined) {
        write(io.stderr, `arl learn: the learned rules would change other declarations of ${relative(io.cwd, out) || out}; nothing written.`);
        return 1;
      }
      if (out === file.path) await replaceFile(out, text);
      else await writeOutput(out, text);
      written = out;
    }
    const shown = relative(io.cwd, file.path) || file.path;
    write(io.stdout, summary(result, all, io, { file: shown, proposer: proposerName, rules: rules.length ? rules : [...known], patience }, written, trajectoryPath(file.path), changes));
    if (result.cancelled) return 130;
    return result.errors.length && !result.accepted ? 1 : 0;
  },
};
