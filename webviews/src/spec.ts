// Vega-Lite specs of the panels' charts. Pure: data and a theme in, a spec out (concrete colours,
// no CSS variables), so the webviews and `arl plot` draw the same thing.
//
// Marks that tests count carry names: in the rendered SVG, each named layer is a group with class
// `<name>_marks` (tp, fp, fn, fired, anomaly; accepted, rejected).
import type { CompareOp } from '../../grammar/src/ast';
import type { TimeKind } from '../../server/src/engine/frame';
import type { PointOutcome, RateBar, SeriesView, Threshold } from '../../server/src/preview/types';
import type { TrajectoryData } from './protocol';
import { isHighContrast, type Theme } from './theme';

/** A Vega-Lite spec as plain JSON. */
export type VlSpec = Record<string, unknown>;

export interface ChartSize {
  width: number;
  height: number;
}

/** Axis, legend and title styling from the theme. */
export function themeConfig(theme: Theme): VlSpec {
  const hc = isHighContrast(theme);
  const text = { labelColor: theme.foreground, titleColor: theme.foreground, labelFont: theme.font, titleFont: theme.font };
  return {
    background: theme.background,
    font: theme.font,
    view: { stroke: null },
    axis: {
      ...text,
      domainColor: theme.muted,
      tickColor: theme.muted,
      gridColor: theme.grid,
      gridOpacity: hc ? 0.6 : 1,
      labelFontSize: theme.fontSize,
      titleFontSize: theme.fontSize,
      titleFontWeight: 'normal',
    },
    legend: { ...text, labelFontSize: theme.fontSize, titleFontSize: theme.fontSize, titleFontWeight: 'normal', orient: 'top', symbolStrokeWidth: 2, columns: 3 },
    title: { color: theme.foreground, subtitleColor: theme.muted, font: theme.font, subtitleFont: theme.font, fontSize: theme.fontSize + 1, anchor: 'start' },
    text: { color: theme.foreground, font: theme.font, fontSize: theme.fontSize },
  };
}

// The series plot.

export interface SeriesSpecOptions extends ChartSize {
  timeKind: TimeKind;
  theme: Theme;
  title?: string;
  subtitle?: string;
  /** `width` is the whole chart's (axes and legend included), not the plot's: it fits a container. */
  fit?: boolean;
  /** Only the values (labelling): no key of outcomes. */
  plain?: boolean;
  /** A point to judge (labelling): a vertical line at its time, with a caption. */
  mark?: { t: number; text: string };
}

/** The key of the point marks: legend label, colour and shape. */
function outcomeKey(theme: Theme): { name: string; label: string; color: string; shape: string; size: number; filled: boolean; angle?: number }[] {
  return [
    { name: 'anomaly', label: 'labelled anomaly', color: theme.red, shape: 'circle', size: 170, filled: false },
    { name: 'tp', label: 'caught (TP)', color: theme.green, shape: 'circle', size: 60, filled: true },
    { name: 'fp', label: 'false alarm (FP)', color: theme.orange, shape: 'triangle-up', size: 90, filled: true },
    { name: 'fn', label: 'missed (FN)', color: theme.red, shape: 'cross', size: 110, filled: true, angle: 45 },
    { name: 'fired', label: 'fired, not scored', color: theme.yellow, shape: 'diamond', size: 40, filled: true },
  ];
}

const outcomeText: Record<PointOutcome, string> = {
  tp: 'caught anomaly (TP)',
  fp: 'false alarm (FP)',
  fn: 'missed anomaly (FN)',
  tn: 'correctly quiet (TN)',
  fired: 'fired (not scored)',
  none: '',
};

const opText: Record<CompareOp, string> = { '<': '<', '<=': '≤', '>': '>', '>=': '≥', '==': '=', '!=': '≠' };

/** One row per shown point: the data of every layer. */
export function seriesRows(s: SeriesView): Record<string, unknown>[] {
  return s.time.map((t, j) => {
    const fired = s.rules.filter((r) => r.flags[j] === 1).map((r) => r.name);
    const excluded = s.excludes.filter((e) => e.flags[j] === 1).map((e) => e.name);
    const row: Record<string, unknown> = {
      t,
      time: s.timeText[j],
      label: s.label[j],
      labelText: s.label[j] === 1 ? 'anomaly' : s.label[j] === 0 ? 'normal' : 'not labelled',
      outcome: s.outcome[j],
      outcomeText: outcomeText[s.outcome[j]],
      fired: fired.join(', ') || 'none',
      excluded: excluded.join(', ') || 'none',
      reason: s.reason?.[j] ?? '',
      split: s.split[j],
    };
    s.columns.forEach((c, k) => (row[`m${k}`] = c.values[j]));
    if (s.let) row.letv = s.let.values[j];
    return row;
  });
}

