// What the checker needs to know of a CSV file (its columns, which are numbers, the categories,
// the longest series), found by DuckDB in one pass over the file instead of loading it: the
// `--engine duckdb` path for data larger than memory. The rules are the loader's: a column is a
// number column when every cell is a number or a missing marker; the first row decides whether
// times are numbers or dates. Problems get the loader's messages, placed at file:line:col by a
// streamed pass over the file (only when there are problems).
import { createReadStream, promises as fs } from 'node:fs';
import Papa from 'papaparse';
import type { ColumnInfo, DuplicatePolicy, Schema } from '../../../grammar/src/check';
import { excerpt, excerptList, quoted } from '../../../grammar/src/excerpt';
import type { DataError, DataProblem } from '../engine/csv';
import { locateInChunks } from '../engine/locate';
import { breaks } from '../engine/rows';
import { parseNumber } from '../engine/time';
import type { Duck } from './duckdb';
import { isMissing, isNumber, isoMillis, isoParts, jsTrim, number } from './source';

export interface CsvLayout {
  path: string;
  delimiter: string;
  /** Column names as the loader reads the header. */
  header: string[];
  timeKind: 'number' | 'date' | 'row';
}

export interface Scanned {
  layout: CsvLayout;
  schema: Schema;
  points: number;
  series: number;
  /** Some time has milliseconds: every date is then written with them. */
  millis: boolean;
}

export type ScanResult = { ok: true; scan: Scanned } | { ok: false; error: DataError };

const maxListed = 20;

/** The header row (names as the loader makes them) and the delimiter papaparse detects. */
export async function readHeader(path: string): Promise<{ header: string[]; delimiter: string; line: number; first?: string[] } | undefined> {
  return new Promise((resolve, reject) => {
    const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 16 });
    let found: { header: string[]; delimiter: string; line: number; first?: string[] } | undefined;
    let line = 1;
    stream.on('error', reject);
    Papa.parse<string[]>(stream as unknown as File, {
      step: (res, parser) => {
        const f = res.data;
        if (f.length === 1 && f[0] === '') {
          line++;
          return;
        }
        if (found) found.first = f;
        else found = { header: headerNames(f), delimiter: res.meta.delimiter, line };
        if (found.first) {
          parser.abort();
          stream.destroy();
        }
      },
      complete: () => resolve(found),
      error: reject,
    });
  });
}

/** Trimmed names, a BOM dropped, blanks named `column_N`, repeats given `_N` (N: the column number). */
export function headerNames(fields: string[]): string[] {
  const seen = new Set<string>();
  return fields.map((f, i) => {
    let name = (i === 0 ? f.replace(/^\uFEFF/, '') : f).trim();
    if (name === '') name = `column_${i + 1}`;
    while (seen.has(name)) name = `${name}_${i + 1}`;
    seen.add(name);
    return name;
  });
}

/** The line each data record (0-based, blank lines skipped as DuckDB skips them) starts on. */
async function recordLines(path: string, delimiter: string, records: number[]): Promise<Map<number, number>> {
  const want = new Set(records);
  const last = Math.max(0, ...records);
  const out = new Map<number, number>();
  await new Promise<void>((resolve, reject) => {
    const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
    stream.on('error', reject);
    let line = 1;
    // The header is record -1; data records count from 0.
    let record = -2;
    Papa.parse<string[]>(stream as unknown as File, {
      delimiter,
      step: (res, parser) => {
        const f = res.data;
        if (f.length === 1 && f[0] === '') {
          line++;
          return;
        }
        record++;
        if (want.has(record)) out.set(record, line);
        line += 1 + f.reduce((n, x) => n + (x.indexOf('\n') >= 0 || x.indexOf('\r') >= 0 ? breaks(x) : 0), 0);
        if (record >= last) {
          parser.abort();
          stream.destroy();
        }
      },
      complete: () => resolve(),
      error: reject,
    });
  });
  return out;
}

