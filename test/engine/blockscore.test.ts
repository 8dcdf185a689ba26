// Scoring by blocks (blockscore.ts): each block of whole series scored alone, the blocks' scores
// added up in any order, give what score() gives over the whole frame, key for key; so do the
// below-baseline objective and the figures the firing warnings read.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addScores, blockLabels, emptyScores, finishScores, firingFrom, objectives, scoreBlock, type BlockScores, type ScoringPlan } from '../../server/src/engine/blockscore';
import { splitExposure } from '../../server/src/engine/events';
import type { Frame } from '../../server/src/engine/frame';
import { scoringFrame } from '../support/frame';
import { fileObjective, score, ScoringIndex, type NamedFlags, type ScoreSplit } from '../../server/src/engine/metrics';
import { labelledPoints, trueBits } from '../../server/src/engine/points';
import { assignSplits, type Splits } from '../../server/src/engine/split';

const N = Number.NaN;
const WEEK = 7 * 24 * 3600 * 1000;

/** A frame with what scoring reads: series, labels, and times (weekly dates, some series irregular, or numbers). */
function makeFrame(lengths: number[], label: number[], dates: boolean): Frame {
  // Series s steps by s % 3 + 1 weeks: medians differ, so the exposure sums different fractions.
  const time = (s: number, k: number) => (dates ? Date.UTC(2024, 0, 1) + (s * 11 + k * ((s % 3) + 1) + (k > 3 ? s % 2 : 0)) * WEEK : k);
  return scoringFrame(lengths, label, { time, timeKind: dates ? 'date' : 'number', source: 'random' });
}

const scenario = fc
  .record({
    // Sometimes enough series for the hash split (20), sometimes few.
    lengths: fc.oneof(fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 6 }), fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 20, maxLength: 30 })),
    nRules: fc.integer({ min: 0, max: 4 }),
    nExcludes: fc.integer({ min: 0, max: 2 }),
    anomalyRate: fc.constantFrom(0, 0.1, 0.4, 0.9),
    labelledRate: fc.constantFrom(0, 0.3, 1),
    flagRate: fc.constantFrom(0.1, 0.5, 0.9),
  })
  .chain((p) => {
    const n = p.lengths.reduce((a, b) => a + b, 0);
    const labelCell = fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })).map(([u, v]) => (u >= p.labelledRate ? N : v < p.anomalyRate ? 1 : 0));
    // Runs of flags (alarms), unknowns, and some columns that never fire or were not evaluated.
    const flagCell = fc.double({ min: 0, max: 1, noNaN: true }).map((u) => (u < p.flagRate * 0.8 ? 1 : u < p.flagRate ? 2 : 0));
    const flagColumn = fc.option(fc.oneof({ weight: 5, arbitrary: fc.array(flagCell, { minLength: n, maxLength: n }) }, { weight: 1, arbitrary: fc.constant(new Array<number>(n).fill(0)) }), { freq: 6 });
    return fc.record({
      lengths: fc.constant(p.lengths),
      label: fc.array(labelCell, { minLength: n, maxLength: n }),
      rules: fc.array(flagColumn, { minLength: p.nRules, maxLength: p.nRules }),
      excludes: fc.array(flagColumn, { minLength: p.nExcludes, maxLength: p.nExcludes }),
      // How points are split: by the hash of the series (or one time cut when few), each series by its time, or a column.
      method: fc.constantFrom('auto', 'time', 'column'),
      column: fc.array(fc.constantFrom(0, 1, 2), { minLength: n, maxLength: n }),
      dates: fc.boolean(),
      tolerance: fc.constantFrom(0, 1, 3),
      objective: fc.constantFrom(undefined, { kind: 'point_f1' as const }, { kind: 'event_f1' as const }, { kind: 'f_beta' as const, beta: 2 }),
      // Where blocks start (series indexes), and the order their scores are added in.
      cuts: fc.array(fc.integer({ min: 1, max: 29 }), { maxLength: 8 }),
      order: fc.array(fc.integer(), { maxLength: 40 }),
      asked: fc.subarray(['train', 'validation', 'test', 'all'] as ScoreSplit[], { minLength: 1 }),
    });
  });
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function setup(sc: Scenario) {
  const frame = makeFrame(sc.lengths, sc.label, sc.dates);
  const shares: [number, number, number] = [0.6, 0.2, 0.2];
  const splits: Splits = sc.method === 'column' ? { of: Uint8Array.from(sc.column), shares, by: 'column' } : assignSplits(frame, shares, sc.method === 'time' ? 'time' : 'auto');
  const index = new ScoringIndex(frame, splits);
  const named = (cols: (number[] | null)[], prefix: string): NamedFlags[] => cols.map((c, k) => ({ name: `${prefix}${k}`, flags: c ? Uint8Array.from(c) : undefined }));
  const rules = named(sc.rules, 'r');
  const excludes = named(sc.excludes, 'x');
  // The blocks' flag columns: the evaluated declarations', excludes first, as analyze.ts lists them.
  const live = [...excludes, ...rules].filter((d) => d.flags);
  const objective = index.objective(sc.objective).objective;
  const asked = sc.asked;
  const plan: ScoringPlan = {
    splits: asked,
    objectiveSplits: asked.includes('train') ? [] : ['train'],
    objectiveEvents: objective.kind !== 'point_f1',
    tolerance: sc.tolerance,
    rules: rules.map((r) => live.indexOf(r)),
    excludes: excludes.map((e) => live.indexOf(e)),
  };
  return { frame, splits, index, rules, excludes, live, plan, opts: { objective: sc.objective, tolerance: sc.tolerance } };
}

