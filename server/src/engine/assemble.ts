// Rows read (rows.ts) to a frame: points grouped by series and sorted by time, repeated times
// resolved by the dataset's `duplicates` policy (or reported), category columns coded.
import { basename } from 'node:path';
import type { ColumnInfo, DuplicatePolicy } from '../../../grammar/src/check';
import { quoted } from '../../../grammar/src/excerpt';
import { formatTime, lineLookup, newFrameId, sparseText, type Categorical, type Frame, type Lines } from './frame';
import { parseNumber } from './time';
import { splitFollows, type CategoryColumn, type Pending, type RowReader, type SparseText } from './rows';

/** Repeated times named in one error at most; the rest are counted. */
export const maxDuplicatesListed = 5;
/** Values listed in ColumnInfo.categories at most. */
export const maxCategoriesListed = 1000;

export type Assembled = { frame: Frame } | { duplicates: Pending[]; total: number };

export function assemble(b: RowReader, source: string, policy: DuplicatePolicy = 'error'): Assembled {
  const n = b.rows;
  const nSeries = Math.max(1, b.seriesIds.length);
  const seriesIds = b.seriesIds.length ? b.seriesIds : [basename(source).replace(/\.[^.]*$/, '')];
  const seriesOfRow = b.idx.series >= 0 ? b.series.view() : new Int32Array(n);
  const time = b.idx.time >= 0 ? b.time.view() : Float64Array.from({ length: n }, (_, i) => i);
  const timeKind = b.idx.time >= 0 ? (b.timeKind === 'row' ? 'number' : b.timeKind) : 'row';
  // Rows already grouped by series and sorted by time (the usual long format) are the points as
  // they are: nothing is moved or copied.
  const inOrder = rowsInOrder(seriesOfRow, time, n, nSeries);
  let order: Int32Array | undefined;
  let seriesStart: Int32Array;
  let repeats = 0;
  if (inOrder) seriesStart = inOrder;
  else {
    // Counting sort by series keeps file order inside a series; then each series by time (stable).
    const counts = new Int32Array(nSeries + 1);
    for (let i = 0; i < n; i++) counts[seriesOfRow[i] + 1]++;
    for (let s = 0; s < nSeries; s++) counts[s + 1] += counts[s];
    seriesStart = Int32Array.from(counts);
    order = new Int32Array(n);
    const fill = Int32Array.from(counts);
    for (let i = 0; i < n; i++) order[fill[seriesOfRow[i]]++] = i;
    for (let s = 0; s < nSeries; s++) {
      const a = seriesStart[s];
      const e = seriesStart[s + 1];
      let sorted = true;
      for (let i = a + 1; i < e && sorted; i++) if (time[order[i]] < time[order[i - 1]]) sorted = false;
      if (!sorted) {
        const part = Array.from(order.subarray(a, e)).sort((x, y) => time[x] - time[y] || x - y);
        order.set(part, a);
      }
      for (let i = a + 1; i < e; i++) if (time[order[i]] === time[order[i - 1]]) repeats++;
    }
  }
  const fmt = (t: number) => formatTime({ timeKind, time }, t);
  if (repeats > 0 && policy === 'error') return duplicateProblems(b, order!, seriesStart, time, seriesIds, fmt);

  // Runs of one time within a series become one point: `keep` is the row each point takes its
  // values from (the first of a run; the last for `last`), `runStart`/`runEnd` its rows in order.
  // Without `keep`, point p is row p.
  let keep = order;
  let runStart: Int32Array | undefined;
  let runEnd: Int32Array | undefined;
  let start = seriesStart;
  if (repeats > 0) {
    const m = n - repeats;
    const sorted = order!;
    keep = new Int32Array(m);
    runStart = new Int32Array(m);
    runEnd = new Int32Array(m);
    start = new Int32Array(nSeries + 1);
    let p = 0;
    for (let s = 0; s < nSeries; s++) {
      start[s] = p;
      const e = seriesStart[s + 1];
      for (let i = seriesStart[s]; i < e; ) {
        let j = i + 1;
        while (j < e && time[sorted[j]] === time[sorted[i]]) j++;
        keep[p] = policy === 'last' ? sorted[j - 1] : sorted[i];
        runStart[p] = i;
        runEnd[p] = j;
        p++;
        i = j;
      }
    }
    start[nSeries] = p;
  }
  const m = keep ? keep.length : n;
  const aggregate = repeats > 0 && (policy === 'mean' || policy === 'max');
  const take = (src: Float64Array) => {
    if (!keep) return src;
    const out = new Float64Array(m);
    for (let p = 0; p < m; p++) out[p] = src[keep[p]];
    return out;
  };
  /** A number column, runs merged by the policy. */
  const numbers = (src: Float64Array, how: 'mean' | 'max') => {
    const out = take(src);
    if (aggregate) for (let p = 0; p < m; p++) if (runEnd![p] - runStart![p] > 1) out[p] = merge(src, order!, runStart![p], runEnd![p], how);
    return out;
  };
  /** The first present value of a run, in file order. */
  const firstPresent = (present: (row: number) => boolean): Int32Array | undefined => {
    if (!aggregate) return keep;
    const rows = Int32Array.from(keep!);
    for (let p = 0; p < m; p++) {
      for (let k = runStart![p]; k < runEnd![p]; k++) {
        if (present(order![k])) {
          rows[p] = order![k];
          break;
        }
      }
    }
    return rows;
  };

  const columns = new Map<string, Float64Array>();
  const categories = new Map<string, Categorical>();
  const columnInfo: ColumnInfo[] = b.header.map((name, c) => {
    if (c === b.idx.label) return { name, numeric: true };
    const num = b.num[c];
    if (num) {
      columns.set(name, numbers(num.view(), policy === 'max' ? 'max' : 'mean'));
      return { name, numeric: true };
    }
    const cat = b.cat[c];
    if (!cat) return { name, numeric: false, note: c === b.idx.split ? 'the split column' : c === b.idx.time ? 'the time column, of dates' : 'a text column' };
    const codes = cat.codes.view();
    const rows = firstPresent((r) => codes[r] >= 0);
    const out = rows ? new Int32Array(m) : codes;
    if (rows) for (let p = 0; p < m; p++) out[p] = codes[rows[p]];
    const coded = firstSeen(out, cat.values);
    categories.set(name, coded);
    return { name, numeric: false, ...categoryInfo(coded, cat) };
  });
  let label: Float64Array | undefined;
  if (b.idx.label >= 0) label = numbers(b.label.view(), 'max'); // any anomaly in a run makes the point one
  const text = new Map<string, string[]>();
  if (b.idx.reason >= 0) text.set(b.header[b.idx.reason], spreadText(b.reason, firstPresent((r) => b.reason.get(r).trim() !== ''), n, m));
  let splitOf: Uint8Array | undefined;
  if (b.idx.split >= 0) {
    const src = b.split.view();
    const rows = firstPresent((r) => src[r] !== splitFollows);
    splitOf = src;
    if (rows) {
      splitOf = new Uint8Array(m);
      for (let p = 0; p < m; p++) splitOf[p] = src[rows[p]];
    }
  }
  let rowOf = keep;
  if (aggregate) {
    rowOf = new Int32Array(m);
    for (let p = 0; p < m; p++) rowOf[p] = order![runStart![p]];
  }
  const lines: Lines = { ...b.shifts(), rowOf };
  const frame = withSeriesOf(
    {
      source,
      id: newFrameId(),
      seriesIds,
      seriesStart: start,
      length: m,
      time: take(time),
      timeKind,
      columns,
      columnInfo,
      label,
      categories,
      text,
      splitOf,
      lineOf: lineLookup(lines),
      lines,
    },
    nSeries,
  );
  return { frame };
}

