// The rows of a CSV file, one at a time, into growable columns. A row with a problem (a bad time
// or label, a wrong number of fields, broken quotes) is recorded with its line and field and left
// out, and reading goes on, so one load names every problem (up to a limit). Columns of problems
// are placed afterwards by locate.ts.
import type { ParseError } from 'papaparse';
import { excerpt, excerptList, quoted } from '../../../grammar/src/excerpt';
import type { TimeKind } from './frame';
import { parseIsoTime, parseNumber } from './time';

export interface Roles {
  series?: string;
  time?: string;
  label?: string;
  reason?: string;
  /** A column of train / validation / test (`split = column NAME`). */
  split?: string;
}

export type ProblemCode = 'missing-column' | 'bad-time' | 'bad-label' | 'bad-split' | 'bad-row' | 'bad-quote' | 'duplicate-time';

/** A problem at a row: its start line and a field (-1: the field with broken quotes; undefined: the line's start). */
export interface Pending {
  code: ProblemCode;
  line: number;
  field?: number;
  message: string;
}

/** Problems named in one error at most; the rest are counted. */
export const maxProblems = 20;

const missingMarkers = new Set(['', 'na', 'n/a', 'nan', 'null', 'none', '-']);
/** Blank cells and the usual spellings of "no value" are missing values. */
export function isMissingCell(cell: string): boolean {
  const t = cell.trim();
  return t.length <= 4 && missingMarkers.has(t.toLowerCase());
}

export class GrowableF64 {
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
  /** Room for n values in all (the loader sizes columns from the file size). */
  reserve(n: number): void {
    if (n <= this.data.length) return;
    const d = new Float64Array(n);
    d.set(this.view());
    this.data = d;
  }
}

export class GrowableI32 {
  data = new Int32Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const d = new Int32Array(this.data.length * 2);
      d.set(this.data);
      this.data = d;
    }
    this.data[this.length++] = v;
  }
  view(): Int32Array {
    return this.data.subarray(0, this.length);
  }
  /** Room for n values in all (the loader sizes columns from the file size). */
  reserve(n: number): void {
    if (n <= this.data.length) return;
    const d = new Int32Array(n);
    d.set(this.view());
    this.data = d;
  }
}

/** A text column as dictionary codes: -1 where the cell is missing. Values are trimmed. */
export class CategoryColumn {
  readonly index = new Map<string, number>();
  readonly values: string[] = [];
  readonly codes = new GrowableI32();
  /** The first rows held numbers before a text cell came: their text is read again (refill). */
  refillRows = 0;
  /** The first text cell, for the note of a column that also holds numbers. */
  firstText?: { line: number; cell: string };

  push(cell: string): void {
    this.codes.push(this.code(cell));
  }

  code(cell: string): number {
    if (isMissingCell(cell)) return -1;
    const v = cell.trim();
    let c = this.index.get(v);
    if (c === undefined) {
      c = this.values.length;
      this.index.set(v, c);
      this.values.push(v);
    }
    return c;
  }
}

/** A text column kept for people (the reason): most cells are blank, so only the others are kept. */
export class SparseText {
  readonly rows = new GrowableI32();
  readonly texts: string[] = [];

  /** The text of row `row` (rows come in order). */
  set(row: number, text: string): void {
    if (text === '') return;
    this.rows.push(row);
    this.texts.push(text);
  }

  get(row: number): string {
    const rows = this.rows.data;
    let lo = 0;
    let hi = this.rows.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (rows[mid] === row) return this.texts[mid];
      if (rows[mid] < row) lo = mid + 1;
      else hi = mid - 1;
    }
    return '';
  }
}

const splitCodes: Record<string, number> = { train: 0, validation: 1, test: 2 };
/** A blank split cell: the point goes with the point before it in its series. */
export const splitFollows = 255;

/** Line breaks in a field's text: `\n`, `\r\n` and a lone `\r` count one each. */
export function breaks(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 10) n++;
    else if (c === 13) {
      n++;
      if (s.charCodeAt(i + 1) === 10) i++;
    }
  }
  return n;
}

