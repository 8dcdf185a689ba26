// The kernels written without jumps on the values (the median of 4, rising and falling, lag, a
// column compared with a constant) give exactly what the plain formulas give, the sign of a zero
// included, with fresh output columns and with a block's pool of used ones.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Evaluator, FeatureCache } from '../../server/src/engine/evaluate';
import { kernels, type Layout } from '../../server/src/engine/kernels';
import type { PlanNode } from '../../server/src/engine/plan';
import { ColumnPool } from '../../server/src/engine/pool';

const N = Number.NaN;
// Few distinct values: ties, zeros of both signs and missing values are common.
const value = fc.oneof(fc.constantFrom(0, -0, 1, 2, 2, -1, 0.5, N), fc.double({ min: -5, max: 5 }));
const seriesList = fc.array(fc.array(value, { minLength: 0, maxLength: 40 }), { minLength: 1, maxLength: 4 });

function layoutOf(series: number[][]): { x: Float64Array; L: Layout } {
  const seriesStart = new Int32Array(series.length + 1);
  series.forEach((s, k) => (seriesStart[k + 1] = seriesStart[k] + s.length));
  return { x: Float64Array.from(series.flat()), L: { seriesStart, length: seriesStart[series.length] } };
}

/** A pool whose columns hold leftovers of an earlier block, as they do between blocks. */
function usedPool(n: number): ColumnPool {
  const pool = new ColumnPool();
  for (let k = 0; k < 4; k++) pool.numbers(n + 3).fill(7.5), pool.flags(n + 3).fill(9);
  pool.reset();
  return pool;
}

/** Per point of every series: f(the series, the point's index in it). */
function perPoint(series: number[][], f: (xs: number[], i: number) => number): number[] {
  return series.flatMap((xs) => xs.map((_, i) => f(xs, i)));
}

/** The median of 4 as Math.min and Math.max give it (the window's present values otherwise). */
function median4(xs: number[], i: number, offset: number): number {
  const j = i - offset;
  if (j - 3 < 0) return N;
  const [v0, v1, v2, v3] = xs.slice(j - 3, j + 1);
  const present = [v0, v1, v2, v3].filter((v) => !Number.isNaN(v));
  if (present.length === 4) return (Math.max(Math.min(v0, v1), Math.min(v2, v3)) + Math.min(Math.max(v0, v1), Math.max(v2, v3))) / 2;
  const [a, b, c] = present;
  if (present.length === 0) return N;
  if (present.length === 1) return a;
  if (present.length === 2) return (a + b) / 2;
  return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
}

/** Rose (up) or fell at each of the k steps ending at i: false, else unknown (a missing value), else true. */
function trend(xs: number[], i: number, k: number, up: boolean): number {
  if (i < k) return 2;
  let out = 1;
  for (let t = i - k + 1; t <= i; t++) {
    const [before, now] = [xs[t - 1], xs[t]];
    if (Number.isNaN(now) || Number.isNaN(before)) out = out === 0 ? 0 : 2;
    else if (!(up ? now > before : now < before)) out = 0;
  }
  return out;
}

/**
 * Series of plain values (ties, infinities) where now and then one point is missing or -0, at any
 * place: the kernels' fast loops take such a series and must give it up.
 */
const plainValue = fc.oneof(fc.constant(0), fc.integer({ min: -3, max: 3 }), fc.double({ min: -50, max: 50, noNaN: true }).map((v) => (Object.is(v, -0) ? 0 : v)), fc.constantFrom(Infinity, -Infinity));
const rareOdd = fc
  .array(fc.tuple(fc.array(plainValue, { minLength: 0, maxLength: 30 }), fc.array(fc.tuple(fc.nat(), fc.constantFrom(N, -0)), { maxLength: 2 })), { minLength: 1, maxLength: 4 })
  .map((list) =>
    list.map(([xs, odd]) => {
      const out = [...xs];
      for (const [at, v] of odd) if (out.length) out[at % out.length] = v;
      return out;
    }),
  );

/** zscore at point i of a series: now against the values present among the w points before it. */
function zscore(xs: number[], i: number, w: number, offset: number): number {
  const j = i - offset;
  if (j - w < 0 || Number.isNaN(xs[j])) return N;
  const v = xs.slice(j - w, j).filter((y) => !Number.isNaN(y));
  if (v.length < 2) return N;
  let sum = 0;
  for (const y of v) sum += y;
  const m = sum / v.length;
  let ss = 0;
  for (const y of v) ss += (y - m) * (y - m);
  const abs = v.reduce((a, y) => a + Math.abs(y), 0) / v.length;
  return (xs[j] - m) / Math.max(Math.sqrt(ss / (v.length - 1)), Math.max(1e-3 * abs, 1e-9));
}

const bothWays = (L: Layout) => [L, { ...L, pool: usedPool(L.length) }];

