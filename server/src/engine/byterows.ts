// Rows as byte ranges (scan.ts) into the same columns as rows.ts, without a string per cell: numbers
// are parsed from bytes, a series id becomes a string only when it changes, a date only the first
// time it is seen. A cell the byte path cannot decide for certain (text in a number column, a
// missing marker, an odd time or label) is read as text by the code of rows.ts, and so is a whole
// row with a field spanning lines, an escaped quote or the wrong number of fields: the result is
// the same frame, with the same problems, as papaparse's path gives.
import { isMissingCell, RowReader } from './rows';
import { BREAK, ESCAPED, type RowSink } from './scan';
import { parseNumber } from './time';
import { CATEGORY, DATE, LABEL, NUMBER, rowLoop, SERIES, SKIP, SPLIT, TEXT, type LoopLib, type RowLoop } from './rowloop';

const POW10 = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

/**
 * A number from bytes when the cell is plain decimal notation (sign, digits, point, exponent) with
 * at most 15 significant digits and a power of ten within 1e22: then one exact integer is multiplied
 * or divided by an exact power of ten, which rounds as Number() does. NaN for anything else (the
 * caller reads the cell as text).
 */
export function numberBytes(b: Uint8Array, s: number, e: number): number {
  let i = s;
  let c = b[i];
  let neg = false;
  if (c === 45) {
    neg = true;
    i++;
  } else if (c === 43) i++;
  let m = 0;
  let sig = 0;
  let digits = 0;
  let scale = 0;
  for (; i < e; i++) {
    c = b[i];
    if (c < 48 || c > 57) break;
    digits++;
    if (m !== 0 || c !== 48) {
      if (++sig > 15) return Number.NaN;
      m = m * 10 + (c - 48);
    }
  }
  if (i < e && b[i] === 46) {
    for (i++; i < e; i++) {
      c = b[i];
      if (c < 48 || c > 57) break;
      digits++;
      scale--;
      if (m !== 0 || c !== 48) {
        if (++sig > 15) return Number.NaN;
        m = m * 10 + (c - 48);
      }
    }
  }
  if (digits === 0) return Number.NaN;
  if (i < e && (b[i] === 101 || b[i] === 69)) {
    i++;
    let eneg = false;
    if (b[i] === 45) {
      eneg = true;
      i++;
    } else if (b[i] === 43) i++;
    let x = 0;
    let xd = 0;
    for (; i < e; i++) {
      c = b[i];
      if (c < 48 || c > 57) break;
      if (++xd > 4) return Number.NaN;
      x = x * 10 + (c - 48);
    }
    if (xd === 0) return Number.NaN;
    scale += eneg ? -x : x;
  }
  if (i !== e) return Number.NaN;
  let v: number;
  if (m === 0) v = 0;
  else if (scale === 0) v = m;
  else if (scale > 0 && scale <= 22) v = m * POW10[scale];
  else if (scale < 0 && scale >= -22) v = m / POW10[-scale];
  else return Number.NaN;
  return neg ? -v : v;
}

function text(b: Buffer, s: number, e: number): string {
  return b.toString('utf8', s, e);
}

/** The fields as papaparse gives them: quoted text unescaped. */
function fieldStrings(b: Buffer, n: number, st: Int32Array, en: Int32Array, fl: Uint8Array): string[] {
  const out: string[] = new Array(n);
  for (let c = 0; c < n; c++) {
    const t = text(b, st[c], en[c]);
    out[c] = fl[c] & ESCAPED ? t.replace(/""/g, '"') : t;
  }
  return out;
}

function sameBytes(b: Uint8Array, s: number, e: number, key: Uint8Array, len: number): boolean {
  if (e - s !== len) return false;
  for (let k = 0; k < len; k++) if (b[s + k] !== key[k]) return false;
  return true;
}

const isDigit = (c: number) => c >= 48 && c <= 57;

const monthDays = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * `YYYY-MM-DD` (year 1000 or later, a real day) as milliseconds since 1970, as parseIsoTime gives
 * it; NaN for anything else (read as text then).
 */
