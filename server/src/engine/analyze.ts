// One rule file, end to end: parse, check, load its dataset, compile, evaluate, score.
// The language server, the CLI and the tests all go through here.
import { promises as fs } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { declExpr, walkExpr } from '../../../grammar/src/ast';
import { check, type CheckResult } from '../../../grammar/src/check';
import { excerpt } from '../../../grammar/src/excerpt';
import { issue, type Issue } from '../../../grammar/src/issues';
import { parse, type ParseResult } from '../../../grammar/src/parse';
import { checkReadable, type ReadAccess } from '../io/access';
import { blockLabels, coverage as blockCoverage, finishScores, firingFrom, objectives, type BlockScores, type ScoringPlan } from './blockscore';
import { blockPoints, columnsRead, featuresOf, keptColumns, nodesOf, seriesBlocks, withinBudget } from './blocks';
import { evaluateBlocks, StartedWorkers } from './parallel';
import { Budget, BudgetExceeded, type BudgetLimits } from './budget';
import type { DataError } from './csv';
import { CacheCorrupt } from './cache';
import { hasLabel, schemaOf, type Frame } from './frame';
import { knownBits, labelledBits, labelledPoints, popcount, trueBits } from './points';
import type { Bool } from './kernels';
import { splitExposure, type Objective } from './events';
import { fileObjective, maxPairwiseRules, score, type FileScores, type NamedFlags, type ScoreSplit } from './metrics';
import { compile, type CompiledDecl, type PlanNode, type Program } from './plan';
import { atSessionEnds } from './sessions';
import type { DataSession, DatasetStore } from './store';
import { sidecarProblems } from '../labels/merge';

export interface Timings {
  /** Reading the dataset (0 when it was already loaded). */
  load: number;
  /** Computing the windowed and derived columns the rules use. */
  features: number;
  /** Evaluating the conditions and scoring them. */
  evaluate: number;
}

export interface Analysis {
  /** The .arl file, when it has a path on disk. */
  path?: string;
  parse: ParseResult;
  check: CheckResult;
  program: Program;
  datasetPath?: string;
  data?: DataSession;
  /** Restricted mode (an untrusted workspace): the data was not read. */
  restricted?: boolean;
  dataError?: DataError;
  /** Aligned with program.rules and program.excludes. */
  ruleFlags: NamedFlags[];
  excludeFlags: NamedFlags[];
  /**
   * Every issue. The checks on the flags (rules that never fire, redundant ones, the file below
   * flagging every point) are made when first read: the lenses do not wait for them.
   */
  issues: Issue[];
  timings: Timings;
  /** Metrics on a split, computed on first request. */
  scores(split: ScoreSplit): FileScores | undefined;
  shares: [number, number, number];
}

