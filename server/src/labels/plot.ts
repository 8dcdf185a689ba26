// The plot an LLM (or a person) judges: one series' values, drawn by the preview's chart, the point
// to judge marked; no labels, rule outcomes or thresholds, so nothing but the data leans on the
// answer.
import type { Analysis } from '../engine/analyze';
import { formatTime, type Frame } from '../engine/frame';
import { lttb } from '../preview/lttb';
import { renderSvg, svgToPng } from '../preview/render';
import { ruleColumns } from '../preview/rule-parts';
import type { SeriesView } from '../preview/types';
import { seriesSpec, type VlSpec } from '../../../webviews/src/spec';
import { lightTheme } from '../../../webviews/src/theme';

export const plotSize = { width: 900, height: 300, zoom: 1.5, maxPoints: 600 };

/** The columns drawn: those the rules read (at most 3), else the first numeric columns. */
export function plotColumns(a: Analysis): string[] {
  const frame = a.data!.frame;
  const used = ruleColumns(a, a.program.rules).filter((c) => frame.columns.has(c));
  const roles = new Set(Object.values(a.check.dataset.columns));
  return (used.length ? used : [...frame.columns.keys()].filter((c) => !roles.has(c))).slice(0, 3);
}

/** A view of series `s` with only its values (downsampled, the judged point kept). */
export function plainView(frame: Frame, s: number, columns: string[], point: number, maxPoints = plotSize.maxPoints): SeriesView {
  const a = frame.seriesStart[s];
  const b = frame.seriesStart[s + 1];
  const x = frame.time.subarray(a, b);
  const y = frame.columns.get(columns[0]) ?? new Float64Array(b - a);
  const idx = lttb(x, y.subarray(a, b), maxPoints, (i) => a + i === point);
  const val = (v: number) => (v === v ? v : null);
  return {
    id: frame.seriesIds[s],
    length: b - a,
    shown: idx.length,
    index: idx,
    time: idx.map((i) => frame.time[a + i]),
    timeText: idx.map((i) => formatTime(frame, frame.time[a + i])),
    columns: columns.map((c) => ({ name: c, values: idx.map((i) => val(frame.columns.get(c)![a + i])) })),
    label: idx.map(() => null),
    rules: [],
    excludes: [],
    outcome: idx.map(() => 'none' as const),
    runs: [],
    thresholds: [],
    counts: { tp: 0, fp: 0, fn: 0, tn: 0 },
    split: idx.map(() => 'train' as const),
    splits: { train: 0, validation: 0, test: 0 },
  };
}

export function labelSpec(frame: Frame, s: number, columns: string[], point: number): VlSpec {
  const view = plainView(frame, s, columns, point);
  const when = formatTime(frame, frame.time[point]);
  return seriesSpec(view, {
    timeKind: frame.timeKind,
    theme: lightTheme,
    width: plotSize.width,
    height: plotSize.height,
    title: `series ${frame.seriesIds[s]}`,
    subtitle: `the point to judge: ${when} (dashed line)`,
    mark: { t: frame.time[point], text: 'judge' },
    plain: true,
  });
}

/** The plot as PNG bytes. */
export async function renderLabelPlot(frame: Frame, s: number, columns: string[], point: number): Promise<Uint8Array> {
  return svgToPng(await renderSvg(labelSpec(frame, s, columns, point)), plotSize.zoom);
}
