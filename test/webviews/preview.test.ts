// The preview data: outcome groups that add up to the engine's scores, ranking by margin, the
// selected series' points, thresholds, downsampling, and clear errors.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Analysis } from '../../server/src/engine/analyze';
import { TRUE } from '../../server/src/engine/kernels';
import type { ScoreSplit } from '../../server/src/engine/metrics';
import { buildPreview, PreviewError, type PreviewData } from '../../server/src/preview/preview';
import { analyzeWith, csvOf } from '../core/helpers';
import { handAnalysis, handRules, stockout } from './fixtures';

const splits: ScoreSplit[] = ['train', 'validation', 'test', 'all'];

let example: Analysis;
let hand: Analysis;
beforeAll(async () => {
  example = (await stockout(500)).analysis;
  hand = await handAnalysis();
});

function expectEngineCounts(a: Analysis, p: PreviewData, rule: string | null, split: ScoreSplit): void {
  const s = a.scores(split)!;
  const engine = rule === null ? s.file : s.rules.find((r) => r.name === rule)!;
  const group = (g: string) => p.groups.find((x) => x.outcome === g)!;
  expect([group('tp').count, group('fp').count, group('fn').count]).toEqual([engine.tp, engine.fp, engine.fn]);
  for (const g of p.groups) expect(g.series.reduce((n, e) => n + e.points, 0)).toBe(g.count);
  expect(p.scores).toMatchObject({ tp: engine.tp, fp: engine.fp, fn: engine.fn, tn: engine.tn });
}

describe('buildPreview on the stock-out example', () => {
  it('groups add up to the engine scores, for every rule, the file, and every split', () => {
    for (const rule of [null, ...example.program.rules.map((r) => r.name)]) {
      for (const split of splits) {
        const p = buildPreview(example, { rule, split });
        expect(p.groups.map((g) => g.outcome)).toEqual(['fp', 'fn', 'tp']);
        expectEngineCounts(example, p, rule, split);
      }
    }
  });

  it('ranks each group from the nearest to deciding otherwise', () => {
    const p = buildPreview(example, { rule: 'pressure', split: 'all' });
    for (const g of p.groups) {
      const m = g.series.map((e) => (e.margin === null ? Infinity : e.margin));
      for (let i = 1; i < m.length; i++) expect(m[i]).toBeGreaterThanOrEqual(m[i - 1]);
      expect(m.every((x) => x >= 0)).toBe(true);
    }
  });

  it('gives an overview with the anomaly rate over time, the holiday week highest', () => {
    const p = buildPreview(example, { split: 'all' });
    const d = p.dataset;
    expect(d.totalSeries).toBe(500);
    expect(d.labelled).toBe(500);
    expect(d.rate.reduce((n, b) => n + b.labelled, 0)).toBe(d.labelled);
    expect(d.rate.reduce((n, b) => n + b.anomalies, 0)).toBe(d.anomalies);
    expect(d.rate).toHaveLength(13);
    const top = d.rate.reduce((a, b) => (b.rate > a.rate ? b : a));
    expect(top.label).toBe('2025-11-24T00:00:00Z');
    expect(top.rate).toBeGreaterThan(2 * (d.anomalies / d.labelled));
  });

  it('shows the first false alarm by default, with its points, label and thresholds', () => {
    const p = buildPreview(example, { rule: 'pressure', split: 'all' });
    const s = p.series!;
    expect(s.id).toBe(p.groups[0].series[0].id);
    expect(s.length).toBe(53);
    expect(s.shown).toBe(53);
    expect(s.columns.map((c) => c.name)).toEqual(['oos_ratio']);
    expect(s.label.filter((l) => l !== null)).toHaveLength(1);
    expect(s.outcome[52]).toBe('fp');
    expect(s.counts).toEqual({ tp: 0, fp: 1, fn: 0, tn: 0 });
    expect(s.rules.map((r) => r.name)).toEqual(['critical', 'pressure', 'escalating']);
    expect(s.excludes.map((r) => r.name)).toEqual(['drop']);
    expect(s.thresholds).toEqual([
      { rule: 'pressure', name: 'oos_ratio', op: '>=', value: 35, axis: 'metric' },
      { rule: 'pressure', name: 'z', op: '>=', value: 5, axis: 'let' },
      { rule: 'pressure', name: 'recent', op: '<', value: 3, axis: 'let' },
      { rule: 'pressure', name: 'oos_ratio', op: '>=', value: 12, axis: 'metric' },
    ].filter((t) => t.axis === 'metric' || t.name === s.let?.name));
    expect(s.let?.name).toBe('z');
    expect(s.let!.values[52]).not.toBeNull();
    expect(s.reason?.[52]).toBeTruthy();
    // Plain JSON: no NaN, no typed arrays.
    expect(JSON.parse(JSON.stringify(p))).toEqual(p);
  });

  it('keeps the selected series for another rule, and the outcome follows the rule', () => {
    const id = buildPreview(example, { rule: 'pressure', split: 'all' }).groups[2].series[0].id;
    const p = buildPreview(example, { rule: 'critical', split: 'all', series: id });
    expect(p.series!.id).toBe(id);
    expect(p.rule).toBe('critical');
    const fired = p.series!.rules.find((r) => r.name === 'critical')!.flags[52] === TRUE;
    expect(p.series!.outcome[52]).toBe(fired ? 'tp' : 'fn');
  });

  it('marks points outside the split as not scored', () => {
    const p = buildPreview(example, { split: 'train' });
    const outside = buildPreview(example, { split: 'test' }).groups.flatMap((g) => g.series)[0];
    const q = buildPreview(example, { split: 'train', series: outside.id });
    expect(q.series!.outcome.every((o) => o === 'fired' || o === 'none')).toBe(true);
    expect(q.series!.counts).toEqual({ tp: 0, fp: 0, fn: 0, tn: 0 });
    expect(p.dataset.series).toBeLessThan(500);
  });

  it('lets the caller choose or drop the second axis', () => {
    expect(buildPreview(example, { rule: 'pressure', split: 'all', let: null }).series!.let).toBeUndefined();
    expect(buildPreview(example, { rule: 'pressure', split: 'all', let: 'recent' }).series!.let!.name).toBe('recent');
    expect(buildPreview(example, { rule: 'critical', split: 'all' }).series!.let).toBeUndefined();
  });

  it('says clearly what is wrong', () => {
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(PreviewError);
        return e as PreviewError;
      }
      throw new Error('no error');
    };
    const r = err(() => buildPreview(example, { rule: 'presure', split: 'train' }));
    expect(r.code).toBe('unknown-rule');
    expect(r.message).toContain('did you mean `pressure`?');
    const s = err(() => buildPreview(example, { split: 'train', series: 'SKU0001' }));
    expect(s.code).toBe('unknown-series');
    expect(s.message).toMatch(/No series `SKU0001`.*did you mean `SKU000\d\d`/);
    expect(err(() => buildPreview(example, { split: 'train', let: 'nope' })).code).toBe('unknown-let');
    expect(err(() => buildPreview(example, { split: 'tran' as ScoreSplit })).message).toContain('Unknown split `tran`');
  });
});

