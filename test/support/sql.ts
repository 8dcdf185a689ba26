// Running compiled rules on every engine a test can reach, and the alerts each gives, in one form:
// `series|time|rules|category|severity|texts...`, times as `arl run` writes them.
import { basename } from 'node:path';
import type pg from 'pg';
import { analyze, type Analysis } from '../../server/src/engine/analyze';
import { formatTime, type Frame } from '../../server/src/engine/frame';
import { TRUE } from '../../server/src/engine/kernels';
import { DatasetStore } from '../../server/src/engine/store';
import { assignSplits, splitIndex, type SplitName } from '../../server/src/engine/split';
import type { PlanNode } from '../../server/src/engine/plan';
import { compileSql } from '../../server/src/sql/compile';
import { duckDbApi, openDuckDb } from '../../server/src/sql/duckdb';
import { readHeader } from '../../server/src/sql/scan';

export const anywhere = { roots: ['/'], howToAllow: () => '' };

export async function analyzeFile(arlPath: string, text: string): Promise<Analysis> {
  return analyze(text, arlPath, { store: new DatasetStore(), access: anywhere });
}

/** Whether DuckDB is installed; under CI it must be. */
export async function duckDbForTests(): Promise<boolean> {
  try {
    await duckDbApi();
    return true;
  } catch (e) {
    const line = `DuckDB is not installed (${(e as Error).message.split('.')[0]}): the DuckDB tests are skipped. Run \`npm install\` (it is an optional dependency).`;
    if (process.env.CI) throw new Error(line);
    console.warn(line);
    return false;
  }
}

/** The in-memory engine's alerts, as `arl run` computes them (restricted to a split if given). */
export function memoryAlerts(a: Analysis, split?: SplitName): string[] {
  const f = a.data!.frame;
  const spec = a.check.dataset;
  const annotations = new Set([spec.columns.label, spec.columns.reason, spec.splitColumn]);
  const texts = [...f.categories].filter(([n]) => !annotations.has(n));
  const splitOf = split ? assignSplits(f, a.shares, spec.splitMethod).of : undefined;
  const want = split ? splitIndex[split] : -1;
  const out: string[] = [];
  for (let i = 0; i < f.length; i++) {
    if (splitOf && splitOf[i] !== want) continue;
    if (a.excludeFlags.some((e) => e.flags && e.flags[i] === TRUE)) continue;
    const fired = a.program.rules.filter((_, k) => a.ruleFlags[k].flags?.[i] === TRUE);
    if (!fired.length) continue;
    const sev = ['low', 'medium', 'high', 'critical'];
    let top = fired[0];
    for (const r of fired) if (sev.indexOf(r.severity) > sev.indexOf(top.severity)) top = r;
    const row = [f.seriesIds[f.seriesOf[i]], formatTime(f, f.time[i]), fired.map((r) => r.name).join(' '), top.title ?? top.name, top.severity];
    for (const [, c] of texts) row.push(c.codes[i] < 0 ? '' : c.values[c.codes[i]]);
    out.push(row.join('|'));
  }
  return out;
}

function textColumns(a: Analysis): string[] {
  const spec = a.check.dataset;
  const annotations = new Set([spec.columns.label, spec.columns.reason, spec.splitColumn]);
  return [...a.data!.frame.categories.keys()].filter((n) => !annotations.has(n));
}

/** DuckDB reading the CSV itself (the `--engine duckdb` query). */
export async function duckAlerts(a: Analysis, split?: SplitName): Promise<string[]> {
  const f = a.data!.frame;
  const head = await readHeader(a.datasetPath!);
  const q = compileSql(a.program, {
    dialect: 'duckdb',
    source: { kind: 'csv', path: a.datasetPath!, delimiter: head!.delimiter, header: f.columnInfo.map((c) => c.name), timeKind: f.timeKind },
    dataset: a.check.dataset,
    split,
    textColumns: textColumns(a),
  });
  const duck = await openDuckDb({ readable: [a.datasetPath!], threads: 2 });
  try {
    const rows: string[] = [];
    await duck.each(q.sql, (chunk) => {
      for (const r of chunk) rows.push(r.map((v, i) => (i === 1 ? formatTime(f, Number(v)) : v === null ? '' : String(v))).join('|'));
    });
    return rows;
  } finally {
    duck.close();
  }
}

