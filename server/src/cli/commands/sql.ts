// `arl sql FILE --dialect D`: the rules as one SQL query returning the flagged points.
import { resolve } from 'node:path';
import { check } from '../../../../grammar/src/check';
import { issue } from '../../../../grammar/src/issues';
import { type SplitName } from '../../engine/split';
import { compile } from '../../engine/plan';
import { outputStream } from '../../io/safefs';
import { compileSql } from '../../sql/compile';
import { dialectNames, type DialectName } from '../../sql/dialect';
import { located } from '../../sql/locate';
import { schemaFromRules } from '../../sql/rules-schema';
import { readHeader } from '../../sql/scan';
import type { Source } from '../../sql/source';
import { UsageError, write, type Command } from '../command';
import { allowOutsideOption, allowOutsideUsage, analyzeFile, printIssues, readRuleFile } from '../shared';

const splits = ['train', 'validation', 'test', 'all'];

export const sqlCommand: Command = {
  name: 'sql',
  summary: 'Compile the rules to one SQL query (DuckDB, PostgreSQL, Spark SQL, BigQuery)',
  usage: `Usage: arl sql FILE [--dialect duckdb|postgres|spark|bigquery] [--table NAME] [--split S] [--out FILE]

Prints one SQL query that returns the points the rules flag, as \`arl run\` writes them: series,
time, rules, category, severity, then the text columns. Missing values, windows, splits and
every function have the in-memory engine's meaning (docs/sql.md); a function a dialect cannot
compute exactly is an error at its call, never an approximation.

The column kinds come from the dataset the file names (or --data); without it, a column
compared with strings is a category column and any other a number column.

Options:
  --dialect D   duckdb (default), postgres, spark or bigquery
  --table NAME  read the points from this table or view (SCHEMA.NAME, PROJECT.DATASET.NAME):
                one row per point, with the dataset block's column names; needed except for
                duckdb, which otherwise reads the dataset's CSV file itself
  --split S     only the points of one split: train, validation or test (default: all)
  --data CSV    take the columns from this file instead of the dataset the file names
  --out FILE    write the query there instead of to standard output
${allowOutsideUsage}`,
  options: { dialect: { type: 'string' }, table: { type: 'string' }, split: { type: 'string' }, data: { type: 'string' }, out: { type: 'string' }, ...allowOutsideOption },
  async run(positionals, values, io) {
    const dialect = (values.dialect ?? 'duckdb') as DialectName;
    if (!dialectNames.includes(dialect)) throw new UsageError(`--dialect takes one of ${dialectNames.join(', ')}.`);
    const split = (values.split ?? 'all') as SplitName | 'all';
    if (!splits.includes(split)) throw new UsageError(`--split takes one of ${splits.join(', ')}.`);
    const table = typeof values.table === 'string' ? values.table : undefined;
    if (!table && dialect !== 'duckdb') throw new UsageError(`--dialect ${dialect} reads a table: name it with --table NAME.`);
    const file = await readRuleFile(positionals[0], io);
    const dataPath = typeof values.data === 'string' ? resolve(io.cwd, values.data) : undefined;
    const a = await analyzeFile(file, io, { dataPath, values, compileOnly: true });
    // A table's data lives elsewhere: a missing local file only means the kinds come from the rules.
    const noFile = !a.data && (!a.datasetPath || a.dataError?.code === 'file-missing');
    const issues = noFile && table ? a.issues.filter((i) => i.code !== 'dataset-error') : a.issues;
    if (printIssues(file, issues.filter((i) => i.severity === 'error'), io)) return 1;
    let checked = a.check;
    let source: Source;
    if (table) {
      source = { kind: 'table', table };
      if (!a.data) {
        // Without the data, a column pattern has no columns to match.
        const patterns = [...a.check.groups.keys()].filter((e) => e.kind === 'call' && e.callee.name === 'columns');
        const message = "A column pattern needs the dataset's header to know its columns: name the dataset (or --data) to compile it, or list the columns: `[a, b]`.";
        if (printIssues(file, patterns.map((e) => issue('sql-needs-data', 'error', message, e)), io)) return 1;
        checked = check(a.parse, schemaFromRules(a.check));
      }
    } else {
      if (!a.data || !a.datasetPath) {
        write(io.stderr, 'No data: DuckDB reads the dataset the file names (or --data); for a table, pass --table NAME.');
        return 1;
      }
      const head = await readHeader(a.datasetPath);
      const f = a.data.frame;
      source = { kind: 'csv', path: a.datasetPath, delimiter: head?.delimiter ?? ',', header: f.columnInfo.map((c) => c.name), timeKind: f.timeKind };
    }
    if (printIssues(file, checked.issues.filter((i) => i.severity === 'error'), io)) return 1;
    const program = table && !a.data ? compile(checked) : a.program;
    const spec = checked.dataset;
    const annotations = new Set([spec.columns.label, spec.columns.reason, spec.splitColumn]);
    const textColumns = a.data ? [...a.data.frame.categories.keys()].filter((n) => !annotations.has(n)) : [];
    const query = located(program, a.parse, () => compileSql(program, { dialect, source, dataset: spec, split, textColumns }));
    if ('issues' in query) {
      printIssues(file, query.issues, io);
      return 1;
    }
    const out = typeof values.out === 'string' ? await outputStream(resolve(io.cwd, values.out)) : io.stdout;
    out.write(`${query.sql};\n`);
    if (out !== io.stdout) await new Promise<void>((res, rej) => (out as NodeJS.WritableStream).end(() => res()).on?.('error', rej));
    return 0;
  },
};