/**
 * Where each series starts when the rows are grouped by series (in the order ids first appear) and
 * sorted by time without repeats; undefined otherwise.
 */
function rowsInOrder(ser: Int32Array, time: Float64Array, n: number, nSeries: number): Int32Array | undefined {
  if (n === 0 || ser[0] !== 0) return undefined;
  const start = new Int32Array(nSeries + 1);
  for (let i = 1; i < n; i++) {
    const s = ser[i];
    if (s === ser[i - 1]) {
      if (!(time[i] > time[i - 1])) return undefined;
    } else if (s === ser[i - 1] + 1) start[s] = i;
    else return undefined;
  }
  start[nSeries] = n;
  return start;
}

/** A sparse text column by point: blank cells are holes (read as undefined). */
function spreadText(t: SparseText, rows: Int32Array | undefined, n: number, m: number): string[] {
  const at = t.rows.view();
  if (!rows) return sparseText(Int32Array.from(at), t.texts, m);
  const pointOf = new Int32Array(n).fill(-1);
  for (let p = 0; p < m; p++) pointOf[rows[p]] = p;
  const cells: [number, string][] = [];
  for (let k = 0; k < at.length; k++) if (pointOf[at[k]] >= 0) cells.push([pointOf[at[k]], t.texts[k]]);
  cells.sort((x, y) => x[0] - y[0]);
  return sparseText(Int32Array.from(cells, (c) => c[0]), cells.map((c) => c[1]), m);
}