/** Every block scored alone (blocks of whole series, cut at `cuts`), then added up in a shuffled order. */
function byBlocks(sc: Scenario, s: ReturnType<typeof setup>, add = addScores): BlockScores {
  const starts = s.frame.seriesStart;
  const series = starts.length - 1;
  const cuts = [...new Set([0, ...sc.cuts.filter((c) => c < series), series])].sort((a, b) => a - b);
  const labelled = labelledPoints(s.frame);
  const parts: BlockScores[] = [];
  for (let b = 0; b + 1 < cuts.length; b++) {
    const [s0, s1] = [cuts[b], cuts[b + 1]];
    const at = starts[s0];
    const local = Int32Array.from(starts.subarray(s0, s1 + 1), (x) => x - at);
    const flags = s.live.map((d) => d.flags!.subarray(at, starts[s1]));
    parts.push(scoreBlock(s.plan, flags, local, blockLabels(starts, labelled, s.splits, s0, s1)));
  }
  // Added in any order.
  for (let k = 0; k < parts.length; k++) {
    const j = Math.abs(sc.order[k] ?? 0) % parts.length;
    [parts[k], parts[j]] = [parts[j], parts[k]];
  }
  const total = emptyScores(s.plan);
  for (const p of parts) add(total, p);
  return total;
}

function finished(sc: Scenario, s: ReturnType<typeof setup>, total: BlockScores, split: ScoreSplit) {
  const k = [...s.plan.splits, ...s.plan.objectiveSplits].indexOf(split);
  const part = total.splits[k];
  const ctx = { objective: s.index.objective(sc.objective), tolerance: sc.tolerance, ...splitExposure(s.frame, s.splits, split, part.points) };
  return finishScores(split, part, ctx, s.rules.map((r) => r.name), s.excludes.map((e) => e.name));
}

/** The firing figures from the flag columns, as analyze.ts reads them. */
function firingOf(s: ReturnType<typeof setup>) {
  const lab = labelledPoints(s.frame).points;
  const fires = s.rules.map((r) => (r.flags ? { fires: r.flags.filter((f) => f === 1).length, labelledFired: Array.from(lab).filter((i) => r.flags![i] === 1).length } : undefined));
  const covers = s.rules.map((a) =>
    s.rules.map((b) => {
      if (a === b || !a.flags || !b.flags) return undefined;
      const [x, y] = [trueBits(a.flags), trueBits(b.flags)];
      return { any: x.some((w) => w !== 0), subset: x.every((w, k) => (w & ~y[k]) === 0), equal: x.every((w, k) => w === y[k]) };
    }),
  );
  const excludeFires = s.excludes.map((e) => (e.flags ? e.flags.filter((f) => f === 1).length : undefined));
  return { fires, covers, excludeFires };
}

function firingFromBlocks(s: ReturnType<typeof setup>, total: BlockScores) {
  const f = firingFrom(total, s.plan);
  return {
    fires: s.rules.map((_, k) => (f.evaluated(k) ? f.fires(k) : undefined)),
    covers: s.rules.map((_, a) =>
      s.rules.map((_, b) => {
        if (a === b || !f.evaluated(a) || !f.evaluated(b)) return undefined;
        const c = f.covers(a, b);
        // What firingIssues reads: whether a is covered by b (any and subset), and equal then.
        return c.subset ? c : { any: c.any, subset: false, equal: false };
      }),
    ),
    excludeFires: s.excludes.map((_, k) => (f.excludeEvaluated(k) ? f.excludeFires(k) : undefined)),
  };
}

/** The reference's coverage, as firingIssues reads it: any and equal count only when subset. */
function asRead(f: ReturnType<typeof firingOf>) {
  return { ...f, covers: f.covers.map((row) => row.map((c) => c && (c.subset ? c : { any: c.any, subset: false, equal: false }))) };
}

describe('scoring by blocks', () => {
  it('adds up to the scores of the whole frame, on every split asked for', () => {
    fc.assert(
      fc.property(scenario, (sc) => {
        const s = setup(sc);
        const total = byBlocks(sc, s);
        for (const split of s.plan.splits) {
          // Key for key, in the same order: JSON output is the same.
          expect(JSON.stringify(finished(sc, s, total, split))).toBe(JSON.stringify(score(s.index, split, s.rules, s.excludes, s.opts)));
        }
      }),
      { numRuns: 300 },
    );
  });

  it("gives train's objective and flag-all's as fileObjective does", () => {
    fc.assert(
      fc.property(scenario, (sc) => {
        const s = setup(sc);
        const got = objectives(finished(sc, s, byBlocks(sc, s), 'train'));
        expect(got).toEqual(fileObjective(s.index, 'train', s.rules, s.excludes, s.opts));
      }),
      { numRuns: 300 },
    );
  });

  it('gives the firing figures of the flag columns', () => {
    fc.assert(
      fc.property(scenario, (sc) => {
        const s = setup(sc);
        expect(firingFromBlocks(s, byBlocks(sc, s))).toEqual(asRead(firingOf(s)));
      }),
      { numRuns: 300 },
    );
  });
});
