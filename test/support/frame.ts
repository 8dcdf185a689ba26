// A frame in plain values, for comparing frames with toEqual (NaN equals NaN there).
import { newFrameId, type Frame } from '../../server/src/engine/frame';

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

/**
 * A frame with only what scoring reads: series of the given lengths, labels (NaN: unlabelled) and
 * times (`time(s, k)` for point k of series s; default k).
 */
export function scoringFrame(lengths: number[], label: ArrayLike<number>, opts: { time?: (s: number, k: number) => number; timeKind?: Frame['timeKind']; source?: string } = {}): Frame {
  const seriesStart = new Int32Array(lengths.length + 1);
  lengths.forEach((n, s) => (seriesStart[s + 1] = seriesStart[s] + n));
  const length = seriesStart[lengths.length];
  const seriesOf = new Int32Array(length);
  for (let s = 0; s < lengths.length; s++) seriesOf.fill(s, seriesStart[s], seriesStart[s + 1]);
  const time = opts.time ?? ((_s: number, k: number) => k);
  return {
    source: opts.source ?? 'test',
    id: newFrameId(),
    seriesIds: lengths.map((_, s) => `s${s}`),
    seriesStart,
    seriesOf,
    length,
    time: Float64Array.from({ length }, (_, i) => time(seriesOf[i], i - seriesStart[seriesOf[i]])),
    timeKind: opts.timeKind ?? 'number',
    columns: new Map(),
    columnInfo: [],
    label: Float64Array.from(label),
    categories: new Map(),
    text: new Map(),
    lineOf: (p) => p + 2,
  };
}
