// Where the points come from: a table (any dialect), or the CSV file itself read by DuckDB's
// reader, every cell as text and converted by ARL's own rules (numbers, missing markers, ISO
// times, trimmed categories), so the flags match the in-memory engine's. Either way the query
// continues from `_src`: `_s` (series id), `_t` (time), `c0, c1, ...` (the columns the rules
// read), `_y` (labelled), `_z` (split column), and `_r` (file row) for a CSV.
import { basename } from 'node:path';
import type { DatasetSpec } from '../../../grammar/src/check';
import type { Dialect } from './dialect';
import type { DataColumn } from './compile';

export type Source =
  | {
      kind: 'table';
      /** A table or view name, optionally qualified (`schema.table`, `project.dataset.table`). */
      table: string;
    }
  | {
      kind: 'csv';
      /** Absolute path of the CSV file. */
      path: string;
      delimiter: string;
      /** Column names as ARL reads the header (trimmed, blanks named, repeats numbered). */
      header: string[];
      /** What the time column holds (the first row decides, as in the loader). */
      timeKind: 'number' | 'date' | 'row';
    };

/** The source cannot be read this way (no time column for a table, a CSV for another dialect, ...). */
export class SqlSourceError extends Error {}

export interface SourceSql {
  ctes: string[];
  /** `_src` has `_r`, the row in the file (series are then ordered as the in-memory engine orders them). */
  fileOrder: boolean;
  /** A `_check` CTE with `_ok` = 1 exists (it stops the query when a time repeats in a series). */
  check: boolean;
}

const missingMarkers = ['', 'na', 'n/a', 'nan', 'null', 'none', '-'];
/** JavaScript's String.prototype.trim, in RE2 syntax. */
const space = '[\\t\\n\\x{0B}\\f\\r \\x{00A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}]';
const isoTime = '^(\\d{4})-(\\d{2})-(\\d{2})(?:[T ](\\d{2}):(\\d{2})(?::(\\d{2})(?:\\.(\\d+))?)?)?\\s*(Z|[+-]\\d{2}:?\\d{2})?$';
/** What parseNumber accepts (before it checks the result is finite). */
const numberText = `^(?: ${space}*)?[+-]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?${space}*$`;

/**
 * The cell may start or end with a space of some kind: an ASCII space or any character past
 * ASCII (the exact trim then decides). Cheap, and false for almost every cell.
 */
function edgeSpace(e: string): string {
  return `regexp_matches(${e}, '^[\\s\\x{0B}\\x{80}-\\x{10FFFF}]|[\\s\\x{0B}\\x{80}-\\x{10FFFF}]$')`;
}

export function jsTrim(e: string): string {
  return `CASE WHEN ${edgeSpace(e)} THEN regexp_replace(${e}, '^${space}+|${space}+$', '', 'g') ELSE ${e} END`;
}

/** A missing cell as the loader sees it: blank, or NA, N/A, NaN, null, none, - in any case. */
export function isMissing(e: string): string {
  const markers = missingMarkers.map((m) => `'${m}'`).join(', ');
  return `(${e} IS NULL OR (strlen(${e}) <= 4 AND lower(${e}) IN (${markers})) OR (${edgeSpace(e)} AND lower(${jsTrim(e)}) IN (${markers})))`;
}

/** A cell that the loader reads as a number (a finite decimal). */
export function isNumber(e: string): string {
  return `(regexp_full_match(${e}, '-?[0-9]+([.][0-9]+)?') OR (regexp_full_match(${e}, '${numberText}') AND isfinite(TRY_CAST(${jsTrim(e)} AS DOUBLE))))`;
}

export function number(e: string): string {
  // The common spelling first (a plain cast reads it exactly as JavaScript does), then the rest.
  return `CASE WHEN regexp_full_match(${e}, '-?[0-9]+([.][0-9]+)?') THEN CAST(${e} AS DOUBLE) WHEN ${isNumber(e)} THEN TRY_CAST(${jsTrim(e)} AS DOUBLE) END`;
}

function jsRound(e: string): string {
  return `CASE WHEN ${e} - FLOOR(${e}) >= 0.5 THEN FLOOR(${e}) + 1 ELSE FLOOR(${e}) END`;
}

const plainDate = '[0-9]{4}-[0-9]{2}-[0-9]{2}';

/** The parts of an ISO time cell (a struct, parsed once), or NULL for a plain date. */
export function isoParts(cell: string): string {
  const fields = ['y', 'mo', 'd', 'h', 'mi', 's', 'f', 'z'].map((f) => `'${f}'`).join(', ');
  return `CASE WHEN regexp_full_match(${cell}, '${plainDate}') THEN NULL ELSE regexp_extract(${jsTrim(cell)}, '${isoTime}', [${fields}]) END`;
}

