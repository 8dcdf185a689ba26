// `arl run --engine duckdb`: the rules compiled to one query and run by DuckDB in-process, over
// the CSV file as DuckDB reads it (streamed, spilling to disk past memory), so data larger than
// memory gets the same alerts as the in-memory engine. Nothing of the file is loaded in Node.
import { dirname, isAbsolute, resolve } from 'node:path';
import { check } from '../../../grammar/src/check';
import { excerpt } from '../../../grammar/src/excerpt';
import { issue, type Issue } from '../../../grammar/src/issues';
import { parse } from '../../../grammar/src/parse';
import { commandLineBudget, type BudgetLimits } from '../engine/budget';
import type { DataError } from '../engine/csv';
import { compile } from '../engine/plan';
import { checkReadable, realpathDeep, type ReadAccess } from '../io/access';
import { compileSql } from './compile';
import { overBudget } from './cost';
import { openDuckDb } from './duckdb';
import { located } from './locate';
import { formatDate, scanCsv } from './scan';

export interface DuckRunOptions {
  /** A data file the user named (`--data`): read wherever it is. */
  dataPath?: string;
  access: ReadAccess;
  signal?: AbortSignal;
  threads?: number;
  /** Limits of the run (default: the command line's, as `arl run` in memory). */
  budget?: BudgetLimits;
  /** The output columns, once the rules are compiled (before any row). */
  onColumns(columns: string[]): void | Promise<void>;
  /** Receives the alerts in order, a chunk at a time: series, time, rules, category, severity, texts. */
  onRows(rows: string[][]): void | Promise<void>;
}

export type DuckRunResult = { ok: true; columns: string[]; alerts: number; points: number; series: number; seconds: number } | { ok: false; issues: Issue[] };