export interface AnalyzeOptions {
  store: DatasetStore;
  /** Overrides the dataset the file names (`arl run --data`). */
  dataPath?: string;
  /** Throws (any error) to abandon the work, e.g. when a newer edit arrived. */
  checkCancelled?: () => void;
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
  /** Production data: the label and reason columns are not needed (`arl run`). */
  unlabelled?: boolean;
  /**
   * Where the dataset the file names may be read from (default: the rule file's folder; nothing
   * for text without a path). A `dataPath` the user gave is not checked.
   */
  access?: ReadAccess;
  /** Restricted mode: parse and check only, no data read at all. */
  noData?: boolean;
  /** Limits of the evaluation (default: defaultBudget in budget.ts). */
  budget?: BudgetLimits;
  /** Only the CSV's labels: the label sidecar is not merged in. */
  noSidecar?: boolean;
  /** Load and compile only, no rule evaluated (`arl sql`: the query runs elsewhere). */
  compileOnly?: boolean;
  /** The workspace root whose `.arl/cache/` keeps loaded frames (none: no frame cache). */
  cacheRoot?: string;
  /** Write the frame cache in the background, keeping the frame in memory (the language server). */
  cacheWriteBehind?: boolean;
  /** The analysis is used once (the CLI's eval, run, check, plot): features are freed after the flags. */
  oneShot?: boolean;
  /** Number columns no rule reads are not kept in memory (`arl eval`, `check`, `run`: they read no other). */
  onlyMentioned?: boolean;
  /** The bundled csvWorker.ts: a large CSV file's second half is read on a worker thread (csvsplit.ts). */
  csvWorker?: string;
  /**
   * Worker threads for evaluation by blocks: the bundled worker script and how many (parallel.ts).
   * A one-shot run over a data file of `early` bytes or more (default 4 MB) starts them before the
   * data is read, so that their start overlaps the load.
   */
  workers?: { script: string; count: number; early?: number };
  /**
   * An evaluator kept across edits that holds nothing of these plans yet (the language server's
   * first analysis of a file) is filled by blocks, on the worker threads too: the flags and the
   * features are computed block by block and taken into its cache (Evaluator.adopt), so the next
   * edit is computed as after a column-by-column run.
   */
  fillByBlocks?: boolean;
  /** Points per block of a one-shot run (blocks.ts; tests use small blocks). */
  blockPoints?: number;
  /**
   * The caller reads the scores and flags only (`arl eval`), not the frame's labels or times point
   * by point: a frame from the cache then reads only what scoring needs, not those columns.
   */
  scoresOnly?: boolean;
  /**
   * The splits whose scores the caller reads, and nothing else of the flags (`arl eval`: its
   * split; `arl check`: none). A one-shot run by blocks then scores each block on the thread that
   * evaluated it (blockscore.ts), the train split too (the below-baseline warning), and keeps no
   * flag column: ruleFlags and excludeFlags have no flags, and scores() of another split throws.
   */
  scoreSplits?: ScoreSplit[];
  /** Set on the second try after a damaged cache file: what did not check out (internal). */
  retried?: string;
}

const besideRuleFile = (path: string | undefined): ReadAccess => ({
  roots: path ? [dirname(path)] : [],
  howToAllow: () => 'allow its folder',
});

/** Data files from this size on start their block workers before they are read (see analyzeOnce). */
const earlyWorkerBytes = 4 * 1024 * 1024;

export async function analyze(text: string, path: string | undefined, opts: AnalyzeOptions): Promise<Analysis> {
  const early: { workers?: StartedWorkers } = {};
  try {
    return await analyzeOnce(text, path, opts, early);
  } finally {
    // Workers started early and not used (a small frame, an error) are ended.
    early.workers?.stop();
  }
}

