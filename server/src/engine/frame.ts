// A loaded dataset: points of all series in one flat columnar layout, series after series, each
// sorted by time. Evaluators read it; nothing here knows where the data came from.
import type { ColumnInfo, Schema } from '../../../grammar/src/check';
import type { ColumnPlace } from './cache';
import type { Labelled } from './points';
import { seriesSummary, type SeriesSummary } from './summary';

export type TimeKind = 'number' | 'date' | 'row';

export interface Frame {
  /** Where the data came from (a file path), for messages. */
  source: string;
  /** Unique per load, so caches never mix two versions of a file. */
  id: number;
  seriesIds: string[];
  /** Series s holds points seriesStart[s] .. seriesStart[s + 1] - 1. */
  seriesStart: Int32Array;
  /** Series index of every point. */
  seriesOf: Int32Array;
  length: number;
  /** Time of every point: a number, or milliseconds since 1970 for dates. */
  time: Float64Array;
  timeKind: TimeKind;
  /** Numeric columns, NaN where a cell is blank. */
  columns: Map<string, Float64Array>;
  /** Every column of the file, numeric or not, in header order. */
  columnInfo: ColumnInfo[];
  /** 1 anomaly, 0 normal, NaN unlabelled; absent without a label column. */
  label?: Float64Array;
  /**
   * Text columns as categories: codes[i] indexes `values` (first-seen order), -1 where the cell is
   * missing. Every non-numeric column other than the series, time, label and reason roles.
   */
  categories: Map<string, Categorical>;
  /** Text columns kept for people and LLMs (the `reason` column). */
  text: Map<string, string[]>;
  /**
   * The split of every point read from the dataset's split column (`split = column NAME`): 0 train,
   * 1 validation, 2 test, 255 for a blank cell (the point goes with the one before it).
   */
  splitOf?: Uint8Array;
  /** The source line of each point (1-based), for messages. */
  lineOf(point: number): number;
  /** What lineOf reads, as data (the frame cache keeps it); absent for frames not read from a file. */
  lines?: Lines;
  /**
   * The labelled points, when the frame knows them without reading every label (the frame cache
   * keeps them): then `label` is made only when asked for. Absent otherwise (points.ts finds them).
   */
  labelled?: Labelled;
  /** What scoring reads of each series, when the frame keeps it (the frame cache); see summary.ts. */
  summary?: SeriesSummary;
  /** Columns that can be read a block at a time, by any thread (a frame from the cache). */
  partial?: PartialColumns;
}

/** Columns of a frame read a block at a time (evaluation by blocks), from the frame cache's file. */
export interface PartialColumns {
  /** Where a number or category column lies in its file; undefined when it is in memory (read it there). */
  place(name: string): ColumnPlace | undefined;
  /** A category column's values (its dictionary), without reading its codes. */
  dictionary(name: string): string[] | undefined;
  /** The part of a column read did not check out: the frame is damaged (the analysis runs again from the text). */
  damaged(column: string): void;
}

/** Whether the frame has a label column, without making one. */
export function hasLabel(frame: Frame): boolean {
  return frame.labelled !== undefined || frame.label !== undefined;
}

/**
 * The frame with another label column (and, given one, another id). Every other member reads
 * through to `frame` (a frame read from the cache reads its columns when first asked for and notes
 * damage on itself, so nothing is copied here). Plain getters, not a Proxy: hot loops read
 * `frame.time` or `frame.length`, and a getter is inlined where a Proxy trap is a call each time.
 */
export function withLabel(frame: Frame, label: Float64Array | undefined, id = frame.id): Frame {
  return new Relabelled(frame, label, id, false);
}

/** The frame under another id, its own label column included (read through, not made). */
export function withId(frame: Frame, id: number): Frame {
  return new Relabelled(frame, undefined, id, true);
}

