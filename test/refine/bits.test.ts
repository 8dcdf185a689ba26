// Bit sets for the rule search: the bit-set scorer equals the engine's objectiveScore on random
// frames, splits, tolerances and flags; holds equal the engine's `count(c, w) >= 1`.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildEventIndex, objectiveScore, type Objective } from '../../server/src/engine/events';
import type { Frame } from '../../server/src/engine/frame';
import { scoringFrame } from '../support/frame';
import type { Splits } from '../../server/src/engine/split';
import { anyIn, BitScorer, bitsOfBool, bytesOf, hold } from '../../server/src/refine/bits';
import { analyzeWith } from '../core/helpers';

function frameOf(labels: (number | null)[][]): Frame {
  return scoringFrame(
    labels.map((l) => l.length),
    labels.flat().map((v) => (v === null ? Number.NaN : v)),
    { source: 'hand' },
  );
}

const scenario = fc
  .record({
    lengths: fc.array(fc.integer({ min: 0, max: 90 }), { minLength: 1, maxLength: 5 }),
    anomalyRate: fc.constantFrom(0, 0.1, 0.5, 0.9),
    runs: fc.constantFrom(1, 5, 30),
    labelledRate: fc.constantFrom(0.3, 1),
    flagRate: fc.constantFrom(0, 0.1, 0.4, 1),
    flagRuns: fc.constantFrom(1, 4, 20),
    tolerance: fc.constantFrom(0, 1, 3, 50),
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
  })
  .map((p) => {
    let a = p.seed;
    const rand = () => ((a = (Math.imul(a, 1103515245) + 12345) >>> 0), a / 2 ** 32);
    // Runs of labels and of flags, so alarms and events have lengths.
    let y = 0;
    let f = 0;
    const labels = p.lengths.map((len) =>
      Array.from({ length: len }, () => {
        if (rand() < 1 / p.runs) y = rand() < p.anomalyRate ? 1 : 0;
        return rand() >= p.labelledRate ? null : y;
      }),
    );
    const frame = frameOf(labels);
    const flags = Uint8Array.from({ length: frame.length }, () => {
      if (rand() < 1 / p.flagRuns) f = rand() < p.flagRate ? 1 : 0;
      return f ? 1 : rand() < 0.05 ? 2 : 0;
    });
    const of = Uint8Array.from({ length: frame.length }, () => [0, 0, 1, 2][Math.floor(rand() * 4)]);
    const splits: Splits = { of, shares: [0.6, 0.2, 0.2], by: 'time' };
    return { frame, flags, splits, tolerance: p.tolerance };
  });

const objectives: Objective[] = [{ kind: 'point_f1' }, { kind: 'event_f1' }, { kind: 'f_beta', beta: 2 }, { kind: 'f_beta', beta: 0.5 }];

describe('BitScorer', () => {
  it('equals objectiveScore for any flags, split, tolerance and objective', () => {
    fc.assert(
      fc.property(scenario, ({ frame, flags, splits, tolerance }) => {
        const bits = bitsOfBool(flags);
        expect(Array.from(bytesOf(bits, frame.length))).toEqual(Array.from(flags, (v) => (v === 1 ? 1 : 0)));
        for (const split of ['train', 'validation', 'all'] as const) {
          const idx = buildEventIndex(frame, splits, split, tolerance);
          for (const objective of objectives) {
            const s = new BitScorer(objective, idx);
            expect(s.score(bits)).toBeCloseTo(objectiveScore(objective, flags, idx), 12);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('finds a set bit in any range', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 130 }), fc.nat(), fc.nat(), (b, x, y) => {
        const bits = bitsOfBool(Uint8Array.from(b, (v) => (v ? 1 : 0)));
        const from = x % (b.length + 1);
        const to = from + (y % (b.length + 1 - from));
        expect(anyIn(bits, from, to)).toBe(b.slice(from, to).some(Boolean));
      }),
    );
  });
});

describe('hold', () => {
  it('is the engine\'s count(c, w) >= 1', async () => {
    const x = [0, 5, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 9, 0];
    const csv = 'id,t,x,label\n' + x.map((v, i) => `${i < 7 ? 'a' : 'b'},${i},${v},0`).join('\n') + '\n';
    for (const w of [1, 2, 3, 5]) {
      const a = await analyzeWith(csv, `dataset "data.csv" { series = id time = t label = label }\nrule c when x > 1\nrule h when count(x > 1, ${w}) >= 1\n`);
      const c = bitsOfBool(a.ruleFlags[0].flags as Uint8Array);
      const got = Array.from(bytesOf(hold(c, w, a.data!.frame.seriesStart), x.length));
      expect(got).toEqual(Array.from(a.ruleFlags[1].flags as Uint8Array, (v) => (v === 1 ? 1 : 0)));
    }
  });
});