async function analyzeOnce(text: string, path: string | undefined, opts: AnalyzeOptions, early: { workers?: StartedWorkers }): Promise<Analysis> {
  // Large files parse and check for seconds: between the stages the event loop gets a turn, and a
  // newer edit can cancel (checkCancelled).
  const breathe = async () => {
    await new Promise((r) => setImmediate(r));
    opts.checkCancelled?.();
  };
  const parsed = parse(text);
  await breathe();
  // The dataset block first (the rules are checked once, against the loaded columns when there are any).
  const spec = check({ ...parsed, issues: [], file: { decls: parsed.file.decls.filter((d) => d.kind === 'dataset'), lets: [], rules: [], excludes: [], tests: [] } }).dataset;
  let checked: CheckResult | undefined;
  const timings: Timings = { load: 0, features: 0, evaluate: 0 };
  let datasetPath: string | undefined;
  let data: DataSession | undefined;
  let dataError: DataError | undefined;
  const own: Issue[] = [];
  const rawPath = opts.dataPath ?? spec.path;
  const at = spec.pathSpan ?? parsed.file.dataset?.keyword ?? { start: 0, end: 0 };
  // What of the frame cache did not check out (the data was then read again from the file).
  let damage = opts.retried;
  if (rawPath) datasetPath = isAbsolute(rawPath) || !path ? resolve(rawPath) : resolve(dirname(path), rawPath);
  if (datasetPath && opts.noData) {
    const message = 'Restricted mode: the data is not read in an untrusted workspace, so there are no metrics. Trust the workspace to see them.';
    dataError = { code: 'read-error', file: datasetPath, message };
    own.push(issue('restricted', 'info', message, at));
  } else if (datasetPath && opts.dataPath === undefined) {
    // Checked before anything of the file is touched: a path outside gets no stat, no open.
    const refused = await checkReadable(datasetPath, rawPath!, opts.access ?? besideRuleFile(path));
    opts.checkCancelled?.();
    if (refused) {
      dataError = { code: 'read-error', file: datasetPath, message: refused };
      own.push(issue('dataset-outside', 'error', refused, at));
    }
  }
  if (datasetPath && !dataError) {
    const t0 = performance.now();
    const roles = opts.unlabelled ? { series: spec.columns.series, time: spec.columns.time } : { ...spec.columns, split: spec.splitColumn };
    const splitMethod = opts.unlabelled ? undefined : spec.splitMethod;
    // The columns are not known before the load: every name the declarations mention is a column
    // the cache should hold in memory (names that are not columns are ignored).
    const want = namesMentioned(parsed);
    const get = () =>
      opts.store.get(datasetPath!, roles, { onProgress: opts.onProgress, signal: opts.signal, duplicates: spec.duplicates, splitMethod, cacheRoot: opts.cacheRoot, writeBehind: opts.cacheWriteBehind, want, labels: !opts.unlabelled && !opts.noSidecar, deferColumns: opts.oneShot, idsWhenUsed: opts.scoresOnly, parallel: opts.csvWorker ? { script: opts.csvWorker } : undefined });
    // A one-shot run over a large file starts its block workers now: their start overlaps the load.
    const blockWorkers = opts.oneShot && !opts.compileOnly && opts.workers?.count ? opts.workers : undefined;
    const size = blockWorkers ? ((await fs.stat(datasetPath).catch(() => undefined))?.size ?? 0) : 0;
    if (blockWorkers && size >= (blockWorkers.early ?? earlyWorkerBytes)) early.workers = new StartedWorkers(blockWorkers.script, Math.min(blockWorkers.count, 7));
    let r = await get();
    opts.checkCancelled?.();
    if (r.ok) {
      checked = check(parsed, schemaOf(r.session.frame));
      await breathe();
      // A cached frame reads its columns when first used: those the rules read are read now, and
      // a cache file that does not check out is dropped for the text (the same columns: the check
      // stands). Not for a run that will go by blocks: each block reads and checks its own part
      // (blocks.ts), and a part that does not check out runs the analysis again from the text.
      const byBlocks = opts.oneShot && r.session.frame.length > 2 * (opts.blockPoints ?? blockPoints);
      if (!r.session.prefetch(byBlocks ? [] : checked.columnsUsed)) {
        damage = r.session.damage?.() ?? 'a column';
        r = await get();
        opts.checkCancelled?.();
      }
    }
    if (r.ok && opts.onlyMentioned && (r.session.cache === 'off' || typeof r.session.cache === 'object')) {
      // A frame read from the text and used once: the number columns no rule reads are let go
      // (the frame cache keeps only those in memory too).
      const columns = r.session.frame.columns;
      for (const name of [...columns.keys()]) if (!checked!.columnsUsed.has(name)) columns.delete(name);
    }
    if (r.ok) {
      data = r.session;
      timings.load = r.fresh ? performance.now() - t0 : 0;
    } else {
      dataError = r.error;
      checked = undefined;
    }
  }
  checked ??= check(parsed);
  const program = compile(checked);
  const unused = opts.unlabelled ? [spec.spans.label, spec.spans.reason, spec.splitColumnSpan] : [];
  // Production data has no labels: a missing label or reason column is not a problem then.
  own.push(...checked.issues.filter((i) => !(i.code === 'missing-column' && unused.some((s) => s && s.start === i.start))));
  // A refused or restricted dataset has its own issue on the path.
  const pathIssue = own.some((i) => i.code === 'dataset-outside' || i.code === 'restricted');
  const issues = [...own, ...(pathIssue ? [] : datasetIssues(checked, parsed, dataError, opts.dataPath !== undefined))];
  if (data?.labels) for (const m of sidecarProblems(data.labels)) issues.push(issue('label-file', 'warning', m, at));
  if (damage && data) {
    issues.push(issue('cache-damaged', 'warning', `The frame cache of this dataset did not check out (${damage}): its file in .arl/cache was removed and the dataset read again.`, at));
  }
  let ruleFlags: NamedFlags[] = program.rules.map((r) => ({ name: r.name }));
  // The sum of the blocks' scores, when the blocks were scored where evaluated (no flags then).
  let blockScores: { plan: ScoringPlan; total: BlockScores } | undefined;
  let excludeFlags: NamedFlags[] = program.excludes.map((r) => ({ name: r.name }));
  if (data && !opts.compileOnly) {
    const ev = data.evaluator;
    const budget = new Budget(opts.budget);
    const flags = new Map<CompiledDecl, Bool>();
    const features = new Set<PlanNode>();
    // Excludes first: a rule's own metrics depend on them. Between declarations the work yields to
    // the event loop now and then, so a newer edit can cancel it (checkCancelled). Each declaration's
    // features then its flags: a small feature cache (a one-shot run) can let one declaration's
    // columns go before the next one's are made.
    const decls = [...program.excludes, ...program.rules];
    // A one-shot run lets each feature go once the last declaration reading it has its flags.
    const lastUse = opts.oneShot ? lastUses(decls) : undefined;
    let lastYield = performance.now();
    const roots = decls.flatMap((d) => (d.node ? [d.node] : []));
    const points = opts.blockPoints ?? blockPoints;
    // A kept evaluator is filled by blocks when it has computed nothing these plans read, and
    // worker threads share the blocks (on one thread, blocks that keep their features take as
    // long as columns).
    const workers = opts.workers?.count ?? 0;
    const fill = !opts.oneShot && opts.fillByBlocks === true && workers > 0 && !nodesOf(roots).some((n) => ev.cache.has(n.key));
    const blockwise = (opts.oneShot || fill) && data.frame.length > 2 * points && withinBudget(roots, data.frame, budget.limits);
    if (blockwise) {
      // A one-shot run or a first analysis over a large frame: block by block (blocks.ts), on more
      // than one core when given a worker script (parallel.ts); the same flags.
      const live = decls.filter((d) => d.node);
      // The features the kept evaluator caches, written into columns of the frame by the blocks.
      const keep = fill ? keptColumns(roots, data.frame.length, ev.cache.room() - roots.length * data.frame.length) : undefined;
      const sessions = checked!.dataset.labels === 'sessions';
      // Scored where evaluated: what scoring reads (the labelled points, the summary) is read and
      // checked first.
      const scored = opts.oneShot && opts.scoreSplits !== undefined && !sessions && !keep;
      if (scored) {
        data.prefetchScoring?.(!opts.scoresOnly);
        if (data.damaged() && !opts.retried) return analyze(text, path, { ...opts, retried: data.damage?.() ?? 'a column' });
      }
      // Of train, when not asked for, only what the below-baseline warning reads.
      const objective = scored ? data.scoring(checked!.dataset.split).objective(checked!.dataset.objective).objective : undefined;
      const plan: ScoringPlan | undefined = scored
        ? {
            splits: [...new Set(opts.scoreSplits)],
            objectiveSplits: opts.scoreSplits!.includes('train') ? [] : ['train'],
            objectiveEvents: objective!.kind !== 'point_f1',
            tolerance: checked!.dataset.tolerance ?? 0,
            rules: program.rules.map((d) => live.indexOf(d)),
            excludes: program.excludes.map((d) => live.indexOf(d)),
          }
        : undefined;
      const labelled = plan && labelledPoints(data.frame);
      const splits = plan && [...plan.splits, ...plan.objectiveSplits].some((s) => s !== 'all') ? data.scoring(checked!.dataset.split).splits : undefined;
      try {
        const t1 = performance.now();
        const r = await evaluateBlocks(data.frame, roots, seriesBlocks(data.frame.seriesStart, points), columnsRead(roots), {
          script: opts.workers?.script,
          workers,
          budget,
          checkCancelled: opts.checkCancelled,
          keep,
          started: early.workers,
          scoring: plan && { plan, labels: (s0, s1) => blockLabels(data!.frame.seriesStart, labelled!, splits, s0, s1) },
        });
        if (plan && r.scores) blockScores = { plan, total: r.scores };
        if (keep) {
          // Taken into the evaluator's cache, then the flags (each fused loop remembered as computed here).
          for (const node of nodesOf(roots)) {
            const c = keep.get(node.key);
            if (c) ev.adopt(node, c);
          }
          live.forEach((d, k) => ev.adopt(d.node!, r.flags[k]));
        }
        // Wall time, shared between features and conditions as their time over all blocks is.
        const wall = performance.now() - t1;
        const share = r.features + r.evaluate > 0 ? r.features / (r.features + r.evaluate) : 0;
        timings.features += wall * share;
        timings.evaluate += wall * (1 - share);
        live.forEach((d, k) => {
          if (plan) return;
          // The bit sets made block by block are the flags' (scoring reads them).
          if (!sessions) knownBits(r.flags[k], r.bits[k], r.unknown[k]);
          flags.set(d, sessions ? atSessionEnds(r.flags[k], data!.frame) : r.flags[k]);
        });
      } catch (e) {
        // A part of the cache file that did not check out: the frame says it is damaged, and the
        // analysis runs again from the text (below).
        blockScores = undefined;
        if (e instanceof CacheCorrupt && data.damaged()) flags.clear();
        else if (!(e instanceof BudgetExceeded)) throw e;
        // Out of time part way through every declaration: none has flags.
        else issues.push(budgetIssue(live[0], e, live.length - 1));
      }
    }
    for (let k = 0; k < decls.length && !blockwise; k++) {
      const d = decls[k];
      if (!d.node) continue;
      const t1 = performance.now();
      try {
        featuresOf(d.node, ev, features, budget);
        const t2 = performance.now();
        const col = ev.column(d.node, budget) as Bool;
        flags.set(d, checked.dataset.labels === 'sessions' ? atSessionEnds(col, data.frame) : col);
        timings.features += t2 - t1;
        timings.evaluate += performance.now() - t2;
        for (const key of lastUse?.get(k) ?? []) ev.cache.delete(key);
      } catch (e) {
        if (!(e instanceof BudgetExceeded)) throw e;
        issues.push(budgetIssue(d, e, decls.length - k - 1));
        break;
      }
      if (performance.now() - lastYield > 20) {
        await new Promise((r) => setImmediate(r));
        opts.checkCancelled?.();
        lastYield = performance.now();
      }
    }
    opts.checkCancelled?.();
    // Scoring needs the flags only: a one-shot run frees the features before it reads the labels.
    if (opts.oneShot) ev.cache.clear();
    // A cached frame reads what scoring reads (and the label and times, unless only scores are
    // read) when first used: read now, so a damaged part is found before anything is scored or
    // written, and the analysis runs once more from the text.
    data.prefetchScoring?.(!opts.scoresOnly);
    if (data.damaged() && !opts.retried) return analyze(text, path, { ...opts, retried: data.damage?.() ?? 'a column' });
    const t3 = performance.now();
    const named = (d: CompiledDecl): NamedFlags => ({ name: d.name, flags: flags.get(d) });
    ruleFlags = program.rules.map(named);
    excludeFlags = program.excludes.map(named);
    timings.evaluate += performance.now() - t3;
  }
  const shares = checked.dataset.split;
  const memo = new Map<ScoreSplit, FileScores>();
  const scoreOptions = { objective: checked.dataset.objective, tolerance: checked.dataset.tolerance };
  // Checks on the flags, made when the issues are first read (after the lenses, in the editor).
  const flagIssues = (): Issue[] => {
    if (!data || opts.compileOnly) return [];
    const t = performance.now();
    const out = firingIssues(program, ruleFlags, excludeFlags, data, blockScores ? firingFrom(blockScores.total, blockScores.plan) : flagFacts(ruleFlags, excludeFlags, data.frame));
    const evaluated = blockScores ? blockScores.plan.rules.some((k) => k >= 0) : ruleFlags.some((r) => r.flags);
    if (hasLabel(data.frame) && !opts.unlabelled && evaluated) {
      const train = blockScores ? objectives(finishBlockScores(blockScores, 'train', data, shares, scoreOptions, program, true)) : fileObjective(data.scoring(shares), 'train', ruleFlags, excludeFlags, scoreOptions);
      out.push(...baselineIssues(parsed, train));
    }
    timings.evaluate += performance.now() - t;
    return out;
  };
  let allIssues: Issue[] | undefined;
  const analysis: Analysis = {
    path,
    parse: parsed,
    check: checked,
    program,
    datasetPath,
    data,
    dataError,
    restricted: opts.noData && !!datasetPath,
    ruleFlags,
    excludeFlags,
    get issues() {
      return (allIssues ??= [...issues, ...flagIssues()]);
    },
    timings,
    shares,
    scores(split) {
      if (!data) return undefined;
      let s = memo.get(split);
      if (!s) {
        const t = performance.now();
        s = blockScores ? finishBlockScores(blockScores, split, data, shares, scoreOptions, program) : score(data.scoring(shares), split, ruleFlags, excludeFlags, scoreOptions);
        timings.evaluate += performance.now() - t;
        memo.set(split, s);
      }
      return s;
    },
  };
  return analysis;
}

