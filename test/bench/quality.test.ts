// The quality benchmark's parts on tiny inputs written here in the public formats: converters
// (NAB, SMD, HDFS), the Isolation Forest and the rolling z-score. No real dataset is needed.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { convertHdfs, convertNab, convertSmd, parseNabTime } from '../../bench/quality/convert';
import { bestThreshold, flagsAbove, forestScores, rollingZ, sessionF1, withCategoryCounts } from '../../bench/quality/detectors';
import { averagePathLength, IsolationForest, type Matrix } from '../../bench/quality/iforest';
import { rng } from '../../examples/stockout/generate';
import { buildEventIndex } from '../../server/src/engine/events';
import { analyzeWith, frameOf } from '../core/helpers';
import { tempDir } from '../support/tmp';

const csvRows = (path: string) => readFileSync(path, 'utf8').trim().split('\n');

function write(path: string, text: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
}

describe('converters', () => {
  it('NAB: one series per file, labels inside inclusive windows, repeated timestamps counted', async () => {
    const dir = tempDir('arl-nab-');
    write(join(dir, 'data/realKnownCause/a.csv'), 'timestamp,value\n2014-01-01 00:00:00,1\n2014-01-01 00:05:00,2\n2014-01-01 00:10:00,9\n2014-01-01 00:10:00,8\n2014-01-01 00:15:00,3\n');
    write(join(dir, 'data/realAWSCloudwatch/b.csv'), 'timestamp,value\n2014-02-01 00:00:00,0.5\n2014-02-01 00:05:00,0.25\n');
    write(join(dir, 'data/artificialNoAnomaly/c.csv'), 'timestamp,value\n2014-02-01 00:00:00,0.5\n');
    write(
      join(dir, 'labels/combined_windows.json'),
      JSON.stringify({ 'realKnownCause/a.csv': [['2014-01-01 00:05:00.000000', '2014-01-01 00:10:00.000000']], 'realAWSCloudwatch/b.csv': [] }),
    );
    const out = join(dir, 'nab.csv');
    const c = await convertNab(dir, out);
    expect(csvRows(out)).toEqual([
      'series,time,label,value',
      'a,2014-01-01 00:00:00,0,1',
      'a,2014-01-01 00:05:00,1,2',
      'a,2014-01-01 00:10:00,1,9',
      'a,2014-01-01 00:15:00,0,3',
      'b,2014-02-01 00:00:00,0,0.5',
      'b,2014-02-01 00:05:00,0,0.25',
    ]);
    expect(c).toMatchObject({ rows: 6, series: 2, anomalies: 2, features: ['value'] });
    expect(c.notes).toEqual(['realKnownCause/a.csv: 1 row(s) repeating an earlier timestamp dropped (first kept)']);
    // ARL reads it: dates, two series, one event of two points, so event F1 is the default objective.
    writeFileSync(join(dir, 'nab.arl'), c.datasetBlock('nab.csv') + 'rule r when value > 5\n');
    const a = await analyzeWith(readFileSync(out, 'utf8'), c.datasetBlock('data.csv') + 'rule r when value > 5\n');
    expect(a.issues.filter((i) => i.severity === 'error')).toEqual([]);
    const s = a.scores('all')!;
    expect(s).toMatchObject({ series: 2, points: 6, anomalies: 2, period: 'week' });
    expect(s.objective.objective).toEqual({ kind: 'event_f1' });
    expect(s.file).toMatchObject({ events: 1, eventsCaught: 1, tp: 1, fp: 0 });
  });

  it('NAB: clear errors for a missing folder, a bad header or a bad row', async () => {
    const dir = tempDir('arl-nab-');
    await expect(convertNab(dir, join(dir, 'o.csv'))).rejects.toThrow(/NAB labels: cannot read .*combined_windows\.json \(no such file\)\. Pass the folder/);
    write(join(dir, 'labels/combined_windows.json'), '{}');
    write(join(dir, 'data/realKnownCause/a.csv'), 'time,value\n2014-01-01 00:00:00,1\n');
    write(join(dir, 'data/realAWSCloudwatch/.keep'), '');
    await expect(convertNab(dir, join(dir, 'o.csv'))).rejects.toThrow('NAB: realKnownCause/a.csv line 1 should be "timestamp,value"');
    write(join(dir, 'data/realKnownCause/a.csv'), 'timestamp,value\n2014-01-01 00:00:00,oops\n');
    await expect(convertNab(dir, join(dir, 'o.csv'))).rejects.toThrow('NAB: realKnownCause/a.csv line 2: expected "timestamp,value"');
    expect(parseNabTime('2014-04-10 07:15:00.000000')).toBe(Date.UTC(2014, 3, 10, 7, 15));
    expect(parseNabTime('yesterday')).toBeNaN();
  });

  it('SMD: one series per machine, time = row, metrics m1..mN, row-aligned labels', async () => {
    const dir = tempDir('arl-smd-');
    write(join(dir, 'test/machine-1-1.txt'), '0.1,0.2,0.3\n0.1,0.9,0.3\n0.0,0.2,0.1\n');
    write(join(dir, 'test_label/machine-1-1.txt'), '0\n1\n0\n');
    write(join(dir, 'test/machine-2-1.txt'), '0.5,0.5,0.5\n0.6,0.5,0.4\n');
    write(join(dir, 'test_label/machine-2-1.txt'), '1\n1\n');
    const out = join(dir, 'smd.csv');
    const c = await convertSmd(dir, out, ['machine-1-1', 'machine-2-1']);
    expect(csvRows(out)).toEqual([
      'series,time,label,m1,m2,m3',
      'machine-1-1,0,0,0.1,0.2,0.3',
      'machine-1-1,1,1,0.1,0.9,0.3',
      'machine-1-1,2,0,0.0,0.2,0.1',
      'machine-2-1,0,1,0.5,0.5,0.5',
      'machine-2-1,1,1,0.6,0.5,0.4',
    ]);
    expect(c).toMatchObject({ rows: 5, series: 2, anomalies: 3, features: ['m1', 'm2', 'm3'] });
    write(join(dir, 'test_label/machine-2-1.txt'), '1\n');
    await expect(convertSmd(dir, out, ['machine-2-1'])).rejects.toThrow('SMD: machine-2-1 has 2 data rows but 1 labels');
    write(join(dir, 'test_label/machine-2-1.txt'), '1\n2\n');
    await expect(convertSmd(dir, out, ['machine-2-1'])).rejects.toThrow('test_label/machine-2-1.txt line 2 holds "2"');
  });

  it('HDFS: a row per event, the template as a category, the block label on its last row only; one event per anomalous block', async () => {
    const dir = tempDir('arl-hdfs-');
    write(
      join(dir, 'hdfs_100k_block_sessions.csv'),
      'BlockId,Label,Split,EventCount,EventSequence\nblk_1,0,train,3,T1 T2 T2\nblk_-2,1,test,2,T10 T2\nblk_3,0,train,0,\n',
    );
    const out = join(dir, 'hdfs.csv');
    const c = await convertHdfs(dir, out);
    expect(csvRows(out)).toEqual(['series,time,label,event', 'blk_1,0,,T1', 'blk_1,1,,T2', 'blk_1,2,0,T2', 'blk_-2,0,,T10', 'blk_-2,1,1,T2']);
    expect(c).toMatchObject({ rows: 5, series: 2, anomalies: 1, features: [], categories: ['event'] });
    expect(c.notes).toEqual(['1 block(s) without events: no rows']);
    // The rules are judged where the whole block has been seen: point metrics are session metrics.
    const a = await analyzeWith(readFileSync(out, 'utf8'), c.datasetBlock('data.csv') + 'rule r when ever(event == "T10")\n');
    expect(a.issues.filter((i) => i.severity === 'error')).toEqual([]);
    const s = a.scores('all')!;
    expect(s).toMatchObject({ labelled: 2, anomalies: 1 });
    expect(s.file).toMatchObject({ tp: 1, fp: 0, events: 1, eventsCaught: 1, eventPrecision: 1 });
    expect(s.objective.objective).toEqual({ kind: 'point_f1' });
    // Detectors that read numbers get the counts of each template so far.
    const counts = withCategoryCounts(a.data!.frame, ['event']);
    expect(counts.columns).toEqual(['event#T1', 'event#T2', 'event#T10']);
    expect(Array.from(counts.frame.columns.get('event#T2')!)).toEqual([0, 1, 2, 0, 1]);
    // The rest of the frame reads as before (a frame's members may be getters).
    const f = a.data!.frame;
    expect([counts.frame.seriesIds, counts.frame.seriesStart, counts.frame.length, counts.frame.time, counts.frame.categories]).toEqual([f.seriesIds, f.seriesStart, f.length, f.time, f.categories]);
    expect(counts.frame.lineOf(2)).toBe(f.lineOf(2));
    write(join(dir, 'hdfs_100k_block_sessions.csv'), 'Block,Label\nblk_1,0\n');
    await expect(convertHdfs(dir, out)).rejects.toThrow('has no column BlockId');
  });

  it('SMD and NAB are split by time within each series; settings can be added', async () => {
    const dir = tempDir('arl-smd-');
    write(join(dir, 'test/machine-1-1.txt'), '0.1\n0.2\n');
    write(join(dir, 'test_label/machine-1-1.txt'), '0\n1\n');
    const c = await convertSmd(dir, join(dir, 'smd.csv'), ['machine-1-1']);
    expect(c.datasetBlock('smd.csv', { objective: 'event_f1' })).toBe('dataset "smd.csv" {\n    series    = series\n    time      = time\n    label     = label\n    split     = time 60/20/20\n    objective = event_f1\n}\n');
  });
});