describe('buildPreview on series with many labelled points', () => {
  it('groups add up to the engine scores when the split is by time', () => {
    expect(hand.data!.scoring(hand.shares).splits.by).toBe('time');
    for (const rule of [null, 'high', 'both', 'jump']) {
      for (const split of splits) expectEngineCounts(hand, buildPreview(hand, { rule, split }), rule, split);
    }
  });

  it("counts each series' outcomes as the engine does, point by point", () => {
    for (const split of splits) {
      const p = buildPreview(hand, { rule: 'high', split });
      let tp = 0;
      let fp = 0;
      let fn = 0;
      for (const id of ['alpha', 'beta', 'gamma']) {
        const c = buildPreview(hand, { rule: 'high', split, series: id }).series!.counts;
        tp += c.tp;
        fp += c.fp;
        fn += c.fn;
        for (const g of p.groups) expect(g.series.find((e) => e.id === id)?.points ?? 0).toBe(c[g.outcome]);
      }
      expect({ tp, fp, fn }).toEqual({ tp: p.scores.tp, fp: p.scores.fp, fn: p.scores.fn });
    }
  });

  it('shows the columns a multivariate rule names, and its thresholds on them', () => {
    const s = buildPreview(hand, { rule: 'both', split: 'all' }).series!;
    expect(s.columns.map((c) => c.name)).toEqual(['x', 'y']);
    expect(s.thresholds).toEqual([
      { rule: 'both', name: 'x', op: '>', value: 5, axis: 'metric' },
      { rule: 'both', name: 'y', op: '<', value: 5, axis: 'metric' },
    ]);
    const j = buildPreview(hand, { rule: 'jump', split: 'all' }).series!;
    // `x - base > 2.5` compares an expression, not a column or a let: no line, no second axis.
    expect(j.columns.map((c) => c.name)).toEqual(['x']);
    expect(j.thresholds).toEqual([]);
    expect(j.let).toBeUndefined();
  });

  it('uses the relative distance to the threshold as the margin of a comparison', async () => {
    // Without the exclude, whose own margin would count where the rule fires.
    const plain = await handAnalysis(handRules.replace(/^exclude .*$/m, ''));
    const p = buildPreview(plain, { rule: 'high', split: 'all' });
    const x = plain.data!.frame.columns.get('x')!;
    const frame = plain.data!.frame;
    for (const g of p.groups) {
      for (const e of g.series) {
        const s = frame.seriesIds.indexOf(e.id);
        // The smallest |x - 6.5| / 6.5 over the series' points of this outcome.
        const view = buildPreview(plain, { rule: 'high', split: 'all', series: e.id }).series!;
        const ms = view.outcome.flatMap((o, j) => (o === g.outcome ? [Math.abs(x[frame.seriesStart[s] + view.index[j]] - 6.5) / 6.5] : []));
        expect(e.margin).toBeCloseTo(Math.min(...ms), 5);
      }
    }
  });

  it('combines margins: and takes the nearer part when true, or the farther false part', async () => {
    const csv = csvOf({ s: { x: [10, 10, 2, 2], y: [1, 8, 1, 8], label: [1, 1, 0, 1] } });
    const a = await analyzeWith(csv, 'dataset "data.csv" {\n  series = id\n  time = t\n  label = label\n}\nrule r when x > 4 and y < 5\n');
    const p = buildPreview(a, { rule: 'r', split: 'all' });
    const margin = (g: string) => p.groups.find((x) => x.outcome === g)!.series[0]?.margin;
    // Point 0 fires (TP): min(|10-4|/4, |1-5|/5) = 0.8. Point 1 misses on y alone: |8-5|/5 = 0.6.
    // Point 3 misses on both: max(|2-4|/4, |8-5|/5) = 0.6; the series' smallest FN margin is 0.6.
    expect(margin('tp')).toBeCloseTo(0.8);
    expect(margin('fn')).toBeCloseTo(0.6);
    expect(p.groups.find((x) => x.outcome === 'fp')!.count).toBe(0);
  });
});

