// The threshold sweep is exact: applying any of its values gives the counts it announced, for the
// rule and the file, on train and validation, alerts included.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../server/src/engine/analyze';
import { DatasetStore } from '../../server/src/engine/store';
import { contextFromAnalysis, evaluate, RefineError, type RefineContext } from '../../server/src/refine/context';
import { sweepThreshold, thresholdText, type ThresholdSweep } from '../../server/src/refine/sweep';
import { exampleDir } from '../support/example';

let ctx: RefineContext;

beforeAll(async () => {
  const ex = await exampleDir(600);
  const a = await analyze(readFileSync(ex.arl, 'utf8'), ex.arl, { store: new DatasetStore() });
  ctx = contextFromAnalysis(a);
});

function withText(text: string): RefineContext {
  return { ...ctx, text };
}

/** Applies step `s` and checks the engine's counts equal the sweep's. */
function check(c: RefineContext, sw: ThresholdSweep, s: number): void {
  const step = sw.steps[s];
  const text = c.text.slice(0, sw.literal.start) + thresholdText(step.value) + c.text.slice(sw.literal.end);
  const ev = evaluate(c, text);
  const k = ev.program.rules.findIndex((r) => r.name === sw.rule);
  for (const split of ['train', 'validation'] as const) {
    const sc = ev.scores(split);
    const want = { file: { tp: sc.file.tp, fp: sc.file.fp, fires: sc.file.fires }, rule: { tp: sc.rules[k].tp, fp: sc.rules[k].fp, fires: sc.rules[k].fires } };
    expect({ file: step.file[split], rule: step.rule[split] }, `${sw.comparison} at ${step.value} (${step.threshold}) on ${split}`).toEqual(want);
  }
}

function sample(sw: ThresholdSweep): number[] {
  const n = sw.steps.length;
  const picks = new Set([0, n - 1, sw.currentStep]);
  for (let j = 1; j < 12; j++) picks.add(Math.floor((j * n) / 12));
  return [...picks];
}

describe('threshold sweep', () => {
  it('is exact for a column compared in an `or`, with the excludes and other rules in play', () => {
    const at = ctx.text.indexOf('oos_ratio >= 80') + 3;
    const sw = sweepThreshold(ctx, at);
    expect(sw).toMatchObject({ rule: 'critical', comparison: 'oos_ratio >= 80', subject: 'oos_ratio', op: '>=', current: 80, literal: { text: '80' } });
    expect(sw.steps.length).toBeGreaterThan(50);
    expect(sw.steps.map((s) => s.threshold)).toEqual([...sw.steps.map((s) => s.threshold)].sort((a, b) => a - b));
    expect(sw.steps[sw.currentStep].threshold).toBe(80);
    for (const s of sample(sw)) check(ctx, sw, s);
    // The current step is what the lenses show.
    const sc = evaluate(ctx, ctx.text).scores('train');
    expect(sw.steps[sw.currentStep].rule.train).toEqual({ tp: sc.rules[0].tp, fp: sc.rules[0].fp, fires: sc.rules[0].fires });
    // Recall only grows as the threshold falls.
    const tps = sw.steps.map((s) => s.rule.train.tp);
    for (let j = 1; j < tps.length; j++) expect(tps[j]).toBeLessThanOrEqual(tps[j - 1]);
    expect(sw.splits.train.weeks).toBeGreaterThan(50);
  });

  it('is exact for a let, for `<`, and for a number written on the left', () => {
    for (const [needle, rule] of [
      ['z >= 5', 'pressure'],
      ['recent < 3', 'pressure'],
    ] as const) {
      const sw = sweepThreshold(ctx, ctx.text.indexOf(needle) + 1);
      expect(sw.rule).toBe(rule);
      for (const s of sample(sw)) check(ctx, sw, s);
    }
    const flipped = withText(ctx.text.replace('oos_ratio >= 45', '45 <= oos_ratio'));
    const sw = sweepThreshold(flipped, flipped.text.indexOf('45 <= oos_ratio'));
    expect(sw).toMatchObject({ rule: 'escalating', op: '>=', subject: 'oos_ratio', literal: { text: '45' } });
    for (const s of sample(sw)) check(flipped, sw, s);
  });

  it('writes round numbers that separate the data exactly as the swept value does', () => {
    const sw = sweepThreshold(ctx, ctx.text.indexOf('oos_ratio / lag') + 2);
    expect(sw.subject).toBe('oos_ratio / lag(oos_ratio, 1)');
    for (const s of sample(sw)) {
      const v = sw.steps[s].value;
      expect(thresholdText(v).length).toBeLessThanOrEqual(String(sw.steps[s].threshold).length);
      check(ctx, sw, s);
    }
  });

  it('says what it cannot sweep', () => {
    const text = ctx.text.replace('rising(oos_ratio, 3)', 'persist(oos_ratio > 3, 2)');
    const c = withText(text);
    expect(() => sweepThreshold(c, text.indexOf('oos_ratio > 3') + 1)).toThrow(/inside a function call/);
    expect(() => sweepThreshold(c, text.indexOf('let z'))).toThrow(RefineError);
    expect(() => sweepThreshold(c, text.indexOf('rule critical'))).toThrow(/Put the cursor on a comparison/);
  });
});
