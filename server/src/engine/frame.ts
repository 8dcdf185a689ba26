// A loaded dataset: points of all series in one flat columnar layout, series after series, each
// sorted by time. Evaluators read it; nothing here knows where the data came from.
import type { ColumnInfo, Schema } from '../../../grammar/src/check';

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
}

export interface Categorical {
  codes: Int32Array;
  values: string[];
}

export function schemaOf(frame: Frame): Schema {
  let max = 0;
  for (let s = 0; s < frame.seriesIds.length; s++) max = Math.max(max, frame.seriesStart[s + 1] - frame.seriesStart[s]);
  return { columns: frame.columnInfo, maxSeriesLength: max };
}

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