describe('kernels without jumps on the values', () => {
  it('the median of 4 (any offset) equals Math.min and Math.max, -0 and missing values included', () => {
    fc.assert(
      fc.property(seriesList, fc.integer({ min: 0, max: 3 }), (series, offset) => {
        const { x, L } = layoutOf(series);
        const expected = perPoint(series, (xs, i) => median4(xs, i, offset));
        for (const l of bothWays(L)) expect(Array.from(kernels.median([x], { w: 4, offset }, l) as Float64Array)).toEqual(expected);
      }),
      { numRuns: 400 },
    );
  });

  it('the median of 4 over zeros of both signs (ties the comparisons cannot order) equals Math.min and Math.max', () => {
    const zeros = fc.array(fc.array(fc.constantFrom(0, -0, 0, -0, 1, N), { minLength: 0, maxLength: 30 }), { minLength: 1, maxLength: 3 });
    fc.assert(
      fc.property(zeros, fc.integer({ min: 0, max: 2 }), (series, offset) => {
        const { x, L } = layoutOf(series);
        const got = Array.from(kernels.median([x], { w: 4, offset }, L) as Float64Array);
        expect(got).toEqual(perPoint(series, (xs, i) => median4(xs, i, offset)));
      }),
      { numRuns: 400 },
    );
  });

  it('the median of 4 without a -0 in the column, on many values: the same as Math.min and Math.max', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((v) => (Object.is(v, -0) ? 0 : v)), { maxLength: 60 }), { minLength: 1, maxLength: 3 }), (series) => {
        const { x, L } = layoutOf(series);
        expect(Array.from(kernels.median([x], { w: 4, offset: 1 }, L) as Float64Array)).toEqual(perPoint(series, (xs, i) => median4(xs, i, 1)));
      }),
      { numRuns: 200 },
    );
  });

  // Each over random series, and over series with a rare missing value, -0 or infinity anywhere
  // (the fast loops and their way out to the general ones).
  for (const [what, seriesOf, runs] of [
    ['random series', seriesList, 400],
    ['series with a rare missing value anywhere', rareOdd, 500],
  ] as const) {
    it(`rising and falling over 1 to 35 steps equal the steps checked one by one, on ${what}`, () => {
      fc.assert(
        fc.property(seriesOf, fc.integer({ min: 1, max: 35 }), fc.boolean(), (series, k, up) => {
          const { x, L } = layoutOf(series);
          const expected = perPoint(series, (xs, i) => trend(xs, i, k, up));
          for (const l of bothWays(L)) expect(Array.from(kernels[up ? 'rising' : 'falling']([x], { k }, l) as Uint8Array)).toEqual(expected);
        }),
        { numRuns: runs },
      );
    });

    it(`zscore over w points before now: the mean and sample deviation as meanOf and stdOf make them, the spread floored, on ${what}`, () => {
      fc.assert(
        fc.property(seriesOf, fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 2 }), (series, w, offset) => {
          const { x, L } = layoutOf(series);
          const expected = perPoint(series, (xs, i) => zscore(xs, i, w, offset));
          for (const l of bothWays(L)) expect(Array.from(kernels.zscore([x], { w, offset }, l) as Float64Array)).toEqual(expected);
        }),
        { numRuns: runs },
      );
    });
  }

  it('lag is the value k points back in the same series', () => {
    fc.assert(
      fc.property(seriesList, fc.integer({ min: 1, max: 45 }), (series, k) => {
        const { x, L } = layoutOf(series);
        const expected = perPoint(series, (xs, i) => (i >= k ? xs[i - k] : N));
        for (const l of bothWays(L)) expect(Array.from(kernels.lag([x], { k }, l) as Float64Array)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('a column compared with a constant: false, true, or unknown where the value is missing', () => {
    const ops: Record<string, (a: number, b: number) => boolean> = { '<': (a, b) => a < b, '<=': (a, b) => a <= b, '>': (a, b) => a > b, '>=': (a, b) => a >= b, '==': (a, b) => a === b, '!=': (a, b) => a !== b };
    fc.assert(
      fc.property(seriesList, fc.constantFrom(...Object.keys(ops)), fc.constantFrom(0, -0, 1, 0.5, N), (series, op, c) => {
        const { x, L } = layoutOf(series);
        const col: PlanNode = { key: 'col:"x"', op: 'col', fn: '', kind: 'number', args: [], consts: {}, name: 'x' };
        const num: PlanNode = { key: `num:${c}`, op: 'num', fn: '', kind: 'number', args: [], consts: {}, value: c };
        const cmp: PlanNode = { key: `cmp${op}`, op: 'cmp', fn: op, kind: 'boolean', args: [col, num], consts: {} };
        const expected = Array.from(x, (v) => (Number.isNaN(v) || Number.isNaN(c) ? 2 : ops[op](v, c) ? 1 : 0));
        for (const l of bothWays(L)) {
          const ev = new Evaluator({ ...l, columns: new Map([['x', x]]), categories: new Map() }, new FeatureCache());
          expect(Array.from(ev.column(cmp))).toEqual(expected);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('the median of 4 over series with a rare missing value, -0 or infinity anywhere (the fast loop and its way out) equals Math.min and Math.max', () => {
    fc.assert(
      fc.property(rareOdd, fc.integer({ min: 0, max: 3 }), (series, offset) => {
        const { x, L } = layoutOf(series);
        const expected = perPoint(series, (xs, i) => median4(xs, i, offset));
        for (const l of bothWays(L)) expect(Array.from(kernels.median([x], { w: 4, offset }, l) as Float64Array)).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });
});
