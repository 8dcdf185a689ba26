// The noise budget: how many alerts a rule raises per week, an alert being a flagged point (a row
// `arl run` writes; the event figures' alarms are runs of them). Defined when the time column holds
// dates; a split's weeks are the span of its points' times plus one time step (a weekly series of
// 53 points covers 53 weeks).
import type { Frame } from './frame';
import type { SplitIndex } from './metrics';

const week = 7 * 24 * 3600 * 1000;
const spans = new WeakMap<SplitIndex, number | null>();
const steps = new WeakMap<Frame, number>();

/** The usual gap between consecutive points of a series (the median of up to 1,000 series' first gaps). */
function timeStep(frame: Frame): number {
  let step = steps.get(frame);
  if (step !== undefined) return step;
  const gaps: number[] = [];
  for (let s = 0; s < frame.seriesIds.length && gaps.length < 1000; s++) {
    const a = frame.seriesStart[s];
    if (frame.seriesStart[s + 1] - a >= 2) gaps.push(frame.time[a + 1] - frame.time[a]);
  }
  gaps.sort((x, y) => x - y);
  step = gaps.length ? gaps[gaps.length >> 1] : 0;
  steps.set(frame, step);
  return step;
}

/** Weeks the split covers; null when times are not dates (or the split is empty). */
export function weeksOf(frame: Frame, idx: SplitIndex): number | null {
  if (frame.timeKind !== 'date') return null;
  const known = spans.get(idx);
  if (known !== undefined) return known;
  let lo = Infinity;
  let hi = -Infinity;
  const mask = idx.mask;
  const time = frame.time;
  const starts = frame.seriesStart;
  // Times are sorted within a series: its first and last points in the split are its earliest
  // and latest there.
  for (let s = 0; s + 1 < starts.length; s++) {
    const a = starts[s];
    const b = starts[s + 1];
    let first = a;
    while (first < b && !(mask[first >>> 5] & (1 << (first & 31)))) first++;
    if (first === b) continue;
    let last = b - 1;
    while (!(mask[last >>> 5] & (1 << (last & 31)))) last--;
    if (time[first] < lo) lo = time[first];
    if (time[last] > hi) hi = time[last];
  }
  const weeks = lo <= hi ? (hi - lo + timeStep(frame)) / week : null;
  const out = weeks && weeks > 0 ? weeks : null;
  spans.set(idx, out);
  return out;
}

/** Alerts per week, or null when weeks are unknown. */
export function perWeek(fires: number, weeks: number | null): number | null {
  return weeks ? fires / weeks : null;
}

/** "12.9" (alerts per week); "–" when unknown. */
export function perWeekText(x: number | null): string {
  if (x === null) return '–';
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}
