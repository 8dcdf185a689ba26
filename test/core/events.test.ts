// Event-aware scoring: hand-computed cases for each figure, the reference on random data (any
// tolerance), and the learners' scoring functions against the full report.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildEventIndex,
  defaultObjective,
  eventScores,
  eventScoresAllFlagged,
  fBeta,
  objectiveScore,
  ObjectiveTracker,
  type EventIndex,
  type Objective,
} from '../../server/src/engine/events';
import type { Frame } from '../../server/src/engine/frame';
import { scoringFrame } from '../support/frame';
import { objectiveValue, score, ScoringIndex, type ScoreSplit } from '../../server/src/engine/metrics';
import { splitIndex, type Splits } from '../../server/src/engine/split';
import { referenceEvents } from './event-reference';

const N = Number.NaN;

/** Series of the given labels (`null` unlabelled), numeric time 0, 1, 2... per series. */
function frameOf(labels: (number | null)[][], time?: (s: number, i: number) => number, timeKind: Frame['timeKind'] = 'number'): Frame {
  return scoringFrame(
    labels.map((l) => l.length),
    labels.flat().map((v) => (v === null ? N : v)),
    { time, timeKind, source: 'hand' },
  );
}

const allTrain = (f: Frame): Splits => ({ of: new Uint8Array(f.length), shares: [1, 0, 0], by: 'time' });
/** `T` flagged, `?` unknown (not flagged), anything else not flagged; series joined. */
const flags = (...s: string[]) => Uint8Array.from(s.join(''), (c) => (c === 'T' ? 1 : c === '?' ? 2 : 0));
const L = (s: string) => Array.from(s, (c) => (c === '1' ? 1 : c === '0' ? 0 : null));

function ev(labels: string[], f: string[], tolerance = 0) {
  const frame = frameOf(labels.map(L));
  return eventScores(flags(...f), buildEventIndex(frame, allTrain(frame), 'train', tolerance));
}

