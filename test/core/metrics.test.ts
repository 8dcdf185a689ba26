// Scoring against a naive reference (straight loops over points), and the train/validation/test split.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Frame } from '../../server/src/engine/frame';
import { scoringFrame } from '../support/frame';
import { fileObjective, score, ScoringIndex, type FileScores, type NamedFlags, type ScoreSplit } from '../../server/src/engine/metrics';
import { grouped } from '../../grammar/src/plural';
import { assignSplits, fnv1a, minSeriesForHashSplit, splitIndex, type Splits } from '../../server/src/engine/split';
import { labelsFormRuns, referenceEvents, type RefEvents } from './event-reference';
import { frameOf } from './helpers';

const N = Number.NaN;

/** A frame with only what scoring reads: series layout and labels. */
function makeFrame(lengths: number[], label: number[]): Frame {
  return scoringFrame(lengths, label, { source: 'random' });
}

interface RefScores extends RefEvents {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  fires: number;
  unjudged: number;
  precision: number;
  recall: number;
  f1: number;
  objective: number;
}

/** The reference: every number recomputed from its definition, point by point. */
function reference(frame: Frame, of: Uint8Array, split: ScoreSplit, rules: NamedFlags[], excludes: NamedFlags[]): FileScores {
  const n = frame.length;
  const y = frame.label!;
  const inSplit = (i: number) => split === 'all' || of[i] === splitIndex[split];
  const isTrue = (f: Uint8Array | undefined, i: number) => !!f && f[i] === 1;
  const isUnknown = (f: Uint8Array | undefined, i: number) => !!f && f[i] === 2;
  const excluded = (i: number) => excludes.some((e) => isTrue(e.flags, i));
  const ruleFires = (k: number, i: number) => inSplit(i) && isTrue(rules[k].flags, i) && !excluded(i);
  const fileFires = (i: number) => rules.some((_, k) => ruleFires(k, i));

  // Runs of consecutive anomalies in the split, within a series.
  const eventObjective = labelsFormRuns(frame);
  const runs: [number, number][] = [];
  for (let s = 0; s < frame.seriesIds.length; s++) {
    let start = -1;
    for (let i = frame.seriesStart[s]; i <= frame.seriesStart[s + 1]; i++) {
      const anomaly = i < frame.seriesStart[s + 1] && inSplit(i) && y[i] === 1;
      if (anomaly && start < 0) start = i;
      if (!anomaly && start >= 0) {
        runs.push([start, i]);
        start = -1;
      }
    }
  }

  const anomalies = Array.from({ length: n }, (_, i) => i).filter((i) => inSplit(i) && y[i] === 1).length;
  const scoresOf = (fires: (i: number) => boolean, unknown: (i: number) => boolean): RefScores => {
    let tp = 0, fp = 0, fn = 0, tn = 0, count = 0, unjudged = 0;
    for (let i = 0; i < n; i++) {
      if (!inSplit(i)) continue;
      const f = fires(i);
      if (f) count++;
      if (Number.isNaN(y[i])) continue;
      if (f && y[i] === 1) tp++;
      if (f && y[i] === 0) fp++;
      if (!f && y[i] === 1) fn++;
      if (!f && y[i] === 0) tn++;
      // An excluded point is decided (not flagged) whatever the rules say.
      if (!f && unknown(i) && !excludes.some((e) => isTrue(e.flags, i))) unjudged++;
    }
    const events = referenceEvents(frame, inSplit, fires);
    const f1 = tp + fp + fn > 0 ? (2 * tp) / (2 * tp + fp + fn) : N;
    const objective = eventObjective ? events.eventF1 : f1;
    return {
      tp, fp, fn, tn,
      fires: count,
      unjudged,
      precision: tp + fp > 0 ? tp / (tp + fp) : N,
      recall: tp + fn > 0 ? tp / (tp + fn) : N,
      f1,
      ...events,
      objective: Number.isNaN(objective) ? 0 : objective,
    };
  };

  const labelled = (i: number) => inSplit(i) && !Number.isNaN(y[i]);
  const ruleScores = rules.map((r, k) => {
    let uniqueTp = 0;
    for (let i = 0; i < n; i++) {
      if (labelled(i) && y[i] === 1 && ruleFires(k, i) && !rules.some((_, o) => o !== k && ruleFires(o, i))) uniqueTp++;
    }
    const overlap: Record<string, number> = {};
    rules.forEach((o, m) => {
      if (m === k) return;
      let c = 0;
      for (let i = 0; i < n; i++) if (ruleFires(k, i) && ruleFires(m, i)) c++;
      overlap[o.name] = c;
    });
    return { ...scoresOf((i) => ruleFires(k, i), (i) => isUnknown(r.flags, i)), name: r.name, uniqueTp, overlap };
  });

  const excludeScores = excludes.map((e) => {
    let removedTp = 0, removedFp = 0, fires = 0;
    for (let i = 0; i < n; i++) {
      if (!inSplit(i)) continue;
      if (isTrue(e.flags, i)) fires++;
      const anyRule = rules.some((r) => isTrue(r.flags, i));
      if (!labelled(i) || !anyRule || !isTrue(e.flags, i)) continue;
      if (y[i] === 1) removedTp++;
      else removedFp++;
    }
    return { name: e.name, removedTp, removedFp, fires };
  });

  const seriesIn = new Set<number>();
  let points = 0;
  let nLabelled = 0;
  for (let i = 0; i < n; i++) {
    if (!inSplit(i)) continue;
    points++;
    seriesIn.add(frame.seriesOf[i]);
    if (!Number.isNaN(y[i])) nLabelled++;
  }
  return {
    split,
    points,
    series: seriesIn.size,
    labelled: nLabelled,
    anomalies,
    hasEvents: runs.some(([a, b]) => b - a > 1),
    objective: {
      objective: { kind: eventObjective ? 'event_f1' : 'point_f1' },
      label: eventObjective ? 'event F1' : 'point F1',
      set: false,
      why: expect.any(String),
    },
    tolerance: 0,
    period: '1,000 points',
    file: scoresOf(fileFires, (i) => rules.some((r) => isUnknown(r.flags, i))),
    baselines: { all: scoresOf(() => true, () => false), none: scoresOf(() => false, () => false) },
    rules: ruleScores,
    excludes: excludeScores,
  };
}

