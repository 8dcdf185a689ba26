// CSV loading, streamed with papaparse: long format, one row per point. Numeric columns become
// typed arrays, times are parsed, each series is sorted by time. Errors name file, line and column.
import { createReadStream, promises as fs } from 'node:fs';
import { basename } from 'node:path';
import Papa from 'papaparse';
import type { ColumnInfo } from '../../../grammar/src/check';
import { newFrameId, type Frame, type TimeKind } from './frame';
import { parseIsoTime, parseNumber } from './time';

export interface Roles {
  series?: string;
  time?: string;
  label?: string;
  reason?: string;
}

export interface DataError {
  code: 'file-missing' | 'empty-file' | 'missing-column' | 'bad-time' | 'bad-label' | 'duplicate-time' | 'bad-row' | 'read-error' | 'cancelled';
  file: string;
  /** 1-based, when the error is at a place in the file. */
  line?: number;
  column?: number;
  message: string;
}

export type LoadResult = { ok: true; frame: Frame } | { ok: false; error: DataError };

export interface LoadOptions {
  roles: Roles;
  /** Called with the fraction read, at most every few percent. */
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
}

const missingMarkers = new Set(['', 'na', 'n/a', 'nan', 'null', 'none', '-']);
/** Blank cells and the usual spellings of "no value" are missing values. */
export function isMissingCell(cell: string): boolean {
  const t = cell.trim();
  return t.length <= 4 && missingMarkers.has(t.toLowerCase());
}

/** Where a problem is: a data row and a field, located in the text when reported. */
interface Pending {
  code: DataError['code'];
  row: number;
  field: number;
  message: string;
}

class GrowableF64 {
  data = new Float64Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const d = new Float64Array(this.data.length * 2);
      d.set(this.data);
      this.data = d;
    }
    this.data[this.length++] = v;
  }
  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

/** Receives rows one by one and assembles the frame. */
class TableBuilder {
  header: string[] = [];
  private cols: (GrowableF64 | undefined)[] = [];
  /** The first cell that made a column non-numeric. */
  private nonNumeric = new Map<number, { row: number; cell: string }>();
  private seriesIndex = new Map<string, number>();
  private seriesIds: string[] = [];
  private series = new GrowableF64();
  private time = new GrowableF64();
  private label = new GrowableF64();
  private reason: string[] = [];
  private rowStart = new GrowableF64();
  private idx: { series: number; time: number; label: number; reason: number } = { series: -1, time: -1, label: -1, reason: -1 };
  private timeKind: TimeKind = 'row';
  rows = 0;
  error?: Pending;
  /** A blank line between rows or a line break inside a field: a row's line is not its index + 2. */
  irregular = false;
  private blankSeen = false;

  constructor(
    private readonly source: string,
    private readonly roles: Roles,
  ) {}

  /** Returns false to stop reading. */
  row(fields: string[], start: number): boolean {
    if (this.header.length === 0) return this.setHeader(fields);
    if (fields.length === 1 && fields[0] === '') {
      this.blankSeen = true; // a blank line
      return true;
    }
    if (this.blankSeen || fields.some((f) => f.includes('\n') || f.includes('\r'))) this.irregular = true;
    const r = this.rows;
    if (fields.length !== this.header.length) {
      return this.fail('bad-row', r, Math.min(fields.length, this.header.length) - 1, `This row has ${fields.length} fields but the header has ${this.header.length}. Fix the row (a missing or extra delimiter, or an unquoted comma).`);
    }
    this.rowStart.push(start);
    for (let c = 0; c < fields.length; c++) {
      const col = this.cols[c];
      if (!col) continue;
      const cell = fields[c];
      const v = parseNumber(cell);
      if (v === v || isMissingCell(cell)) col.push(v);
      else {
        this.nonNumeric.set(c, { row: r, cell: cell.length > 30 ? cell.slice(0, 30) + '...' : cell });
        this.cols[c] = undefined;
      }
    }
    if (this.idx.series >= 0) {
      const id = fields[this.idx.series];
      let s = this.seriesIndex.get(id);
      if (s === undefined) {
        s = this.seriesIds.length;
        this.seriesIndex.set(id, s);
        this.seriesIds.push(id);
      }
      this.series.push(s);
    }
    if (this.idx.time >= 0 && !this.readTime(fields[this.idx.time], r)) return false;
    if (this.idx.label >= 0 && !this.readLabel(fields[this.idx.label], r)) return false;
    if (this.idx.reason >= 0) this.reason.push(fields[this.idx.reason]);
    this.rows++;
    return true;
  }

