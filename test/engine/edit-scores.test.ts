// Scores after threshold edits, made from the bit sets, counts and event walks before each edit at
// the words it changed (derive.ts, events.ts), equal the scores of the same rules evaluated afresh:
// on random data, labels and runs of edits, on every split, for point and event objectives.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { check } from '../../grammar/src/check';
import { parse } from '../../grammar/src/parse';
import { derivedUses } from '../../server/src/engine/derive';
import { Evaluator, FeatureCache } from '../../server/src/engine/evaluate';
import { schemaOf, type Frame } from '../../server/src/engine/frame';
import type { Bool } from '../../server/src/engine/kernels';
import { score, ScoringIndex, type NamedFlags } from '../../server/src/engine/metrics';
import { compile } from '../../server/src/engine/plan';
import { assignSplits } from '../../server/src/engine/split';
import { frameOf } from '../core/helpers';

/** The rules and excludes of `text`, evaluated by `ev`. */
function flagsOf(frame: Frame, text: string, ev: Evaluator): { rules: NamedFlags[]; excludes: NamedFlags[] } {
  const checked = check(parse(text), schemaOf(frame));
  const errors = checked.issues.filter((i) => i.severity === 'error');
  if (errors.length) throw new Error(`${text}: ${errors.map((e) => e.message).join(' / ')}`);
  const program = compile(checked);
  const named = (d: (typeof program.rules)[number]) => ({ name: d.name, flags: d.node ? (ev.column(d.node) as Bool) : undefined });
  return { rules: program.rules.map(named), excludes: program.excludes.map(named) };
}

const value = fc.oneof({ weight: 30, arbitrary: fc.integer({ min: 0, max: 99 }) }, { weight: 1, arbitrary: fc.constant(null) });
const label = fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.constant(1) }, { weight: 2, arbitrary: fc.constant(null) });
const point = fc.tuple(value, value, label);
const series = fc.array(point, { minLength: 1, maxLength: 60 });
const shortSeries = fc.array(point, { minLength: 1, maxLength: 4 });
const step = fc.constantFrom(-3, -1, -0.5, 0.5, 1, 2, 4);

describe('scores after threshold edits', () => {
  it('equal the scores of the rules evaluated afresh, every split, point and event objectives', () => {
    const before = { ...derivedUses };
    fc.assert(
      fc.property(
        // Up to 12 series (split by time within each), or more (split by series, whole series each),
        // or many short ones (segments starting anywhere in a word of bits).
        fc.oneof(fc.array(series, { minLength: 2, maxLength: 12 }), fc.array(series, { minLength: 20, maxLength: 40 }), fc.array(shortSeries, { minLength: 20, maxLength: 120 })),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), step), { minLength: 1, maxLength: 10 }),
        fc.constantFrom(0, 1),
        (all, edits, tolerance) => {
          const frame = frameOf(Object.fromEntries(all.map((s, k) => [`s${k}`, { a: s.map((p) => p[0]), b: s.map((p) => p[1]), label: s.map((p) => p[2]) }])));
          const index = new ScoringIndex(frame, assignSplits(frame, [0.5, 0.3, 0.2]));
          const kept = new Evaluator(frame, new FeatureCache());
          kept.reuseInner = true;
          // Four thresholds: two rules, a rule against a lag, an exclude.
          const t = [60, 30, 2, 10];
          const text = () =>
            [
              `rule high when a >= ${t[0]} or (b / lag(a, 1) > 2 and a >= 50)`,
              `rule low when a < ${t[1]} and b > 40`,
              `rule jump when a - lag(a, 1) > ${t[2] * 10}`,
              `exclude quiet when b < ${t[3]}`,
            ].join('\n');
          for (const [which, by] of [[0, 0] as [number, number], ...edits]) {
            t[which] += by;
            const edited = flagsOf(frame, text(), kept);
            const fresh = flagsOf(frame, text(), new Evaluator(frame, new FeatureCache()));
            for (const split of ['train', 'validation', 'all'] as const) {
              for (const objective of [{ kind: 'point_f1' as const }, { kind: 'event_f1' as const }]) {
                const opts = { objective, tolerance };
                expect(score(index, split, edited.rules, edited.excludes, opts), `${text()} on ${split}`).toEqual(score(index, split, fresh.rules, fresh.excludes, opts));
              }
            }
          }
        },
      ),
      { numRuns: 100 },
    );
    // The edits were scored from the sets and counts before them.
    expect(derivedUses.sets).toBeGreaterThan(before.sets + 20);
    expect(derivedUses.counts).toBeGreaterThan(before.counts + 20);
    expect(derivedUses.walks).toBeGreaterThan(before.walks + 20);
  });
});
