// Event metrics recomputed from their definitions (docs/language.md#metrics), point by point and
// with plain arrays: the reference the engine's event scoring is checked against.
import type { Frame } from '../../server/src/engine/frame';

export interface RefEvents {
  events: number;
  eventsCaught: number;
  eventRecall: number;
  alarms: number;
  trueAlarms: number;
  falseAlarms: number;
  eventPrecision: number;
  eventF1: number;
  delay: number;
  falseAlarmsPer1k: number;
  alarmRate: number;
  pointAdjustedF1: number;
}

const N = Number.NaN;

function f1Of(p: number, r: number): number {
  if (Number.isNaN(p) && Number.isNaN(r)) return N;
  if (!(p > 0) || !(r > 0)) return 0;
  return (2 * p * r) / (p + r);
}

function medianOf(xs: number[]): number {
  if (!xs.length) return N;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Runs [start, end) of consecutive indexes in `from..to` where `is` holds. */
function runs(from: number, to: number, is: (i: number) => boolean): [number, number][] {
  const out: [number, number][] = [];
  let start = -1;
  for (let i = from; i <= to; i++) {
    const on = i < to && is(i);
    if (on && start < 0) start = i;
    if (!on && start >= 0) out.push([start, i]), (start = -1);
  }
  return out;
}

/** Event figures of `fires` on the points where `inSplit` holds; time is numeric (per 1,000 points). */
export function referenceEvents(frame: Frame, inSplit: (i: number) => boolean, fires: (i: number) => boolean, tolerance = 0): RefEvents {
  const y = frame.label!;
  let events = 0, caught = 0, alarms = 0, trueAlarms = 0, falseAlarms = 0, judged = 0, inEvents = 0, points = 0, labelled = 0, anomalies = 0, adjustedTp = 0, fp = 0;
  const delays: number[] = [];
  for (let s = 0; s < frame.seriesIds.length; s++) {
    // Segments: the split's points of this series, cut wherever a point of another split lies.
    for (const [a, b] of runs(frame.seriesStart[s], frame.seriesStart[s + 1], inSplit)) {
      const evs = runs(a, b, (i) => y[i] === 1);
      const windows = evs.map(([es, ee]) => [Math.max(a, es - tolerance), Math.min(b, ee + tolerance)] as const);
      const near = (i: number) => windows.some(([w0, w1]) => w0 <= i && i < w1);
      for (let i = a; i < b; i++) {
        points++;
        if (!Number.isNaN(y[i])) labelled++;
        if (y[i] === 1) anomalies++;
        if (fires(i) && y[i] === 0) fp++;
      }
      for (const [x0, x1] of runs(a, b, fires)) {
        alarms++;
        // Judged points: inside an event's window, or labelled normal outside every window.
        let inside = 0;
        let outside = 0;
        for (let i = x0; i < x1; i++) {
          if (near(i)) inside++;
          else if (y[i] === 0) outside++;
        }
        if (inside > 0) trueAlarms++;
        else if (outside > 0) falseAlarms++;
        judged += inside + outside;
        inEvents += inside;
      }
      evs.forEach(([es, ee], k) => {
        events++;
        const [w0, w1] = windows[k];
        let first = -1;
        for (let i = w0; i < w1 && first < 0; i++) if (fires(i)) first = i;
        if (first < 0) return;
        caught++;
        delays.push(first - es);
        let inside = false;
        for (let i = es; i < ee; i++) inside ||= fires(i);
        if (inside) adjustedTp += ee - es;
      });
    }
  }
  const eventPrecision = judged ? inEvents / judged : N;
  const eventRecall = events ? caught / events : N;
  const fnAdj = anomalies - adjustedTp;
  return {
    events,
    eventsCaught: caught,
    eventRecall,
    alarms,
    trueAlarms,
    falseAlarms,
    eventPrecision,
    eventF1: f1Of(eventPrecision, eventRecall),
    delay: medianOf(delays),
    falseAlarmsPer1k: labelled ? (1000 * falseAlarms) / labelled : N,
    alarmRate: points ? alarms / (points / 1000) : N,
    pointAdjustedF1: 2 * adjustedTp + fp + fnAdj ? (2 * adjustedTp) / (2 * adjustedTp + fp + fnAdj) : N,
  };
}

/** Whether any series holds two labelled anomalies in a row (the default objective is then event F1). */
export function labelsFormRuns(frame: Frame): boolean {
  const y = frame.label!;
  for (let s = 0; s < frame.seriesIds.length; s++) {
    for (let i = frame.seriesStart[s] + 1; i < frame.seriesStart[s + 1]; i++) if (y[i] === 1 && y[i - 1] === 1) return true;
  }
  return false;
}