describe('downsampling a long series', () => {
  it('stays within the budget and keeps every labelled or flagged point', async () => {
    const n = 6000;
    const x = Array.from({ length: n }, (_, i) => Math.round((Math.sin(i / 40) * 5 + (i % 997 === 0 ? 30 : 0)) * 100) / 100);
    const label = Array.from({ length: n }, (_, i) => (i % 500 === 7 ? (i % 1000 === 7 ? 1 : 0) : null));
    const a = await analyzeWith(csvOf({ s: { x, label } }), 'dataset "data.csv" {\n  series = id\n  time = t\n  label = label\n}\nrule spike when x > 20\n');
    const p = buildPreview(a, { rule: 'spike', split: 'all', maxPoints: 400 });
    const s = p.series!;
    expect(s.length).toBe(n);
    expect(s.shown).toBeLessThanOrEqual(400);
    expect(s.index).toHaveLength(s.shown);
    const kept = new Set(s.index);
    for (let i = 0; i < n; i++) {
      if (label[i] !== null || x[i] > 20) expect(kept.has(i)).toBe(true);
    }
    expect(s.counts.tp + s.counts.fn).toBe(p.dataset.anomalies);
    expect(s.outcome.filter((o) => o === 'tp')).toHaveLength(s.counts.tp);
    expect(s.outcome.filter((o) => o === 'fp')).toHaveLength(s.counts.fp);
    expect(s.outcome.filter((o) => o === 'fn')).toHaveLength(s.counts.fn);
  });
});

describe('without data', () => {
  it('says the file names no dataset, or that the dataset cannot be read', async () => {
    const { analyze } = await import('../../server/src/engine/analyze');
    const { DatasetStore } = await import('../../server/src/engine/store');
    const none = await analyze('rule r when x > 1\n', undefined, { store: new DatasetStore() });
    expect(() => buildPreview(none, { split: 'train' })).toThrow(/names no dataset/);
    const missing = await analyzeWith('id,t,x\na,0,1\n', 'dataset "nope.csv" {\n  series = id\n  time = t\n}\nrule r when x > 1\n');
    try {
      buildPreview(missing, { split: 'train' });
      throw new Error('no error');
    } catch (e) {
      expect((e as PreviewError).code).toBe('data-error');
      expect((e as Error).message).toMatch(/cannot be read/);
    }
  });
});
