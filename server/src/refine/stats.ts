// Statistics of features at anomalies and at normal points of train: what a prompt (or a person)
// needs to see how anomalies differ.
import type { Evaluation } from './context';
import { fmtValue } from './evidence';
import { trainValues, type Feature } from './features';

export interface ClassStats {
  count: number;
  /** Shares of points where the feature is missing, and where it is 0. */
  missing: number;
  zero: number;
  mean: number;
  p10: number;
  median: number;
  p90: number;
}

export interface FeatureStats {
  feature: string;
  anomaly: ClassStats;
  normal: ClassStats;
}

function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return Number.NaN;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function classStats(values: number[], total: number): ClassStats {
  const present = values.filter((v) => v === v).sort((a, b) => a - b);
  const n = present.length;
  return {
    count: total,
    missing: total ? (total - n) / total : 0,
    zero: n ? present.filter((v) => v === 0).length / n : 0,
    mean: n ? present.reduce((a, b) => a + b, 0) / n : Number.NaN,
    p10: quantile(present, 0.1),
    median: quantile(present, 0.5),
    p90: quantile(present, 0.9),
  };
}

/** Each feature at the labelled train points, anomalies and normal points apart. */
export function featureStats(ev: Evaluation, features: Feature[]): FeatureStats[] {
  const idx = ev.index('train');
  return features.map((f) => {
    const v = trainValues(ev, f.node);
    const a: number[] = [];
    const n: number[] = [];
    for (let k = 0; k < v.length; k++) (idx.isAnomaly[k] ? a : n).push(v[k]);
    return { feature: f.text, anomaly: classStats(a, a.length), normal: classStats(n, n.length) };
  });
}

/** A Markdown table of the statistics. */
export function statsTable(stats: FeatureStats[]): string {
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  const lines = ['| feature | points | count | mean | p10 | median | p90 | zero | missing |', '|---|---|---|---|---|---|---|---|---|'];
  for (const s of stats) {
    for (const [label, c] of [['anomalies', s.anomaly], ['normal', s.normal]] as const) {
      lines.push(
        `| \`${s.feature}\` | ${label} | ${c.count} | ${fmtValue(c.mean)} | ${fmtValue(c.p10)} | ${fmtValue(c.median)} | ${fmtValue(c.p90)} | ${pct(c.zero)} | ${pct(c.missing)} |`,
      );
    }
  }
  return lines.join('\n');
}
