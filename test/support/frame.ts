// A frame in plain values, for comparing frames with toEqual (NaN equals NaN there).
import type { Frame } from '../../server/src/engine/frame';

/** Everything a frame holds, in plain values. */
export function plainFrame(f: Frame) {
  return {
    seriesIds: f.seriesIds,
    seriesStart: Array.from(f.seriesStart),
    seriesOf: Array.from(f.seriesOf),
    time: Array.from(f.time),
    timeKind: f.timeKind,
    columns: [...f.columns].map(([k, v]) => [k, Array.from(v)]),
    columnInfo: f.columnInfo,
    label: f.label && Array.from(f.label),
    categories: [...f.categories].map(([k, v]) => [k, Array.from(v.codes), v.values]),
    text: [...f.text].map(([k, v]) => [k, Array.from({ length: f.length }, (_, i) => v[i] || '')]),
    splitOf: f.splitOf && Array.from(f.splitOf),
    lines: Array.from({ length: f.length }, (_, i) => f.lineOf(i)),
  };
}