  private setHeader(fields: string[]): boolean {
    const seen = new Set<string>();
    this.header = fields.map((f, i) => {
      let name = (i === 0 ? f.replace(/^\uFEFF/, '') : f).trim();
      if (name === '') name = `column_${i + 1}`;
      while (seen.has(name)) name = `${name}_${i + 1}`;
      seen.add(name);
      return name;
    });
    for (const role of ['series', 'time', 'label', 'reason'] as const) {
      const want = this.roles[role];
      if (!want) continue;
      const i = this.header.indexOf(want);
      if (i < 0) {
        return this.fail('missing-column', -1, 0, `The ${role} column \`${want}\` is not in the header (${this.header.join(', ')}). Name an existing column in the dataset block.`);
      }
      this.idx[role] = i;
    }
    // Labels are read by readLabel (which also takes true / false), not as numbers.
    const own = [this.idx.series, this.idx.reason, this.idx.label];
    this.cols = this.header.map((_, i) => (own.includes(i) ? undefined : new GrowableF64()));
    return true;
  }

  // Long-format files repeat the same few dates on every series: parse each text once.
  private readonly dates = new Map<string, number>();
  private parseDate(s: string): number {
    let t = this.dates.get(s);
    if (t === undefined) {
      t = parseIsoTime(s);
      if (this.dates.size < 100_000) this.dates.set(s, t);
    }
    return t;
  }

  private readTime(cell: string, r: number): boolean {
    const s = cell.trim();
    if (s === '') return this.fail('bad-time', r, this.idx.time, `The time cell is empty. Every row needs a time (a number or an ISO date like 2025-01-06).`);
    if (this.timeKind === 'row') this.timeKind = parseNumber(s) === parseNumber(s) ? 'number' : 'date';
    const t = this.timeKind === 'number' ? parseNumber(s) : this.parseDate(s);
    if (t !== t) {
      const want = this.timeKind === 'number' ? 'a number, like the rows above it' : 'an ISO date or date-time like 2025-01-06 or 2025-01-06T12:00:00, like the rows above it';
      return this.fail('bad-time', r, this.idx.time, `"${s}" is not a time: expected ${want}.`);
    }
    this.time.push(t);
    return true;
  }

  private readLabel(cell: string, r: number): boolean {
    const s = cell.trim().toLowerCase();
    let v: number;
    if (s === '') v = Number.NaN;
    else if (s === '1' || s === '1.0' || s === 'true') v = 1;
    else if (s === '0' || s === '0.0' || s === 'false') v = 0;
    else return this.fail('bad-label', r, this.idx.label, `"${cell}" is not a label: use 1 for an anomaly, 0 for normal, or leave it blank (not scored).`);
    this.label.push(v);
    return true;
  }

  private fail(code: Pending['code'], row: number, field: number, message: string): false {
    this.error = { code, row, field, message };
    return false;
  }

  /** Offset in the text where data row `r` starts (-1: the header). */
  rowOffset(r: number): number {
    return r < 0 ? 0 : r < this.rowStart.length ? this.rowStart.data[r] : this.pendingStart;
  }
  pendingStart = 0;

  get hasNonNumeric(): boolean {
    return this.nonNumeric.size > 0;
  }

