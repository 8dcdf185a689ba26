// The offline proposer on data whose best rule is known, and the exact threshold sweep.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from '../../grammar/src/parse';
import { contextFromAnalysis, evaluate } from '../../server/src/refine/context';
import { giniCut, niceBetween, sweep, type CutOp } from '../../server/src/refine/cuts';
import { applyEdit } from '../../server/src/refine/edit';
import { proposeOffline } from '../../server/src/refine/offline';
import { complexityOf } from '../../server/src/refine/proposal';
import { syntheticContext, syntheticDir } from './synthetic';

describe('exact threshold sweep', () => {
  const points = fc
    .array(
      fc.record({
        v: fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constant(Number.NaN)),
        t: fc.integer({ min: 0, max: 1 }),
        f: fc.integer({ min: 0, max: 1 }),
        m: fc.integer({ min: 0, max: 1 }),
        y: fc.integer({ min: 0, max: 1 }),
      }),
      { minLength: 1, maxLength: 30 },
    )
    .map((ps) => ({
      values: ps.map((p) => p.v),
      whenTrue: ps.map((p) => p.t),
      whenFalse: ps.map((p) => p.f),
      whenMissing: ps.map((p) => p.m),
      isAnomaly: ps.map((p) => p.y),
      anomalies: ps.reduce((s, p) => s + p.y, 0),
    }));
  const holds = (op: CutOp, v: number, t: number) => (op === '>=' ? v >= t : op === '>' ? v > t : op === '<' ? v < t : v <= t);
  const f1At = (p: ReturnType<typeof points.generate>['value'] extends infer T ? T : never, op: CutOp, t: number) => {
    let tp = 0;
    let fp = 0;
    p.values.forEach((v, k) => {
      const fire = v !== v ? p.whenMissing[k] : holds(op, v, t) ? p.whenTrue[k] : p.whenFalse[k];
      if (fire) p.isAnomaly[k] ? tp++ : fp++;
    });
    const d = tp + fp + p.anomalies;
    return d ? (2 * tp) / d : 0;
  };

  it('finds the best F1 of any threshold, and its threshold gives that F1', () => {
    fc.assert(
      fc.property(points, fc.constantFrom<CutOp>('>=', '>', '<', '<='), (p, op) => {
        const r = sweep(p, op);
        const candidates = [-100, 100, ...p.values.filter((v) => v === v).flatMap((v) => [v - 0.5, v, v + 0.5])];
        const brute = Math.max(...candidates.map((t) => f1At(p, op, t)));
        if (!r) return; // no point depends on the comparison
        expect(r.f1).toBeCloseTo(brute, 12);
        expect(f1At(p, op, r.value)).toBeCloseTo(r.f1, 12);
      }),
      { numRuns: 300 },
    );
  });

  it('picks round numbers inside the interval', () => {
    expect(niceBetween(38.2, 45.1)).toBe(40);
    expect(niceBetween(42.4, 42.5, false, true)).toBe(42.5);
    expect(niceBetween(4.9, 5, false, true)).toBe(5);
    expect(niceBetween(12, 12.1)).toBe(12.05);
    expect(niceBetween(1, Infinity)).toBeGreaterThan(1);
    expect(niceBetween(-Infinity, -3)).toBeLessThan(-3);
  });

  it('cuts by Gini where the classes separate', () => {
    const values = [1, 2, 3, 4, 10, 11, 12, 13];
    const y = [0, 0, 0, 0, 1, 1, 1, 1];
    const c = giniCut(values, y)!;
    expect(c.op).toBe('>=');
    expect(c.cut).toBeGreaterThan(4);
    expect(c.cut).toBeLessThanOrEqual(10);
    expect(c.impurity).toBe(0);
    expect(c.keptAnomalies).toBe(4);
  });
});

