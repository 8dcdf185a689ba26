// The weeks a split covers: the span of its points' times (plus one time step), whichever points
// of each series are in it.
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { weeksOf, weeksOfSplit } from '../../server/src/engine/alerts';
import type { Frame } from '../../server/src/engine/frame';
import type { SplitIndex } from '../../server/src/engine/metrics';
import { splitPoints } from '../../server/src/engine/points';
import type { Splits } from '../../server/src/engine/split';

const day = 24 * 3600 * 1000;

it('spans the earliest to the latest time of the points in the split', () => {
  const series = fc.array(fc.record({ start: fc.integer({ min: 0, max: 400 }), length: fc.integer({ min: 0, max: 40 }) }), { minLength: 1, maxLength: 8 });
  fc.assert(
    fc.property(series, fc.array(fc.boolean(), { minLength: 400, maxLength: 400 }), (ss, inSplit) => {
      const starts = [0];
      const time: number[] = [];
      for (const s of ss) {
        for (let k = 0; k < s.length; k++) time.push((s.start + 7 * k) * day);
        starts.push(time.length);
      }
      const frame = { timeKind: 'date', time: Float64Array.from(time), seriesStart: Int32Array.from(starts), seriesIds: ss.map((_, i) => `s${i}`), length: time.length } as unknown as Frame;
      const mask = new Uint32Array(Math.ceil(time.length / 32) + 1);
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < time.length; i++) {
        if (!inSplit[i]) continue;
        mask[i >>> 5] |= 1 << (i & 31);
        lo = Math.min(lo, time[i]);
        hi = Math.max(hi, time[i]);
      }
      const weeks = weeksOf(frame, { mask } as SplitIndex);
      if (lo > hi) {
        expect(weeks).toBeNull();
        return;
      }
      // Weekly series: one step is a week (a single-point frame has no step).
      const step = ss.some((s) => s.length >= 2) ? 7 * day : 0;
      const expected = (hi - lo + step) / (7 * day);
      expect(weeks).toBe(expected > 0 ? expected : null);
    }),
    { numRuns: 300 },
  );
});

it('a split of whole series (split all, or by series) covers the weeks its points do, from the series alone', () => {
  fc.assert(
    fc.property(fc.array(fc.record({ start: fc.integer({ min: 0, max: 400 }), length: fc.integer({ min: 0, max: 30 }), split: fc.nat(2) }), { minLength: 1, maxLength: 30 }), (ss) => {
      const starts = [0];
      const time: number[] = [];
      for (const s of ss) {
        for (let k = 0; k < s.length; k++) time.push((s.start + 7 * k + (k % 3 === 2 ? 1 : 0)) * day);
        starts.push(time.length);
      }
      const frame = { timeKind: 'date', time: Float64Array.from(time), seriesStart: Int32Array.from(starts), seriesIds: ss.map((_, i) => `s${i}`), length: time.length } as unknown as Frame;
      const seriesSplit = Uint8Array.from(ss, (s) => s.split);
      const of = new Uint8Array(time.length);
      ss.forEach((s, k) => of.fill(s.split, starts[k], starts[k + 1]));
      const splits: Splits = { of, seriesSplit, shares: [0.6, 0.2, 0.2], by: 'series' };
      for (const split of ['all', 'train', 'validation', 'test'] as const) {
        expect(weeksOfSplit(frame, splits, split)).toBe(weeksOf(frame, { split, ...splitPoints(frame, splits, split) }));
      }
    }),
    { numRuns: 300 },
  );
});
