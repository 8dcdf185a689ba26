// `learn` chooses among its searches on validation; the test split is read once, at the end, to report.
import { describe, expect, it } from 'vitest';
import { f1Of } from '../../server/src/refine/context';
import { learn, offlineProposer } from '../../server/src/refine/learn';
import { syntheticContext, syntheticDir } from './synthetic';

describe('learn', () => {
  it('chooses on validation and reads test only after every search is done', async () => {
    const s = syntheticDir('rule r when x >= 20 and y >= 1\nrule q when y >= 9', { series: 1000 });
    const a = await syntheticContext(s);
    const b = await syntheticContext(s);
    // Turn every test label upside down in the second load: the choice may not change.
    const frame = b.ctx.data.frame;
    const scoring = b.ctx.data.scoring(b.ctx.shares);
    for (let i = 0; i < frame.length; i++) if (scoring.splits.of[i] === 2 && frame.label![i] === frame.label![i]) frame.label![i] = 1 - frame.label![i];
    // Record when the test split is read, and when each search ends.
    const events: string[] = [];
    const get = scoring.get.bind(scoring);
    scoring.get = (split) => {
      if (split === 'test') events.push('test');
      return get(split);
    };
    const opts = { proposer: offlineProposer(), candidates: 3, iterations: 3, patience: 2 };
    const ra = await learn(a.ctx, opts);
    const rb = await learn(b.ctx, { ...opts, onSearchDone: () => events.push('search') });
    expect(rb.runs).toHaveLength(3);
    expect(new Set(rb.runs.map((r) => r.text)).size).toBeGreaterThan(1);
    expect(rb.chosen).toBe(ra.chosen);
    expect(rb.text).toBe(ra.text);
    const validation = rb.runs.map((r) => f1Of(r.figures.validation));
    expect(validation[rb.chosen]).toBe(Math.max(...validation));
    expect(events.filter((e) => e === 'search')).toHaveLength(3);
    expect(events.indexOf('test')).toBeGreaterThan(events.lastIndexOf('search'));
    // The report still gives test figures, before and after.
    expect(rb.before.test.f1).not.toBe(ra.before.test.f1);
    expect(Number.isFinite(rb.after.test.f1)).toBe(true);
  });
});