describe('event figures, by hand', () => {
  it('an alarm overlapping an event is true; one elsewhere is false; delay counts from the event start', () => {
    //                 event 2-4         event 9-10
    const e = ev(['001110000110'], ['000TT00T0000']);
    // Precision: 2 of the alarms' 3 judged points are in an event; F1 of 2/3 and 1/2 is 4/7.
    expect(e).toMatchObject({ events: 2, detected: 1, alarms: 2, trueAlarms: 1, falseAlarms: 1, eventRecall: 0.5, delay: 1 });
    expect(e.eventPrecision).toBeCloseTo(2 / 3, 12);
    expect(e.eventF1).toBeCloseTo(4 / 7, 12);
    // 12 labelled points, one false alarm.
    expect(e.falseAlarmsPer1k).toBeCloseTo(1000 / 12, 12);
    expect(e.alarmRate).toBeCloseTo(2 / (12 / 1000), 9);
  });

  it('tolerance: an alarm just after (or before) an event catches it only within the tolerance', () => {
    const after = ['001110000000'];
    const f = ['00000T000000'];
    expect(ev(after, f, 0)).toMatchObject({ detected: 0, trueAlarms: 0, falseAlarms: 1, eventF1: 0 });
    expect(ev(after, f, 1)).toMatchObject({ detected: 1, trueAlarms: 1, falseAlarms: 0, eventF1: 1, delay: 3 });
    expect(ev(after, ['000000T00000'], 1)).toMatchObject({ detected: 0, falseAlarms: 1 });
    // Before the start: a negative delay (an early warning).
    expect(ev(after, ['0T0000000000'], 1)).toMatchObject({ detected: 1, delay: -1, eventPrecision: 1 });
    expect(ev(after, ['T00000000000'], 1)).toMatchObject({ detected: 0, falseAlarms: 1 });
  });

  it('several alarms in one event are each true; the event counts once', () => {
    const e = ev(['0111111100'], ['0T0T0T0000']);
    expect(e).toMatchObject({ events: 1, detected: 1, alarms: 3, trueAlarms: 3, falseAlarms: 0, eventPrecision: 1, eventRecall: 1, delay: 0 });
  });

  it('one alarm spanning two events catches both and counts once, for its share inside them', () => {
    const e = ev(['0011001100'], ['00TTTTTT00']);
    // 4 of its 6 points are in events: precision 2/3.
    expect(e).toMatchObject({ events: 2, detected: 2, alarms: 1, trueAlarms: 1, falseAlarms: 0, eventRecall: 1, delay: 0 });
    expect(e.eventPrecision).toBeCloseTo(2 / 3, 12);
    expect(e.eventF1).toBeCloseTo(0.8, 12);
  });

  it('an alarm that stays on through normal points counts for its share inside the event', () => {
    // Flag every point: one alarm, 3 of 10 points in the event.
    const all = ev(['0001110000'], ['TTTTTTTTTT']);
    expect(all).toMatchObject({ alarms: 1, trueAlarms: 1, detected: 1, eventRecall: 1, delay: 0 });
    expect(all.eventPrecision).toBeCloseTo(0.3, 12);
    // Two alarms: one exactly on the event (3 points in), one on 2 normal points: 3 of 5.
    const two = ev(['0001110000'], ['000TTT0TT0']);
    expect(two.eventPrecision).toBeCloseTo(0.6, 12);
    // Tolerance widens the event for this too: with 1 point each side, 5 of 10 points count.
    expect(ev(['0001110000'], ['TTTTTTTTTT'], 1).eventPrecision).toBeCloseTo(0.5, 12);
    // Unlabelled points outside events do not count either way: 3 in the event, 1 normal.
    expect(ev(['...1110...'], ['..TTTTT...']).eventPrecision).toBeCloseTo(0.75, 12);
  });

  it('alarms weigh by their length: splitting them gains nothing, one long false alarm costs its length', () => {
    // Every normal point flagged in two long alarms, and three one-point alarms inside the event.
    // Averaging the alarms' shares would give (0 + 1 + 1 + 1 + 0) / 5 = 0.6; by points, 3 of the
    // 16 judged points are in the event.
    const e = ev(['00000001111111000000'], ['TTTTTTT0T0T0T0TTTTTT']);
    expect(e).toMatchObject({ alarms: 5, trueAlarms: 3, falseAlarms: 2 });
    expect(e.eventPrecision).toBeCloseTo(3 / 16, 12);
    // Splitting the event's alarm into pieces only loses points: 4 of 6, then 2 of 4.
    expect(ev(['0011110000'], ['00TTTT0TT0']).eventPrecision).toBeCloseTo(4 / 6, 12);
    expect(ev(['0011110000'], ['00T0T00TT0']).eventPrecision).toBeCloseTo(2 / 4, 12);
  });

  it('events and alarms stop at series boundaries; tolerance never reaches into another series', () => {
    // Series 0 ends inside an event, series 1 starts with one.
    const e = ev(['00011', '11000'], ['000TT', 'TT000']);
    expect(e).toMatchObject({ events: 2, detected: 2, alarms: 2, trueAlarms: 2 });
    // A flag at the start of series 1 is 1 point from series 0's event in the flat layout, but in
    // another series: it is a false alarm however large the tolerance.
    const f = ev(['00011', '00000'], ['00000', 'T0000'], 5);
    expect(f).toMatchObject({ events: 1, detected: 0, alarms: 1, falseAlarms: 1 });
  });

  it('unlabelled points end events; an alarm on unlabelled points only is not judged', () => {
    // Two events (0-1 and 3-4) around an unlabelled point.
    expect(ev(['11.1100000'], ['0000000000'])).toMatchObject({ events: 2, detected: 0, eventRecall: 0, eventF1: 0 });
    // Flagging only the unlabelled point: an alarm, neither true nor false, unless a window covers it.
    const gap = ev(['11.1100000'], ['00T0000000']);
    expect(gap).toMatchObject({ alarms: 1, trueAlarms: 0, falseAlarms: 0, detected: 0 });
    expect(gap.eventPrecision).toBeNaN();
    expect(ev(['11.1100000'], ['00T0000000'], 1)).toMatchObject({ alarms: 1, trueAlarms: 1, detected: 2 });
    // An alarm over unlabelled points and a normal one is false.
    expect(ev(['00000...00'], ['0000TT0000'])).toMatchObject({ alarms: 1, falseAlarms: 1 });
    // Unlabelled far from events: counted in the alarm rate, not in precision.
    const quiet = ev(['1.........'], ['T....TTT..']);
    expect(quiet).toMatchObject({ alarms: 2, trueAlarms: 1, falseAlarms: 0, eventPrecision: 1 });
  });

  it('unknown flags (2) are not flags', () => {
    expect(ev(['0110'], ['0??0'])).toMatchObject({ alarms: 0, detected: 0 });
  });

  it('the delay is the median over detected events', () => {
    // Events at 1-4, 7-10, 13-16; first flags at +0, +2, +3.
    const e = ev(['0111100111100111100'], ['0T000000T000000T000']);
    expect(e.delay).toBe(1);
    const e2 = ev(['0111100111100111100'], ['0T000000TT000000T00']);
    expect(e2.delay).toBe(1);
    expect(ev(['0111100111100111100'], ['0T000000000000000T0']).delay).toBe(0);
    expect(ev(['0111100111100111100'], ['0000T00000000000T00']).delay).toBe(3);
  });

  it('point-adjusted F1 counts a whole event once one point of it is flagged', () => {
    const e = ev(['0111100000'], ['00T0000T00']);
    // Adjusted: TP 4, FP 1, FN 0 -> 8 / 9; plain point F1 would be 2 / (2 + 1 + 3).
    expect(e.pointAdjustedF1).toBeCloseTo(8 / 9, 12);
  });

  it('split boundaries cut events and alarms; each split scores its own', () => {
    const frame = frameOf([L('0011110000')]);
    const of = Uint8Array.from([0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
    const splits: Splits = { of, shares: [0.4, 0.6, 0], by: 'time' };
    const f = flags('000TTT0000');
    const train = eventScores(f, buildEventIndex(frame, splits, 'train', 0));
    const val = eventScores(f, buildEventIndex(frame, splits, 'validation', 0));
    const all = eventScores(f, buildEventIndex(frame, splits, 'all', 0));
    expect(train).toMatchObject({ events: 1, detected: 1, alarms: 1, delay: 1 });
    expect(val).toMatchObject({ events: 1, detected: 1, alarms: 1, delay: 0 });
    expect(all).toMatchObject({ events: 1, detected: 1, alarms: 1, delay: 1 });
    // Tolerance does not reach across a split boundary either.
    const late = eventScores(flags('0000000T00'), buildEventIndex(frame, splits, 'train', 5));
    expect(late).toMatchObject({ alarms: 0, detected: 0 });
  });

  it('alarms per series per week when times are dates', () => {
    const DAY = 86400000;
    // Two daily series of 14 points: 4 series-weeks.
    const frame = frameOf([L('00000000000000'), L('00000000000000')], (_s, i) => Date.UTC(2025, 0, 1) + i * DAY, 'date');
    const idx = buildEventIndex(frame, allTrain(frame), 'train', 0);
    expect(idx.period).toBe('week');
    expect(idx.exposure).toBeCloseTo(4, 12);
    const e = eventScores(flags('T0T00000000000', '00000000000000'), idx);
    expect(e.alarmRate).toBeCloseTo(0.5, 12);
    // Numbers or row order: per 1,000 points.
    expect(buildEventIndex(frameOf([L('00')]), allTrain(frameOf([L('00')])), 'train', 0).period).toBe('1,000 points');
  });

  it('F-beta weights recall beta times as much as precision', () => {
    expect(fBeta(0.5, 1, 1)).toBeCloseTo(2 / 3, 12);
    expect(fBeta(0.5, 1, 2)).toBeCloseTo((5 * 0.5) / (4 * 0.5 + 1), 12);
    expect(fBeta(N, N, 1)).toBeNaN();
    expect(fBeta(N, 0, 1)).toBe(0);
    expect(fBeta(0, N, 1)).toBe(0);
  });

  it('the default objective: event F1 when labels form runs, point F1 otherwise', () => {
    expect(defaultObjective(frameOf([L('0110'), L('0100')])).objective).toEqual({ kind: 'event_f1' });
    expect(defaultObjective(frameOf([L('0101'), L('1.10')])).objective).toEqual({ kind: 'point_f1' });
    expect(defaultObjective(frameOf([L('0000')])).why).toContain('no anomaly');
  });
});

// Random frames: lengths, labels (1, 0, unlabelled), splits, flags, tolerance.
const scenario = fc
  .record({
    lengths: fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 5 }),
    anomalyRate: fc.constantFrom(0, 0.2, 0.5, 0.9),
    labelledRate: fc.constantFrom(0.3, 1),
    flagRate: fc.constantFrom(0, 0.1, 0.4, 1),
    tolerance: fc.constantFrom(0, 1, 3, 50),
  })
  .chain((p) => {
    const n = p.lengths.reduce((a, b) => a + b, 0);
    const u = fc.array(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), { minLength: n, maxLength: n });
    return fc.record({
      p: fc.constant(p),
      labelU: u,
      anomalyU: u,
      flagU: u,
      of: fc.array(fc.constantFrom(0, 0, 1, 2), { minLength: n, maxLength: n }),
      order: fc.array(fc.integer({ min: 0, max: 2 ** 30 }), { minLength: n, maxLength: n }),
    });
  });

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function materialise(sc: Scenario) {
  const { p } = sc;
  const labels: (number | null)[][] = [];
  let k = 0;
  for (const len of p.lengths) {
    const l: (number | null)[] = [];
    for (let i = 0; i < len; i++, k++) l.push(sc.labelU[k] >= p.labelledRate ? null : sc.anomalyU[k] < p.anomalyRate ? 1 : 0);
    labels.push(l);
  }
  const frame = frameOf(labels);
  const f = Uint8Array.from(sc.flagU, (v) => (v < p.flagRate ? 1 : v < p.flagRate + 0.1 ? 2 : 0));
  const splits: Splits = { of: Uint8Array.from(sc.of), shares: [0.6, 0.2, 0.2], by: 'time' };
  return { frame, f, splits, tolerance: p.tolerance, order: sc.order };
}