/** The file as DuckDB reads it, every cell text; `_r` numbers the records from 1 when asked for. */
function readCsv(layout: Pick<CsvLayout, 'path' | 'delimiter' | 'header'>, numbered = true): string {
  const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
  const types = layout.header.map((_, i) => `'r${i}': 'VARCHAR'`).join(', ');
  return `(SELECT ${numbered ? 'ROW_NUMBER() OVER () AS _r, ' : ''}* FROM read_csv(${q(layout.path)}, header = true, auto_detect = false, columns = {${types}}, delim = ${q(layout.delimiter)}, quote = '"', escape = '"', null_padding = false))`;
}

interface Pending {
  code: DataProblem['code'];
  /** The data record (0-based) and field the problem is at. */
  record: number;
  field: number;
  /** Other records the message names by line. */
  others?: number[];
  message: (lineOf: (record: number) => number) => string;
}

/**
 * Scans the file for the checker. `roles` are the series and time columns (`arl run` reads no
 * labels); `duplicates` is the dataset block's policy. The values of a category column are listed
 * (for the checker's warnings) only when `listed` says the rules name it: each list is a pass.
 */
export async function scanCsv(
  duck: Duck,
  path: string,
  roles: { series?: string; time?: string },
  duplicates: DuplicatePolicy,
  listed: (column: string) => boolean = () => true,
): Promise<ScanResult> {
  const fail = (code: DataError['code'], message: string, line?: number): ScanResult => ({ ok: false, error: { code, file: path, message, ...(line ? { line, column: 1 } : {}) } });
  try {
    const st = await fs.stat(path);
    if (!st.isFile()) return fail('file-missing', `${path} is not a file.`);
  } catch {
    return fail('file-missing', `The dataset file ${path} does not exist. Check the path in the dataset block (it is relative to the .arl file).`);
  }
  const head = await readHeader(path);
  if (!head) return fail('empty-file', 'The file is empty: it needs a header row and data rows.', 1);
  const { header, delimiter } = head;
  for (const role of ['series', 'time'] as const) {
    const want = roles[role];
    if (want && !header.includes(want)) {
      return fail('missing-column', `The ${role} column \`${excerpt(want)}\` is not in the header (${excerptList(header)}). Name an existing column in the dataset block.`, head.line);
    }
  }
  const col = (name: string | undefined) => (name === undefined ? undefined : `r${header.indexOf(name)}`);
  const layout: CsvLayout = { path, delimiter, header, timeKind: roles.time ? 'number' : 'row' };
  const raw = readCsv(layout);
  let rows: Record<string, unknown>[];
  const t = col(roles.time);
  const s = col(roles.series);
  const own = new Set([s, t].filter(Boolean));
  try {
    if (t) {
      // The first row decides whether times are numbers or dates, as in the loader.
      const cell = (head.first?.[header.indexOf(roles.time!)] ?? '').trim();
      layout.timeKind = cell === '' || parseNumber(cell) === parseNumber(cell) ? 'number' : 'date';
    }
    const cells = header.map((_, i) => `r${i}`).filter((r) => !own.has(r));
    const timeOf = !t ? 'CAST(_r - 1 AS DOUBLE)' : layout.timeKind === 'date' ? isoMillis(t, '_tm') : number(t);
    const parts = t && layout.timeKind === 'date' ? `, ${isoParts(t)} AS _tm` : '';
    const timedFrom = (from: string) => `(SELECT *, ${s ? `COALESCE(${s}, '')` : "''"} AS _s, ${t ?? 'NULL'} AS _cell, ${timeOf} AS _t FROM (SELECT *${parts} FROM ${from}))`;
    const timed = timedFrom(raw);
    // One pass: per series, then summed.
    const inner = ['COUNT(*) AS _n', 'COUNT(DISTINCT _t) AS _d', 'COUNT(*) FILTER (WHERE _t IS NULL) AS _bad', 'BOOL_OR(_t % 1000 <> 0) AS _ms'];
    const outer = ['COUNT(*) AS series', 'SUM(_n) AS points', 'MAX(_d) AS longest', 'SUM(_n - _bad - _d) AS repeated', 'SUM(_bad) AS bad', 'BOOL_OR(_ms) AS millis'];
    for (const r of cells) {
      inner.push(`COUNT(*) FILTER (WHERE NOT ${isMissing(r)}) AS ${r}_p`, `COUNT(*) FILTER (WHERE NOT ${isMissing(r)} AND NOT ${isNumber(r)}) AS ${r}_x`);
      outer.push(`SUM(${r}_p) AS ${r}_present`, `SUM(${r}_x) AS ${r}_text`);
    }
    // Without a time column the time is the record number, so the pass needs it.
    rows = await duck.all(`SELECT ${outer.join(', ')} FROM (SELECT ${inner.join(', ')} FROM ${t ? timedFrom(readCsv(layout, false)) : timed} GROUP BY _s)`);
    const st = rows[0];
    const points = Number(st.points ?? 0);
    if (points === 0) return fail('empty-file', 'The file has a header but no data rows.', head.line);
    const problems: Pending[] = [];
    let total = 0;
    const timeField = header.indexOf(roles.time ?? '');
    if (Number(st.bad) > 0) {
      total += Number(st.bad);
      const bad = await duck.all(`SELECT _r, _cell FROM ${timed} WHERE _t IS NULL ORDER BY _r LIMIT ${maxListed}`);
      const want = layout.timeKind === 'number' ? 'a number, like the rows above it' : 'an ISO date or date-time like 2025-01-06 or 2025-01-06T12:00:00, like the rows above it';
      for (const b of bad) {
        const cell = String(b._cell ?? '').trim();
        const message = cell === '' ? 'The time cell is empty. Every row needs a time (a number or an ISO date like 2025-01-06).' : `${quoted(cell)} is not a time: expected ${want}.`;
        problems.push({ code: 'bad-time', record: Number(b._r) - 1, field: timeField, message: () => message });
      }
    }
    if (duplicates === 'error' && Number(st.repeated) > 0 && problems.length < maxListed) {
      problems.push(...(await duplicateProblems(duck, timed, timeField, layout.timeKind, Boolean(st.millis), !!s)));
      total += await duplicateCount(duck, timed);
    }
    if (problems.length) return { ok: false, error: await place(path, delimiter, problems, Math.max(total, problems.length)) };
    const columnInfo: ColumnInfo[] = [];
    const notes: { info: ColumnInfo; record: number; text: string }[] = [];
    for (let i = 0; i < header.length; i++) {
      const r = `r${i}`;
      const name = header[i];
      if (r === s) columnInfo.push({ name, numeric: false, note: 'a text column' });
      else if (r === t && layout.timeKind === 'date') columnInfo.push({ name, numeric: false, note: 'the time column, of dates' });
      else if (r === t || Number(st[`${r}_text`]) === 0) columnInfo.push({ name, numeric: true });
      else {
        const c = listed(name) ? await categoryInfo(duck, raw, r, Number(st[`${r}_present`])) : { categories: [] };
        const info: ColumnInfo = { name, numeric: false, categories: c.categories };
        if (c.firstText) notes.push({ info, ...c.firstText });
        columnInfo.push(info);
      }
    }
    // A mostly numeric column says where its first text is, as the loader does.
    if (notes.length) {
      const lines = await recordLines(path, delimiter, notes.map((n) => n.record));
      for (const n of notes) n.info.note = n.text.replace('LINE', String(lines.get(n.record) ?? '?'));
    }
    return {
      ok: true,
      scan: { layout, schema: { columns: columnInfo, maxSeriesLength: Number(st.longest ?? 0) }, points, series: Number(st.series), millis: Boolean(st.millis) },
    };
  } catch (e) {
    // DuckDB's own reading errors (a row with too many fields, a quote never closed).
    return fail('bad-row', `DuckDB could not read the file: ${excerpt(String((e as Error).message).replace(/\s+/g, ' '), 300)}`);
  }
}