/** The frame as a PostgreSQL table (typed columns), for the table form of the query. */
export async function loadTable(client: pg.Client, table: string, f: Frame, spec: Analysis['check']['dataset']): Promise<void> {
  const cols: { name: string; type: string; value: (i: number) => unknown }[] = [];
  for (const info of f.columnInfo) {
    const name = info.name;
    if (name === spec.columns.series) cols.push({ name, type: 'TEXT', value: (i) => f.seriesIds[f.seriesOf[i]] });
    else if (name === spec.columns.time) cols.push({ name, type: f.timeKind === 'date' ? 'TIMESTAMPTZ' : 'DOUBLE PRECISION', value: (i) => (f.timeKind === 'date' ? new Date(f.time[i]).toISOString() : f.time[i]) });
    else if (name === spec.columns.label) cols.push({ name, type: 'DOUBLE PRECISION', value: (i) => (f.label && f.label[i] === f.label[i] ? f.label[i] : null) });
    else if (name === spec.splitColumn) cols.push({ name, type: 'TEXT', value: (i) => (f.splitOf && f.splitOf[i] <= 2 ? ['train', 'validation', 'test'][f.splitOf[i]] : null) });
    else if (f.columns.has(name)) cols.push({ name, type: 'DOUBLE PRECISION', value: (i) => (f.columns.get(name)![i] === f.columns.get(name)![i] ? f.columns.get(name)![i] : null) });
    else if (f.categories.has(name)) {
      const c = f.categories.get(name)!;
      cols.push({ name, type: 'TEXT', value: (i) => (c.codes[i] < 0 ? null : c.values[c.codes[i]]) });
    }
  }
  const q = (n: string) => `"${n.replace(/"/g, '""')}"`;
  await client.query(`DROP TABLE IF EXISTS ${q(table)}`);
  await client.query(`CREATE TABLE ${q(table)} (${cols.map((c) => `${q(c.name)} ${c.type}`).join(', ')})`);
  const per = Math.max(1, Math.floor(30000 / cols.length));
  for (let start = 0; start < f.length; start += per) {
    const end = Math.min(f.length, start + per);
    const values: unknown[] = [];
    const rows: string[] = [];
    for (let i = start; i < end; i++) {
      rows.push(`(${cols.map((c) => `$${values.push(c.value(i))}`).join(', ')})`);
    }
    await client.query(`INSERT INTO ${q(table)} VALUES ${rows.join(', ')}`, values);
  }
}

/** PostgreSQL over a table holding the frame. */
export async function postgresAlerts(client: pg.Client, a: Analysis, table: string, split?: SplitName): Promise<string[]> {
  const f = a.data!.frame;
  const q = compileSql(a.program, { dialect: 'postgres', source: { kind: 'table', table }, dataset: a.check.dataset, split, textColumns: textColumns(a) });
  const r = await client.query({ text: q.sql, rowMode: 'array' });
  return r.rows.map((row: unknown[]) => row.map((v, i) => (i === 1 ? formatTime(f, v instanceof Date ? v.getTime() : Number(v)) : v === null ? '' : String(v))).join('|'));
}

export function tableName(path: string): string {
  return basename(path).replace(/\W/g, '_');
}

/** Values of plan nodes at every point, from the in-memory engine (NaN: missing). */
export function memoryValues(a: Analysis, nodes: PlanNode[]): number[][] {
  const f = a.data!.frame;
  const cols = nodes.map((n) => a.data!.evaluator.column(n));
  return Array.from({ length: f.length }, (_, i) => cols.map((c) => (c instanceof Uint8Array ? (c[i] === 2 ? Number.NaN : c[i]) : c[i])));
}

function numeric(v: unknown): number {
  return v === null || v === undefined ? Number.NaN : typeof v === 'boolean' ? Number(v) : Number(v);
}

/** The same values from DuckDB reading the CSV. */
export async function duckValues(a: Analysis, nodes: PlanNode[]): Promise<number[][]> {
  const f = a.data!.frame;
  const head = await readHeader(a.datasetPath!);
  const q = compileSql(a.program, {
    dialect: 'duckdb',
    source: { kind: 'csv', path: a.datasetPath!, delimiter: head!.delimiter, header: f.columnInfo.map((c) => c.name), timeKind: f.timeKind },
    dataset: a.check.dataset,
    values: nodes.map((node, i) => ({ name: `v${i}`, node })),
  });
  const duck = await openDuckDb({ readable: [a.datasetPath!], threads: 2 });
  try {
    const out: number[][] = [];
    await duck.each(q.sql, (rows) => {
      for (const r of rows) out.push(r.slice(5).map(numeric));
    });
    return out;
  } finally {
    duck.close();
  }
}

/** The same values from PostgreSQL over the table. */
export async function postgresValues(client: pg.Client, a: Analysis, table: string, nodes: PlanNode[]): Promise<number[][]> {
  const q = compileSql(a.program, { dialect: 'postgres', source: { kind: 'table', table }, dataset: a.check.dataset, values: nodes.map((node, i) => ({ name: `v${i}`, node })) });
  const r = await client.query({ text: q.sql, rowMode: 'array' });
  return r.rows.map((row: unknown[]) => row.slice(5).map(numeric));
}
