// The bundled stock-out example, end to end: generate the data, analyze the rules, check the numbers.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeStockoutCsv } from '../../examples/stockout/generate';
import { analyze, type Analysis } from '../../server/src/engine/analyze';
import { TRUE } from '../../server/src/engine/kernels';
import type { ScoreSplit } from '../../server/src/engine/metrics';
import { splitIndex } from '../../server/src/engine/split';
import { DatasetStore } from '../../server/src/engine/store';
import { tempDir } from './helpers';

const products = 600;
const arlText = readFileSync(new URL('../../examples/stockout/stockout.arl', import.meta.url), 'utf8');
const splits: ScoreSplit[] = ['train', 'validation', 'test', 'all'];

let analysis: Analysis;
let written: { rows: number; anomalies: number };

beforeAll(async () => {
  const dir = tempDir('arl-core-example-');
  written = await writeStockoutCsv(join(dir, 'stockout.csv'), { products });
  // The .arl file is analyzed as if it sat next to the data: its dataset path is relative to it.
  analysis = await analyze(arlText, join(dir, 'stockout.arl'), { store: new DatasetStore() });
});

describe('the stock-out example', () => {
  it('loads without any issue', () => {
    expect(analysis.dataError).toBeUndefined();
    expect(analysis.issues).toEqual([]);
    const frame = analysis.data!.frame;
    expect(frame.length).toBe(written.rows);
    expect(written.rows).toBe(products * 53);
    expect(frame.seriesIds).toHaveLength(products);
    expect(frame.timeKind).toBe('date');
    expect(analysis.program.rules.every((r) => r.node)).toBe(true);
  });

  it('is deterministic: the same seed gives the same file', async () => {
    const dir = tempDir('arl-core-example-');
    const again = await writeStockoutCsv(join(dir, 'stockout.csv'), { products });
    expect(again).toEqual(written);
  });

  it('the rules reach an F1 above 0.8 on train', () => {
    const train = analysis.scores('train')!;
    expect(train.file.f1).toBeGreaterThan(0.8);
    expect(train.split).toBe('train');
  });

  it('labels and splits add up', () => {
    const all = analysis.scores('all')!;
    expect(all.anomalies).toBe(written.anomalies);
    // Only the last week of each product is labelled.
    expect(all.labelled).toBe(products);
    expect(all.series).toBe(products);
    const parts = splits.slice(0, 3).map((s) => analysis.scores(s)!);
    for (const key of ['points', 'series', 'labelled', 'anomalies'] as const) {
      expect(parts.reduce((a, p) => a + p[key], 0), key).toBe(all[key]);
    }
    // Many series: split by series, so no series is in two splits; roughly 60/20/20.
    expect(analysis.data!.scoring(analysis.shares).splits.by).toBe('series');
    expect(parts[0].series / products).toBeGreaterThan(0.5);
    expect(parts[0].series / products).toBeLessThan(0.7);
    for (const p of parts.slice(1)) {
      expect(p.series / products).toBeGreaterThan(0.12);
      expect(p.series / products).toBeLessThan(0.28);
    }
  });

  for (const split of splits) {
    it(`rule, exclude and file counts are consistent on ${split}`, () => {
      const s = analysis.scores(split)!;
      const { frame } = analysis.data!;
      const of = analysis.data!.scoring(analysis.shares).splits.of;
      const inSplit = (i: number) => split === 'all' || of[i] === splitIndex[split];
      // The file and every rule see every anomaly as caught or missed, every normal point as alarm or not.
      for (const c of [s.file, ...s.rules]) {
        expect(c.tp + c.fn).toBe(s.anomalies);
        expect(c.fp + c.tn).toBe(s.labelled - s.anomalies);
        expect(c.fires).toBeGreaterThanOrEqual(c.tp + c.fp);
        expect(c.events).toBe(s.anomalies); // one labelled week per product: every anomaly is its own event
        expect(c.eventsCaught).toBe(c.tp);
      }
      expect(s.hasEvents).toBe(false);
      // The file fires where some rule does: it catches at most the sum, at least the best rule.
      const tps = s.rules.map((r) => r.tp);
      expect(s.file.tp).toBeLessThanOrEqual(tps.reduce((a, b) => a + b, 0));
      expect(s.file.tp).toBeGreaterThanOrEqual(Math.max(...tps));
      for (const r of s.rules) {
        expect(r.uniqueTp).toBeLessThanOrEqual(r.tp);
        for (const [other, n] of Object.entries(r.overlap)) {
          expect(n).toBe(s.rules.find((o) => o.name === other)!.overlap[r.name]);
          expect(n).toBeLessThanOrEqual(Math.min(r.fires, s.rules.find((o) => o.name === other)!.fires));
        }
      }
      // Recount the file and the exclude from the flag columns.
      const label = frame.label!;
      const rules = analysis.ruleFlags.map((r) => r.flags!);
      const drop = analysis.excludeFlags[0].flags!;
      let tp = 0;
      let fp = 0;
      let removedTp = 0;
      let removedFp = 0;
      let dropFires = 0;
      for (let i = 0; i < frame.length; i++) {
        if (!inSplit(i)) continue;
        if (drop[i] === TRUE) dropFires++;
        if (label[i] !== label[i]) continue;
        const raw = rules.some((f) => f[i] === TRUE);
        if (raw && drop[i] !== TRUE) label[i] === 1 ? tp++ : fp++;
        if (raw && drop[i] === TRUE) label[i] === 1 ? removedTp++ : removedFp++;
      }
      expect([s.file.tp, s.file.fp]).toEqual([tp, fp]);
      expect(s.excludes).toEqual([{ name: 'drop', removedTp, removedFp, fires: dropFires }]);
    });
  }

  it('the exclude removes false alarms and no caught anomaly', () => {
    const all = analysis.scores('all')!;
    expect(all.excludes[0].removedFp).toBeGreaterThan(0);
    expect(all.excludes[0].removedTp).toBe(0);
  });

  it('weak.arl: the same rules, far off, a start for learning that still beats flagging everything', async () => {
    const weakText = readFileSync(new URL('../../examples/stockout/weak.arl', import.meta.url), 'utf8');
    const weak = await analyze(weakText, join(analysis.datasetPath!, '..', 'weak.arl'), { store: new DatasetStore() });
    expect(weak.issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(weak.program.rules.map((r) => r.name)).toEqual(analysis.program.rules.map((r) => r.name));
    expect(weak.program.rules.every((r) => r.node)).toBe(true);
    const good = analysis.scores('train')!;
    const w = weak.scores('train')!;
    expect(w.file.f1).toBeLessThan(good.file.f1 - 0.3);
    expect(w.file.f1).toBeGreaterThan(w.baselines.all.f1);
  });
});