/** Distinct values most frequent first (ties: first in the file), and the note of a mostly numeric column. */
async function categoryInfo(duck: Duck, raw: string, r: string, present: number): Promise<{ categories: string[]; firstText?: { record: number; text: string } }> {
  const values = await duck.all(
    `SELECT ${jsTrim(r)} AS v, COUNT(*) AS n, MIN(_r) AS first, BOOL_OR(${isNumber(r)}) AS num FROM ${raw} WHERE NOT ${isMissing(r)} GROUP BY v ORDER BY n DESC, first LIMIT 1000`,
  );
  const categories = values.map((v) => String(v.v));
  const numbers = await duck.all(`SELECT COUNT(*) AS n FROM ${raw} WHERE NOT ${isMissing(r)} AND ${isNumber(r)}`);
  const n = Number(numbers[0].n);
  if (n === 0) return { categories };
  const first = await duck.all(`SELECT _r, ${jsTrim(r)} AS v FROM ${raw} WHERE NOT ${isMissing(r)} AND NOT ${isNumber(r)} ORDER BY _r LIMIT 1`);
  const text = `line LINE holds ${quoted(String(first[0].v))}; ${n.toLocaleString('en-US')} of ${present.toLocaleString('en-US')} values are numbers`;
  return { categories, firstText: { record: Number(first[0]._r) - 1, text } };
}

