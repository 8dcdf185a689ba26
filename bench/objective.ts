// The scoring functions learners call thousands of times, on 1,000,000 points: objectiveScore (one
// pass), the ObjectiveTracker (a growing flag set, as in a threshold sweep) and the full report.
// Run: node bench/run.mjs objective
import { buildEventIndex, eventScores, objectiveScore, ObjectiveTracker, type Objective } from '../server/src/engine/events';
import { newFrameId, type Frame } from '../server/src/engine/frame';
import { score, ScoringIndex } from '../server/src/engine/metrics';
import { assignSplits } from '../server/src/engine/split';
import { rng } from '../examples/stockout/generate';
import { spread } from './util';

const seriesCount = 100;
const perSeries = 10_000;
const n = seriesCount * perSeries;
const rand = rng(7);

// Labels: anomaly runs of 5-60 points, about 5% of points; the score is higher inside them.
const label = new Float64Array(n);
const signal = new Float64Array(n);
for (let i = 0; i < n; i++) {
  if (i % perSeries !== 0 && label[i - 1] === 1 && rand() < 0.97) label[i] = 1;
  else if (rand() < 0.0015) label[i] = 1;
  signal[i] = rand() + (label[i] ? 0.6 : 0);
}
const seriesStart = Int32Array.from({ length: seriesCount + 1 }, (_, s) => s * perSeries);
const seriesOf = Int32Array.from({ length: n }, (_, i) => Math.floor(i / perSeries));
const frame: Frame = {
  source: 'bench',
  id: newFrameId(),
  seriesIds: Array.from({ length: seriesCount }, (_, s) => `s${s}`),
  seriesStart,
  seriesOf,
  length: n,
  time: Float64Array.from({ length: n }, (_, i) => i % perSeries),
  timeKind: 'number',
  columns: new Map([['x', signal]]),
  columnInfo: [{ name: 'x', numeric: true }],
  label,
  categories: new Map(),
  text: new Map(),
  lineOf: (p) => p + 2,
};
const splits = assignSplits(frame, [0.6, 0.2, 0.2]);
const flags = (threshold: number) => Uint8Array.from(signal, (v) => (v > threshold ? 1 : 0));
const columns = [0.9, 1.0, 1.1, 1.2].map(flags);

function time(label: string, reps: number, f: () => void): void {
  const ms: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    f();
    ms.push(performance.now() - t0);
  }
  console.log(`${label.padEnd(46)} ${spread(ms)}`);
}

console.log(`${n.toLocaleString('en-US')} points, ${seriesCount} series, ${label.reduce((a, b) => a + b, 0).toLocaleString('en-US')} anomalies (${splits.by === 'series' ? 'split by series' : 'split by time'}; scored on train)`);
time('buildEventIndex (train, tolerance 5)', 5, () => buildEventIndex(frame, splits, 'train', 5));
const idx = buildEventIndex(frame, splits, 'train', 5);
const event: Objective = { kind: 'event_f1' };
let sink = 0;
time('objectiveScore point_f1 (one column)', 20, () => (sink += objectiveScore({ kind: 'point_f1' }, columns[0], idx)));
time('objectiveScore event_f1 (one column)', 20, () => {
  for (const c of columns) sink += objectiveScore(event, c, idx);
});
console.log('  (the line above scores 4 columns per run)');
time('eventScores, every figure (one column)', 10, () => (sink += eventScores(columns[1], idx).eventF1));
const index = new ScoringIndex(frame, splits);
index.events('train', 5);
time('score(): the full report, one rule', 5, () => (sink += score(index, 'train', [{ name: 'r', flags: columns[1] }], [], { tolerance: 5 }).file.objective));

// A threshold sweep: points added from the highest signal down, the objective read after each.
const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => signal[b] - signal[a]);
const tracker = new ObjectiveTracker(event, idx);
time('ObjectiveTracker.reset() to a base column', 10, () => tracker.reset(columns[3]));
let best = 0;
time(`sweep: ${n.toLocaleString('en-US')} adds + value() after each`, 3, () => {
  tracker.reset();
  for (let k = 0; k < n; k++) {
    tracker.add(order[k]);
    const v = tracker.value();
    if (v > best) best = v;
  }
});
console.log(`best event F1 over every threshold: ${best.toFixed(3)} (checksum ${sink.toFixed(1)})`);