export function dayBytes(b: Uint8Array, s: number, e: number): number {
  if (e - s !== 10 || b[s + 4] !== 45 || b[s + 7] !== 45) return Number.NaN;
  const d0 = b[s] - 48;
  const d1 = b[s + 1] - 48;
  const d2 = b[s + 2] - 48;
  const d3 = b[s + 3] - 48;
  const m0 = b[s + 5] - 48;
  const m1 = b[s + 6] - 48;
  const a0 = b[s + 8] - 48;
  const a1 = b[s + 9] - 48;
  // Unsigned: a byte below '0' wraps to a large number.
  if ((d0 >>> 0) > 9 || (d1 >>> 0) > 9 || (d2 >>> 0) > 9 || (d3 >>> 0) > 9 || (m0 >>> 0) > 9 || (m1 >>> 0) > 9 || (a0 >>> 0) > 9 || (a1 >>> 0) > 9) return Number.NaN;
  const y = d0 * 1000 + d1 * 100 + d2 * 10 + d3;
  const m = m0 * 10 + m1;
  const d = a0 * 10 + a1;
  if (y < 1000 || m < 1 || m > 12 || d < 1) return Number.NaN;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  if (d > (m === 2 && leap ? 29 : monthDays[m - 1])) return Number.NaN;
  // Days from 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's days_from_civil).
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return (era * 146097 + doe - 719468) * 86400000;
}

/** The last cell of a column seen as bytes, and what it gave. */
interface Memo {
  key: Uint8Array;
  len: number;
  value: number;
}

function remember(m: Memo | undefined, b: Uint8Array, s: number, e: number, value: number): Memo {
  const len = e - s;
  if (!m || m.key.length < len) m = { key: new Uint8Array(Math.max(64, len * 2)), len: 0, value: 0 };
  m.key.set(b.subarray(s, e));
  m.len = len;
  m.value = value;
  return m;
}

const lib: LoopLib = { pow10: POW10, numberBytes, splitBytes, plainBytes, text };

const LF = 10;
const CR = 13;

export class ByteRows extends RowReader implements RowSink {
  /** The last series id read as bytes (public for the generated loop, as are the members it calls). */
  seriesMemo?: Memo;
  private readonly catMemo: (Memo | undefined)[] = [];
  private readonly kinds: number[] = [];
  /** The plain-row loop for the column kinds now (rowloop.ts). */
  private loop?: RowLoop;

  /** One row from the scanner (any row: quoted fields, fields spanning lines, problems). */
  rowBytes(buf: Buffer, n: number, st: Int32Array, en: Int32Array, fl: Uint8Array): boolean {
    if (n === 1 && st[0] === en[0]) {
      this.line++; // a blank line
      return true;
    }
    if (n !== this.header.length) return this.row(fieldStrings(buf, n, st, en, fl));
    for (let c = 0; c < n; c++) if (fl[c] & (BREAK | ESCAPED)) return this.row(fieldStrings(buf, n, st, en, fl));
    const line = this.line;
    this.line = line + 1;
    const idx = this.idx;
    // Roles first: a row with a problem adds nothing to any column.
    const t = idx.time >= 0 ? this.timeBytes(buf, st[idx.time], en[idx.time], line) : 0;
    if (t !== t) return true;
    const y = idx.label >= 0 ? this.labelBytes(buf, st[idx.label], en[idx.label], line) : 0;
    if (y === undefined) return true;
    const sp = idx.split >= 0 ? this.readSplit(text(buf, st[idx.split], en[idx.split]), line) : 0;
    if (sp < 0) return true;
    this.noteLine(line);
    for (let c = 0; c < n; c++) {
      const col = this.num[c];
      if (col) {
        const s = st[c];
        const e = en[c];
        if (s === e) {
          col.push(Number.NaN);
          continue;
        }
        const v = numberBytes(buf, s, e);
        if (v === v) {
          col.push(v);
          continue;
        }
        const cell = text(buf, s, e);
        const w = parseNumber(cell);
        if (w === w || isMissingCell(cell)) col.push(w);
        else this.toCategory(c, cell, line);
        continue;
      }
      const cat = this.cat[c];
      if (cat) cat.codes.push(this.categoryBytes(c, buf, buf, st[c], en[c]));
    }
    if (idx.series >= 0) this.series.push(this.seriesBytes(buf, buf, st[idx.series], en[idx.series]));
    if (idx.time >= 0) this.time.push(t);
    if (idx.label >= 0) this.label.push(y);
    if (idx.split >= 0) this.split.push(sp);
    if (idx.reason >= 0 && st[idx.reason] < en[idx.reason]) this.reason.set(this.rows, text(buf, st[idx.reason], en[idx.reason]));
    this.rows++;
    return true;
  }