/** A split's scores from the blocks' sums (the splits scored are the plan's: another is an error). */
function finishBlockScores(
  b: { plan: ScoringPlan; total: BlockScores },
  split: ScoreSplit,
  data: DataSession,
  shares: [number, number, number],
  opts: { objective?: Objective; tolerance?: number },
  program: Program,
  objectiveOnly = false,
): FileScores {
  // The objective splits' scores hold only the file's and flag-all's figures: not for callers.
  const k = [...b.plan.splits, ...(objectiveOnly ? b.plan.objectiveSplits : [])].indexOf(split);
  if (k < 0) throw new Error(`internal: the ${split} split was not scored (scoreSplits)`);
  const part = b.total.splits[k];
  const index = data.scoring(shares);
  const exposure = splitExposure(data.frame, index.splits, split, part.points);
  const ctx = { objective: index.objective(opts.objective), tolerance: opts.tolerance ?? 0, ...exposure };
  return finishScores(split, part, ctx, program.rules.map((r) => r.name), program.excludes.map((e) => e.name));
}

/** Every name the lets, rules and excludes mention. */
function namesMentioned(parsed: ParseResult): Set<string> {
  const out = new Set<string>();
  const { lets, rules, excludes } = parsed.file;
  for (const d of [...lets, ...rules, ...excludes]) walkExpr(declExpr(d), (e) => e.kind === 'name' && out.add(e.name));
  return out;
}

