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