/** Random series (lengths), labels (1, 0 or unlabelled), splits, and flag columns (0, 1, 2). */
const scenario = fc
  .record({
    lengths: fc.array(fc.integer({ min: 0, max: 45 }), { minLength: 1, maxLength: 5 }),
    nRules: fc.integer({ min: 0, max: 4 }),
    nExcludes: fc.integer({ min: 0, max: 2 }),
    anomalyRate: fc.constantFrom(0, 0.1, 0.4, 0.9),
    labelledRate: fc.constantFrom(0, 0.3, 1),
    seed: fc.integer(),
  })
  .chain((p) => {
    const n = p.lengths.reduce((a, b) => a + b, 0);
    const labelCell = fc.double({ min: 0, max: 1, noNaN: true }).chain((u) =>
      fc.double({ min: 0, max: 1, noNaN: true }).map((v) => (u >= p.labelledRate ? N : v < p.anomalyRate ? 1 : 0)),
    );
    const flagColumn = fc.option(fc.array(fc.constantFrom(0, 0, 1, 2), { minLength: n, maxLength: n }), { freq: 6 });
    return fc.record({
      lengths: fc.constant(p.lengths),
      label: fc.array(labelCell, { minLength: n, maxLength: n }),
      of: fc.array(fc.constantFrom(0, 1, 2), { minLength: n, maxLength: n }),
      rules: fc.array(flagColumn, { minLength: p.nRules, maxLength: p.nRules }),
      excludes: fc.array(flagColumn, { minLength: p.nExcludes, maxLength: p.nExcludes }),
    });
  });