/**
 * Milliseconds since 1970 for an ISO date or date-time, NULL otherwise: parseIsoTime in SQL,
 * overflowing fields included (10:75 is 11:15; a day past the month's end is refused). `parts`
 * is the column holding isoParts(cell).
 */
export function isoMillis(cell: string, parts: string): string {
  const p = (f: string) => `${parts}.${f}`;
  const int = (f: string) => `CAST(NULLIF(${p(f)}, '') AS BIGINT)`;
  const part = (f: string) => `COALESCE(${int(f)}, 0)`;
  const frac = `CASE WHEN ${p('f')} = '' THEN 0 ELSE ${jsRound(`CAST('0.' || ${p('f')} AS DOUBLE) * 1000`)} END`;
  const local = `(epoch_ms(make_date(${int('y')}, ${int('mo')}, 1)) + (${int('d')} - 1) * 86400000 + ${part('h')} * 3600000 + ${part('mi')} * 60000 + ${part('s')} * 1000 + ${frac})`;
  const z = p('z');
  const digits = `replace(substr(${z}, 2), ':', '')`;
  const zone = `CASE WHEN ${z} IN ('', 'Z') THEN 0 ELSE (CASE WHEN substr(${z}, 1, 1) = '-' THEN -1 ELSE 1 END) * (CAST(substr(${digits}, 1, 2) AS BIGINT) * 60 + CAST(substr(${digits}, 3) AS BIGINT)) * 60000 END`;
  const valid = `${p('y')} <> '' AND ${int('mo')} BETWEEN 1 AND 12 AND ${int('d')} BETWEEN 1 AND 31`;
  // The day of the month must survive the arithmetic (2025-02-30 is refused).
  const general = `CASE WHEN ${valid} AND day(make_timestamp(CAST(${local} AS BIGINT) * 1000)) = ${int('d')} THEN CAST(${local} - ${zone} AS DOUBLE) END`;
  return `CASE WHEN ${parts} IS NULL THEN CAST(epoch_ms(TRY_CAST(${cell} AS DATE)) AS DOUBLE) ELSE ${general} END`;
}

function tableRef(d: Dialect, table: string): string {
  const parts = table.split('.');
  if (parts.some((p) => p.trim() === '')) throw new SqlSourceError(`${JSON.stringify(table)} is not a table name: write NAME, SCHEMA.NAME or PROJECT.DATASET.NAME.`);
  return parts.map((p) => d.ident(p)).join('.');
}

