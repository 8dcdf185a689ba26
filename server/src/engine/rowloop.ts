// The plain-row loop of byterows.ts, generated once per column layout: each column's code is
// written out in the order of the file's columns, for its kind, so the loop does not ask per
// cell what a column is, and each column keeps its values in locals (its array, where its field
// starts and ends). Only column indexes and a fixed set of templates make up the code: nothing
// read from a file is ever part of it (as in fuse.ts).

/** What the loop does with each column (byterows.ts sets them from the reader's state). */
export const SKIP = 0;
export const SERIES = 1;
export const DATE = 2;
export const NUMBER = 3;
export const LABEL = 4;
export const CATEGORY = 5;
export const TEXT = 6;
export const SPLIT = 7;

/** The reader's state and helpers the loop uses (ByteRows). */
export interface LoopHost {
  rows: number;
  line: number;
  readonly num: ({ data: Float64Array } | undefined)[];
  readonly cat: ({ codes: { data: Int32Array } } | undefined)[];
  readonly series: { data: Int32Array };
  readonly time: { data: Float64Array };
  readonly label: { data: Float64Array };
  readonly split: { data: Uint8Array };
  readonly reason: { set(row: number, text: string): void };
  seriesMemo?: { key: Uint8Array; len: number; value: number };
  capacity(): number;
  sync(rows: number): void;
  reserve(rows: number): void;
  noteLine(line: number): void;
  expectedLine(): number;
  day(u8: Uint8Array, s: number): number;
  seriesBytes(buf: Buffer, u8: Uint8Array, s: number, e: number): number;
  categoryBytes(c: number, buf: Buffer, u8: Uint8Array, s: number, e: number): number;
}

/** Library functions the generated code calls (passed in: it sees no module scope). */
export interface LoopLib {
  pow10: number[];
  numberBytes(b: Uint8Array, s: number, e: number): number;
  splitBytes(b: Buffer, s: number, e: number): number;
  plainBytes(key: Uint8Array, len: number, delim: number): boolean;
  text(b: Buffer, s: number, e: number): string;
}

/** Reads the plain rows of buf[from, to) (see ByteRows.fastRows) and returns where it stopped. */
export type RowLoop = (self: LoopHost, lib: LoopLib, buf: Buffer, u8: Uint8Array, from: number, to: number, delim: number, crlf: boolean) => number;

/** The columns and roles a loop is made for. */
export interface Layout {
  kinds: number[];
  /** Role columns (-1: none). */
  time: number;
  series: number;
  label: number;
  split: number;
}

const loops = new Map<string, RowLoop>();

/** The loop for a layout, compiled once. */
export function rowLoop(layout: Layout): RowLoop {
  const key = `${layout.kinds.join(',')}|${layout.time}|${layout.series}|${layout.label}|${layout.split}`;
  let f = loops.get(key);
  if (!f) {
    f = new Function(`"use strict"; return ${source(layout)};`)() as RowLoop;
    if (loops.size >= 100) loops.delete(loops.keys().next().value!);
    loops.set(key, f);
  }
  return f;
}

/** A number cell at i into `target`: plain decimals here, anything else by numberBytes. */
function numberCell(c: number, isTime: boolean): string {
  return `{
    const s = i;
    let v = NaN;
    let b = u8[i];
    if (b !== delim && b !== 10 && b !== 13) {
      let neg = false;
      if (b === 45) { neg = true; b = u8[++i]; }
      let m = 0;
      let digits = 0;
      let scale = 0;
      while (b >= 48 && b <= 57) { m = m * 10 + (b - 48); digits++; b = u8[++i]; }
      if (b === 46) {
        b = u8[++i];
        while (b >= 48 && b <= 57) { m = m * 10 + (b - 48); digits++; scale++; b = u8[++i]; }
      }
      if (digits > 0 && digits <= 15 && (b === delim || b === 10 || b === 13)) v = neg ? -(scale ? m / pow10[scale] : m) : scale ? m / pow10[scale] : m;
      else {
        while (b !== delim && b !== 10 && b !== 13) b = u8[++i];
        v = lib.numberBytes(u8, s, i);
        if (v !== v) break row;
      }
    }
    n${c}[r] = v;${isTime ? `\n    if (v !== v) break row;\n    t = v;` : ''}
  }`;
}

/**
 * A text cell (series id, category, reason, split or a skipped column): its field's bounds into
 * s{c} and e{c}; quoted text without a quote or line break inside; the series id of the row
 * before taken at once (s{c} = -1).
 */
function textCell(c: number, kind: number): string {
  const take = (s: string, e: string) =>
    kind === SPLIT ? `sp = lib.splitBytes(buf, ${s}, ${e});\n      if (sp < 0) break row;` : kind === SKIP ? '' : kind === TEXT ? `if (${s} < ${e}) pending = true;` : 'pending = true;';
  const same =
    kind === SERIES
      ? `
    if (idLen >= 0) {
      const e = i + idLen;
      if (e < to && (u8[e] === delim || u8[e] === 10 || u8[e] === 13)) {
        let j = 0;
        while (j < idLen && u8[i + j] === idKey[j]) j++;
        if (j === idLen) { i = e; s${c} = -1; break c${c}; }
      }
    }`
      : '';
  return `c${c}: {
    let b = u8[i];
    if (b === 34) {
      let q = i + 1;
      b = u8[q];
      while (b !== 34 && b !== 10 && b !== 13) b = u8[++q];
      if (b !== 34) break row;
      s${c} = i + 1;
      e${c} = q;
      i = q + 1;
      ${take(`s${c}`, 'q')}
      break c${c};
    }${same}
    const s = i;
    while (b !== delim && b !== 10 && b !== 13) b = u8[++i];
    s${c} = s;
    e${c} = i;
    ${take('s', 'i')}
  }`;
}

