// The `arl/metrics` request: a file's metrics on any split (the lenses show one).
import type { Analysis } from '../../engine/analyze';
import type { ScoreSplit } from '../../engine/metrics';
import type { MetricsResult } from '../protocol';

export function metrics(a: Analysis, uri: string, split: ScoreSplit): MetricsResult | null {
  const s = a.scores(split);
  if (!s || !a.datasetPath) return null;
  return {
    uri,
    split,
    dataset: { path: a.datasetPath, series: s.series, points: s.points, labelled: s.labelled, anomalies: s.anomalies },
    file: s.file,
    rules: s.rules,
    excludes: s.excludes,
    objective: s.objective,
    baselines: s.baselines,
    tolerance: s.tolerance,
    period: s.period,
    timings: { ...a.timings },
  };
}
