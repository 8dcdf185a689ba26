// Distributions of a column or let at labelled anomalies vs normal points (for hover and prompts).
import type { SplitIndex } from './metrics';

export interface Summary {
  /** Labelled points with a value. */
  n: number;
  /** Labelled points without one (blank, window not full). */
  missing: number;
  p10: number;
  p50: number;
  p90: number;
  mean: number;
}

export interface Distribution {
  anomalies: Summary;
  normal: Summary;
}

function quantileSorted(s: Float64Array, q: number): number {
  if (!s.length) return Number.NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

function summarise(values: number[], missing: number): Summary {
  const s = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of values) sum += v;
  return { n: s.length, missing, p10: quantileSorted(s, 0.1), p50: quantileSorted(s, 0.5), p90: quantileSorted(s, 0.9), mean: s.length ? sum / s.length : Number.NaN };
}

export function distribution(values: ArrayLike<number>, idx: SplitIndex): Distribution {
  const a: number[] = [];
  const n: number[] = [];
  let am = 0;
  let nm = 0;
  for (let k = 0; k < idx.labelled.length; k++) {
    const v = values[idx.labelled[k]];
    const anomaly = idx.isAnomaly[k] === 1;
    if (v !== v) {
      if (anomaly) am++;
      else nm++;
    } else if (anomaly) a.push(v);
    else n.push(v);
  }
  return { anomalies: summarise(a, am), normal: summarise(n, nm) };
}

/** How often one category occurs at labelled anomalies and at normal points. */
export interface CategoryCount {
  value: string;
  anomalies: number;
  normal: number;
}

export interface CategoryDistribution {
  /** The values most frequent at anomalies or at normal points, most frequent at anomalies first. */
  rows: CategoryCount[];
  /** Labelled anomalies and normal points, and those without a value. */
  anomalies: number;
  normal: number;
  missingAnomalies: number;
  missingNormal: number;
  /** Distinct values seen at labelled points. */
  distinct: number;
}

/** Counts of a category column's values at labelled anomalies vs normal points. */
export function categoryDistribution(codes: Int32Array, values: string[], idx: SplitIndex, top = 5): CategoryDistribution {
  const atAnomaly = new Int32Array(values.length);
  const atNormal = new Int32Array(values.length);
  let missingAnomalies = 0;
  let missingNormal = 0;
  for (let k = 0; k < idx.labelled.length; k++) {
    const c = codes[idx.labelled[k]];
    const anomaly = idx.isAnomaly[k] === 1;
    if (c < 0) {
      if (anomaly) missingAnomalies++;
      else missingNormal++;
    } else if (anomaly) atAnomaly[c]++;
    else atNormal[c]++;
  }
  const all = values.map((value, c) => ({ value, anomalies: atAnomaly[c], normal: atNormal[c] })).filter((r) => r.anomalies + r.normal > 0);
  const byAnomaly = [...all].sort((a, b) => b.anomalies - a.anomalies || b.normal - a.normal).slice(0, top);
  const byNormal = [...all].sort((a, b) => b.normal - a.normal || b.anomalies - a.anomalies).slice(0, top);
  const rows = [...new Set([...byAnomaly, ...byNormal])].sort((a, b) => b.anomalies - a.anomalies || b.normal - a.normal);
  const sum = (xs: Int32Array) => xs.reduce((s, v) => s + v, 0);
  return {
    rows,
    anomalies: sum(atAnomaly) + missingAnomalies,
    normal: sum(atNormal) + missingNormal,
    missingAnomalies,
    missingNormal,
    distinct: all.length,
  };
}
