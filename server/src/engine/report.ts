// Short texts of the scores for people, shared by the lenses, hover, `arl eval` and the metrics
// command: the objective beside the trivial baselines, and the event figures.
import { grouped } from '../../../grammar/src/plural';
import type { FileScores, Scores } from './metrics';

const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '–');
/** Two significant digits (whole numbers from 10 up); `–` when undefined. */
export const sig = (x: number) => (!Number.isFinite(x) ? '–' : Math.abs(x) >= 10 ? x.toFixed(0) : Number(x.toPrecision(2)).toString());

/** `1 point`, `5 points`, `1,000 points`. */
export function pointsText(n: number): string {
  return `${grouped(n)} point${n === 1 ? '' : 's'}`;
}

/** `per series per week`, `per series per 1,000 points`. */
export function rateUnit(s: FileScores): string {
  return `per series per ${s.period}`;
}

/** Whether the objective counts events (event F1, F-beta) rather than points. */
export function eventObjective(s: FileScores): boolean {
  return s.objective.objective.kind !== 'point_f1';
}

/** Whether the rules do better than flagging every point on the objective (undefined: nothing to beat). */
export function beatsBaseline(s: FileScores): boolean | undefined {
  const all = s.baselines.all.objective;
  if (!(all > 0)) return undefined;
  return s.file.objective > all;
}

/** `event F1 0.43 · flag all 0.12 · flag none 0.00`, with a mark when the rules do not beat flag-all. */
export function objectiveLine(s: FileScores): string {
  const beats = beatsBaseline(s);
  const mark = beats === false ? ' ⚠ no better than flagging every point' : '';
  return `${s.objective.label} ${f2(s.file.objective)} · flag all ${f2(s.baselines.all.objective)} · flag none ${f2(s.baselines.none.objective)}${mark}`;
}

/** `event P 0.50 R 0.38 F1 0.43`. */
export function eventTriple(r: Scores): string {
  return `event P ${f2(r.eventPrecision)} R ${f2(r.eventRecall)} F1 ${f2(r.eventF1)}`;
}

/** `24 alarms (3 false) · 2.1 per series per week · delay 3`. */
export function alarmLine(r: Scores, s: FileScores): string {
  const delay = Number.isFinite(r.delay) ? ` · median delay ${sig(r.delay)} pts` : '';
  return `${grouped(r.alarms)} alarms (${grouped(r.falseAlarms)} false) · ${sig(r.alarmRate)} ${rateUnit(s)}${delay}`;
}