/** A threshold line's label and where it goes: above the line (dy < 0) or below it. */
export interface ThresholdRow {
  value: number;
  text: string;
  dy: number;
}

/** Thresholds on one axis: one line per value, naming the comparisons and the rules that make them. */
function thresholdRows(ts: Threshold[], axis: Threshold['axis']): ThresholdRow[] {
  const byValue = new Map<number, { tests: string[]; rules: string[] }>();
  for (const t of ts) {
    if (t.axis !== axis) continue;
    const e = byValue.get(t.value) ?? { tests: [], rules: [] };
    const test = `${t.name} ${opText[t.op]} ${t.value}`;
    if (!e.tests.includes(test)) e.tests.push(test);
    if (!e.rules.includes(t.rule)) e.rules.push(t.rule);
    byValue.set(t.value, e);
  }
  const suffix = axis === 'let' ? ' · right axis' : '';
  return [...byValue].map(([value, e]) => ({ value, text: `${e.tests.join(' · ')} (${e.rules.join(', ')})${suffix}`, dy: -2 }));
}

/** Round ends for an axis holding lo..hi (0 included, as Vega-Lite's default scales do). */
export function niceDomain(lo: number, hi: number): [number, number] {
  if (!(lo <= hi)) return [0, 1];
  lo = Math.min(0, lo);
  hi = Math.max(0, hi);
  if (hi === lo) return [lo - 1, hi + 1];
  const raw = (hi - lo) / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  return [Math.floor(lo / step) * step, Math.ceil(hi / step) * step];
}

/**
 * Places threshold labels so that none covers another: each goes above its line, or below it when
 * that spot is taken (a line of the other axis at the same height, a near value on the same axis).
 * Positions are in pixels of a plot `width` x `height`; text widths are estimated.
 */
export function placeLabels(left: ThresholdRow[], right: ThresholdRow[], domains: { left: [number, number]; right: [number, number] }, width: number, height: number, fontSize: number): void {
  const taken: { x0: number; x1: number; y0: number; y1: number }[] = [];
  const place = (rows: ThresholdRow[], side: 'left' | 'right', [d0, d1]: [number, number]) => {
    for (const r of [...rows].sort((a, b) => b.value - a.value)) {
      const y = height * (1 - (r.value - d0) / (d1 - d0 || 1));
      const w = Math.min(width, r.text.length * fontSize * 0.6);
      const [x0, x1] = side === 'left' ? [0, w] : [width - w, width];
      const spots = [-2, fontSize + 4, -fontSize - 4, 2 * fontSize + 6];
      // The text's baseline is its bottom, at y + dy.
      const box = (dy: number) => ({ x0, x1, y0: y + dy - fontSize, y1: y + dy });
      const free = (b: ReturnType<typeof box>) => !taken.some((t) => t.x0 < b.x1 && b.x0 < t.x1 && t.y0 < b.y1 && b.y0 < t.y1);
      r.dy = spots.find((dy) => free(box(dy))) ?? -2;
      taken.push(box(r.dy));
    }
  };
  place(left, 'left', domains.left);
  place(right, 'right', domains.right);
}

/** Dashed lines across the plot, labelled at the left (the main axis) or the right (a let). */
function thresholdLayers(name: string, rows: ThresholdRow[], color: string, side: 'left' | 'right', y: VlSpec, dash: number[]): VlSpec[] {
  if (!rows.length) return [];
  const yv = { ...y, field: 'value' };
  // Text baseline is the bottom of the text: dy places it above (negative) or below the line.
  const byDy = [...new Set(rows.map((r) => r.dy))];
  return [
    { name, data: { values: rows }, mark: { type: 'rule', color, strokeDash: dash, strokeWidth: 1 }, encoding: { y: yv } },
    ...byDy.map((dy, i) => ({
      name: `${name}_label${i}`,
      data: { values: rows.filter((r) => r.dy === dy) },
      mark: { type: 'text', color, align: side, baseline: 'bottom', dy, dx: side === 'left' ? 4 : -4 },
      encoding: { y: yv, x: { value: side === 'left' ? 0 : 'width' }, text: { field: 'text' } },
    })),
  ];
}