/** n rows of dim columns from a function of (row, column). */
function matrix(rows: number, dim: number, f: (r: number, k: number) => number): Matrix {
  const data = new Float64Array(rows * dim);
  for (let r = 0; r < rows; r++) for (let k = 0; k < dim; k++) data[r * dim + k] = f(r, k);
  return { data, rows, dim };
}

describe('IsolationForest', () => {
  it('c(n), the average path length normalising the scores, as in the paper and scikit-learn', () => {
    expect(averagePathLength(0)).toBe(0);
    expect(averagePathLength(1)).toBe(0);
    expect(averagePathLength(2)).toBe(1);
    // 2 H(n - 1) - 2 (n - 1) / n with H(i) ~ ln(i) + Euler's constant.
    expect(averagePathLength(3)).toBeCloseTo(2 * (Math.log(2) + 0.5772156649015329) - 4 / 3, 12);
    expect(averagePathLength(256)).toBeCloseTo(10.244770920116851, 9);
  });

  it('path lengths on known data', () => {
    // Identical rows cannot be split: every tree is one leaf of all its samples, path c(n), score 0.5.
    const same = matrix(10, 2, () => 3);
    const f1 = new IsolationForest(same, { seed: 1 });
    for (let t = 0; t < 100; t++) expect(f1.pathLength(t, same, 0)).toBeCloseTo(averagePathLength(10), 12);
    expect(Array.from(f1.score(same)).every((s) => Math.abs(s - 0.5) < 1e-12)).toBe(true);
    // Two distinct rows: the root always separates them, path 1, and c(2) = 1: score 2^-1.
    const two = matrix(2, 1, (r) => r);
    const f2 = new IsolationForest(two, { seed: 2 });
    for (let t = 0; t < 100; t++) expect(f2.pathLength(t, two, 1)).toBe(1);
    expect(f2.score(two)[0]).toBeCloseTo(0.5, 12);
    // Four points on a line, one far out: a cut drawn uniformly between 0 and 100 isolates 100 at
    // once unless it falls below 2 (2% of cuts), so its mean path is close to 1.
    const line = matrix(4, 1, (r) => [0, 1, 2, 100][r]);
    const f3 = new IsolationForest(line, { seed: 3 });
    let mean = 0;
    for (let t = 0; t < 100; t++) mean += f3.pathLength(t, line, 3) / 100;
    expect(mean).toBeLessThan(1.15);
    // Depth is limited to ceil(log2(256)) = 8 edges, plus c(size) of the leaf.
    const wide = matrix(1000, 3, (r, k) => Math.sin(r * 12.9898 + k * 78.233) * 43758.5453 % 1);
    const f4 = new IsolationForest(wide, { seed: 4 });
    expect(f4.samples).toBe(256);
    for (let r = 0; r < 50; r++) expect(f4.pathLength(0, wide, r)).toBeLessThanOrEqual(8 + averagePathLength(256));
  });

  it('injected outliers score higher than every normal point, and a seed repeats a run', () => {
    const rand = rng(11);
    const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    const n = 2000;
    const outliers = [17, 444, 1234, 1999];
    const m = matrix(n, 4, (r) => (outliers.includes(r) ? 8 + gauss() : gauss()));
    const f = new IsolationForest(m, { seed: 5 });
    const s = f.score(m);
    const normal = Array.from(s).filter((_, r) => !outliers.includes(r));
    const top = Math.max(...normal);
    for (const r of outliers) expect(s[r]).toBeGreaterThan(top);
    for (const r of outliers) expect(s[r]).toBeGreaterThan(0.6);
    expect(Array.from(new IsolationForest(m, { seed: 5 }).score(m))).toEqual(Array.from(s));
    expect(Array.from(new IsolationForest(m, { seed: 6 }).score(m))).not.toEqual(Array.from(s));
  });

  it('per series: fitted on the series train points; per session: a session scores as a whole', () => {
    // Series a: its 6 train points are constant, so a forest fitted on them alone cannot split and
    // scores every point 0.5, the later jump to 50 included (fitted on the whole series, it would not).
    const frame = frameOf({ a: { x: [0, 0, 0, 0, 0, 0, 0, 50] }, b: { x: [5, 5.1, 5, 9] } });
    const splitOf = Uint8Array.from([0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2]);
    const s = forestScores(frame, ['x'], splitOf, 'series');
    expect(Array.from(s.subarray(0, 8)).every((v) => Math.abs(v - 0.5) < 1e-12)).toBe(true);
    // b has no train points: fitted on the whole series, where 9 stands out.
    expect(s[11]).toBeGreaterThan(Math.max(s[8], s[9], s[10]));
    const sessions = forestScores(frame, ['x'], splitOf, 'sessions');
    expect(new Set(Array.from(sessions.subarray(0, 8))).size).toBe(1);
    expect(new Set(Array.from(sessions.subarray(8))).size).toBe(1);
  });
});