  /** Groups points by series, sorts each by time; returns the frame or the row pair that clashes. */
  build(lineOf: (r: number) => number): { frame: Frame } | { clash: [number, number] } {
    const n = this.rows;
    const nSeries = Math.max(1, this.seriesIds.length);
    const seriesIds = this.seriesIds.length ? this.seriesIds : [basename(this.source).replace(/\.[^.]*$/, '')];
    const seriesOfRow = this.idx.series >= 0 ? this.series.view() : new Float64Array(n);
    const time = this.idx.time >= 0 ? this.time.view() : Float64Array.from({ length: n }, (_, i) => i);
    // Counting sort by series keeps file order inside a series.
    const counts = new Int32Array(nSeries + 1);
    for (let i = 0; i < n; i++) counts[seriesOfRow[i] + 1]++;
    for (let s = 0; s < nSeries; s++) counts[s + 1] += counts[s];
    const seriesStart = Int32Array.from(counts);
    const order = new Int32Array(n);
    const fill = Int32Array.from(counts);
    for (let i = 0; i < n; i++) order[fill[seriesOfRow[i]]++] = i;
    for (let s = 0; s < nSeries; s++) {
      const a = seriesStart[s];
      const b = seriesStart[s + 1];
      let sorted = true;
      for (let i = a + 1; i < b && sorted; i++) if (time[order[i]] < time[order[i - 1]]) sorted = false;
      if (!sorted) {
        const part = Array.from(order.subarray(a, b)).sort((x, y) => time[x] - time[y] || x - y);
        order.set(part, a);
      }
      for (let i = a + 1; i < b; i++) if (time[order[i]] === time[order[i - 1]]) return { clash: [order[i - 1], order[i]] };
    }
    const permute = (src: Float64Array) => {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = src[order[i]];
      return out;
    };
    const columns = new Map<string, Float64Array>();
    const columnInfo: ColumnInfo[] = this.header.map((name, c) => {
      const col = this.cols[c];
      if (col && c !== this.idx.label) columns.set(name, permute(col.view()));
      const bad = this.nonNumeric.get(c);
      if (c === this.idx.label) return { name, numeric: true };
      const note = bad ? `line ${lineOf(bad.row)} holds "${bad.cell}"` : col ? undefined : 'a text column';
      return { name, numeric: !!col, note };
    });
    const seriesOf = new Int32Array(n);
    for (let s = 0; s < nSeries; s++) seriesOf.fill(s, seriesStart[s], seriesStart[s + 1]);
    const text = new Map<string, string[]>();
    if (this.idx.reason >= 0) text.set(this.header[this.idx.reason], Array.from(order, (i) => this.reason[i]));
    const rowOf = order;
    const frame: Frame = {
      source: this.source,
      id: newFrameId(),
      seriesIds,
      seriesStart,
      seriesOf,
      length: n,
      time: permute(time),
      timeKind: this.idx.time >= 0 ? (this.timeKind === 'row' ? 'number' : this.timeKind) : 'row',
      columns,
      columnInfo,
      label: this.idx.label >= 0 ? permute(this.label.view()) : undefined,
      categories: new Map(),
      text,
      lineOf: (p) => lineOf(rowOf[p]),
    };
    return { frame };
  }
}

/** Line (1-based) and character column (1-based) of field `field` of the row starting at `offset`. */
export function locate(text: string, offset: number, field: number, delimiter: string): { line: number; column: number } {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  let i = offset;
  let f = 0;
  let quoted = false;
  while (i < text.length && f < field) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (!quoted && text.startsWith(delimiter, i)) f++;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    i++;
  }
  let lineStart = i;
  while (lineStart > 0 && text[lineStart - 1] !== '\n') lineStart--;
  for (let j = offset; j < i; j++) if (text.charCodeAt(j) === 10) line++;
  return { line, column: i - lineStart + 1 };
}

/** Line of a row from its offset: line starts indexed once, then a binary search per call. */
function rowLines(text: string, offsetOf: (row: number) => number): (row: number) => number {
  let starts: Int32Array | undefined;
  return (row) => {
    if (!starts) {
      const s: number[] = [0];
      for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) s.push(i + 1);
      starts = Int32Array.from(s);
    }
    const off = offsetOf(row);
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= off) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}

