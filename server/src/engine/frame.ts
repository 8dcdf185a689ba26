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

/** Formats a point's time for people: ISO for dates, the number otherwise. */
export function formatTime(frame: Pick<Frame, 'timeKind'>, t: number): string {
  if (frame.timeKind !== 'date') return String(t);
  const iso = new Date(t).toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso.replace('.000Z', 'Z');
}
