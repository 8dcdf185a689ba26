// Rows as byte ranges (scan.ts) into the same columns as rows.ts, without a string per cell: numbers
// are parsed from bytes, a series id becomes a string only when it changes, a date only the first
// time it is seen. A cell the byte path cannot decide for certain (text in a number column, a
// missing marker, an odd time or label) is read as text by the code of rows.ts, and so is a whole
// row with a field spanning lines, an escaped quote or the wrong number of fields: the result is
// the same frame, with the same problems, as papaparse's path gives.
import { isMissingCell, RowReader, type CategoryColumn } from './rows';
import { BREAK, ESCAPED, type RowSink } from './scan';
import { parseNumber } from './time';

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

// What the fast path does with each column.
const SKIP = 0;
const SERIES = 1;
const DATE = 2;
const NUMBER = 3;
const LABEL = 4;
const CATEGORY = 5;
const TEXT = 6;
const SPLIT = 7;

const LF = 10;
const CR = 13;
const QUOTE = 34;

export class ByteRows extends RowReader implements RowSink {
  private seriesMemo?: Memo;
  private readonly catMemo: (Memo | undefined)[] = [];
  private readonly kinds: number[] = [];
  // Fields of the row being read by fastRows: where they start and end.
  private fs = new Int32Array(16);
  private fe = new Int32Array(16);

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
      if (cat) cat.codes.push(this.categoryBytes(c, cat, buf, buf, st[c], en[c]));
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
   * right number of fields, every cell read from bytes for certain), in one pass over their bytes. Returns where the first other row starts:
   * the scanner reads that one (rowBytes), then this goes on. buf[to] is overwritten (a sentinel),
   * so buf must be longer than `to`.
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
    if (this.fs.length < width) {
      this.fs = new Int32Array(width);
      this.fe = new Int32Array(width);
    }
    // Bytes are read through a plain Uint8Array: V8 reads it faster than a Buffer.
    const u8 = new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
    if (to >= u8.length) return from;
    u8[to] = LF;
    const fs = this.fs;
    const fe = this.fe;
    const idx = this.idx;
    const later = this.laterColumns;
    const sc = idx.series;
    const hasLabel = idx.label >= 0;
    const hasSplit = idx.split >= 0;
    let r = this.rows;
    // Column arrays are written at row r directly; their lengths are set when this returns.
    let cap = this.capacity();
    let numData = this.num.map((c) => c?.data);
    let timeData = this.time.data;
    let labelData = this.label.data;
    let seriesData = this.series.data;
    let splitData = this.split.data;
    // The series id of the row before, as bytes: a row with the same id takes its code at once.
    let memo = this.seriesMemo;
    let idKey = memo ? memo.key : new Uint8Array(0);
    let idLen = memo && plainBytes(memo.key, memo.len, delim) ? memo.len : -1;
    let idCode = memo ? memo.value : -1;
    let i = from;
    let line = this.line;
    // The line row r starts on when no blank line or multi-line row came since the last shift.
    let expect = this.expectedLine();
    while (i < to) {
      const rowStart = i;
      // buf[to] is a `\n` (a sentinel): every loop below stops there at the latest.
      if (u8[i] === LF) {
        if (crlf) break; // a lone `\n` is text in a `\r\n` file
        line++; // a blank line
        i++;
        continue;
      }
      if (crlf && u8[i] === CR && u8[i + 1] === LF && i + 1 < to) {
        line++;
        i += 2;
        continue;
      }
      if (r >= cap) {
        this.sync(r);
        this.reserve(Math.ceil(r * 1.5) + 1024);
        cap = this.capacity();
        numData = this.num.map((c) => c?.data);
        timeData = this.time.data;
        labelData = this.label.data;
        seriesData = this.series.data;
        splitData = this.split.data;
      }
      let t = 0;
      let y = 0;
      let sp = 0;
      let ok = true;
      // Whether a column read when the row is taken has something to do (a new series id, a
      // category, a text that is not blank).
      let pending = false;
      for (let c = 0; c < width; c++) {
        if (c > 0) {
          if (u8[i] !== delim) {
            ok = false;
            break;
          }
          i++;
        }
        const s = i;
        const k = kinds[c];
        if (k === NUMBER) {
          let v = Number.NaN;
          let b = u8[i];
          if (b !== delim && b !== LF && b !== CR) {
            // Plain decimals here; anything else (an exponent, many digits) by numberBytes.
            let neg = false;
            if (b === 45) {
              neg = true;
              b = u8[++i];
            }
            let m = 0;
            let digits = 0;
            let scale = 0;
            while (b >= 48 && b <= 57) {
              m = m * 10 + (b - 48);
              digits++;
              b = u8[++i];
            }
            if (b === 46) {
              b = u8[++i];
              while (b >= 48 && b <= 57) {
                m = m * 10 + (b - 48);
                digits++;
                scale++;
                b = u8[++i];
              }
            }
            if (digits > 0 && digits <= 15 && (b === delim || b === LF || b === CR)) v = neg ? -(scale ? m / POW10[scale] : m) : scale ? m / POW10[scale] : m;
            else {
              while (b !== delim && b !== LF && b !== CR) b = u8[++i];
              v = numberBytes(u8, s, i);
              if (v !== v) {
                ok = false;
                break;
              }
            }
          }
          numData[c]![r] = v;
          if (c === tc) {
            if (v !== v) {
              ok = false;
              break;
            }
            t = v;
          }
          continue;
        }
        if (k === DATE) {
          t = i + 10 < to ? this.day(u8, i) : Number.NaN;
          if (t !== t) {
            ok = false;
            break;
          }
          i += 10;
          continue;
        }
        if (k === LABEL) {
          const b = u8[i];
          if (b === delim || b === LF || b === CR) y = Number.NaN;
          else if (b === 49) (y = 1), i++;
          else if (b === 48) (y = 0), i++;
          else {
            ok = false;
            break;
          }
          continue;
        }
        // Text: up to the delimiter; a `\r` inside is for the scanner, and so is a quoted field
        // with a line break inside, or a quote (`""`; text after the closing quote is not the
        // delimiter or the line break the next field or the row's end checks for).
        let b = u8[i];
        if (b === QUOTE) {
          let q = i + 1;
          b = u8[q];
          while (b !== QUOTE && b !== LF && b !== CR) b = u8[++q];
          if (b !== QUOTE) {
            ok = false;
            break;
          }
          fs[c] = i + 1;
          fe[c] = q;
          i = q + 1;
          if (k === SPLIT) {
            sp = splitBytes(buf, fs[c], q);
            if (sp < 0) {
              ok = false;
              break;
            }
          } else if (k !== SKIP && (k !== TEXT || fs[c] < q)) pending = true;
          continue;
        }
        if (k === SERIES && idLen >= 0) {
          // The id of the row before, when the bytes are the same (they hold no delimiter or break).
          const e = i + idLen;
          if (e < to && (u8[e] === delim || u8[e] === LF || u8[e] === CR)) {
            let j = 0;
            while (j < idLen && u8[i + j] === idKey[j]) j++;
            if (j === idLen) {
              i = e;
              fs[c] = -1;
              continue;
            }
          }
        }
        while (b !== delim && b !== LF && b !== CR) b = u8[++i];
        fs[c] = s;
        fe[c] = i;
        if (k === SPLIT) {
          sp = splitBytes(buf, s, i);
          if (sp < 0) {
            ok = false;
            break;
          }
        } else if (k !== SKIP && (k !== TEXT || s < i)) pending = true;
      }
      // The row ends here, before `to`, with the file's line break.
      const nl = crlf ? i + 1 : i;
      if (!ok || nl >= to || u8[nl] !== LF || (crlf && u8[i] !== CR)) {
        i = rowStart;
        break;
      }
      // The row is read: its ids and categories (which may add values) are taken now.
      if (line !== expect) {
        this.rows = r;
        this.noteLine(line);
        expect = line;
      }
      if (sc >= 0) seriesData[r] = idCode;
      if (pending) {
        for (let j = 0; j < later.length; j++) {
          const k = later[j];
          const kind = kinds[k];
          if (kind === SERIES) {
            if (fs[k] < 0) continue;
            seriesData[r] = idCode = this.seriesBytes(buf, u8, fs[k], fe[k]);
            memo = this.seriesMemo!;
            idKey = memo.key;
            idLen = plainBytes(memo.key, memo.len, delim) ? memo.len : -1;
          } else if (kind === CATEGORY) this.cat[k]!.codes.data[r] = this.categoryBytes(k, this.cat[k]!, buf, u8, fs[k], fe[k]);
          else if (fs[k] < fe[k]) this.reason.set(r, text(buf, fs[k], fe[k]));
        }
      }
      if (tc >= 0) timeData[r] = t;
      if (hasLabel) labelData[r] = y;
      if (hasSplit) splitData[r] = sp;
      r++;
      line++;
      expect++;
      i = nl + 1;
    }
    this.line = line;
    this.sync(r);
    return i;
  }

  // Dates seen, by YYYYMMDD: a small direct-mapped memo (long files repeat a few hundred dates).
  private readonly dayKeys = new Int32Array(4096).fill(-1);
  private readonly dayValues = new Float64Array(4096);

  /** The date of the 10 bytes at s, as dayBytes gives it. */
  private day(u8: Uint8Array, s: number): number {
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
  private expectedLine(): number {
    const last = this.shiftRow.length - 1;
    return this.shiftLine[last] + this.rows - this.shiftRow[last];
  }

  protected override toCategory(c: number, cell: string, line: number): void {
    this.kindsOf = undefined;
    super.toCategory(c, cell, line);
  }

  // Column kinds, for the time kind they were made for (they change when a column turns to text).
  private kindsOf?: string;
  /** Columns read when a row is taken (series ids, categories, text). */
  private laterColumns: number[] = [];

  /** What fastRows does with each column, from the reader's state now; undefined when two roles share a column. */
  private columnKinds(): number[] | undefined {
    if (this.kindsOf === this.timeKind) return this.kinds;
    const idx = this.idx;
    const roles = [idx.series, idx.time, idx.label, idx.reason, idx.split].filter((c) => c >= 0);
    if (new Set(roles).size !== roles.length) return undefined;
    this.kindsOf = this.timeKind;
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
    this.laterColumns = k.flatMap((kind, c) => (kind === SERIES || kind === CATEGORY || kind === TEXT ? [c] : []));
    return k;
  }

  /** Rows every column can hold without growing. */
  private capacity(): number {
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
  private sync(rows: number): void {
    this.rows = rows;
    for (const c of this.num) if (c) c.length = rows;
    for (const c of this.cat) if (c) c.codes.length = rows;
    if (this.idx.series >= 0) this.series.length = rows;
    if (this.idx.time >= 0) this.time.length = rows;
    if (this.idx.label >= 0) this.label.length = rows;
    if (this.idx.split >= 0) this.split.length = rows;
  }

  private seriesBytes(buf: Buffer, u8: Uint8Array, s: number, e: number): number {
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

  private categoryBytes(c: number, cat: CategoryColumn, buf: Buffer, u8: Uint8Array, s: number, e: number): number {
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
