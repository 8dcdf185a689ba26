// The sidecar merged over the dataset's label column: at each point a person's latest label wins,
// then the LLMs' latest, then the CSV's. The frame itself is not changed: the merge gives a new
// label column and, per point, where its label came from.
import { formatTime, hasLabel, type Frame } from '../engine/frame';
import { labelledPoints } from '../engine/points';
import { parseIsoTime, parseNumber } from '../engine/time';
import { isHuman, type LabelEntry } from './sidecar';

/** Where a point's label comes from. */
export const enum LabelFrom {
  none = 0,
  csv = 1,
  llm = 2,
  human = 3,
}

export interface LabelCounts {
  csv: number;
  llm: number;
  human: number;
}

export interface LabelOverlay {
  label: Float64Array;
  from: Uint8Array;
  /** Labelled points by source (after the merge). */
  counts: LabelCounts;
  /** The latest LLM entry at each point it decided or sent to review (reasons and votes). */
  llm: Map<number, LabelEntry>;
  /** The latest human entry at each point (undo reads it). */
  human: Map<number, LabelEntry>;
  /** Points where the LLMs' label overrides a different label of the CSV: the CSV's label. */
  overridden: Map<number, 0 | 1>;
  /** Rows naming a series or time the dataset does not have (first 5 and the count). */
  unmatched: { entries: LabelEntry[]; total: number };
}

/** The point of series `s` at `timeText`, or -1. */
export function findPoint(frame: Frame, s: number, timeText: string): number {
  const t = frame.timeKind === 'date' ? parseIsoTime(timeText) : parseNumber(timeText);
  if (t !== t) return -1;
  let lo = frame.seriesStart[s];
  let hi = frame.seriesStart[s + 1] - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = frame.time[mid];
    if (v === t) return mid;
    if (v < t) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

const seriesMaps = new WeakMap<Frame, Map<string, number>>();

export function seriesIndex(frame: Frame, id: string): number {
  let m = seriesMaps.get(frame);
  if (!m) seriesMaps.set(frame, (m = new Map(frame.seriesIds.map((x, i) => [x, i]))));
  return m.get(id) ?? -1;
}

/** The sidecar entry for point i of the frame (series and time written as the sidecar writes them). */
export function pointKey(frame: Frame, i: number): { series: string; time: string } {
  return { series: frame.seriesIds[frame.seriesOf[i]], time: formatTime(frame, frame.time[i]) };
}

export function mergeLabels(frame: Frame, entries: LabelEntry[]): LabelOverlay {
  // No label file (the usual case): the CSV's labels as they are, nothing copied (nor read: a
  // frame from the cache makes its label column only when asked for); where each label came from
  // is made only when asked for.
  if (!entries.length && hasLabel(frame)) return csvOnly(frame);
  const csv = frame.label;
  const label = new Float64Array(frame.length).fill(Number.NaN);
  const from = new Uint8Array(frame.length);
  if (csv) {
    label.set(csv);
    for (let i = 0; i < frame.length; i++) if (csv[i] === csv[i]) from[i] = LabelFrom.csv;
  }
  const llm = new Map<number, LabelEntry>();
  const human = new Map<number, LabelEntry>();
  const unmatched: LabelOverlay['unmatched'] = { entries: [], total: 0 };
  for (const e of entries) {
    const s = seriesIndex(frame, e.series);
    const i = s < 0 ? -1 : findPoint(frame, s, e.time);
    if (i < 0) {
      unmatched.total++;
      if (unmatched.entries.length < 5) unmatched.entries.push(e);
      continue;
    }
    (isHuman(e.source) ? human : llm).set(i, e);
  }
  const overridden = new Map<number, 0 | 1>();
  for (const [i, e] of llm) {
    if (e.label === null || human.get(i)?.label != null) continue;
    if (csv && (csv[i] === 0 || csv[i] === 1) && csv[i] !== e.label) overridden.set(i, csv[i] as 0 | 1);
    label[i] = e.label;
    from[i] = LabelFrom.llm;
  }
  for (const [i, e] of human) {
    if (e.label === null) continue;
    label[i] = e.label;
    from[i] = LabelFrom.human;
  }
  const counts: LabelCounts = { csv: 0, llm: 0, human: 0 };
  for (let i = 0; i < frame.length; i++) {
    if (from[i] === LabelFrom.csv) counts.csv++;
    else if (from[i] === LabelFrom.llm) counts.llm++;
    else if (from[i] === LabelFrom.human) counts.human++;
  }
  return { label, from, counts, llm, human, overridden, unmatched };
}

function csvOnly(frame: Frame): LabelOverlay {
  let from: Uint8Array | undefined;
  return {
    get label() {
      return frame.label!;
    },
    get from() {
      if (!from) {
        from = new Uint8Array(frame.length);
        for (const i of labelledPoints(frame).points) from[i] = LabelFrom.csv;
      }
      return from;
    },
    counts: { csv: labelledPoints(frame).points.length, llm: 0, human: 0 },
    llm: new Map(),
    human: new Map(),
    overridden: new Map(),
    unmatched: { entries: [], total: 0 },
  };
}

/** "5,944 from the CSV · 120 from LLMs · 30 by people", the parts that are not zero. */
export function countsText(c: LabelCounts): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const parts = [c.human ? `${n(c.human)} by people` : '', c.llm ? `${n(c.llm)} from LLMs` : '', c.csv ? `${n(c.csv)} from the CSV` : ''].filter(Boolean);
  return parts.length ? parts.join(' · ') : 'no labels';
}

/** Problems of the sidecar, as text: each says which file and line, and what to do. */
export function sidecarProblems(info: { overlay: LabelOverlay; sidecar?: { path: string; skipped: { line: number; why: string }[]; skippedTotal: number }; error?: string }): string[] {
  const out: string[] = [];
  if (info.error) out.push(`The labels beside the dataset are not used: ${info.error}`);
  const s = info.sidecar;
  if (s?.skippedTotal) {
    const first = s.skipped[0];
    out.push(`${s.path}:${first.line}: ${first.why}; ${s.skippedTotal} line${s.skippedTotal === 1 ? '' : 's'} of the label file skipped (a write cut short, or an edit by hand). Fix or delete ${s.skippedTotal === 1 ? 'it' : 'them'}.`);
  }
  const u = info.overlay.unmatched;
  if (u.total) {
    const e = u.entries[0];
    out.push(`${u.total} label${u.total === 1 ? '' : 's'} in ${s?.path ?? 'the label file'} ${u.total === 1 ? 'names' : 'name'} a point the dataset does not have (e.g. series \`${e.series.slice(0, 40)}\` at \`${e.time.slice(0, 30)}\`); they are not used.`);
  }
  return out;
}