/** A warning when the file, on train, does no better than flagging every point (or nothing). */
function baselineIssues(parsed: ParseResult, s: ReturnType<typeof fileObjective>): Issue[] {
  const all = s.all;
  if (!(all > 0)) return [];
  if (s.file > all) return [];
  const ds = parsed.file.dataset;
  const at = ds ? { start: ds.start, end: ds.path?.end ?? ds.keyword.end } : (parsed.file.rules[0]?.keyword ?? { start: 0, end: 0 });
  const o = s.objective.label;
  const v = (x: number) => x.toFixed(3);
  return [
    issue(
      'below-baseline',
      'warning',
      `On train the rules' ${o} is ${v(s.file)}, no better than flagging every point (${v(all)}). Tighten the rules that fire most, or check the objective (${o}: ${s.objective.why}).`,
      at,
      { objective: s.objective.label, file: s.file, flagAll: all },
    ),
  ];
}

/** For each declaration (by index), the keys of the plan nodes no later declaration reads. */
function lastUses(decls: CompiledDecl[]): Map<number, string[]> {
  const last = new Map<string, number>();
  decls.forEach((d, k) => {
    const seen = new Set<PlanNode>();
    const stack = d.node ? [d.node] : [];
    while (stack.length) {
      const node = stack.pop()!;
      if (seen.has(node)) continue;
      seen.add(node);
      last.set(node.key, k);
      stack.push(...node.args);
    }
  });
  const out = new Map<number, string[]>();
  for (const [key, k] of last) {
    let keys = out.get(k);
    if (!keys) out.set(k, (keys = []));
    keys.push(key);
  }
  return out;
}