  /**
   * The plain rows of buf[from, to) (quotes only around text without a quote or a line break, the
   * right number of fields, every cell read from bytes for certain), in one pass over their bytes
   * by the loop generated for this column layout (rowloop.ts). Returns where the first other row
   * starts: the scanner reads that one (rowBytes), then this goes on. buf[to] is overwritten (a
   * sentinel), so buf must be longer than `to`.
   */
  fastRows(buf: Buffer, from: number, to: number, delim: number, crlf: boolean): number {
    const width = this.header.length;
    if (width === 0 || this.stopped) return from;
    // The time column is a number column while times are numbers, and stops being one at the
    // first date read: until then, rows.ts's code reads the rows.
    const tc = this.idx.time;
    if (tc >= 0 && (this.timeKind === 'row' || (this.timeKind === 'number') !== (this.num[tc] !== undefined))) return from;
    const kinds = this.columnKinds();
    if (!kinds) return from;
    // Bytes are read through a plain Uint8Array: V8 reads it faster than a Buffer.
    const u8 = new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
    if (to >= u8.length) return from;
    u8[to] = LF;
    const idx = this.idx;
    this.loop ??= rowLoop({ kinds: [...kinds], time: tc, series: idx.series, label: idx.label, split: idx.split });
    return this.loop(this, lib, buf, u8, from, to, delim, crlf);
  }

  // Dates seen, by YYYYMMDD: a small direct-mapped memo (long files repeat a few hundred dates).
  private readonly dayKeys = new Int32Array(4096).fill(-1);
  private readonly dayValues = new Float64Array(4096);

  /** The date of the 10 bytes at s, as dayBytes gives it. */
  day(u8: Uint8Array, s: number): number {
    const d0 = u8[s] - 48;
    const d1 = u8[s + 1] - 48;
    const d2 = u8[s + 2] - 48;
    const d3 = u8[s + 3] - 48;
    const m0 = u8[s + 5] - 48;
    const m1 = u8[s + 6] - 48;
    const a0 = u8[s + 8] - 48;
    const a1 = u8[s + 9] - 48;
    // Every one a digit: all within 0..15 (no sign bit), and none of 10..15 (v + 6 reaches 16).
    const digits = ((d0 | d1 | d2 | d3 | m0 | m1 | a0 | a1) >>> 0) < 16 && (((d0 + 6) | (d1 + 6) | (d2 + 6) | (d3 + 6) | (m0 + 6) | (m1 + 6) | (a0 + 6) | (a1 + 6)) & 16) === 0;
    const key = ((d0 * 10 + d1) * 10 + d2) * 10 + d3 + (((m0 * 10 + m1) * 100 + a0 * 10 + a1) << 14);
    const slot = (key ^ (key >>> 12)) & 4095;
    if (digits && this.dayKeys[slot] === key && u8[s + 4] === 45 && u8[s + 7] === 45) return this.dayValues[slot];
    const t = dayBytes(u8, s, s + 10);
    if (t === t) {
      this.dayKeys[slot] = key;
      this.dayValues[slot] = t;
    }
    return t;
  }

  /** The line the next row starts on if it follows the last one directly. */
  expectedLine(): number {
    const last = this.shiftRow.length - 1;
    return this.shiftLine[last] + this.rows - this.shiftRow[last];
  }

  protected override toCategory(c: number, cell: string, line: number): void {
    this.kindsOf = undefined;
    super.toCategory(c, cell, line);
  }

  // Column kinds, for the time kind they were made for (they change when a column turns to text).
  private kindsOf?: string;