const splitsToTry: ScoreSplit[] = ['all', 'train', 'validation', 'test'];
const objectives: Objective[] = [{ kind: 'point_f1' }, { kind: 'event_f1' }, { kind: 'f_beta', beta: 2 }, { kind: 'f_beta', beta: 0.5 }];

describe('event figures, on random data', () => {
  it('equal the reference at any tolerance, on every split', () => {
    fc.assert(
      fc.property(scenario, (sc) => {
        const { frame, f, splits, tolerance } = materialise(sc);
        for (const split of splitsToTry) {
          const inSplit = (i: number) => split === 'all' || splits.of[i] === splitIndex[split as 'train'];
          const got = eventScores(f, buildEventIndex(frame, splits, split, tolerance));
          const want = referenceEvents(frame, inSplit, (i) => f[i] === 1, tolerance);
          const { detected, ...rest } = got;
          expect(detected).toBe(want.eventsCaught);
          for (const k of Object.keys(rest) as (keyof typeof rest)[]) {
            if (Number.isNaN(want[k])) expect(rest[k], k).toBeNaN();
            else expect(rest[k], k).toBeCloseTo(want[k], 12);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('do not depend on the order of the series', () => {
    fc.assert(
      fc.property(scenario, fc.integer(), (sc, seed) => {
        const { frame, f, splits, tolerance } = materialise(sc);
        // The same series in another order, their points, splits and flags moved with them.
        const ids = frame.seriesIds.map((_, s) => s);
        for (let i = ids.length - 1; i > 0; i--) {
          const j = Math.abs(seed + i * 7919) % (i + 1);
          [ids[i], ids[j]] = [ids[j], ids[i]];
        }
        const labels = ids.map((s) => Array.from(frame.label!.subarray(frame.seriesStart[s], frame.seriesStart[s + 1]), (v) => (Number.isNaN(v) ? null : v)));
        const pick = <T extends Uint8Array>(a: T): number[] => ids.flatMap((s) => Array.from(a.subarray(frame.seriesStart[s], frame.seriesStart[s + 1])));
        const shuffled = frameOf(labels);
        const sSplits: Splits = { ...splits, of: Uint8Array.from(pick(splits.of)) };
        const sf = Uint8Array.from(pick(f));
        for (const split of splitsToTry) {
          const a = eventScores(f, buildEventIndex(frame, splits, split, tolerance));
          const b = eventScores(sf, buildEventIndex(shuffled, sSplits, split, tolerance));
          // Counts exactly; ratios up to the order of a floating-point sum.
          for (const k of Object.keys(a) as (keyof typeof a)[]) {
            if (Number.isNaN(a[k])) expect(b[k], k).toBeNaN();
            else expect(b[k], k).toBeCloseTo(a[k], 12);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('the flag-all baseline, from segments and labelled points, equals flagging every point', () => {
    fc.assert(
      fc.property(scenario, (sc) => {
        const { frame, splits, tolerance } = materialise(sc);
        for (const by of ['time', 'series'] as const) {
          for (const split of splitsToTry) {
            const idx = buildEventIndex(frame, { ...splits, by }, split, tolerance);
            expect(eventScoresAllFlagged(idx)).toEqual(eventScores(new Uint8Array(frame.length).fill(1), idx));
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('flagging every point catches every event; flagging nothing catches none and raises no alarm', () => {
    fc.assert(
      fc.property(scenario, (sc) => {
        const { frame, splits, tolerance } = materialise(sc);
        for (const split of splitsToTry) {
          const idx = buildEventIndex(frame, splits, split, tolerance);
          const all = eventScores(new Uint8Array(frame.length).fill(1), idx);
          const none = eventScores(new Uint8Array(frame.length), idx);
          if (all.events) expect(all.eventRecall).toBe(1);
          expect(none).toMatchObject({ alarms: 0, detected: 0 });
          if (none.events) expect(none.eventF1).toBe(0);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('objectiveScore equals the objective of the full report', () => {
    fc.assert(
      fc.property(scenario, (sc) => {
        const { frame, f, splits, tolerance } = materialise(sc);
        const index = new ScoringIndex(frame, splits);
        for (const split of splitsToTry) {
          for (const objective of objectives) {
            const s = score(index, split, [{ name: 'r', flags: f }], [], { objective, tolerance });
            const idx = index.events(split, tolerance);
            expect(objectiveScore(objective, f, idx)).toBeCloseTo(s.file.objective, 12);
            expect(objectiveValue(objective, s.file.f1, s.file)).toBeCloseTo(s.file.objective, 12);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('ObjectiveTracker follows a growing flag set exactly, from nothing or from a base', () => {
    fc.assert(
      fc.property(scenario, (sc) => {
        const { frame, f, splits, tolerance, order } = materialise(sc);
        for (const split of ['all', 'validation'] as ScoreSplit[]) {
          const idx: EventIndex = buildEventIndex(frame, splits, split, tolerance);
          for (const objective of objectives) {
            const t = new ObjectiveTracker(objective, idx);
            // The base: flags at even positions; then the other flagged points, in random order.
            const base = Uint8Array.from(f, (v, i) => (v === 1 && i % 2 === 0 ? 1 : 0));
            t.reset(base);
            const cur = base.slice();
            expect(t.value()).toBeCloseTo(objectiveScore(objective, cur, idx), 12);
            const rest = [...f.keys()].filter((i) => f[i] === 1 && !base[i]).sort((a, b) => order[a] - order[b]);
            for (const i of rest) {
              t.add(i);
              cur[i] = 1;
              expect(t.value()).toBeCloseTo(objectiveScore(objective, cur, idx), 12);
            }
            // Adding twice, or outside the split, changes nothing.
            const before = t.value();
            for (const i of rest) t.add(i);
            expect(t.value()).toBe(before);
            t.reset();
            expect(t.value()).toBe(objectiveScore(objective, new Uint8Array(frame.length), idx));
          }
        }
      }),
      { numRuns: 120 },
    );
  });
});
