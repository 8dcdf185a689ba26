// Data for the webview tests: the stock-out example (one labelled week per product) and a small
// hand-made dataset with many labelled points per series, plus a host that serves previews.
import { readFileSync } from 'node:fs';
import { analyze, type Analysis } from '../../server/src/engine/analyze';
import { DatasetStore } from '../../server/src/engine/store';
import { buildPreview, PreviewError } from '../../server/src/preview/preview';
import type { FromPreview, ToPreview, TrajectoryAttempt, TrajectoryData } from '../../webviews/src/protocol';
import { analyzeWith, csvOf, type HandSeries } from '../core/helpers';
import { exampleDir } from '../support/example';
import type { Panel } from './harness';
import { rng } from '../../examples/stockout/generate';

export async function stockout(products = 500): Promise<{ analysis: Analysis; arl: string; dir: string }> {
  const ex = await exampleDir(products);
  const analysis = await analyze(readFileSync(ex.arl, 'utf8'), ex.arl, { store: new DatasetStore() });
  return { analysis, arl: ex.arl, dir: ex.dir };
}


/** Three series of `n` points, every point labelled, runs of anomalies, a second column. */
export function handCsv(n = 150): string {
  const r = rng(7);
  const series: Record<string, HandSeries> = {};
  for (const id of ['alpha', 'beta', 'gamma']) {
    const x: (number | null)[] = [];
    const y: (number | null)[] = [];
    const label: (number | null)[] = [];
    for (let t = 0; t < n; t++) {
      const burst = (t + id.length * 7) % 37 < 4;
      const v = Math.round((2 + r() * 3 + (burst ? 4 + r() * 4 : 0)) * 10) / 10;
      x.push(t % 41 === 13 ? null : v);
      y.push(Math.round(r() * 100) / 10);
      // The labeller mostly agrees with the bursts, not always.
      label.push(t % 17 === 5 ? null : (burst ? r() < 0.85 : r() < 0.05) ? 1 : 0);
    }
    series[id] = { x, y, label };
  }
  return csvOf(series);
}

export const handRules = `dataset "data.csv" {
  series = id
  time = t
  label = label
}
let base = mean(x, 5, offset = 1)
rule high when x > 6.5
rule both when x > 5 and y < 5
rule jump when x - base > 2.5
exclude tiny when y > 9.5
`;

export function handAnalysis(rules = handRules): Promise<Analysis> {
  return analyzeWith(handCsv(), rules);
}

/**
 * Plays the host of a preview panel: answers `ready` with `init` (naming `rule` when given, as a
 * lens click does) and every request with buildPreview on `analysis()`.
 */
export function previewHost(analysis: () => Analysis, init: Omit<Extract<ToPreview, { type: 'init' }>, 'type'> = {}): (m: unknown, panel: Panel) => Promise<void> {
  return async (raw, panel) => {
    const m = raw as FromPreview;
    if (m.type === 'ready') return panel.send({ type: 'init', ...init });
    if (m.type !== 'requestPreview') return;
    let answer: ToPreview;
    try {
      answer = { type: 'preview', requestId: m.requestId, data: buildPreview(analysis(), m.params) };
    } catch (e) {
      answer = { type: 'previewError', requestId: m.requestId, code: e instanceof PreviewError ? e.code : undefined, message: (e as Error).message };
    }
    await panel.send(answer);
  };
}

function attempt(i: number, accepted: boolean, f1: number): TrajectoryAttempt {
  const s = (x: number) => ({ precision: Math.min(1, x + 0.05), recall: Math.max(0, x - 0.05), f1: x });
  return {
    id: `a${i}`,
    time: `2025-11-24T10:0${i}:00Z`,
    rule: 'pressure',
    proposer: i % 2 ? 'llm' : 'threshold-search',
    before: `rule pressure when\n    oos_ratio >= ${30 + i} and z >= 5`,
    after: `rule pressure when\n    oos_ratio >= ${31 + i} and z >= 5\n    or recent < 3 and oos_ratio >= 12`,
    analysis: `Attempt ${i}: most false alarms sit just above ${30 + i}; raising the threshold removes them.`,
    train: { before: s(f1 - 0.02), after: s(f1) },
    validation: { before: s(f1 - 0.03), after: i === 3 ? { precision: null, recall: 0, f1: null } : s(f1 - 0.01) },
    accepted,
    reason: accepted ? 'validation F1 improved' : 'validation F1 fell',
  };
}

export function trajectory(count: number): TrajectoryData {
  const outcomes = [true, false, true, false, true, true, false];
  return {
    file: 'rules/.arl/stockout.arl.trajectory.jsonl',
    attempts: Array.from({ length: count }, (_, i) => attempt(i + 1, outcomes[i % outcomes.length], 0.6 + i * 0.04)),
  };
}