export function seriesSpec(s: SeriesView, o: SeriesSpecOptions): VlSpec {
  const theme = o.theme;
  const rows = seriesRows(s);
  const x =
    o.timeKind === 'date'
      ? { field: 't', type: 'temporal', title: null, scale: { nice: false } }
      : { field: 't', type: 'quantitative', title: 'time', scale: { zero: false, nice: false } };
  const lineNames = [...s.columns.map((c) => c.name), ...(s.let ? [s.let.name] : [])];
  const palette = [theme.blue, theme.foreground, theme.green, theme.orange];
  const lineColors = [...s.columns.map((_, k) => palette[k % palette.length]), ...(s.let ? [theme.purple] : [])];
  const stroke = (name: string) => ({ datum: name, scale: { domain: lineNames, range: lineColors }, legend: lineNames.length > 1 ? { title: null, symbolType: 'stroke' } : null });
  const key = outcomeKey(theme);
  const keyScale = (channel: 'color' | 'shape') => ({ domain: key.map((k) => k.label), range: key.map((k) => (channel === 'color' ? k.color : k.shape)) });
  const yTitle = s.columns.map((c) => c.name).join(', ');
  // Explicit domains, so the thresholds' pixel heights are known and their labels kept apart.
  const finite = (xs: (number | null)[]) => xs.filter((v): v is number => v !== null && Number.isFinite(v));
  const leftRows = thresholdRows(s.thresholds, 'metric');
  const rightRows = thresholdRows(s.thresholds, 'let');
  const span = (xs: number[]): [number, number] => niceDomain(Math.min(...xs), Math.max(...xs));
  const leftValues = [...s.columns.flatMap((c) => finite(c.values)), ...leftRows.map((r) => r.value)];
  const rightValues = [...(s.let ? finite(s.let.values) : []), ...rightRows.map((r) => r.value)];
  const domains = { left: leftValues.length ? span(leftValues) : ([0, 1] as [number, number]), right: rightValues.length ? span(rightValues) : ([0, 1] as [number, number]) };
  // With `fit`, the plot is the chart less the axes (about 60 px each side) and the legend.
  const plotWidth = o.fit ? Math.max(100, o.width - (s.let ? 120 : 60)) : o.width;
  placeLabels(leftRows, rightRows, domains, plotWidth, o.height, theme.fontSize);
  const yScale = (d: [number, number]) => ({ domain: d, nice: false, zero: false });
  const y0 = s.columns.length ? { field: 'm0', type: 'quantitative', title: yTitle, scale: yScale(domains.left) } : { value: 0 };
  const hc = isHighContrast(theme);

  const tooltip = [
    { field: 'time', title: 'time' },
    ...s.columns.map((c, k) => ({ field: `m${k}`, title: c.name, type: 'quantitative', format: ',.4~f' })),
    ...(s.let ? [{ field: 'letv', title: s.let.name, type: 'quantitative', format: ',.3~f' }] : []),
    { field: 'labelText', title: 'label' },
    { field: 'outcomeText', title: 'outcome' },
    { field: 'split', title: 'split' },
    { field: 'fired', title: 'rules fired' },
    ...(s.excludes.length ? [{ field: 'excluded', title: 'excluded by' }] : []),
    ...(s.reason ? [{ field: 'reason', title: 'reason' }] : []),
  ];

  const points = (name: string, filter: string): VlSpec => {
    const k = key.find((e) => e.name === name)!;
    return {
      name,
      transform: [{ filter }, { calculate: JSON.stringify(k.label), as: 'key' }],
      mark: { type: 'point', filled: k.filled, size: k.size, strokeWidth: 2, opacity: 1, ...(k.angle ? { angle: k.angle } : {}) },
      encoding: {
        x,
        y: y0,
        color: { field: 'key', type: 'nominal', scale: keyScale('color'), legend: o.plain ? null : { title: null } },
        shape: { field: 'key', type: 'nominal', scale: keyScale('shape'), legend: o.plain ? null : { title: null } },
      },
    };
  };

  // x is given layer by layer: threshold lines have no time and span the plot.
  const main: VlSpec = {
    layer: [
      ...(s.runs.length
        ? [
            {
              name: 'run',
              data: { values: s.runs },
              mark: { type: 'rect', color: theme.red, opacity: hc ? 0.3 : 0.13 },
              encoding: { x: { ...x, field: 'start' }, x2: { field: 'end' } },
            },
          ]
        : []),
      ...thresholdLayers('threshold', leftRows, theme.muted, 'left', { type: 'quantitative', title: yTitle, scale: yScale(domains.left) }, [6, 4]),
      ...s.columns.map((c, k) => ({
        name: `line${k}`,
        mark: { type: 'line', strokeWidth: 1.5, interpolate: 'linear' },
        encoding: { x, y: { field: `m${k}`, type: 'quantitative', title: yTitle, scale: yScale(domains.left) }, stroke: stroke(c.name) },
      })),
      points('anomaly', 'datum.label === 1'),
      points('tp', "datum.outcome === 'tp'"),
      points('fp', "datum.outcome === 'fp'"),
      points('fn', "datum.outcome === 'fn'"),
      points('fired', "datum.outcome === 'fired'"),
      {
        name: 'hover',
        mark: { type: 'point', size: 140, opacity: 0, filled: true },
        encoding: { x, y: y0, tooltip },
      },
      ...(o.mark
        ? [
            { name: 'judge', data: { values: [o.mark] }, mark: { type: 'rule', color: theme.orange, strokeWidth: 2, strokeDash: [4, 3] }, encoding: { x: { ...x, field: 't' } } },
            {
              data: { values: [o.mark] },
              mark: { type: 'text', color: theme.orange, align: 'right', baseline: 'top', dx: -4, y: 2, fontWeight: 'bold' },
              encoding: { x: { ...x, field: 't' }, text: { field: 'text' } },
            },
          ]
        : []),
    ],
  };

  const layers: VlSpec[] = [main];
  if (s.let) {
    // A let with few values (a long window) shows its points, or a lone value would not show.
    const sparse = s.let.values.filter((v) => v !== null).length <= 60 ? { size: 16, filled: true, color: theme.purple } : false;
    const y = { field: 'letv', type: 'quantitative', title: s.let.name, axis: { orient: 'right', grid: false }, scale: yScale(domains.right) };
    layers.push({
      layer: [
        { name: 'let', mark: { type: 'line', strokeWidth: 1, strokeDash: [3, 3], point: sparse }, encoding: { x, y, stroke: stroke(s.let.name) } },
        // Dotted, where the columns' thresholds are dashed: two lines at one height stay apart.
        ...thresholdLayers('let_threshold', rightRows, theme.purple, 'right', y, [2, 3]),
      ],
    });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(o.title ? { title: { text: o.title, subtitle: o.subtitle ?? '' } } : {}),
    width: o.width,
    height: o.height,
    ...(o.fit ? { autosize: { type: 'fit-x', contains: 'padding' } } : {}),
    data: { values: rows },
    layer: layers,
    ...(s.let ? { resolve: { scale: { y: 'independent' } } } : {}),
    config: { ...themeConfig(theme), legend: { ...(themeConfig(theme).legend as VlSpec), columns: Math.max(1, Math.min(3, Math.floor(o.width / (theme.fontSize * 16)))) } },
  };
}