  /** What fastRows does with each column, from the reader's state now; undefined when two roles share a column. */
  private columnKinds(): number[] | undefined {
    if (this.kindsOf === this.timeKind) return this.kinds;
    const idx = this.idx;
    const roles = [idx.series, idx.time, idx.label, idx.reason, idx.split].filter((c) => c >= 0);
    if (new Set(roles).size !== roles.length) return undefined;
    this.kindsOf = this.timeKind;
    this.loop = undefined;
    const k = this.kinds;
    k.length = this.header.length;
    for (let c = 0; c < k.length; c++) {
      if (c === idx.series) k[c] = SERIES;
      else if (c === idx.label) k[c] = LABEL;
      else if (c === idx.reason) k[c] = TEXT;
      else if (c === idx.split) k[c] = SPLIT;
      else if (this.num[c]) k[c] = NUMBER;
      else if (c === idx.time) k[c] = DATE;
      else if (this.cat[c]) k[c] = CATEGORY;
      else k[c] = SKIP;
    }
    return k;
  }

  /** Rows every column can hold without growing. */
  capacity(): number {
    let cap = Infinity;
    for (const c of this.num) if (c) cap = Math.min(cap, c.data.length);
    for (const c of this.cat) if (c) cap = Math.min(cap, c.codes.data.length);
    if (this.idx.series >= 0) cap = Math.min(cap, this.series.data.length);
    if (this.idx.time >= 0) cap = Math.min(cap, this.time.data.length);
    if (this.idx.label >= 0) cap = Math.min(cap, this.label.data.length);
    if (this.idx.split >= 0) cap = Math.min(cap, this.split.data.length);
    return cap;
  }

  /** `rows` rows are read: every column's length says so. */
  sync(rows: number): void {
    this.rows = rows;
    for (const c of this.num) if (c) c.length = rows;
    for (const c of this.cat) if (c) c.codes.length = rows;
    if (this.idx.series >= 0) this.series.length = rows;
    if (this.idx.time >= 0) this.time.length = rows;
    if (this.idx.label >= 0) this.label.length = rows;
    if (this.idx.split >= 0) this.split.length = rows;
  }

  seriesBytes(buf: Buffer, u8: Uint8Array, s: number, e: number): number {
    const m = this.seriesMemo;
    if (m && sameBytes(u8, s, e, m.key, m.len)) return m.value;
    const id = text(buf, s, e);
    let k = this.seriesIndex.get(id);
    if (k === undefined) {
      k = this.seriesIds.length;
      this.seriesIndex.set(id, k);
      this.seriesIds.push(id);
    }
    this.seriesMemo = remember(m, u8, s, e, k);
    return k;
  }

  categoryBytes(c: number, buf: Buffer, u8: Uint8Array, s: number, e: number): number {
    const cat = this.cat[c]!;
    const m = this.catMemo[c];
    if (m && sameBytes(u8, s, e, m.key, m.len)) return m.value;
    const code = s === e ? -1 : cat.code(text(buf, s, e));
    this.catMemo[c] = remember(m, u8, s, e, code);
    return code;
  }

  private timeBytes(buf: Buffer, s: number, e: number, line: number): number {
    if (this.timeKind === 'date') {
      const t = dayBytes(buf, s, e);
      if (t === t) return t;
    } else if (this.timeKind === 'number' && s < e) {
      const v = numberBytes(buf, s, e);
      if (v === v) return v;
    }
    return this.readTime(text(buf, s, e), line);
  }

  private labelBytes(buf: Buffer, s: number, e: number, line: number): number | undefined {
    if (s === e) return Number.NaN;
    if (e - s === 1) {
      if (buf[s] === 49) return 1;
      if (buf[s] === 48) return 0;
    }
    return this.readLabel(text(buf, s, e), line);
  }
}

/** Whether key[0, len) holds no delimiter and no line break (a field read as it is). */
function plainBytes(key: Uint8Array, len: number, delim: number): boolean {
  for (let k = 0; k < len; k++) if (key[k] === delim || key[k] === LF || key[k] === CR) return false;
  return true;
}

/** `train`, `validation`, `test` as written (lower case): 0, 1, 2; -1 for anything else. */
function splitBytes(b: Buffer, s: number, e: number): number {
  const n = e - s;
  if (n === 5 && b[s] === 116 && b.toString('latin1', s, e) === 'train') return 0;
  if (n === 10 && b[s] === 118 && b.toString('latin1', s, e) === 'validation') return 1;
  if (n === 4 && b[s] === 116 && b.toString('latin1', s, e) === 'test') return 2;
  return -1;
}