function budgetIssue(d: CompiledDecl, e: BudgetExceeded, after: number): Issue {
  const what = d.decl.kind === 'rule' ? 'rule' : 'exclude';
  const rest = after ? ` It and the ${after} declaration${after === 1 ? '' : 's'} evaluated after it have no metrics.` : ' It has no metrics.';
  const advice =
    e.what === 'time'
      ? 'Split the file, or use fewer or shorter windows.'
      : e.what === 'memory'
        ? 'Split the file (each rule holds a column of the dataset), or use a smaller dataset.'
        : 'Shorten the windows, or use a smaller dataset.';
  return issue('budget-exceeded', 'error', `Evaluation stopped at the ${what} \`${d.name}\`: ${e.message}.${rest} ${advice}`, d.decl.name ?? d.decl.keyword, {
    rule: d.name,
    limit: e.what,
  });
}

function datasetIssues(checked: CheckResult, parsed: ParseResult, err: DataError | undefined, overridden: boolean): Issue[] {
  const spec = checked.dataset;
  const f = parsed.file;
  if (!spec.path && !overridden) {
    const first = f.rules[0];
    if (!first) return [];
    return [
      issue('no-dataset', 'info', 'No dataset: add a `dataset "file.csv" { ... }` block to see precision, recall and F1 for every rule.', first.keyword),
    ];
  }
  if (!err) return [];
  const at = spec.pathSpan ?? f.dataset?.keyword ?? { start: 0, end: 0 };
  // Every problem listed, each at its place in the data file; then how many more there are.
  const problems = err.problems ?? [err];
  const out = problems.map((p) => {
    const where = p.line ? `${err.file}:${p.line}${p.column ? `:${p.column}` : ''}: ` : '';
    const data = { file: err.file, line: p.line, column: p.column };
    // A missing column named in the dataset block is reported on the setting itself.
    if (p.code === 'missing-column') {
      const spans = [...(['series', 'time', 'label', 'reason'] as const).map((r) => [spec.columns[r], spec.spans[r]] as const), [spec.splitColumn, spec.splitColumnSpan] as const];
      const hit = spans.find(([col, span]) => col !== undefined && span && p.message.includes(`\`${excerpt(col)}\``));
      if (hit) return issue('missing-column', 'error', p.message, hit[1]!, data);
    }
    return issue('dataset-error', 'error', `${where}${p.message}`, at, data);
  });
  const more = (err.total ?? problems.length) - problems.length;
  if (more > 0) {
    out.push(issue('dataset-error', 'error', `${err.file}: ${more.toLocaleString('en-US')} more problem${more === 1 ? '' : 's'} not listed (${err.total!.toLocaleString('en-US')} in all). Fix the ones above first.`, at, { file: err.file }));
  }
  return out;
}

