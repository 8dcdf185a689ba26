// A large CSV file read by two threads: this one reads the first half, a worker (csvWorker.ts)
// the second, from the first line break past the middle. The worker's rows are added to this
// thread's only when they are the rows one reader would have read: this thread's rows end exactly
// where the worker's begin (no field spans the cut), and nothing the worker read depends on what
// came before it (the kind of times, number columns that turned to text). Otherwise this thread
// reads the second half itself. Lines, problems, series ids and categories are renumbered as one
// reader would have numbered them.
import type { FileHandle } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { busyCores } from './busy';
import { Worker } from 'node:worker_threads';
import type { ByteRows } from './byterows';
import type { TimeKind } from './frame';
import { CategoryColumn, maxProblems, type Pending, type Roles, type RowReader } from './rows';
import type { Scanner } from './scan';

/** Files from this size are read by two threads. */
export const parallelBytes = 32 << 20;

/**
 * Files past this size are read by one thread: the worker's rows are copied into this thread's
 * columns at the join, so two threads hold the second half twice (a 1.5 GB file peaked at 3.3 GB
 * read by two threads, 2.4 GB by one, for 10 s against 13 s): past it, memory runs out first.
 */
export const maxParallelBytes = 1 << 30;

/**
 * Whether a second thread should read half a file: another core is free (other work leaves at
 * least half a core idle, busy.ts; on a machine whose cores are all busy a worker only adds its
 * copies, and waits for a core), and ARL_THREADS is not 1.
 */
export function twoThreads(): boolean {
  return Number(process.env.ARL_THREADS) !== 1 && availableParallelism() > 1 && busyCores() < availableParallelism() - 0.5;
}

/** To the worker: the file, where its rows start, and what this thread read of the header. */
export interface ToCsvWorker {
  path: string;
  from: number;
  size: number;
  roles: Roles;
  header: string[];
  /** The kind of times and the columns read as text, as this thread reads them now: the worker reads them so too. */
  timeKind: TimeKind;
  text: number[];
  delimiter: number;
  crlf: boolean;
}

/** What a reader read, as the worker hands it over (column arrays may be longer than `rows`). */
export interface RowsPart {
  rows: number;
  /** The reader's line after the header (the worker's lines count from there) and at its end. */
  base: number;
  line: number;
  timeKind: TimeKind;
  problems: Pending[];
  problemCount: number;
  num: (Float64Array | null)[];
  cat: ({ codes: Int32Array; values: string[]; refillRows: number; firstText?: { line: number; cell: string } } | null)[];
  seriesIds: string[];
  series: Int32Array;
  time: Float64Array;
  label: Float64Array;
  split: Uint8Array;
  reasonRows: Int32Array;
  reasonTexts: string[];
  shiftRow: number[];
  shiftLine: number[];
}

export type FromCsvWorker = { ok: true; part: RowsPart } | { ok: false; why: string };

/** The offset just past the first line break (`\r\n` in a CRLF file) at or after `from`; undefined when none is near. */
export async function splitPoint(fh: FileHandle, from: number, size: number, crlf: boolean): Promise<number | undefined> {
  const buf = Buffer.allocUnsafe(1 << 16);
  // A CRLF break may straddle two reads: each read starts one byte early.
  for (let pos = Math.max(0, from - 1); pos < Math.min(size, from + (1 << 20)); pos += buf.length - 1) {
    const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
    const got = buf.subarray(0, bytesRead);
    for (let i = got.indexOf(10, pos < from ? 1 : 0); i >= 0; i = got.indexOf(10, i + 1)) {
      if (crlf && (i === 0 || got[i - 1] !== 13)) continue;
      const at = pos + i + 1;
      return at < size ? at : undefined;
    }
    if (bytesRead < buf.length) return undefined;
  }
  return undefined;
}

/** The rows from `from` on, read by a worker; join() adds them to `b` (false: this thread must read them). */
export function readSecondHalf(
  script: string,
  path: string,
  from: number,
  size: number,
  roles: Roles,
  b: ByteRows,
  scanner: Scanner,
): { join(): Promise<boolean>; cancel(): void } | undefined {
  if (b.header.length === 0 || b.stopped) return undefined;
  let worker: Worker;
  try {
    worker = new Worker(script);
  } catch {
    return undefined;
  }
  const result = new Promise<FromCsvWorker>((resolve) => {
    worker.once('message', resolve);
    worker.once('error', (e) => resolve({ ok: false, why: e.message }));
    worker.once('exit', () => resolve({ ok: false, why: 'the worker stopped' }));
  });
  worker.postMessage({ path, from, size, roles, header: b.header, timeKind: b.timeKind, text: b.header.flatMap((_, c) => (b.num[c] ? [] : [c])), delimiter: scanner.delimiter, crlf: scanner.crlf } satisfies ToCsvWorker);
  const end = () => void worker.terminate();
  return {
    async join() {
      const r = await result;
      end();
      return r.ok && append(b, r.part);
    },
    cancel: end,
  };
}

/**
 * Adds the rows a second reader read after `a`'s last row to `a`, as if `a` had read them; false
 * (and `a` unchanged) when the second reader's start depended on what `a` read.
 */