function parseErrorMessage(error: ParseError, all: ParseError[], extra: number): string {
  if (error.type !== 'Quotes') return `This row cannot be read (${excerpt(error.message)}). Fix the row.`;
  if (all.some((e) => e.code === 'MissingQuotes')) {
    return `A quote opens a field here and is never closed, so the rest of the file (${(extra + 1).toLocaleString('en-US')} lines) would be one cell. Close the quote, or write a quote inside a quoted field as "".`;
  }
  return 'A quoted field has text after its closing quote. Quote the whole field and write each quote inside it as "" (e.g. "say ""hi"""), or remove the quotes.';
}

/** Receives rows one by one; assemble.ts turns the result into a frame. */
export class RowReader {
  header: string[] = [];
  /** Numeric columns; undefined for roles and text columns. */
  readonly num: (GrowableF64 | undefined)[] = [];
  readonly cat: (CategoryColumn | undefined)[] = [];
  readonly seriesIndex = new Map<string, number>();
  readonly seriesIds: string[] = [];
  readonly series = new GrowableI32();
  readonly time = new GrowableF64();
  readonly label = new GrowableF64();
  readonly split = new Uint8ArrayBuilder();
  readonly reason = new SparseText();
  idx = { series: -1, time: -1, label: -1, reason: -1, split: -1 };
  timeKind: TimeKind = 'row';
  rows = 0;
  /** The line where the next row starts. */
  line = 1;
  readonly problems: Pending[] = [];
  problemCount = 0;
  /** The header names a column that is not there: nothing more is read. */
  stopped = false;
  // Rows whose line is not row + 2 (after a blank line or a field spanning lines): from row
  // shiftRow[k] on, row r is on line shiftLine[k] + r - shiftRow[k].
  readonly shiftRow: number[] = [0];
  readonly shiftLine: number[] = [2];

  /** Rows are lines of text (a line break in a field moves the next row down); not in Parquet. */
  textLines = true;

  constructor(private readonly roles: Roles) {}

  /** Rows after the header are numbered from `line` (Parquet rows count from 1). */
  rowsFrom(line: number): void {
    this.line = line;
    this.shiftLine[0] = line;
  }

  /** Returns false to stop reading. */
  row(fields: string[], errors?: ParseError[]): boolean {
    const line = this.line;
    if (fields.length === 1 && fields[0] === '') {
      this.line++; // a blank line
      return true;
    }
    let extra = 0;
    for (let c = 0; c < fields.length && this.textLines; c++) {
      const f = fields[c];
      if (f.indexOf('\n') >= 0 || f.indexOf('\r') >= 0) extra += breaks(f);
    }
    this.line = line + 1 + extra;
    if (this.header.length === 0) return this.setHeader(fields, line);
    // Whatever papaparse reports is a problem of the row, except that it could not detect a
    // delimiter: a file of one column has none.
    const error = errors?.find((e) => e.type !== 'Delimiter');
    if (error) {
      this.problem(error.type === 'Quotes' ? 'bad-quote' : 'bad-row', line, error.type === 'Quotes' ? -1 : 0, parseErrorMessage(error, errors!, extra));
      return true;
    }
    if (fields.length !== this.header.length) {
      this.problem(
        'bad-row',
        line,
        Math.min(fields.length, this.header.length) - 1,
        `This row has ${fields.length} fields but the header has ${this.header.length}. Fix the row (a missing or extra delimiter, or an unquoted comma).`,
      );
      return true;
    }
    // Roles first: a row with a problem adds nothing to any column.
    const idx = this.idx;
    const t = idx.time >= 0 ? this.readTime(fields[idx.time], line) : 0;
    if (t !== t) return true;
    const y = idx.label >= 0 ? this.readLabel(fields[idx.label], line) : 0;
    if (y === undefined) return true;
    const sp = idx.split >= 0 ? this.readSplit(fields[idx.split], line) : 0;
    if (sp < 0) return true;
    this.noteLine(line);
    for (let c = 0; c < fields.length; c++) {
      const col = this.num[c];
      if (col) {
        const cell = fields[c];
        const v = parseNumber(cell);
        if (v === v || isMissingCell(cell)) col.push(v);
        else this.toCategory(c, cell, line);
        continue;
      }
      const cat = this.cat[c];
      if (cat) cat.push(fields[c]);
    }
    if (idx.series >= 0) {
      const id = fields[idx.series];
      let s = this.seriesIndex.get(id);
      if (s === undefined) {
        s = this.seriesIds.length;
        this.seriesIndex.set(id, s);
        this.seriesIds.push(id);
      }
      this.series.push(s);
    }
    if (idx.time >= 0) this.time.push(t);
    if (idx.label >= 0) this.label.push(y);
    if (idx.split >= 0) this.split.push(sp);
    if (idx.reason >= 0) this.reason.set(this.rows, fields[idx.reason]);
    this.rows++;
    return true;
  }