/** What the firing warnings read of the flags: from the flag columns, or summed over scored blocks (blockscore.ts). */
interface FiringFacts {
  /** Whether rule k, and exclude k, were evaluated (they have flags). */
  evaluated(k: number): boolean;
  excludeEvaluated(k: number): boolean;
  /** Points where rule k holds, and labelled points where it holds (before the excludes). */
  fires(k: number): { fires: number; labelledFired: number };
  /** Whether rule a fires anywhere, only where b fires (subset), and exactly where b fires. */
  covers(a: number, b: number): { any: boolean; subset: boolean; equal: boolean };
  /** Points where exclude k holds. */
  excludeFires(k: number): number;
}

/** Evaluation-based warnings: rules that never fire, fire everywhere, or are covered by another. */
function firingIssues(program: Program, rules: NamedFlags[], excludes: NamedFlags[], data: DataSession, facts: FiringFacts): Issue[] {
  const out: Issue[] = [];
  const evaluated = rules.map((_, k) => facts.evaluated(k));
  const labelled = hasLabel(data.frame) ? labelledPoints(data.frame).points.length : 0;
  rules.forEach((r, k) => {
    const decl = program.rules[k].decl;
    const at = decl.name ?? decl.keyword;
    if (!evaluated[k]) return;
    const { fires, labelledFired } = facts.fires(k);
    if (fires === 0) {
      out.push(issue('never-fires', 'warning', `\`${r.name}\` never fires on the ${data.frame.length} points of the dataset. Loosen its thresholds, or check that its windows fit the series.`, at, { rule: r.name }));
    } else if (labelled > 0 && labelledFired === labelled) {
      out.push(issue('always-fires', 'warning', `\`${r.name}\` fires on every labelled point (${labelled}), normal ones included: it cannot tell anomalies apart. Tighten it.`, at, { rule: r.name }));
    }
  });
  // Redundant: every point where rule a fires, rule b fires too. Pairwise, so not for huge files.
  if (rules.length > maxPairwiseRules) {
    const first = program.rules[0].decl;
    out.push(issue('too-many-rules', 'info', `This file has ${rules.length} rules: redundancy and overlaps between rules are checked up to ${maxPairwiseRules}.`, first.name ?? first.keyword));
  }
  for (let a = 0; a < rules.length && rules.length <= maxPairwiseRules; a++) {
    if (!evaluated[a]) continue;
    for (let b = 0; b < rules.length; b++) {
      if (a === b || !evaluated[b]) continue;
      const { any, subset, equal } = facts.covers(a, b);
      // For identical rules, report only the later one.
      if (any && subset && !(equal && a < b)) {
        const decl = program.rules[a].decl;
        out.push(
          issue('redundant-rule', 'warning', `\`${rules[a].name}\` is redundant: wherever it fires, \`${rules[b].name}\` fires too. Remove it or make it catch something new.`, decl.name ?? decl.keyword, {
            rule: rules[a].name,
            coveredBy: rules[b].name,
          }),
        );
        break;
      }
    }
  }
  excludes.forEach((e, k) => {
    if (!facts.excludeEvaluated(k)) return;
    if (facts.excludeFires(k) === 0) {
      const decl = program.excludes[k].decl;
      out.push(issue('never-fires', 'warning', `The exclude \`${e.name}\` never applies on this dataset.`, decl.name ?? decl.keyword, { rule: e.name }));
    }
  });
  return out;
}