/** A row's cells taken once the row is read: series ids, categories and reasons (which may add values). */
function laterCell(c: number, kind: number): string {
  if (kind === SERIES)
    return `if (s${c} >= 0) {
        seriesData[r] = idCode = self.seriesBytes(buf, u8, s${c}, e${c});
        const memo = self.seriesMemo;
        idKey = memo.key;
        idLen = lib.plainBytes(memo.key, memo.len, delim) ? memo.len : -1;
      }`;
  if (kind === CATEGORY) return `self.cat[${c}].codes.data[r] = self.categoryBytes(${c}, buf, u8, s${c}, e${c});`;
  return `if (s${c} < e${c}) self.reason.set(r, lib.text(buf, s${c}, e${c}));`;
}

function source(L: Layout): string {
  const { kinds } = L;
  const numbers = kinds.flatMap((k, c) => (k === NUMBER ? [c] : []));
  const texts = kinds.flatMap((k, c) => (k === SERIES || k === CATEGORY || k === TEXT || k === SPLIT || k === SKIP ? [c] : []));
  const later = kinds.flatMap((k, c) => (k === SERIES || k === CATEGORY || k === TEXT ? [c] : []));
  const arrays = [
    ...numbers.map((c) => `n${c} = self.num[${c}].data;`),
    L.time >= 0 ? 'timeData = self.time.data;' : '',
    L.label >= 0 ? 'labelData = self.label.data;' : '',
    L.series >= 0 ? 'seriesData = self.series.data;' : '',
    L.split >= 0 ? 'splitData = self.split.data;' : '',
  ].join(' ');
  const cells = kinds.map((k, c) => {
    const delim = c > 0 ? `if (u8[i] !== delim) break row;\n    i++;\n    ` : '';
    if (k === NUMBER) return delim + numberCell(c, c === L.time);
    if (k === DATE) return `${delim}t = i + 10 < to ? self.day(u8, i) : NaN;\n    if (t !== t) break row;\n    i += 10;`;
    if (k === LABEL)
      return `${delim}{
    const b = u8[i];
    if (b === delim || b === 10 || b === 13) y = NaN;
    else if (b === 49) { y = 1; i++; }
    else if (b === 48) { y = 0; i++; }
    else break row;
  }`;
    return delim + textCell(c, k);
  });
  return `function rows(self, lib, buf, u8, from, to, delim, crlf) {
  const pow10 = lib.pow10;
  let r = self.rows;
  let cap = self.capacity();
  let ${[...numbers.map((c) => `n${c}`), 'timeData', 'labelData', 'seriesData', 'splitData'].join(', ')};
  ${arrays}
  const memo0 = self.seriesMemo;
  let idKey = memo0 ? memo0.key : new Uint8Array(0);
  let idLen = memo0 && lib.plainBytes(memo0.key, memo0.len, delim) ? memo0.len : -1;
  let idCode = memo0 ? memo0.value : -1;
  let i = from;
  let line = self.line;
  let expect = self.expectedLine();
  while (i < to) {
    const rowStart = i;
    if (u8[i] === 10) {
      if (crlf) break;
      line++;
      i++;
      continue;
    }
    if (crlf && u8[i] === 13 && u8[i + 1] === 10 && i + 1 < to) {
      line++;
      i += 2;
      continue;
    }
    if (r >= cap) {
      self.sync(r);
      self.reserve(Math.ceil(r * 1.5) + 1024);
      cap = self.capacity();
      ${arrays}
    }
    let t = 0;
    let y = 0;
    let sp = 0;
    let ok = false;
    let pending = false;
    ${texts.map((c) => `let s${c} = 0, e${c} = 0;`).join(' ')}
    row: {
    ${cells.join('\n    ')}
    ok = true;
    }
    const nl = crlf ? i + 1 : i;
    if (!ok || nl >= to || u8[nl] !== 10 || (crlf && u8[i] !== 13)) {
      i = rowStart;
      break;
    }
    if (line !== expect) {
      self.rows = r;
      self.noteLine(line);
      expect = line;
    }
    ${L.series >= 0 ? 'seriesData[r] = idCode;' : ''}
    if (pending) {
      ${later.map((c) => laterCell(c, kinds[c])).join('\n      ')}
    }
    ${L.time >= 0 ? 'timeData[r] = t;' : ''}
    ${L.label >= 0 ? 'labelData[r] = y;' : ''}
    ${L.split >= 0 ? 'splitData[r] = sp;' : ''}
    r++;
    line++;
    expect++;
    i = nl + 1;
  }
  self.line = line;
  self.sync(r);
  return i;
}`;
}