export async function runWithDuckDb(text: string, path: string, opts: DuckRunOptions): Promise<DuckRunResult> {
  const parsed = parse(text);
  const first = check(parsed);
  const spec = first.dataset;
  const at = spec.pathSpan ?? parsed.file.dataset?.keyword ?? { start: 0, end: 0 };
  const raw = opts.dataPath ?? spec.path;
  if (!raw) return { ok: false, issues: [issue('no-dataset', 'error', 'No dataset: name one in the file or pass --data.', at)] };
  const wanted = opts.dataPath ?? (isAbsolute(raw) ? raw : resolve(dirname(path), raw));
  if (!opts.dataPath) {
    const refused = await checkReadable(wanted, raw, opts.access);
    if (refused) return { ok: false, issues: [issue('dataset-outside', 'error', refused, at)] };
  }
  const data = await realpathDeep(wanted);
  const limits = opts.budget ?? commandLineBudget;
  const duck = await openDuckDb({ readable: [data], threads: opts.threads, memoryLimit: Math.max(limits.bytes, 1024 ** 3) });
  const stop = () => duck.interrupt();
  opts.signal?.addEventListener('abort', stop);
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  try {
    const t0 = performance.now();
    // Columns the rules name (a text column only written out needs no list of its values).
    const named = new Set([...first.columnsUsed, ...first.textColumnsUsed]);
    const scanned = await scanCsv(duck, data, { series: spec.columns.series, time: spec.columns.time }, spec.duplicates, (c) => named.has(c));
    if (opts.signal?.aborted) throw new Error('stopped');
    if (!scanned.ok) return { ok: false, issues: dataIssues(scanned.error, first, at) };
    const { scan } = scanned;
    const checked = check(parsed, scan.schema);
    // Production data has no labels: a missing label or reason column is not a problem here.
    const unused = [spec.spans.label, spec.spans.reason, spec.splitColumnSpan];
    const issues = checked.issues.filter((i) => !(i.code === 'missing-column' && unused.some((s) => s && s.start === i.start)));
    if (issues.some((i) => i.severity === 'error')) return { ok: false, issues };
    const program = compile(checked);
    // A rule file asking for more than the budget is refused before DuckDB starts on it.
    const over = overBudget(program, scan.points, scan.schema.maxSeriesLength, limits);
    if (over) {
      const what = over.decl.decl.kind === 'rule' ? 'rule' : 'exclude';
      const advice = over.what === 'memory' ? 'Shorten those windows, or use a smaller dataset.' : 'Shorten the windows, or use a smaller dataset.';
      const message = `Not run: the ${what} \`${over.decl.name}\` goes past the budget of \`arl run\`: ${over.message}. ${advice}`;
      return { ok: false, issues: [issue('budget-exceeded', 'error', message, over.decl.decl.name ?? over.decl.decl.keyword, { rule: over.decl.name, limit: over.what })] };
    }
    const annotations = new Set([spec.columns.label, spec.columns.reason, spec.splitColumn]);
    const textColumns = scan.schema.columns.filter((c) => c.categories && !annotations.has(c.name)).map((c) => c.name);
    const query = located(program, parsed, () => compileSql(program, { dialect: 'duckdb', source: { kind: 'csv', ...scan.layout }, dataset: spec, textColumns, skipDuplicateCheck: true }));
    if ('issues' in query) return { ok: false, issues: query.issues };
    const time = (v: unknown): string => (scan.layout.timeKind === 'date' ? formatDate(Number(v), scan.millis) : String(Number(v)));
    await opts.onColumns(query.columns);
    let alerts = 0;
    // The same wall-time limit as the in-memory engine's evaluation.
    timer = setTimeout(() => {
      timedOut = true;
      duck.interrupt();
    }, limits.ms);
    try {
      await duck.each(query.sql, async (rows) => {
        alerts += rows.length;
        await opts.onRows(rows.map((r) => r.map((v, i) => (i === 1 ? time(v) : v === null || v === undefined ? '' : String(v)))));
      });
    } catch (e) {
      if (opts.signal?.aborted) throw e;
      if (timedOut) {
        const message = `DuckDB stopped: the query ran for more than ${limits.ms >= 1000 ? `${Math.round(limits.ms / 1000)} s` : `${limits.ms} ms`}, the time limit of \`arl run\`. Split the data, or use fewer or shorter windows.`;
        return { ok: false, issues: [issue('budget-exceeded', 'error', message, at, { limit: 'time' })] };
      }
      // Out of memory or disk, a file changed under the query: DuckDB's word, shortened.
      const message = `DuckDB stopped: ${excerpt(String((e as Error).message).replace(/\s+/g, ' '), 300)}`;
      return { ok: false, issues: [issue('duckdb-error', 'error', message, at)] };
    }
    return { ok: true, columns: query.columns, alerts, points: scan.points, series: scan.series, seconds: (performance.now() - t0) / 1000 };
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', stop);
    duck.close();
  }
}

/** A data problem as issues on the dataset block, each naming its place in the data file. */
function dataIssues(err: DataError, checked: ReturnType<typeof check>, at: { start: number; end: number }): Issue[] {
  const spec = checked.dataset;
  return (err.problems ?? [err]).map((p) => {
    const where = p.line ? `${err.file}:${p.line}${p.column ? `:${p.column}` : ''}: ` : `${err.file}: `;
    if (p.code === 'missing-column') {
      const role = (['series', 'time'] as const).find((r) => spec.columns[r] && p.message.includes(`\`${excerpt(spec.columns[r]!)}\``));
      if (role && spec.spans[role]) return issue('missing-column', 'error', p.message, spec.spans[role]!);
    }
    return issue('dataset-error', 'error', `${where}${p.message}`, at, { file: err.file, line: p.line, column: p.column });
  }).concat((err.total ?? 0) > (err.problems?.length ?? 1) ? [issue('dataset-error', 'error', `${err.file}: ${(err.total! - err.problems!.length).toLocaleString('en-US')} more problems not listed (${err.total!.toLocaleString('en-US')} in all). Fix the ones above first.`, at)] : []);
}