/** FiringFacts from flag columns. */
function flagFacts(rules: NamedFlags[], excludes: NamedFlags[], frame: Frame): FiringFacts {
  return {
    evaluated: (k) => !!rules[k].flags,
    excludeEvaluated: (k) => !!excludes[k].flags,
    fires: (k) => firingStats(rules[k].flags!, frame),
    covers: (a, b) => coverage(rules[a].flags!, rules[b].flags!),
    excludeFires: (k) => firingStats(excludes[k].flags!, undefined).fires,
  };
}

// Flag columns of unchanged rules are the same arrays after an edit (the feature cache), so their
// statistics are remembered rather than recounted over every point.
const statsCache = new WeakMap<Bool, { fires: number; labelled: number; labelledFired: number }>();
const coverCache = new WeakMap<Bool, WeakMap<Bool, { any: boolean; subset: boolean; equal: boolean }>>();

function firingStats(f: Bool, frame: Frame | undefined): { fires: number; labelled: number; labelledFired: number } {
  let s = statsCache.get(f);
  if (s) return s;
  const bits = trueBits(f);
  let fires = 0;
  const labelled = frame && hasLabel(frame) ? labelledPoints(frame) : undefined;
  const at = frame && hasLabel(frame) ? labelledBits(frame) : undefined;
  let labelledFired = 0;
  for (let w = 0; w < bits.length; w++) {
    const b = bits[w];
    if (b === 0) continue;
    fires += popcount(b);
    if (at && at[w] & b) labelledFired += popcount(at[w] & b);
  }
  statsCache.set(f, (s = { fires, labelled: labelled?.points.length ?? 0, labelledFired }));
  return s;
}

/** Whether rule a fires anywhere, only where b fires (subset), and exactly where b fires. */
function coverage(fa: Bool, fb: Bool): { any: boolean; subset: boolean; equal: boolean } {
  let m = coverCache.get(fa);
  if (!m) coverCache.set(fa, (m = new WeakMap()));
  let c = m.get(fb);
  if (c) return c;
  const k = blockCoverage(trueBits(fa), trueBits(fb));
  m.set(fb, (c = { any: (k & 1) !== 0, subset: (k & 2) !== 0, equal: (k & 4) !== 0 }));
  return c;
}
