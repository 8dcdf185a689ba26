// What scoring reads of each series, so that it reads no id or time of every point: the hash its
// split is drawn from, its first and last times, its median time step, and the frame's usual time
// step. Computed from the frame when first asked for, or read from the frame cache, which keeps
// them (a frame may carry its own: Frame.summary).
import type { Frame } from './frame';
import { seriesHash } from './split';

export interface SeriesSummary {
  /** seriesHash of each series' id (the hash split's draw). */
  hash: Uint32Array;
  /** Each series' first and last time (NaN for a series without points). */
  first: Float64Array;
  last: Float64Array;
  /** Each series' median time between consecutive points (0 for fewer than two points). */
  step: Float64Array;
  /** The usual time between consecutive points: the median of up to 1,000 series' first gaps. */
  gap: number;
}

const summaries = new WeakMap<Frame, SeriesSummary>();

/** The frame's series summary: its own (Frame.summary), else computed, each part when first read. */
export function seriesSummary(frame: Frame): SeriesSummary {
  const own = frame.summary;
  if (own) return own;
  let s = summaries.get(frame);
  if (!s) summaries.set(frame, (s = computedSummary(frame)));
  return s;
}

/** A summary computed from the frame's ids and times, each part when first read. */
export function computedSummary(frame: Pick<Frame, 'seriesIds' | 'seriesStart' | 'time'>): SeriesSummary {
  let hash: Uint32Array | undefined;
  let bounds: { first: Float64Array; last: Float64Array } | undefined;
  let step: Float64Array | undefined;
  let gap: number | undefined;
  return {
    get hash() {
      return (hash ??= Uint32Array.from(frame.seriesIds, seriesHash));
    },
    get first() {
      return (bounds ??= seriesBounds(frame.time, frame.seriesStart)).first;
    },
    get last() {
      return (bounds ??= seriesBounds(frame.time, frame.seriesStart)).last;
    },
    get step() {
      return (step ??= seriesSteps(frame.time, frame.seriesStart));
    },
    get gap() {
      return (gap ??= usualGap(frame.time, frame.seriesStart));
    },
  };
}

function seriesBounds(time: Float64Array, starts: Int32Array): { first: Float64Array; last: Float64Array } {
  const n = starts.length - 1;
  const first = new Float64Array(n);
  const last = new Float64Array(n);
  for (let s = 0; s < n; s++) {
    const a = starts[s];
    const b = starts[s + 1];
    first[s] = a < b ? time[a] : Number.NaN;
    last[s] = a < b ? time[b - 1] : Number.NaN;
  }
  return { first, last };
}

function seriesSteps(time: Float64Array, starts: Int32Array): Float64Array {
  const steps = new Float64Array(starts.length - 1);
  for (let s = 0; s < steps.length; s++) steps[s] = medianStep(time, starts[s], starts[s + 1]);
  return steps;
}

/** The median time between consecutive points of a series; 0 for a single point. */
function medianStep(time: Float64Array, a: number, b: number): number {
  if (b - a < 2) return 0;
  // Most series are regular: one step throughout, no sort needed.
  const step = time[a + 1] - time[a];
  let regular = true;
  for (let i = a + 2; i < b && regular; i++) regular = time[i] - time[i - 1] === step;
  if (regular) return step;
  const d = new Float64Array(b - a - 1);
  for (let i = a + 1; i < b; i++) d[i - a - 1] = time[i] - time[i - 1];
  d.sort();
  return d[d.length >> 1];
}

/** The median of up to 1,000 series' first gaps (0 when no series has two points). */
function usualGap(time: Float64Array, starts: Int32Array): number {
  const gaps: number[] = [];
  for (let s = 0; s + 1 < starts.length && gaps.length < 1000; s++) {
    const a = starts[s];
    if (starts[s + 1] - a >= 2) gaps.push(time[a + 1] - time[a]);
  }
  gaps.sort((x, y) => x - y);
  return gaps.length ? gaps[gaps.length >> 1] : 0;
}