function finish(b: TableBuilder, source: string, text: () => Promise<string> | string, delimiter: string): Promise<LoadResult> | LoadResult {
  const where = (t: string, row: number, field: number) => locate(t, b.rowOffset(row), Math.max(0, field), delimiter);
  const fail = (t: string, p: Pending): LoadResult => ({
    ok: false,
    error: { code: p.code, file: source, ...where(t, p.row, p.field), message: p.message },
  });
  const done = (t: string | undefined): LoadResult | Promise<LoadResult> => {
    if (b.error) return fail(t!, b.error);
    if (b.header.length === 0 || b.rows === 0) {
      return {
        ok: false,
        error: { code: 'empty-file', file: source, line: 1, column: 1, message: b.header.length === 0 ? 'The file is empty: it needs a header row and data rows.' : 'The file has a header but no data rows.' },
      };
    }
    const lineOf = t === undefined ? (r: number) => r + 2 : rowLines(t, (r) => b.rowOffset(r));
    const built = b.build(lineOf);
    if ('frame' in built) return { ok: true, frame: built.frame };
    const [r1, r2] = built.clash;
    const clash = (t: string): LoadResult =>
      fail(t, {
        code: 'duplicate-time',
        row: r2,
        field: -1,
        message: `This row repeats the time of line ${where(t, r1, 0).line} in the same series. Each series needs one row per time: remove or merge one of them.`,
      });
    // A clash is found only after reading: the text is needed now to place it.
    if (t !== undefined) return clash(t);
    const later = text();
    return typeof later === 'string' ? clash(later) : later.then(clash);
  };
  // The text is read again only to place an error, a non-numeric cell or irregular lines exactly.
  const needText = b.error || b.hasNonNumeric || b.irregular || b.rows === 0;
  if (!needText) return done(undefined);
  const t = text();
  return typeof t === 'string' ? done(t) : t.then(done);
}

export function loadCsvText(content: string, source: string, opts: LoadOptions): LoadResult {
  const b = new TableBuilder(source, opts.roles);
  let start = 0;
  let delimiter = ',';
  Papa.parse<string[]>(content, {
    step: (res, parser) => {
      delimiter = res.meta.delimiter;
      b.pendingStart = start;
      if (!b.row(res.data, start)) parser.abort();
      start = res.meta.cursor;
    },
  });
  return finish(b, source, () => content, delimiter) as LoadResult;
}

export async function loadCsv(path: string, opts: LoadOptions): Promise<LoadResult> {
  let size: number;
  try {
    const st = await fs.stat(path);
    if (!st.isFile()) return { ok: false, error: { code: 'file-missing', file: path, message: `${path} is not a file.` } };
    size = st.size;
  } catch {
    return { ok: false, error: { code: 'file-missing', file: path, message: `The dataset file ${path} does not exist. Check the path in the dataset block (it is relative to the .arl file).` } };
  }
  const b = new TableBuilder(path, opts.roles);
  let delimiter = ',';
  const outcome = await new Promise<'done' | 'cancelled' | Error>((resolve) => {
    const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
    let read = 0;
    let reported = 0;
    stream.on('data', (chunk) => {
      read += Buffer.byteLength(chunk as string);
      if (opts.onProgress && read - reported > size / 50) {
        reported = read;
        opts.onProgress(Math.min(1, read / Math.max(1, size)));
      }
    });
    stream.on('error', (e) => resolve(e));
    let start = 0;
    let stopped = false;
    Papa.parse<string[]>(stream as unknown as File, {
      step: (res, parser) => {
        if (stopped) return;
        if (opts.signal?.aborted) {
          stopped = true;
          parser.abort();
          stream.destroy();
          resolve('cancelled');
          return;
        }
        delimiter = res.meta.delimiter;
        b.pendingStart = start;
        if (!b.row(res.data, start)) {
          stopped = true;
          parser.abort();
          stream.destroy();
          resolve('done');
          return;
        }
        start = res.meta.cursor;
      },
      complete: () => resolve('done'),
      error: (e: Error) => resolve(e),
    });
  });
  if (outcome === 'cancelled') return { ok: false, error: { code: 'cancelled', file: path, message: 'Loading was cancelled.' } };
  if (outcome instanceof Error) return { ok: false, error: { code: 'read-error', file: path, message: `Could not read ${path}: ${outcome.message}` } };
  opts.onProgress?.(1);
  return finish(b, path, () => fs.readFile(path, 'utf8'), delimiter);
}