export function sourceCtes(d: Dialect, source: Source, spec: DatasetSpec, columns: DataColumn[], opts: { labels: boolean; checkDuplicates: boolean }): SourceSql {
  const roles = spec.columns;
  const single = d.str(basename(spec.path ?? (source.kind === 'csv' ? source.path : source.table)).replace(/\.[^.]*$/, ''));
  if (source.kind === 'table') {
    if (!roles.time) throw new SqlSourceError('A table has no row order: name the time column in the dataset block (`time = ...`) to run the rules in SQL.');
    if (spec.duplicates !== 'error') throw new SqlSourceError(`\`duplicates = ${spec.duplicates}\` needs the rows' order in the file, which a table does not keep: merge the repeated rows in the table, or run the rules with DuckDB on the CSV.`);
    const col = (n: string) => d.ident(n);
    const cols = [roles.series ? `COALESCE(CAST(${col(roles.series)} AS ${d.types.text}), '') AS _s` : `${single} AS _s`, `${col(roles.time)} AS _t`];
    for (const c of columns) cols.push(c.kind === 'number' ? `${d.nanToNull(`CAST(${col(c.name)} AS ${d.types.double})`)} AS ${c.internal}` : `CAST(${col(c.name)} AS ${d.types.text}) AS ${c.internal}`);
    if (opts.labels) {
      cols.push(roles.label ? `(${col(roles.label)} IS NOT NULL AND TRIM(CAST(${col(roles.label)} AS ${d.types.text})) <> '') AS _y` : 'FALSE AS _y');
      if (spec.splitMethod === 'column' && spec.splitColumn) cols.push(`CAST(${col(spec.splitColumn)} AS ${d.types.text}) AS _z`);
    }
    const ctes = [`_src AS (SELECT ${cols.join(', ')} FROM ${tableRef(d, source.table)})`];
    if (opts.checkDuplicates) ctes.push(checkCte(d));
    return { ctes, fileOrder: false, check: opts.checkDuplicates};
  }
  if (d.name !== 'duckdb') throw new SqlSourceError(`Only DuckDB reads the CSV file itself: give --table NAME for ${d.name}, the table holding the data.`);
  if (/[*?[\]{}]/.test(source.path)) throw new SqlSourceError(`The dataset path ${JSON.stringify(source.path)} holds * ? [ ] { }, which DuckDB reads as a pattern of several files: rename the file.`);
  const at = (name: string | undefined) => (name === undefined ? undefined : `r${source.header.indexOf(name)}`);
  const types = source.header.map((_, i) => `'r${i}': 'VARCHAR'`).join(', ');
  const read = `read_csv(${d.str(source.path)}, header = true, auto_detect = false, columns = {${types}}, delim = ${d.str(source.delimiter)}, quote = '"', escape = '"', null_padding = false)`;
  const series = at(roles.series);
  const time = at(roles.time);
  const dates = time !== undefined && source.timeKind === 'date';
  const ctes = [`_raw AS (SELECT ROW_NUMBER() OVER () AS _r, *${dates ? `, ${isoParts(time)} AS _tm` : ''} FROM ${read})`];
  const cols = [
    '_r',
    series ? `COALESCE(${series}, '') AS _s` : `${single} AS _s`,
    time === undefined ? 'CAST(_r - 1 AS DOUBLE) AS _t' : dates ? `${isoMillis(time, '_tm')} AS _t` : `${number(time)} AS _t`,
  ];
  for (const c of columns) {
    const r = at(c.name)!;
    cols.push(c.kind === 'number' ? `${number(r)} AS ${c.internal}` : `CASE WHEN ${isMissing(r)} THEN NULL ELSE ${jsTrim(r)} END AS ${c.internal}`);
  }
  if (opts.labels) {
    const label = at(roles.label);
    cols.push(label ? `(${label} IS NOT NULL AND ${jsTrim(label)} <> '') AS _y` : 'FALSE AS _y');
    const z = at(spec.splitMethod === 'column' ? spec.splitColumn : undefined);
    if (z) cols.push(`CASE WHEN ${isMissing(z)} THEN NULL ELSE ${z} END AS _z`);
  }
  if (spec.duplicates === 'error') {
    ctes.push(`_src AS (SELECT ${cols.join(', ')} FROM _raw)`);
    if (opts.checkDuplicates) ctes.push(checkCte(d));
    return { ctes, fileOrder: true, check: opts.checkDuplicates};
  }
  // Rows sharing a time in a series become one point, as the loader merges them.
  ctes.push(`_rows AS (SELECT ${cols.join(', ')} FROM _raw)`);
  const policy = spec.duplicates;
  const firstPresent = (c: string) => `(list(${c} ORDER BY _r) FILTER (WHERE ${c} IS NOT NULL))[1]`;
  const merged = ['_s', '_t', 'MIN(_r) AS _r'];
  const own = (c: string, kind: 'number' | 'other') =>
    policy === 'first' ? `(list(${c} ORDER BY _r))[1]` : policy === 'last' ? `(list(${c} ORDER BY _r DESC))[1]` : kind === 'number' ? `${policy === 'mean' ? 'AVG' : 'MAX'}(${c})` : firstPresent(c);
  for (const c of columns) merged.push(`${own(c.internal, c.kind === 'number' ? 'number' : 'other')} AS ${c.internal}`);
  if (opts.labels) {
    merged.push(`${policy === 'first' || policy === 'last' ? own('_y', 'other') : 'BOOL_OR(_y)'} AS _y`);
    if (cols.some((c) => c.endsWith(' AS _z'))) merged.push(`${policy === 'first' || policy === 'last' ? own('_z', 'other') : firstPresent('_z')} AS _z`);
  }
  ctes.push(`_src AS (SELECT ${merged.join(', ')} FROM _rows GROUP BY _s, _t)`);
  return { ctes, fileOrder: true, check: false};
}

/** One row, `_ok` = 1; the query stops with an error when a time repeats within a series. */
function checkCte(d: Dialect): string {
  const message = d.str('ARL: a series has two rows at the same time; the rules need one row per time in each series. Remove or merge the repeated rows.');
  return `_check AS (SELECT CASE WHEN MAX(_k) > 1 THEN ${d.raise(message, 'MAX(_k)')} ELSE 1 END AS _ok FROM (SELECT COUNT(*) AS _k FROM _src GROUP BY _s, _t) _q)`;
}