export function append(a: RowReader, p: RowsPart): boolean {
  // The kind of times is set by the first time read; number columns turn to text at their first
  // text cell, and their earlier cells are read again: both depend on the rows before.
  if (a.timeKind !== 'row' && p.timeKind !== 'row' && a.timeKind !== p.timeKind) return false;
  if (a.header.length !== p.num.length) return false;
  // A column this thread read only blanks in and the worker met text in turns to text here too.
  const late: number[] = [];
  for (let c = 0; c < a.header.length; c++) {
    const num = a.num[c];
    const text = p.cat[c] && p.cat[c]!.refillRows === 0;
    if (num && text && !hasNumber(num.data, a.rows)) late.push(c);
    else if (!((num && p.num[c]) || (a.cat[c] && text) || (!num && !a.cat[c] && !p.num[c] && !p.cat[c]))) return false;
  }
  const r0 = a.rows;
  const n = p.rows;
  const total = r0 + n;
  const offset = a.line - p.base;
  for (const c of late) {
    a.num[c] = undefined;
    const cat = (a.cat[c] = new CategoryColumn());
    for (let r = 0; r < r0; r++) cat.codes.push(-1);
    const first = p.cat[c]!.firstText;
    if (first) cat.firstText = { ...first, line: first.line + offset };
  }
  a.reserve(total);
  for (let c = 0; c < a.header.length; c++) {
    const num = a.num[c];
    if (num) {
      num.data.set(p.num[c]!.subarray(0, n), r0);
      num.length = total;
    }
    const cat = a.cat[c];
    if (cat) {
      const codes = p.cat[c]!.codes;
      const map = Int32Array.from(p.cat[c]!.values, (v) => cat.code(v));
      const out = cat.codes.data;
      for (let r = 0; r < n; r++) out[r0 + r] = codes[r] < 0 ? -1 : map[codes[r]];
      cat.codes.length = total;
    }
  }
  const idx = a.idx;
  if (idx.series >= 0) {
    const map = Int32Array.from(p.seriesIds, (id) => {
      let k = a.seriesIndex.get(id);
      if (k === undefined) {
        k = a.seriesIds.length;
        a.seriesIndex.set(id, k);
        a.seriesIds.push(id);
      }
      return k;
    });
    const out = a.series.data;
    for (let r = 0; r < n; r++) out[r0 + r] = map[p.series[r]];
    a.series.length = total;
  }
  if (idx.time >= 0) (a.time.data.set(p.time.subarray(0, n), r0), (a.time.length = total));
  if (idx.label >= 0) (a.label.data.set(p.label.subarray(0, n), r0), (a.label.length = total));
  if (idx.split >= 0) (a.split.data.set(p.split.subarray(0, n), r0), (a.split.length = total));
  for (let k = 0; k < p.reasonTexts.length; k++) a.reason.set(r0 + p.reasonRows[k], p.reasonTexts[k]);
  // Line shifts kept where one reader would have kept them: where a row's line is not the one
  // after the row before it. The worker's first entry (its first row, after its own header) and
  // any later one for the same row are one row's line.
  for (let k = 0; k < p.shiftRow.length; k++) {
    if (k + 1 < p.shiftRow.length && p.shiftRow[k + 1] === p.shiftRow[k]) continue;
    const row = r0 + p.shiftRow[k];
    const line = offset + p.shiftLine[k];
    const last = a.shiftRow.length - 1;
    if (line !== a.shiftLine[last] + row - a.shiftRow[last]) {
      a.shiftRow.push(row);
      a.shiftLine.push(line);
    }
  }
  for (const q of p.problems) if (a.problems.length < maxProblems) a.problems.push({ ...q, line: q.line + offset });
  a.problemCount += p.problemCount;
  if (a.timeKind === 'row') a.timeKind = p.timeKind;
  a.rows = total;
  a.line = p.line + offset;
  return true;
}

function hasNumber(values: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (values[i] === values[i]) return true;
  return false;
}

/** A reader's rows as handed over, and the buffers to transfer. */
export function partOf(b: RowReader, base: number): { part: RowsPart; buffers: ArrayBuffer[] } {
  const part: RowsPart = {
    rows: b.rows,
    base,
    line: b.line,
    timeKind: b.timeKind,
    problems: b.problems,
    problemCount: b.problemCount,
    num: b.num.map((c) => c?.data ?? null),
    cat: b.cat.map((c) => (c ? { codes: c.codes.data, values: c.values, refillRows: c.refillRows, firstText: c.firstText } : null)),
    seriesIds: b.seriesIds,
    series: b.series.data,
    time: b.time.data,
    label: b.label.data,
    split: b.split.data,
    reasonRows: b.reason.rows.data,
    reasonTexts: b.reason.texts,
    shiftRow: b.shiftRow,
    shiftLine: b.shiftLine,
  };
  const arrays = [...part.num, ...part.cat.map((c) => c?.codes), part.series, part.time, part.label, part.split, part.reasonRows];
  const buffers = [...new Set(arrays.flatMap((x) => (x ? [x.buffer as ArrayBuffer] : [])))];
  return { part, buffers };
}