  /** Room for about `rows` rows in every column (the loader estimates them from the file size). */
  reserve(rows: number): void {
    for (const c of this.num) c?.reserve(rows);
    for (const c of this.cat) c?.codes.reserve(rows);
    if (this.idx.series >= 0) this.series.reserve(rows);
    if (this.idx.time >= 0) this.time.reserve(rows);
    if (this.idx.label >= 0) this.label.reserve(rows);
    if (this.idx.split >= 0) this.split.reserve(rows);
  }

  /** The next row starts on `line`: a shift is kept when that is not the line after the last row. */
  noteLine(line: number): void {
    const r = this.rows;
    if (line !== this.shiftLine[this.shiftLine.length - 1] + r - this.shiftRow[this.shiftRow.length - 1]) {
      this.shiftRow.push(r);
      this.shiftLine.push(line);
    }
  }

  /** The line shifts (see Lines in frame.ts). */
  shifts(): { shiftRow: Int32Array; shiftLine: Int32Array } {
    return { shiftRow: Int32Array.from(this.shiftRow), shiftLine: Int32Array.from(this.shiftLine) };
  }

  /** The line data row `r` starts on. */
  lineOf(r: number): number {
    const rows = this.shiftRow;
    let lo = 0;
    let hi = rows.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (rows[mid] <= r) lo = mid;
      else hi = mid - 1;
    }
    return this.shiftLine[lo] + r - rows[lo];
  }

  problem(code: ProblemCode, line: number, field: number | undefined, message: string): void {
    if (this.problems.length < maxProblems) this.problems.push({ code, line, field, message });
    this.problemCount++;
  }

  /**
   * Columns another reader of the rows before these found text in (csvsplit.ts): they are read as
   * text from the first row, as that reader reads them.
   */
  readAsText(columns: number[]): void {
    for (const c of columns) {
      if (!this.num[c]) continue;
      this.num[c] = undefined;
      if (c !== this.idx.time) this.cat[c] = new CategoryColumn();
    }
  }

  /** A number column meets text: from now on it is a category column. */
  protected toCategory(c: number, cell: string, line: number): void {
    const col = this.num[c]!;
    this.num[c] = undefined;
    if (c === this.idx.time) return; // dates: the time column is not a category column

    const cat = new CategoryColumn();
    cat.firstText = { line, cell: excerpt(cell.trim()) };
    const before = col.view();
    let numbers = false;
    for (let i = 0; i < before.length; i++) if (before[i] === before[i]) numbers = true;
    // Cells before were numbers or missing: their codes are placeholders until they are read again.
    for (let i = 0; i < before.length; i++) cat.codes.push(-1);
    if (numbers) cat.refillRows = before.length;
    cat.push(cell);
    this.cat[c] = cat;
  }

  private setHeader(fields: string[], line: number): boolean {
    const seen = new Set<string>();
    this.header = fields.map((f, i) => {
      let name = (i === 0 ? f.replace(/^\uFEFF/, '') : f).trim();
      if (name === '') name = `column_${i + 1}`;
      while (seen.has(name)) name = `${name}_${i + 1}`;
      seen.add(name);
      return name;
    });
    for (const role of ['series', 'time', 'label', 'reason', 'split'] as const) {
      const want = this.roles[role];
      if (!want) continue;
      const i = this.header.indexOf(want);
      if (i < 0) {
        this.problem(
          'missing-column',
          line,
          undefined,
          `The ${role} column \`${excerpt(want)}\` is not in the header (${excerptList(this.header)}). Name an existing column in the dataset block.`,
        );
        this.stopped = true;
      }
      this.idx[role] = i;
    }
    if (this.stopped) return false;
    this.shiftLine[0] = this.line;
    // Labels are read by readLabel (which also takes true / false), not as numbers.
    const own = [this.idx.series, this.idx.reason, this.idx.label, this.idx.split];
    for (let i = 0; i < this.header.length; i++) this.num.push(own.includes(i) ? undefined : new GrowableF64());
    return true;
  }

  // Long-format files repeat the same few dates on every series: parse each text once.
  private readonly dates = new Map<string, number>();
  protected parseDate(s: string): number {
    let t = this.dates.get(s);
    if (t === undefined) {
      t = parseIsoTime(s);
      if (this.dates.size < 100_000) this.dates.set(s, t);
    }
    return t;
  }

  /** The time of a row, or NaN (a problem recorded). */
  protected readTime(cell: string, line: number): number {
    const s = cell.trim();
    if (s === '') {
      this.problem('bad-time', line, this.idx.time, 'The time cell is empty. Every row needs a time (a number or an ISO date like 2025-01-06).');
      return Number.NaN;
    }
    if (this.timeKind === 'row') this.timeKind = parseNumber(s) === parseNumber(s) ? 'number' : 'date';
    const t = this.timeKind === 'number' ? parseNumber(s) : this.parseDate(s);
    if (t !== t) {
      const want = this.timeKind === 'number' ? 'a number, like the rows above it' : 'an ISO date or date-time like 2025-01-06 or 2025-01-06T12:00:00, like the rows above it';
      this.problem('bad-time', line, this.idx.time, `${quoted(s)} is not a time: expected ${want}.`);
    }
    return t;
  }

  /** 1, 0 or NaN (blank); undefined for a bad label (a problem recorded). */
  protected readLabel(cell: string, line: number): number | undefined {
    const s = cell.trim().toLowerCase();
    if (s === '') return Number.NaN;
    if (s === '1' || s === '1.0' || s === 'true') return 1;
    if (s === '0' || s === '0.0' || s === 'false') return 0;
    this.problem('bad-label', line, this.idx.label, `${quoted(cell)} is not a label: use 1 for an anomaly, 0 for normal, or leave it blank (not scored).`);
    return undefined;
  }

  /** 0 train, 1 validation, 2 test, splitFollows for a blank cell; -1 for another value (a problem recorded). */
  protected readSplit(cell: string, line: number): number {
    if (isMissingCell(cell)) return splitFollows;
    const code = splitCodes[cell.trim().toLowerCase()];
    if (code !== undefined) return code;
    this.problem(
      'bad-split',
      line,
      this.idx.split,
      `${quoted(cell)} is not a split: the split column \`${excerpt(this.header[this.idx.split])}\` holds train, validation or test (or a blank cell, which goes with the row before it).`,
    );
    return -1;
  }
}

export class Uint8ArrayBuilder {
  data = new Uint8Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const d = new Uint8Array(this.data.length * 2);
      d.set(this.data);
      this.data = d;
    }
    this.data[this.length++] = v;
  }
  view(): Uint8Array {
    return this.data.subarray(0, this.length);
  }
  reserve(n: number): void {
    if (n <= this.data.length) return;
    const d = new Uint8Array(n);
    d.set(this.view());
    this.data = d;
  }
}