// The anomaly rate over time.

export function rateSpec(bars: RateBar[], o: ChartSize & { theme: Theme }): VlSpec {
  const top = Math.max(0, ...bars.map((b) => b.rate));
  const values = bars.map((b) => ({ ...b, peak: top > 0 && b.rate === top }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: o.width,
    height: o.height,
    // The width is the whole chart's: it fills its container.
    autosize: { type: 'fit-x', contains: 'padding' },
    data: { values },
    layer: [
      {
        name: 'rate',
        mark: { type: 'bar', tooltip: true },
        encoding: {
          x: { field: 'label', type: 'ordinal', sort: null, title: null, axis: { labelAngle: 0, labelOverlap: 'greedy' } },
          y: { field: 'rate', type: 'quantitative', title: 'anomaly rate', axis: { format: '.0%', tickCount: 3 } },
          color: { condition: { test: 'datum.peak', value: o.theme.orange }, value: o.theme.blue },
          tooltip: [
            { field: 'label', title: 'time' },
            { field: 'rate', title: 'anomaly rate', format: '.1%' },
            { field: 'anomalies', title: 'anomalies' },
            { field: 'labelled', title: 'labelled points' },
          ],
        },
      },
    ],
    config: themeConfig(o.theme),
  };
}

// The refinement trajectory.

export interface TrajectorySpecOptions extends ChartSize {
  theme: Theme;
  /** The attempt to mark as selected. */
  selected?: string;
}

const metricNames = [
  ['precision', 'precision'],
  ['recall', 'recall'],
  ['f1', 'F1'],
] as const;

/** One row per attempt, split and metric: the scores after the change. */
export function trajectoryRows(t: TrajectoryData): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  t.attempts.forEach((a, i) => {
    for (const split of ['train', 'validation'] as const) {
      for (const [m, title] of metricNames) {
        const value = a[split].after[m];
        if (value === null || !Number.isFinite(value)) continue;
        // An accepted change the user undid is not in the file any more: it shows as undone.
        const status = a.undone ? 'undone' : a.accepted ? 'accepted' : 'rejected';
        rows.push({ n: i + 1, id: a.id, split, metric: title, value, accepted: status === 'accepted', status });
      }
    }
  });
  return rows;
}