function merge(src: Float64Array, order: Int32Array, a: number, e: number, how: 'mean' | 'max'): number {
  let sum = 0;
  let max = -Infinity;
  let k = 0;
  for (let i = a; i < e; i++) {
    const v = src[order[i]];
    if (v !== v) continue;
    sum += v;
    if (v > max) max = v;
    k++;
  }
  return k === 0 ? Number.NaN : how === 'max' ? max : sum / k;
}

/** Codes renumbered so values are in the order they first appear in the points. */
function firstSeen(codes: Int32Array, values: string[]): Categorical {
  const map = new Int32Array(values.length).fill(-1);
  const ordered: string[] = [];
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    if (c < 0) continue;
    if (map[c] < 0) {
      map[c] = ordered.length;
      ordered.push(values[c]);
    }
    codes[i] = map[c];
  }
  return { codes, values: ordered };
}

/** Distinct values, most frequent first; a note when some of them are numbers. */
function categoryInfo(c: Categorical, col: CategoryColumn): Pick<ColumnInfo, 'categories' | 'note'> {
  const freq = new Float64Array(c.values.length);
  let present = 0;
  for (let i = 0; i < c.codes.length; i++) if (c.codes[i] >= 0) freq[c.codes[i]]++, present++;
  const ranked = c.values.map((_, k) => k).sort((x, y) => freq[y] - freq[x] || x - y);
  let numbers = 0;
  for (let k = 0; k < c.values.length; k++) if (parseNumber(c.values[k]) === parseNumber(c.values[k])) numbers += freq[k];
  const first = col.firstText;
  const note =
    numbers > 0 && first
      ? `line ${first.line} holds ${quoted(first.cell)}; ${numbers.toLocaleString('en-US')} of ${present.toLocaleString('en-US')} values are numbers`
      : undefined;
  return { categories: ranked.slice(0, maxCategoriesListed).map((k) => c.values[k]), ...(note ? { note } : {}) };
}

/** The repeated times of the file: the first few places (with their lines) and how many in all. */
function duplicateProblems(b: RowReader, order: Int32Array, seriesStart: Int32Array, time: Float64Array, ids: string[], fmt: (t: number) => string): Assembled {
  // Places ranked by the row of their first repeat, so the list follows the file.
  const places: { rows: number[]; at: number }[] = [];
  let total = 0;
  for (let s = 0; s + 1 < seriesStart.length; s++) {
    const e = seriesStart[s + 1];
    for (let i = seriesStart[s]; i < e; ) {
      let j = i + 1;
      while (j < e && time[order[j]] === time[order[i]]) j++;
      if (j - i > 1) {
        total++;
        const rows = Array.from(order.subarray(i, j)).sort((x, y) => x - y);
        const at = rows[1];
        if (places.length < maxDuplicatesListed || at < places[places.length - 1].at) {
          places.push({ rows, at });
          places.sort((x, y) => x.at - y.at);
          if (places.length > maxDuplicatesListed) places.pop();
        }
      }
      i = j;
    }
  }
  const duplicates: Pending[] = places.map((p, k) => {
    const lines = p.rows.slice(0, 5).map((r) => b.lineOf(r));
    const list = lines.length === 2 ? `lines ${lines[0]} and ${lines[1]}` : `lines ${lines.join(', ')}${p.rows.length > 5 ? ` and ${p.rows.length - 5} more` : ''}`;
    const series = b.idx.series >= 0 ? `Series ${quoted(ids[b.series.data[p.rows[0]]])} has` : 'The file has';
    let message = `${series} ${p.rows.length} rows at time ${quoted(fmt(time[p.rows[0]]))} (${list}).`;
    if (k === 0) {
      message +=
        ` ${total.toLocaleString('en-US')} time${total === 1 ? ' is' : 's are'} repeated within a series in this file${total > places.length ? ` (the first ${places.length} are listed)` : ''}.` +
        ' Each series needs one row per time: remove the extra rows, or merge them with `duplicates = first`, `last`, `mean` or `max` in the dataset block.';
    }
    return { code: 'duplicate-time', line: b.lineOf(p.at), field: b.idx.time, message };
  });
  return { duplicates, total };
}

/**
 * The frame with `seriesOf` made when first asked for (few uses need it: the rows' series column
 * is not kept). Made out here: a getter made inside `assemble` would keep its whole scope alive,
 * the reader's columns with it (every column read, used or not).
 */
function withSeriesOf(parts: Omit<Frame, 'seriesOf'>, nSeries: number): Frame {
  let seriesOf: Int32Array | undefined;
  const start = parts.seriesStart;
  return Object.defineProperty(parts, 'seriesOf', {
    enumerable: true,
    get() {
      if (!seriesOf) {
        seriesOf = new Int32Array(parts.length);
        for (let s = 0; s < nSeries; s++) seriesOf.fill(s, start[s], start[s + 1]);
      }
      return seriesOf;
    },
  }) as Frame;
}
