// `learn` chooses among its searches on validation and never reads the test split: the caller
// reports test once learning is over.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ScoringIndex } from '../../server/src/engine/metrics';
import { contextFromAnalysis, objOf } from '../../server/src/refine/context';
import { learn, offlineProposer, type LearnProgress } from '../../server/src/refine/learn';
import { syntheticContext, syntheticDir } from './synthetic';

describe('learn', () => {
  afterEach(() => vi.restoreAllMocks());

  it('chooses on validation and reads no test label, whatever they say', async () => {
    const s = syntheticDir('rule r when x >= 20 and y >= 1\nrule q when y >= 9', { series: 1000 });
    const a = await syntheticContext(s);
    const b = await syntheticContext(s);
    // Turn every test label upside down in the second load: the choice may not change.
    const frame = b.a.data!.frame;
    const of = b.a.data!.scoring(b.a.shares).splits.of;
    let flipped = 0;
    for (let i = 0; i < frame.length; i++) if (of[i] === 2 && frame.label![i] === frame.label![i]) (frame.label![i] = 1 - frame.label![i]), flipped++;
    expect(flipped).toBeGreaterThan(0);
    const ctxB = contextFromAnalysis(b.a);
    // Record when the test split is asked for, and when each search ends.
    const events: string[] = [];
    const get = ScoringIndex.prototype.get;
    vi.spyOn(ScoringIndex.prototype, 'get').mockImplementation(function (this: ScoringIndex, split) {
      if (split === 'test') events.push('test');
      return get.call(this, split);
    });
    const opts = { proposer: offlineProposer(), candidates: 3, iterations: 3, patience: 2 };
    const ra = await learn(a.ctx, opts);
    const progress: LearnProgress[] = [];
    const rb = await learn(ctxB, { ...opts, onSearchDone: () => events.push('search'), onProgress: (p) => progress.push(p) });
    expect(rb.runs).toHaveLength(3);
    expect(new Set(rb.runs.map((r) => r.text)).size).toBeGreaterThan(1);
    expect(rb.chosen).toBe(ra.chosen);
    expect(rb.text).toBe(ra.text);
    const validation = rb.runs.map((r) => objOf(r.figures.validation));
    expect(validation[rb.chosen]).toBe(Math.max(...validation));
    expect(events).toEqual(['search', 'search', 'search']);
    // Train and validation only: the report on test is the caller's, after learning.
    expect(Object.keys(rb.before).sort()).toEqual(['train', 'validation']);
    // The best so far, as the progress reports it, never goes down.
    expect(progress.length).toBeGreaterThan(0);
    for (let i = 1; i < progress.length; i++) expect(progress[i].best.validation).toBeGreaterThanOrEqual(progress[i - 1].best.validation);
  });
});