class Relabelled implements Frame {
  constructor(
    private readonly base: Frame,
    private readonly ownLabel: Float64Array | undefined,
    readonly id: number,
    /** The base's label column, not another. */
    private readonly sameLabel: boolean,
  ) {}
  get label(): Float64Array | undefined {
    return this.sameLabel ? this.base.label : this.ownLabel;
  }
  get labelled(): Labelled | undefined {
    return this.sameLabel ? this.base.labelled : undefined;
  }
  /** The base's (kept with it, so made once however many label overlays it gets). */
  get summary(): SeriesSummary {
    return seriesSummary(this.base);
  }
  get partial(): PartialColumns | undefined {
    return this.base.partial;
  }
  get source(): string {
    return this.base.source;
  }
  get seriesIds(): string[] {
    return this.base.seriesIds;
  }
  get seriesStart(): Int32Array {
    return this.base.seriesStart;
  }
  get seriesOf(): Int32Array {
    return this.base.seriesOf;
  }
  get length(): number {
    return this.base.length;
  }
  get time(): Float64Array {
    return this.base.time;
  }
  get timeKind(): TimeKind {
    return this.base.timeKind;
  }
  get columns(): Map<string, Float64Array> {
    return this.base.columns;
  }
  get columnInfo(): ColumnInfo[] {
    return this.base.columnInfo;
  }
  get categories(): Map<string, Categorical> {
    return this.base.categories;
  }
  get text(): Map<string, string[]> {
    return this.base.text;
  }
  get splitOf(): Uint8Array | undefined {
    return this.base.splitOf;
  }
  get lines(): Lines | undefined {
    return this.base.lines;
  }
  lineOf(point: number): number {
    return this.base.lineOf(point);
  }
}

/** Where each point came from in its file. */
export interface Lines {
  /** From data row shiftRow[k] on, row r is on line shiftLine[k] + r - shiftRow[k]. */
  shiftRow: Int32Array;
  shiftLine: Int32Array;
  /** The data row of each point, when points are not the rows in file order. */
  rowOf?: Int32Array;
}

/** The line of each point, from Lines. */
export function lineLookup(l: Lines): (point: number) => number {
  const { shiftRow, shiftLine, rowOf } = l;
  return (p) => {
    const r = rowOf ? rowOf[p] : p;
    let lo = 0;
    let hi = shiftRow.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (shiftRow[mid] <= r) lo = mid;
      else hi = mid - 1;
    }
    return shiftLine[lo] + r - shiftRow[lo];
  };
}

export interface Categorical {
  codes: Int32Array;
  values: string[];
}

export function schemaOf(frame: Frame): Schema {
  // The longest series, once per layout (every edit checks its rules against the schema).
  let max = longest.get(frame.seriesStart);
  if (max === undefined) {
    max = 0;
    for (let s = 0; s + 1 < frame.seriesStart.length; s++) max = Math.max(max, frame.seriesStart[s + 1] - frame.seriesStart[s]);
    longest.set(frame.seriesStart, max);
  }
  return { columns: frame.columnInfo, maxSeriesLength: max };
}

const longest = new WeakMap<Int32Array, number>();

let nextId = 1;
export function newFrameId(): number {
  return nextId++;
}

const subSecond = new WeakMap<Float64Array, boolean>();

/**
 * A point's time as text, in one form for the whole dataset so the text can be joined on: dates
 * as ISO 8601 date-times in UTC, `2013-12-16T00:00:00Z` (midnight included), with milliseconds
 * (`.250Z`) on every time when any time of the dataset has them; numbers as they are.
 */
export function formatTime(frame: Pick<Frame, 'timeKind' | 'time'>, t: number): string {
  if (frame.timeKind !== 'date') return String(t);
  let ms = subSecond.get(frame.time);
  if (ms === undefined) {
    ms = false;
    for (let i = 0; i < frame.time.length && !ms; i++) if (frame.time[i] % 1000 !== 0) ms = true;
    subSecond.set(frame.time, ms);
  }
  const iso = new Date(t).toISOString();
  return ms ? iso : iso.replace('.000Z', 'Z');
}

// Text columns have few non-blank cells in long files (a reason on labelled rows only): they are
// arrays with holes, and the points and texts they were made from are kept beside them, so code
// that needs the non-blank cells does not walk every point.
const sparse = new WeakMap<string[], { points: Int32Array; texts: string[] }>();

/** A text column of `length` points with `texts` at `points` (increasing) and holes elsewhere. */
export function sparseText(points: Int32Array, texts: string[], length: number): string[] {
  // Written from the last point down: the first write, far past the end of an empty array, makes
  // V8 keep it as a dictionary of the cells written. Written in order, it grows a slot per point
  // (42 MB for 5.3 million points) that every full collection walks, an edit's pause included.
  const out: string[] = [];
  for (let k = points.length - 1; k >= 0; k--) out[points[k]] = texts[k];
  out.length = length;
  sparse.set(out, { points, texts });
  return out;
}

/** The non-blank cells of a text column. */
export function sparseOf(column: string[]): { points: Int32Array; texts: string[] } {
  const known = sparse.get(column);
  if (known) return known;
  const points: number[] = [];
  const texts: string[] = [];
  for (const k in column) {
    const t = column[k as unknown as number];
    if (t) points.push(Number(k)), texts.push(t);
  }
  return { points: Int32Array.from(points), texts };
}