describe('offline proposer on synthetic data', () => {
  it('tunes a threshold to its exact best value', async () => {
    const s = syntheticDir('rule r "R" when x >= 35 and y >= 5');
    const { ctx } = await syntheticContext(s);
    const before = evaluate(ctx, ctx.text).split();
    expect(before.train.f1).toBeLessThan(1);
    const res = await proposeOffline(ctx, 'r');
    const best = res.proposals[0];
    expect(best.kind).toBe('threshold');
    // The title gives the file's F1 on train and validation, before -> after.
    expect(best.title).toBe(`Tune threshold 35 -> 42.5 (file point F1: train ${before.train.f1.toFixed(2)} -> 1.00, validation ${before.validation.f1.toFixed(2)} -> 1.00)`);
    expect(best.ruleText).toBe('rule r "R" when x >= 42.5 and y >= 5');
    expect(best.after.train.f1).toBe(1);
    expect(best.after.validation.f1).toBe(1);
    expect(applyEdit(ctx.text, best.edit)).toBe(best.text);
  });

  it('adds the missing conjunct, chosen by Gini among the features', async () => {
    const s = syntheticDir('let half = x / 2\nrule r when x >= 42.5');
    const { ctx } = await syntheticContext(s);
    const res = await proposeOffline(ctx, 'r');
    const add = res.proposals.find((p) => p.kind === 'add-conjunct');
    expect(add?.ruleText).toBe('rule r when x >= 42.5 and y >= 5');
    expect(add?.title).toMatch(/^Add `y >= 5` \(file point F1: train 0\.\d\d -> 1\.00, validation 0\.\d\d -> 1\.00\)$/);
    expect(res.proposals[0].after.train.f1).toBe(1);
  });

  it('offers only text that parses and checks, and only with a gain on train and no loss on validation', async () => {
    const s = syntheticDir('rule r when (x >= 30 or y >= 9.5) and not (y < 2)\nrule other when x > 59 and rising(x, 1)\nexclude e when y < 0.5');
    const { ctx } = await syntheticContext(s);
    const base = evaluate(ctx, ctx.text).split();
    const res = await proposeOffline(ctx, 'r', { limit: 50 });
    expect(res.proposals.length).toBeGreaterThan(0);
    expect(res.tried).toBe(res.proposals.length + res.rejected.length);
    for (const p of res.proposals) {
      const own = parse(p.ruleText);
      expect(own.issues).toEqual([]);
      expect(own.file.rules.map((r) => r.name?.name)).toEqual(['r']);
      const ev = evaluate(ctx, p.text);
      expect(ev.errors).toEqual([]);
      expect(ev.split()).toEqual(p.after);
      // The train objective (point F1 here) less the complexity cost rises by the minimum gain...
      expect(p.gain).toBeGreaterThanOrEqual(0.002 - 1e-12);
      expect(p.after.train.objective - complexityOf(ev)).toBeCloseTo(base.train.objective - complexityOf(evaluate(ctx, ctx.text)) + p.gain, 12);
      // ...and validation does not fall.
      expect(p.after.validation.objective).toBeGreaterThanOrEqual(base.validation.objective - 1e-12);
    }
    for (const r of res.rejected) expect(r.reason).toMatch(/^(too small a gain|validation falls|invalid|dead)/);
  });

  it('keeps the train-validation gap within maxGap', async () => {
    const s = syntheticDir('rule r when (x >= 30 or y >= 9.5) and not (y < 2)\nrule other when x > 59 and rising(x, 1)\nexclude e when y < 0.5');
    const { ctx } = await syntheticContext(s);
    const base = evaluate(ctx, ctx.text).split();
    const start = base.train.f1 - base.validation.f1;
    const res = await proposeOffline(ctx, 'r', { maxGap: -1 });
    // No gap is within -1: only edits that do not widen the current gap are offered.
    for (const p of res.proposals) expect(p.gap).toBeLessThanOrEqual(start + 1e-12);
    const overfit = res.rejected.filter((r) => r.reason.startsWith('overfit'));
    expect(overfit.length).toBeGreaterThan(0);
    for (const r of overfit) expect(r.after!.train.f1 - r.after!.validation.f1).toBeGreaterThan(start);
    expect(overfit[0].reason).toMatch(/^overfit: train-validation gap \d\.\d{3} > the current -?\d\.\d{3}$/);
  });

  it('never reads the test split', async () => {
    const s = syntheticDir('rule r when x >= 35 and y >= 5');
    const a = await syntheticContext(s);
    const loaded = await syntheticContext(s);
    // Turn every test label upside down in a second load, before refining it: nothing may change.
    const frame = loaded.a.data!.frame;
    const of = loaded.a.data!.scoring(loaded.a.shares).splits.of;
    let flipped = 0;
    for (let i = 0; i < frame.length; i++) if (of[i] === 2 && frame.label![i] === frame.label![i]) (frame.label![i] = 1 - frame.label![i]), flipped++;
    expect(flipped).toBeGreaterThan(0);
    const b = { ctx: contextFromAnalysis(loaded.a) };
    // The context holds no test label at all.
    for (let i = 0; i < frame.length; i++) if (of[i] === 2) expect(b.ctx.data.frame.label![i]).toBeNaN();
    const strip = (r: Awaited<ReturnType<typeof proposeOffline>>) => JSON.stringify({ ...r, proposals: r.proposals.map((p) => ({ ...p })) });
    expect(strip(await proposeOffline(b.ctx, 'r'))).toBe(strip(await proposeOffline(a.ctx, 'r')));
  });
});