export function trajectorySpec(t: TrajectoryData, o: TrajectorySpecOptions): VlSpec {
  const theme = o.theme;
  const x = { field: 'n', type: 'ordinal', title: 'attempt', axis: { labelAngle: 0, labelOverlap: 'greedy' } };
  const y = { field: 'value', type: 'quantitative', title: 'after the change', scale: { domain: [0, 1] } };
  const color = { field: 'metric', type: 'nominal', scale: { domain: metricNames.map((m) => m[1]), range: [theme.blue, theme.purple, theme.green] }, legend: { title: null } };
  const strokeDash = { field: 'split', type: 'nominal', scale: { domain: ['train', 'validation'], range: [[1, 0], [5, 3]] }, legend: { title: null } };
  const tooltip = [
    { field: 'n', title: 'attempt' },
    { field: 'status', title: 'status' },
    { field: 'split', title: 'split' },
    { field: 'metric', title: 'metric' },
    { field: 'value', title: 'value', format: '.3f' },
  ];
  const index = t.attempts.findIndex((a) => a.id === o.selected);
  const attempts = t.attempts.map((a, i) => ({ n: i + 1, id: a.id, proposer: a.proposer, status: a.undone ? 'undone' : a.accepted ? 'accepted' : 'rejected', reason: a.reason }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: o.width,
    height: o.height,
    layer: [
      {
        name: 'hit',
        data: { values: attempts },
        mark: { type: 'bar', cursor: 'pointer', color: theme.red },
        encoding: {
          x,
          // Rejected attempts are faintly shaded; the bars also catch clicks and hovers.
          opacity: { condition: { test: "datum.status !== 'accepted'", value: isHighContrast(theme) ? 0.25 : 0.1 }, value: 0 },
          y: { value: 0 },
          y2: { value: o.height },
          tooltip: [
            { field: 'n', title: 'attempt' },
            { field: 'proposer', title: 'proposer' },
            { field: 'status', title: 'status' },
            { field: 'reason', title: 'reason' },
          ],
        },
      },
      ...(index >= 0
        ? [{ name: 'selected', data: { values: [{ n: index + 1 }] }, mark: { type: 'rule', color: theme.muted, strokeWidth: 2 }, encoding: { x } }]
        : []),
      {
        data: { values: trajectoryRows(t) },
        encoding: { x, y, color },
        layer: [
          { name: 'line', mark: { type: 'line', strokeWidth: 1.5 }, encoding: { strokeDash, detail: { field: 'split' } } },
          { name: 'accepted', transform: [{ filter: 'datum.accepted' }], mark: { type: 'point', filled: true, size: 60, shape: 'circle', cursor: 'pointer' }, encoding: { tooltip } },
          {
            name: 'undone',
            transform: [{ filter: "datum.status === 'undone'" }],
            mark: { type: 'point', filled: false, size: 70, shape: 'circle', strokeWidth: 2, cursor: 'pointer' },
            encoding: { tooltip },
          },
          {
            name: 'rejected',
            transform: [{ filter: "datum.status === 'rejected'" }],
            mark: { type: 'point', filled: false, size: 70, shape: 'cross', angle: 45, strokeWidth: 2, cursor: 'pointer' },
            encoding: { tooltip },
          },
        ],
      },
    ],
    config: themeConfig(theme),
  };
}
