// The noise budget: how many alerts a rule raises per week, an alert being a flagged point (a row
// `arl run` writes; the event figures' alarms are runs of them). Defined when the time column holds
// dates; a split's weeks are the span of its points' times plus one time step (a weekly series of
// 53 points covers 53 weeks).
import type { Frame } from './frame';
import type { ScoreSplit, SplitIndex } from './metrics';
import { firstBit, lastBit, splitPoints } from './points';
import { splitIndex, type Splits } from './split';
import { seriesSummary } from './summary';

const week = 7 * 24 * 3600 * 1000;
const spans = new WeakMap<SplitIndex, number | null>();

/** Weeks the split covers; null when times are not dates (or the split is empty). */
export function weeksOf(frame: Frame, idx: SplitIndex): number | null {
  if (frame.timeKind !== 'date') return null;
  const known = spans.get(idx);
  if (known !== undefined) return known;
  let lo = Infinity;
  let hi = -Infinity;
  const mask = idx.mask;
  const starts = frame.seriesStart;
  const summary = seriesSummary(frame);
  // Read once: a summary's parts may be getters.
  const { first: firstTimes, last: lastTimes } = summary;
  // Times are sorted within a series: its first and last points in the split are its earliest
  // and latest there. A series whole in the split (a split by series) gives them from the summary.
  for (let s = 0; s + 1 < starts.length; s++) {
    const a = starts[s];
    const b = starts[s + 1];
    const first = firstBit(mask, a, b);
    if (first < 0) continue;
    const last = lastBit(mask, a, b);
    const t0 = first === a ? firstTimes[s] : frame.time[first];
    const t1 = last === b - 1 ? lastTimes[s] : frame.time[last];
    if (t0 < lo) lo = t0;
    if (t1 > hi) hi = t1;
  }
  const weeks = lo <= hi ? (hi - lo + summary.gap) / week : null;
  const out = weeks && weeks > 0 ? weeks : null;
  spans.set(idx, out);
  return out;
}

/**
 * Weeks a split covers, from the series alone when it holds whole series (split all, or a split
 * by series): the same as weeksOf, without the split's points.
 */
export function weeksOfSplit(frame: Frame, splits: Splits, split: ScoreSplit): number | null {
  const of = split === 'all' ? undefined : splits.seriesSplit;
  if (split !== 'all' && !of) return weeksOf(frame, { split, ...splitPoints(frame, splits, split) });
  if (frame.timeKind !== 'date') return null;
  const want = split === 'all' ? -1 : splitIndex[split];
  const starts = frame.seriesStart;
  const summary = seriesSummary(frame);
  // Read once: a summary's parts may be getters.
  const { first, last } = summary;
  let lo = Infinity;
  let hi = -Infinity;
  for (let s = 0; s + 1 < starts.length; s++) {
    if (starts[s] === starts[s + 1] || (of && of[s] !== want)) continue;
    if (first[s] < lo) lo = first[s];
    if (last[s] > hi) hi = last[s];
  }
  const weeks = lo <= hi ? (hi - lo + summary.gap) / week : null;
  return weeks && weeks > 0 ? weeks : null;
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