async function duplicateCount(duck: Duck, points: string): Promise<number> {
  const r = await duck.all(`SELECT COUNT(*) AS n FROM (SELECT _s, _t FROM ${points} WHERE _t IS NOT NULL GROUP BY _s, _t HAVING COUNT(*) > 1)`);
  return Number(r[0].n);
}

/** The first few repeated times, as the loader words them (their lines are placed later). */
async function duplicateProblems(duck: Duck, points: string, timeField: number, timeKind: CsvLayout['timeKind'], millis: boolean, hasSeries: boolean): Promise<Pending[]> {
  const places = await duck.all(
    `SELECT _s, _t, ANY_VALUE(_cell) AS _cell, list(_r ORDER BY _r) AS _rows FROM ${points} WHERE _t IS NOT NULL GROUP BY _s, _t HAVING COUNT(*) > 1 ORDER BY list(_r ORDER BY _r)[2] LIMIT 5`,
  );
  return places.map((p, k) => {
    const records = (p._rows as unknown[]).map((r) => Number(r) - 1);
    const time = timeKind === 'date' ? formatDate(Number(p._t), millis) : String(Number(p._t));
    const series = hasSeries ? `Series ${quoted(String(p._s))} has` : 'The file has';
    const message = (lineOf: (record: number) => number) => {
      const lines = records.slice(0, 5).map(lineOf);
      const list = lines.length === 2 ? `lines ${lines[0]} and ${lines[1]}` : `lines ${lines.join(', ')}${records.length > 5 ? ` and ${records.length - 5} more` : ''}`;
      const first = `${series} ${records.length} rows at time ${quoted(time)} (${list}).`;
      return k === 0 ? `${first} Each series needs one row per time: remove the extra rows, or merge them with \`duplicates = first\`, \`last\`, \`mean\` or \`max\` in the dataset block.` : first;
    };
    return { code: 'duplicate-time' as const, record: records[1], field: timeField, others: records.slice(0, 5), message };
  });
}

export function formatDate(ms: number, millis: boolean): string {
  const iso = new Date(ms).toISOString();
  return millis ? iso : iso.replace('.000Z', 'Z');
}

/** Problems at file:line:col: the records' lines by a streamed pass, then the fields' columns. */
async function place(path: string, delimiter: string, pending: Pending[], total: number): Promise<DataError> {
  const lines = await recordLines(path, delimiter, pending.flatMap((p) => [p.record, ...(p.others ?? [])]));
  const lineOf = (r: number) => lines.get(r) ?? 1;
  const targets = pending.map((p) => ({ line: lineOf(p.record), field: p.field }));
  const chunks = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 }) as unknown as AsyncIterable<string>;
  const places = await locateInChunks(chunks, delimiter, targets);
  const problems: DataProblem[] = pending.map((p, k) => ({ code: p.code, line: places[k]?.line ?? targets[k].line, column: places[k]?.column ?? 1, message: p.message(lineOf) }));
  return { ...problems[0], file: path, problems, total };
}