describe('rolling z and thresholds', () => {
  it('compares a value with the w points before it; flat windows give infinity to a change', () => {
    const frame = frameOf({ a: { x: [1, 2, 3, 10, 3] }, b: { x: [4, 4, 4, 4, 9] } });
    const z = Array.from(rollingZ(frame, ['x'], 3));
    // a: window [1, 2, 3] -> mean 2, sd 1: z = 8 at 10; window [2, 3, 10] -> mean 5, sd 4.36: z = 0.46 at 3.
    expect(z.slice(0, 3).every(Number.isNaN)).toBe(true);
    expect(z[3]).toBeCloseTo(8, 9);
    expect(z[4]).toBeCloseTo(2 / Math.sqrt(19), 9);
    expect(z[8]).toBe(0);
    expect(z[9]).toBe(Infinity);
  });

  it('the best threshold on a split is found exactly, and session F1 counts series', () => {
    const frame = frameOf({ a: { x: [0, 0, 0, 0, 0, 0], label: [0, 0, 1, 1, 0, 0] }, b: { x: [0, 0, 0, 0], label: [0, 0, 0, 0] } });
    const splits = { of: new Uint8Array(10), shares: [1, 0, 0] as [number, number, number], by: 'time' as const };
    const idx = buildEventIndex(frame, splits, 'train', 0);
    const scores = Float64Array.from([0.1, 0.2, 0.9, 0.8, 0.3, 0.1, 0.5, 0.2, 0.1, 0.7]);
    // Flagging 0.9 already catches the event with one alarm inside it (event F1 1); point F1 needs
    // both anomalies, so 0.8.
    expect(bestThreshold(scores, idx, { kind: 'event_f1' })).toEqual({ threshold: 0.9, value: 1 });
    expect(bestThreshold(scores, idx, { kind: 'point_f1' })).toEqual({ threshold: 0.8, value: 1 });
    const flags = flagsAbove(scores, 0.7);
    expect(Array.from(flags)).toEqual([0, 0, 1, 1, 0, 0, 0, 0, 0, 1]);
    expect(sessionF1(flags, idx, frame)).toEqual({ precision: 0.5, recall: 1, f1: 2 / 3 });
    // Nothing to gain: flag nothing (threshold NaN, which no score reaches).
    const none = bestThreshold(new Float64Array(2), buildEventIndex(frameOf({ a: { x: [0, 0], label: [0, 0] } }), { ...splits, of: new Uint8Array(2) }, 'train', 0), { kind: 'event_f1' });
    expect(none.threshold).toBeNaN();
    expect(Array.from(flagsAbove(Float64Array.from([1, Infinity]), none.threshold))).toEqual([0, 0]);
    // Infinite scores are a threshold like any other.
    const inf = Float64Array.from([0.1, 0.2, Infinity, Infinity, 0.3, 0.1, 0.5, 0.2, 0.1, 0.7]);
    expect(bestThreshold(inf, idx, { kind: 'point_f1' })).toEqual({ threshold: Infinity, value: 1 });
  });
});