describe('metrics equal a naive reference', () => {
  it('on random frames, splits, labels and flags', () => {
    fc.assert(
      fc.property(scenario, (sc) => {
        const frame = makeFrame(sc.lengths, sc.label);
        const of = Uint8Array.from(sc.of);
        const splits: Splits = { of, shares: [0.6, 0.2, 0.2], by: 'series' };
        const index = new ScoringIndex(frame, splits);
        const named = (cols: (number[] | null)[], prefix: string): NamedFlags[] =>
          cols.map((c, k) => ({ name: `${prefix}${k}`, flags: c ? Uint8Array.from(c) : undefined }));
        const rules = named(sc.rules, 'r');
        const excludes = named(sc.excludes, 'e');
        for (const split of ['all', 'train', 'validation', 'test'] as ScoreSplit[]) {
          expect(score(index, split, rules, excludes)).toEqual(reference(frame, of, split, rules, excludes));
        }
        // Whole series per split, given per series (as the hash split gives it: no point walked),
        // and the file's objective alone (the below-baseline warning), for both objectives.
        const seriesSplit = Uint8Array.from(sc.lengths, (_, k) => sc.of[frame.seriesStart[k]] ?? 0);
        const bySeries = new Uint8Array(frame.length);
        seriesSplit.forEach((v, k) => bySeries.fill(v, frame.seriesStart[k], frame.seriesStart[k + 1]));
        const perSeries = new ScoringIndex(frame, { of: bySeries, seriesSplit, shares: [0.6, 0.2, 0.2], by: 'series' });
        for (const split of ['all', 'train', 'validation', 'test'] as ScoreSplit[]) {
          const ref = reference(frame, bySeries, split, rules, excludes);
          expect(score(perSeries, split, rules, excludes)).toEqual(ref);
          for (const objective of [{ kind: 'point_f1' as const }, { kind: 'event_f1' as const }]) {
            const full = score(new ScoringIndex(frame, { of: bySeries, seriesSplit, shares: [0.6, 0.2, 0.2], by: 'series' }), split, rules, excludes, { objective });
            const alone = fileObjective(new ScoringIndex(frame, { of: bySeries, seriesSplit, shares: [0.6, 0.2, 0.2], by: 'series' }), split, rules, excludes, { objective });
            expect([alone.file, alone.all]).toEqual([full.file.objective, full.baselines.all.objective]);
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  it('scored again after edits (unchanged flag arrays reused, one replaced, one dropped), each time as the reference', () => {
    fc.assert(
      fc.property(scenario, fc.array(fc.constantFrom(0, 1, 2), { minLength: 0, maxLength: 230 }), (sc, edited) => {
        const frame = makeFrame(sc.lengths, sc.label);
        const of = Uint8Array.from(sc.of);
        const index = new ScoringIndex(frame, { of, shares: [0.6, 0.2, 0.2], by: 'series' });
        const named = (cols: (number[] | null)[], prefix: string): NamedFlags[] =>
          cols.map((c, k) => ({ name: `${prefix}${k}`, flags: c ? Uint8Array.from(c) : undefined }));
        const rules = named(sc.rules, 'r');
        const excludes = named(sc.excludes, 'e');
        const replaced = Uint8Array.from({ length: frame.length }, (_, i) => edited[i % Math.max(1, edited.length)] ?? 0);
        const versions: [NamedFlags[], NamedFlags[]][] = [
          [rules, excludes],
          [rules.map((r, k) => (k === 0 ? { ...r, flags: replaced } : r)), excludes],
          [rules.slice(1), excludes],
          [rules, excludes.map((e, k) => (k === 0 ? { ...e, flags: replaced } : e))],
          [rules, []],
          [rules, excludes],
        ];
        for (const [r, e] of versions) {
          for (const split of ['all', 'train'] as ScoreSplit[]) {
            const ref = reference(frame, of, split, r, e);
            expect(score(index, split, r, e)).toEqual(ref);
            // The same bits under another objective: its own figure, not the one remembered.
            const byEvents = score(index, split, r, e, { objective: { kind: 'event_f1' } });
            expect(byEvents.file.objective).toBe(Number.isNaN(ref.file.eventF1) ? 0 : ref.file.eventF1);
            const byPoints = score(index, split, r, e, { objective: { kind: 'point_f1' } });
            expect(byPoints.file.objective).toBe(Number.isNaN(ref.file.f1) ? 0 : ref.file.f1);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('a worked example: events, unique catches, overlap, excludes', () => {
    // One series of 10 points: anomalies at 1-3 (one event of three points) and 7 (an event of one).
    const label = [0, 1, 1, 1, 0, N, 0, 1, 0, 0];
    const frame = makeFrame([10], label);
    const index = new ScoringIndex(frame, { of: new Uint8Array(10), shares: [1, 0, 0], by: 'time' });
    const f = (s: string) => Uint8Array.from(s, (c) => (c === 'T' ? 1 : c === '?' ? 2 : 0));
    const s = score(
      index,
      'train',
      [
        { name: 'a', flags: f('FFTFTTFFFF') },
        { name: 'b', flags: f('F?TTFT?FFT') },
      ],
      [{ name: 'x', flags: f('FFFFFFFFFT') }],
    );
    expect(s).toMatchObject({ points: 10, series: 1, labelled: 9, anomalies: 4, hasEvents: true });
    // a: fires at 2, 4, 5 -> TP 2; FP 4; 5 is unlabelled.
    expect(s.rules[0]).toMatchObject({ tp: 1, fp: 1, fn: 3, tn: 4, fires: 3, unjudged: 0, uniqueTp: 0, events: 2, eventsCaught: 1, eventRecall: 0.5 });
    // b: fires at 2, 3, 5 (9 is excluded); unknown at 1 (an anomaly) and 6 (normal).
    expect(s.rules[1]).toMatchObject({ tp: 2, fp: 0, fn: 2, tn: 5, fires: 3, unjudged: 2, uniqueTp: 1, precision: 1, recall: 0.5 });
    expect(s.rules[0].overlap).toEqual({ b: 2 });
    expect(s.rules[1].overlap).toEqual({ a: 2 });
    // The file: 2, 3, 4, 5 flagged; 1 is unknown for b and not flagged by a.
    expect(s.file).toMatchObject({ tp: 2, fp: 1, fn: 2, tn: 4, fires: 4, unjudged: 2, eventsCaught: 1, events: 2 });
    expect(s.file.f1).toBeCloseTo(4 / 7, 12);
    expect(s.excludes[0]).toEqual({ name: 'x', removedTp: 0, removedFp: 1, fires: 1 });
  });

  it('undefined ratios are NaN, not 0', () => {
    const frame = makeFrame([4], [0, 0, N, 0]);
    const index = new ScoringIndex(frame, { of: new Uint8Array(4), shares: [1, 0, 0], by: 'time' });
    const s = score(index, 'all', [{ name: 'quiet', flags: new Uint8Array(4) }], []);
    expect(s.rules[0]).toMatchObject({ tp: 0, fp: 0, fn: 0, tn: 3 });
    expect(s.rules[0].precision).toBeNaN();
    expect(s.rules[0].recall).toBeNaN();
    expect(s.rules[0].f1).toBeNaN();
    expect(s.rules[0].eventRecall).toBeNaN();
    // A rule that cannot be evaluated scores as one that never fires.
    const broken = score(index, 'all', [{ name: 'broken' }], []);
    expect(broken.rules[0]).toMatchObject({ tp: 0, fp: 0, fires: 0, unjudged: 0 });
  });
});

describe('splits', () => {
  it('FNV-1a matches the reference values', () => {
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    expect(fnv1a('foobar')).toBe(0xbf9cf968);
  });

  /** Many series of `len` points, every point labelled. */
  function manySeries(count: number, len: number): Frame {
    const series: Record<string, { x: number[]; label: number[] }> = {};
    for (let s = 0; s < count; s++) series[`SKU${s}`] = { x: Array(len).fill(1), label: Array.from({ length: len }, (_, i) => (i + s) % 2) };
    return frameOf(series);
  }

  it(`with ${minSeriesForHashSplit} series or more: by series, deterministic, shares roughly respected`, () => {
    const frame = manySeries(3000, 2);
    const a = assignSplits(frame, [0.6, 0.2, 0.2]);
    const b = assignSplits(manySeries(3000, 2), [0.6, 0.2, 0.2]);
    expect(a.by).toBe('series');
    expect(Array.from(a.of)).toEqual(Array.from(b.of));
    const perSplit = [0, 0, 0];
    for (let s = 0; s < frame.seriesIds.length; s++) {
      const first = a.of[frame.seriesStart[s]];
      for (let i = frame.seriesStart[s]; i < frame.seriesStart[s + 1]; i++) expect(a.of[i]).toBe(first);
      perSplit[first]++;
    }
    // About 60/20/20: the binomial standard deviation is under 1% here.
    expect(Math.abs(perSplit[0] / 3000 - 0.6)).toBeLessThan(0.04);
    expect(Math.abs(perSplit[1] / 3000 - 0.2)).toBeLessThan(0.04);
    expect(Math.abs(perSplit[2] / 3000 - 0.2)).toBeLessThan(0.04);
    // A series keeps its split when other series come and go.
    const fewer = manySeries(minSeriesForHashSplit, 2);
    const c = assignSplits(fewer, [0.6, 0.2, 0.2]);
    for (let s = 0; s < fewer.seriesIds.length; s++) expect(c.of[fewer.seriesStart[s]]).toBe(a.of[frame.seriesStart[s]]);
  });

  it('ids that differ only in their last characters are spread over every split', () => {
    for (const name of [(i: number) => String(i), (i: number) => `SKU${i}`, (i: number) => `SKU${String(i + 1).padStart(5, '0')}`]) {
      const series: Record<string, { x: number[] }> = {};
      for (let s = 0; s < 100; s++) series[name(s)] = { x: [1] };
      const frame = frameOf(series);
      const of = Array.from(assignSplits(frame, [0.6, 0.2, 0.2]).of);
      const counts = [0, 1, 2].map((k) => of.filter((v) => v === k).length);
      expect(counts[0], `train of ${name(0)}...`).toBeGreaterThanOrEqual(45);
      expect(counts[1], `validation of ${name(0)}...`).toBeGreaterThanOrEqual(10);
      expect(counts[2], `test of ${name(0)}...`).toBeGreaterThanOrEqual(10);
    }
  });

  it('one series: by time, train before validation before test', () => {
    const label = Array.from({ length: 100 }, (_, i) => i % 3 === 0 ? 1 : 0);
    const frame = frameOf({ only: { x: Array(100).fill(0), label } });
    const sp = assignSplits(frame, [0.6, 0.2, 0.2]);
    expect(sp.by).toBe('time');
    const of = Array.from(sp.of);
    expect(of.filter((v) => v === 0)).toHaveLength(60);
    expect(of.filter((v) => v === 1)).toHaveLength(20);
    expect(of.filter((v) => v === 2)).toHaveLength(20);
    for (let i = 1; i < 100; i++) expect(of[i]).toBeGreaterThanOrEqual(of[i - 1]);
  });

  it('by time, the shares count labelled points; an unlabelled point goes with the labelled point before it', () => {
    // 10 labelled points among 30: the cut falls between labelled points.
    const label: (number | null)[] = Array.from({ length: 30 }, (_, i) => (i % 3 === 2 ? i % 2 : null));
    const frame = frameOf({ s: { x: Array(30).fill(0), label } });
    const of = Array.from(assignSplits(frame, [0.6, 0.2, 0.2]).of);
    const labelledSplits = of.filter((_, i) => label[i] !== null);
    expect(labelledSplits).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 2, 2]);
    for (let i = 1; i < 30; i++) expect(of[i]).toBeGreaterThanOrEqual(of[i - 1]);
    // A series without labels is all train.
    const none = frameOf({ s: { x: [1, 2, 3], label: [null, null, null] } });
    expect(Array.from(assignSplits(none, [0.6, 0.2, 0.2]).of)).toEqual([0, 0, 0]);
  });

  it('a few series: one time cut for all, so validation and test never precede train', () => {
    const frame = frameOf({
      a: { x: Array(10).fill(0), label: Array(10).fill(0) },
      b: { x: Array(5).fill(0), label: [0, 1, 0, 1, 0] },
    });
    const sp = assignSplits(frame, [0.6, 0.2, 0.2]);
    expect(sp.by).toBe('time');
    // 15 labelled points ranked by time (a0 b0 a1 b1 ... a4 b4 a5 ... a9): 9 train, 3 validation, 3 test.
    expect(Array.from(sp.of)).toEqual([0, 0, 0, 0, 0, 1, 1, 2, 2, 2, 0, 0, 0, 0, 1]);
  });

  it('a few series each labelled once at the same time still fill every split', () => {
    const series: Record<string, { x: number[]; label: (number | null)[] }> = {};
    for (let s = 0; s < 10; s++) series[`s${s}`] = { x: [1, 2, 3, 4], label: [null, null, null, s % 2] };
    const sp = assignSplits(frameOf(series), [0.6, 0.2, 0.2]);
    const last = Object.keys(series).map((_, s) => sp.of[s * 4 + 3]);
    expect([0, 1, 2].map((k) => last.filter((v) => v === k).length)).toEqual([6, 2, 2]);
  });
});

describe('report texts', () => {
  it('group digits as en-US does, for any number', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.integer({ min: -999_999, max: 999_999 }), fc.double(), fc.constantFrom(0, -0, 999, 1000, -1000, 2 ** 53, Infinity, Number.NaN)), (n) => {
        expect(grouped(n)).toBe(n.toLocaleString('en-US'));
      }),
      { numRuns: 2000 },
    );
  });
});
