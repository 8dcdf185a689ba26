// The threshold sweep's figures and chart. Pure: the page (sweep.main.ts) and the tests use it.
// The counts come from the server (exact, at every distinct value); precision, recall, F1 and
// alerts per week are derived here.
import type { SweepData } from './protocol';
import type { VlSpec } from './spec';
import { themeConfig } from './spec';
import { isHighContrast, type Theme } from './theme';

export type Level = 'rule' | 'file';
export type SweepSplit = 'train' | 'validation';
export const sweepSplits: SweepSplit[] = ['train', 'validation'];

export interface StepFigures {
  tp: number;
  fp: number;
  fn: number;
  /** null when undefined (nothing fired, no anomalies). */
  precision: number | null;
  recall: number | null;
  f1: number | null;
  alerts: number;
  /** null when the time column holds no dates. */
  perWeek: number | null;
}

export function stepFigures(d: SweepData, step: number, level: Level, split: SweepSplit): StepFigures {
  const c = d.steps[step][level][split];
  const info = d.splits[split];
  const fn = info.anomalies - c.tp;
  const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
  return {
    tp: c.tp,
    fp: c.fp,
    fn,
    precision: ratio(c.tp, c.tp + c.fp),
    recall: ratio(c.tp, info.anomalies),
    f1: ratio(2 * c.tp, 2 * c.tp + c.fp + fn),
    alerts: c.fires,
    perWeek: info.weeks ? c.fires / info.weeks : null,
  };
}

/** The step nearest to threshold t (ties: the lower one). */
export function nearestStep(d: SweepData, t: number): number {
  const s = d.steps;
  let lo = 0;
  let hi = s.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (s[mid].threshold < t) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs(s[lo - 1].threshold - t) <= Math.abs(s[lo].threshold - t)) return lo - 1;
  return lo;
}

/** Steps drawn: all of them up to `max`, else an even subset that keeps the ends, the current and the selected. */
export function drawnSteps(d: SweepData, max: number, keep: number[] = []): number[] {
  const n = d.steps.length;
  if (n <= max) return Array.from({ length: n }, (_, k) => k);
  const every = Math.ceil(n / max);
  const out = new Set<number>([0, n - 1, d.currentStep, ...keep]);
  for (let k = 0; k < n; k += every) out.add(k);
  return [...out].filter((k) => k >= 0 && k < n).sort((a, b) => a - b);
}

const metrics = [
  ['precision', 'precision'],
  ['recall', 'recall'],
  ['f1', 'F1'],
] as const;

/** One row per drawn step, split and measure: the chart's data. */
export function sweepRows(d: SweepData, level: Level, steps: number[]): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (const k of steps) {
    for (const split of sweepSplits) {
      const f = stepFigures(d, k, level, split);
      for (const [key, name] of metrics) {
        const v = f[key];
        if (v !== null) rows.push({ t: d.steps[k].threshold, k, split, measure: name, value: v });
      }
      const alerts = f.perWeek ?? f.alerts;
      rows.push({ t: d.steps[k].threshold, k, split, measure: 'alerts', value: alerts });
    }
  }
  return rows;
}

export interface SweepSpecOptions {
  width: number;
  height: number;
  theme: Theme;
  level: Level;
  /** The selected step (a vertical line); the current one is always marked. */
  selected?: number;
  /** Most steps drawn (the figures of every step stay exact). */
  maxDrawn?: number;
}

/** P/R/F1 (left axis, 0..1) and alerts per week (right axis) against the threshold, train solid and validation dashed. */
export function sweepSpec(d: SweepData, o: SweepSpecOptions): VlSpec {
  const theme = o.theme;
  const steps = drawnSteps(d, o.maxDrawn ?? 1500, o.selected !== undefined ? [o.selected] : []);
  const rows = sweepRows(d, o.level, steps);
  const perWeek = d.splits.train.weeks !== null;
  const alertsTitle = perWeek ? 'alerts per week' : 'alerts';
  const x = { field: 't', type: 'quantitative', title: `${d.subject} (threshold, ${d.op})`, scale: { zero: false, nice: false } };
  const dash = { field: 'split', type: 'nominal', scale: { domain: ['train', 'validation'], range: [[1, 0], [5, 3]] }, legend: { title: null } };
  const color = {
    field: 'measure',
    type: 'nominal',
    scale: { domain: ['precision', 'recall', 'F1', 'alerts'], range: [theme.blue, theme.purple, theme.green, theme.orange] },
    legend: { title: null, labelExpr: `datum.label === 'alerts' ? ${JSON.stringify(alertsTitle)} : datum.label` },
  };
  // The counts at a value hold for the thresholds up to it (>=, <) or from it (>, <=).
  const interpolate = d.op === '>=' || d.op === '<' ? 'step-before' : 'step-after';
  const marks = (name: string, filter: string, y: VlSpec): VlSpec => ({
    name,
    transform: [{ filter }],
    mark: { type: 'line', strokeWidth: isHighContrast(theme) ? 2.5 : 1.8, interpolate },
    encoding: { x, y, color, strokeDash: dash, detail: { field: 'split' } },
  });
  const current = d.steps[d.currentStep]?.threshold ?? d.current;
  const marker = (name: string, t: number, text: string, colorOf: string, dy: number): VlSpec[] => [
    { name, data: { values: [{ t }] }, mark: { type: 'rule', color: colorOf, strokeWidth: 2 }, encoding: { x } },
    { data: { values: [{ t, text }] }, mark: { type: 'text', color: colorOf, align: 'left', baseline: 'top', dx: 4, dy }, encoding: { x, y: { value: 0 }, text: { field: 'text' } } },
  ];
  const selected = o.selected !== undefined ? d.steps[o.selected] : undefined;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: o.width,
    height: o.height,
    autosize: { type: 'fit-x', contains: 'padding' },
    data: { values: rows },
    layer: [
      {
        layer: [
          marks('metric', "datum.measure !== 'alerts'", { field: 'value', type: 'quantitative', title: `${o.level === 'rule' ? `rule ${d.rule}` : 'file'}: precision, recall, F1`, scale: { domain: [0, 1] } }),
          ...marker('current', current, `now ${current}`, theme.muted, 2),
          ...(selected && o.selected !== d.currentStep ? marker('selected', selected.threshold, `selected ${selected.value}`, theme.foreground, theme.fontSize + 6) : []),
          // Catches clicks anywhere over the plot.
          { name: 'hit', data: { values: [{}] }, mark: { type: 'rect', opacity: 0, cursor: 'ew-resize' }, encoding: { x: { value: 0 }, x2: { value: 'width' }, y: { value: 0 }, y2: { value: 'height' } } },
        ],
      },
      marks('alert', "datum.measure === 'alerts'", { field: 'value', type: 'quantitative', title: alertsTitle, axis: { orient: 'right', grid: false } }),
    ],
    resolve: { scale: { y: 'independent' } },
    config: themeConfig(theme),
  };
}
