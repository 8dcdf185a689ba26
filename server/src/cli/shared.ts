// What several commands share: reading a rule file, analysing it with a progress bar, printing issues.
import { existsSync, promises as fs } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { LineIndex, type Issue } from '../../../grammar/src/issues';
import { analyze, type Analysis, type AnalyzeOptions } from '../engine/analyze';
import { commandLineBudget } from '../engine/budget';
import { twoThreads } from '../engine/csvsplit';
import { DatasetStore } from '../engine/store';
import { projectRoot, type ReadAccess } from '../io/access';
import { UsageError, write, type Io, type OptionValues } from './command';
import { progressBar } from './progress';

export interface RuleFile {
  path: string;
  text: string;
}

export async function readRuleFile(arg: string | undefined, io: Io): Promise<RuleFile> {
  if (!arg) throw new UsageError('name a rule file, e.g. examples/stockout/stockout.arl.');
  const path = resolve(io.cwd, arg);
  try {
    return { path, text: await fs.readFile(path, 'utf8') };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (e as Error).message;
    throw new UsageError(`cannot read ${arg}: ${why}.`);
  }
}

/** The options of every command that loads data: folders outside the project it may read; no frame cache. */
export const allowOutsideOption = { 'allow-outside': { type: 'string', multiple: true }, 'no-cache': { type: 'boolean' } } as const;

export const allowOutsideUsage = `  --allow-outside DIR
               read the dataset from DIR too (repeatable); by default only files inside the
               rule file's project (its git repository, or its folder) are read
  --no-cache   neither read nor write the project's frame cache (.arl/cache; see arl cache)`;

/**
 * Where a rule file's dataset may be read from: its project (the git repository holding it, or
 * its folder) and the folders given with --allow-outside.
 */
export async function readAccess(file: RuleFile, values: OptionValues, io: Io): Promise<ReadAccess> {
  const extra = ((values['allow-outside'] as string[] | undefined) ?? []).map((d) => resolve(io.cwd, d));
  return { roots: [await projectRoot(file.path), ...extra], howToAllow: (folder) => `pass --allow-outside ${folder}` };
}

/** Analyses a rule file, with a progress bar on stderr while a large dataset loads. */
export async function analyzeFile(file: RuleFile, io: Io, opts: Partial<AnalyzeOptions> & { values?: OptionValues; oneShot?: boolean } = {}): Promise<Analysis> {
  // Only for people at a terminal: not when the output goes to a file or another program.
  const bar = progressBar(io.stderr, 'loading data', io.stdout.isTTY === true);
  const { values, oneShot, ...rest } = opts;
  const access = await readAccess(file, values ?? {}, io);
  // The project's root (the first root) keeps the frame cache.
  const cacheRoot = values?.['no-cache'] ? undefined : access.roots[0];
  try {
    // Commands that evaluate once keep few feature columns; learning keeps them for its many rounds.
    return await analyze(file.text, file.path, {
      store: new DatasetStore(oneShot ? 'one-shot' : undefined),
      oneShot,
      signal: io.signal,
      onProgress: bar.update,
      access,
      cacheRoot,
      budget: commandLineBudget,
      workers: oneShot ? evalWorkers() : undefined,
      csvWorker: csvWorker(),
      ...rest,
    });
  } finally {
    bar.done();
  }
}

/**
 * Worker threads for a one-shot run: one per core but this one (at most 7), when the bundled
 * worker script is beside the CLI (not when running from sources). ARL_THREADS=1 turns them off.
 */
function evalWorkers(): AnalyzeOptions['workers'] {
  const script = typeof __dirname === 'string' ? join(__dirname, 'evalworker.cjs') : undefined;
  if (!script || !existsSync(script)) return undefined;
  const threads = Number(process.env.ARL_THREADS) || availableParallelism();
  return { script, count: Math.max(0, Math.min(threads - 1, 7)) };
}

/**
 * The worker reading the second half of a large CSV file (csvsplit.ts), when the bundle is beside
 * the CLI and a core is free (ARL_THREADS=1: never).
 */
function csvWorker(): string | undefined {
  const script = typeof __dirname === 'string' ? join(__dirname, 'csvworker.cjs') : undefined;
  return script && existsSync(script) && twoThreads() ? script : undefined;
}

/** `file:line:col: severity: message`, as compilers print it. */
export function formatIssue(file: RuleFile, index: LineIndex, i: Issue, cwd: string): string {
  const p = index.position(i.start);
  const name = relative(cwd, file.path) || file.path;
  return `${name}:${p.line + 1}:${p.character + 1}: ${i.severity}: ${i.message}`;
}

/** Prints issues sorted by position; returns how many are errors. */
export function printIssues(file: RuleFile, issues: Issue[], io: Io, stream = io.stderr): number {
  const index = new LineIndex(file.text);
  const sorted = [...issues].sort((a, b) => a.start - b.start);
  for (const i of sorted) write(stream, formatIssue(file, index, i, io.cwd));
  return issues.filter((i) => i.severity === 'error').length;
}

export function fmt(x: number, digits = 3): string {
  return Number.isFinite(x) ? x.toFixed(digits) : '-';
}

/** A plain text table, columns right-aligned except the first. */
export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
