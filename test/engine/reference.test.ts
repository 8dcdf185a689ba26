// Every function added for sessions, groups, categories and scale-free features against a plain
// per-series reference written from docs/language.md, on random series with missing values.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Evaluator, FeatureCache } from '../../server/src/engine/evaluate';
import { cond, evalExpr, expectClose, mixedFrameOf, num } from '../core/helpers';

type Cell = number | null;
type Text = string | null;
const N = Number.NaN;
const runs = { numRuns: 150 };

// Small value sets, so that flat stretches, ties and repeated categories are common.
const cell = fc.oneof(fc.constant(null), fc.integer({ min: -3, max: 3 }), fc.constantFrom(0, 1, 1, 2.5, -0.5));
const seriesOf = <T>(arb: fc.Arbitrary<T>) => fc.array(fc.array(arb, { minLength: 1, maxLength: 14 }), { minLength: 1, maxLength: 3 });
const text: fc.Arbitrary<Text> = fc.constantFrom('A', 'B', 'C', null);

/** A frame from series of one column `x` (and more, by name). */
function frameFrom(cols: Record<string, (Cell | Text)[][]>) {
  const names = Object.keys(cols);
  const series: Record<string, Record<string, (number | string | null)[]>> = {};
  cols[names[0]].forEach((_, s) => {
    series[`s${s}`] = Object.fromEntries(names.map((n) => [n, cols[n][s]]));
  });
  return mixedFrameOf(series);
}

/** Applies a per-series reference and concatenates. */
function perSeries<T>(series: T[][], f: (xs: T[]) => number[]): number[] {
  return series.flatMap(f);
}

// Three-valued logic written out: 0 false, 1 true, 2 unknown.
const or3 = (a: number, b: number) => (a === 1 || b === 1 ? 1 : a === 0 && b === 0 ? 0 : 2);
const and3 = (a: number, b: number) => (a === 0 || b === 0 ? 0 : a === 1 && b === 1 ? 1 : 2);
const gt = (v: Cell, t: number) => (v === null ? 2 : v > t ? 1 : 0);
const tfu = (xs: number[]) => xs.map((b) => 'FT?'[b]).join('');

const present = (xs: Cell[], lo: number, hi: number) => xs.slice(Math.max(0, lo), hi + 1).filter((v): v is number => v !== null);
const sorted = (v: number[]) => [...v].sort((a, b) => a - b);
function quantile(v: number[], q: number): number {
  const s = sorted(v);
  const pos = q * (s.length - 1);
  const lo = Math.floor(pos);
  return lo === pos ? s[lo] : s[lo] + (s[lo + 1] - s[lo]) * (pos - lo);
}
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const std = (v: number[]) => (v.length < 2 ? N : Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / (v.length - 1)));
function slope(xs: Cell[], lo: number, hi: number): number {
  const pts: [number, number][] = [];
  for (let t = Math.max(0, lo); t <= hi; t++) if (xs[t] !== null) pts.push([t, xs[t] as number]);
  if (pts.length < 2) return N;
  const mt = mean(pts.map((p) => p[0]));
  const mv = mean(pts.map((p) => p[1]));
  return pts.reduce((a, [t, v]) => a + (t - mt) * (v - mv), 0) / pts.reduce((a, [t]) => a + (t - mt) ** 2, 0);
}

const reducers: Record<string, (v: number[], xs: Cell[], lo: number, hi: number) => number> = {
  mean: (v) => mean(v),
  sum: (v) => v.reduce((a, b) => a + b, 0),
  min: (v) => Math.min(...v),
  max: (v) => Math.max(...v),
  median: (v) => quantile(v, 0.5),
  'quantile:0.3': (v) => quantile(v, 0.3),
  std: (v) => std(v),
  zero_rate: (v) => v.filter((x) => x === 0).length / v.length,
  count: (v) => v.length,
  slope: (_v, xs, lo, hi) => slope(xs, lo, hi),
};

/** A window function as documented: w points (or all) ending offset points back; min_count for partial windows. */
function windowRef(xs: Cell[], name: string, w: number, offset: number, minCount: number | undefined): number[] {
  const own = name === 'std' || name === 'slope' ? 2 : name === 'count' ? 0 : 1;
  return xs.map((_, i) => {
    const j = i - offset;
    if (j < 0) return N;
    const lo = w === Infinity ? 0 : j - w + 1;
    if (minCount === undefined && lo < 0) return N;
    const v = present(xs, lo, j);
    if (v.length < Math.max(own, minCount ?? 0)) return N;
    return reducers[name](v, xs, Math.max(0, lo), j);
  });
}

/** zscore, robust_z and rank as documented: now against the w points (or all) before it. */
function baselineRef(xs: Cell[], kind: 'zscore' | 'robust_z' | 'rank', w: number, offset: number, minCount: number | undefined): number[] {
  return xs.map((_, i) => {
    const j = i - offset;
    if (j < 0) return N;
    const cur = xs[j];
    if (cur === null) return N;
    const lo = w === Infinity ? 0 : j - w;
    if (minCount === undefined && lo < 0) return N;
    const v = present(xs, lo, j - 1);
    if (v.length < Math.max(minCount ?? 0, kind === 'rank' ? 1 : 2)) return N;
    if (kind === 'rank') return (v.filter((x) => x < cur).length + 0.5 * v.filter((x) => x === cur).length) / v.length;
    const floor = Math.max(1e-3 * mean(v.map(Math.abs)), 1e-9);
    if (kind === 'zscore') return (cur - mean(v)) / Math.max(std(v), floor);
    const med = quantile(v, 0.5);
    const dev = v.map((x) => Math.abs(x - med));
    let spread = 1.4826 * quantile(dev, 0.5);
    if (spread === 0) spread = 1.2533 * mean(dev);
    return (cur - med) / Math.max(spread, floor);
  });
}

const windowNames = Object.keys(reducers);
const windowCall = (name: string, w: number, offset: number, minCount?: number) => {
  const [fn, q] = name.split(':');
  const arg = w === Infinity ? 'all' : String(w);
  return `${fn}(x, ${arg}${q ? `, ${q}` : ''}, offset = ${offset}${minCount !== undefined ? `, min_count = ${minCount}` : ''})`;
};
const windowArb = fc.record({
  w: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.constant(Infinity)),
  offset: fc.integer({ min: 0, max: 2 }),
  minCount: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
});

describe('windows of `all` and min_count agree with the reference', () => {
  for (const name of windowNames) {
    it(name, () => {
      fc.assert(
        fc.property(seriesOf(cell), windowArb, (series, { w, offset, minCount }) => {
          const m = minCount !== undefined && w !== Infinity ? Math.min(minCount, w) : minCount;
          const expr = windowCall(name, w, offset, m);
          expectClose(num(frameFrom({ x: series }), expr), perSeries(series, (xs) => windowRef(xs, name, w, offset, m)), `${expr} on ${JSON.stringify(series)}`);
        }),
        runs,
      );
    });
  }

  it('count of a condition: true points, from min_count known points', () => {
    fc.assert(
      fc.property(seriesOf(cell), windowArb, (series, { w, offset, minCount }) => {
        const m = minCount !== undefined && w !== Infinity ? Math.min(minCount, w) : minCount;
        const expr = `count(x > 0, ${w === Infinity ? 'all' : w}, offset = ${offset}${m !== undefined ? `, min_count = ${m}` : ''})`;
        const expected = perSeries(series, (xs) =>
          xs.map((_, i) => {
            const j = i - offset;
            const lo = w === Infinity ? 0 : j - w + 1;
            if (j < 0 || (m === undefined && lo < 0)) return N;
            const window = xs.slice(Math.max(0, lo), j + 1);
            if (window.filter((v) => v !== null).length < (m ?? 0)) return N;
            return window.filter((v) => v !== null && v > 0).length;
          }),
        );
        expectClose(num(frameFrom({ x: series }), expr), expected, `${expr} on ${JSON.stringify(series)}`);
      }),
      runs,
    );
  });
});

describe('steps and lags agree with the reference', () => {
  it('rising and falling: each of the last k steps, unknown before k steps or at a missing value', () => {
    fc.assert(
      fc.property(seriesOf(cell), fc.integer({ min: 1, max: 5 }), fc.boolean(), (series, k, up) => {
        const expected = perSeries(series, (xs) =>
          xs.map((_, i) => {
            if (i < k) return 2;
            let v = 1;
            for (let j = i - k + 1; j <= i; j++) {
              const [now, before] = [xs[j], xs[j - 1]];
              v = and3(v, now === null || before === null ? 2 : (up ? now > before : now < before) ? 1 : 0);
            }
            return v;
          }),
        );
        const expr = `${up ? 'rising' : 'falling'}(x, ${k})`;
        expect(cond(frameFrom({ x: series }), expr), `${expr} on ${JSON.stringify(series)}`).toBe(tfu(expected));
      }),
      runs,
    );
  });

  it('lag: the value k points back in the series, missing before', () => {
    fc.assert(
      fc.property(seriesOf(cell), fc.integer({ min: 1, max: 5 }), (series, k) => {
        const expected = perSeries(series, (xs) => xs.map((_, i) => (i < k || xs[i - k] === null ? N : (xs[i - k] as number))));
        expectClose(num(frameFrom({ x: series }), `lag(x, ${k})`), expected, `lag(x, ${k}) on ${JSON.stringify(series)}`);
      }),
      runs,
    );
  });
});

describe('baselines with the spread floor, and rank, agree with the reference', () => {
  for (const kind of ['zscore', 'robust_z', 'rank'] as const) {
    it(kind, () => {
      fc.assert(
        fc.property(seriesOf(cell), windowArb, (series, { w, offset, minCount }) => {
          const width = kind === 'robust_z' && w === Infinity ? 4 : w;
          const expr = `${kind}(x, ${width === Infinity ? 'all' : width}, offset = ${offset}${minCount !== undefined ? `, min_count = ${minCount}` : ''})`;
          if (minCount !== undefined && width !== Infinity && minCount > width) return;
          expectClose(num(frameFrom({ x: series }), expr), perSeries(series, (xs) => baselineRef(xs, kind, width, offset, minCount)), `${expr} on ${JSON.stringify(series)}`);
        }),
        runs,
      );
    });
  }

  it('robust_z over long windows (a sliding sorted window) agrees with the reference', () => {
    const long = fc.array(fc.array(cell, { minLength: 1, maxLength: 60 }), { minLength: 1, maxLength: 3 });
    fc.assert(
      fc.property(long, fc.integer({ min: 1, max: 25 }), fc.integer({ min: 0, max: 3 }), fc.option(fc.integer({ min: 1, max: 25 }), { nil: undefined }), (series, w, offset, minCount) => {
        const m = minCount === undefined ? undefined : Math.min(minCount, w);
        const expr = `robust_z(x, ${w}, offset = ${offset}${m !== undefined ? `, min_count = ${m}` : ''})`;
        expectClose(num(frameFrom({ x: series }), expr), perSeries(series, (xs) => baselineRef(xs, 'robust_z', w, offset, m)), `${expr} on ${JSON.stringify(series)}`);
      }),
      runs,
    );
  });

  it('a flat series is never missing once the baseline is full: 0 where unchanged', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.integer({ min: 3, max: 20 }), (level, n) => {
        const f = frameFrom({ x: [Array(n).fill(level)] });
        for (const e of ['zscore(x, 2)', 'robust_z(x, 2)', 'zscore(x, all)']) {
          const v = num(f, e);
          expect(v.slice(2).every((z) => z === 0), `${e} at ${level}`).toBe(true);
        }
      }),
      runs,
    );
  });
});

describe('sessions agree with the reference', () => {
  it('ever, before, since, first, last', () => {
    fc.assert(
      fc.property(seriesOf(fc.tuple(cell, cell)), (pairs) => {
        const xs = pairs.map((s) => s.map((p) => p[0]));
        const ys = pairs.map((s) => s.map((p) => p[1]));
        const f = frameFrom({ x: xs, y: ys });
        const ever = perSeries(xs, (s) => {
          let acc = 0;
          return s.map((v) => (acc = or3(acc, gt(v, 0))));
        });
        expect(cond(f, 'ever(x > 0)')).toBe(tfu(ever));
        const before = pairs.flatMap((s) => {
          let earlier = 0;
          return s.map(([a, b]) => {
            const r = and3(earlier, gt(b, 1));
            earlier = or3(earlier, gt(a, 0));
            return r;
          });
        });
        expect(cond(f, 'before(x > 0, y > 1)')).toBe(tfu(before));
        const since = perSeries(xs, (s) => {
          let last = -1;
          return s.map((v, i) => ((last = v !== null && v > 0 ? i : last), last < 0 ? N : i - last));
        });
        expectClose(num(f, 'since(x > 0)'), since, 'since');
        const first = perSeries(xs, (s) => s.map((_, i) => s.slice(0, i + 1).find((v) => v !== null) ?? N));
        expectClose(num(f, 'first(x)'), first, 'first');
        const last = perSeries(xs, (s) => s.map((_, i) => [...s.slice(0, i + 1)].reverse().find((v) => v !== null) ?? N));
        expectClose(num(f, 'last(x)'), last, 'last');
      }),
      runs,
    );
  });
});

describe('combining columns agrees with the reference', () => {
  it('any, all, count_true, max_of, min_of, mean_of, sum_of over a group and over arguments', () => {
    fc.assert(
      fc.property(seriesOf(fc.tuple(cell, cell, cell)), (rows) => {
        const cols = [0, 1, 2].map((k) => rows.map((s) => s.map((r) => r[k])));
        const f = frameFrom({ m1: cols[0], m2: cols[1], m3: cols[2] });
        const flat = rows.flat();
        const conds = flat.map((r) => r.map((v) => gt(v, 0)));
        expect(cond(f, 'any(columns("m*") > 0)')).toBe(tfu(conds.map((c) => c.reduce(or3, 0))));
        expect(cond(f, 'any(m1 > 0, m2 > 0, m3 > 0)')).toBe(tfu(conds.map((c) => c.reduce(or3, 0))));
        expect(cond(f, 'all([m1, m2, m3] > 0)')).toBe(tfu(conds.map((c) => c.reduce(and3, 1))));
        expectClose(num(f, 'count_true(columns("m?") > 0)'), conds.map((c) => c.filter((b) => b === 1).length), 'count_true');
        const vals = flat.map((r) => r.filter((v): v is number => v !== null));
        const orNaN = (f2: (v: number[]) => number) => vals.map((v) => (v.length ? f2(v) : N));
        expectClose(num(f, 'max_of(columns("m*"))'), orNaN((v) => Math.max(...v)), 'max_of');
        expectClose(num(f, 'min_of([m1, columns("m2"), m3])'), orNaN((v) => Math.min(...v)), 'min_of');
        expectClose(num(f, 'mean_of(columns("m*"))'), orNaN(mean), 'mean_of');
        expectClose(num(f, 'sum_of(m1, m2, m3)'), orNaN((v) => v.reduce((a, b) => a + b, 0)), 'sum_of');
        // Member by member: lag applies to each column, then the maximum is taken.
        const lagged = rows.flatMap((s) => s.map((_, i) => (i === 0 ? [] : s[i - 1].filter((v): v is number => v !== null))));
        expectClose(num(f, 'max_of(lag(columns("m*"), 1))'), lagged.map((v) => (v.length ? Math.max(...v) : N)), 'max_of(lag)');
      }),
      runs,
    );
  });
});

describe('categories agree with the reference', () => {
  it('==, !=, in, not in, lag, first, last, two columns, and conditions over them', () => {
    fc.assert(
      fc.property(seriesOf(fc.tuple(text, text)), (rows) => {
        const es = rows.map((s) => s.map((r) => r[0]));
        const gs = rows.map((s) => s.map((r) => r[1]));
        // A column that is all blank is still a category column when one cell elsewhere has text.
        if (!es.flat().some((v) => v !== null) || !gs.flat().some((v) => v !== null)) return;
        const f = frameFrom({ e: es, g: gs });
        const is = (v: Text, set: string[]) => (v === null ? 2 : set.includes(v) ? 1 : 0);
        const not = (b: number) => (b === 2 ? 2 : 1 - b);
        const flatE = es.flat();
        expect(cond(f, 'e == "A"')).toBe(tfu(flatE.map((v) => is(v, ['A']))));
        expect(cond(f, 'e != "A"')).toBe(tfu(flatE.map((v) => not(is(v, ['A'])))));
        expect(cond(f, 'e in ["A", "C"]')).toBe(tfu(flatE.map((v) => is(v, ['A', 'C']))));
        expect(cond(f, 'e not in ["A", "C"]')).toBe(tfu(flatE.map((v) => not(is(v, ['A', 'C'])))));
        // A value the data never holds: false where the cell has a value.
        expect(cond(f, 'e == "Z"')).toBe(tfu(flatE.map((v) => is(v, ['Z']))));
        const lag1 = es.flatMap((s) => s.map((_, i) => (i === 0 ? null : s[i - 1])));
        expect(cond(f, 'lag(e, 1) == "B"')).toBe(tfu(lag1.map((v) => is(v, ['B']))));
        const same = es.flatMap((s, k) => s.map((v, i) => (v === null || gs[k][i] === null ? 2 : v === gs[k][i] ? 1 : 0)));
        expect(cond(f, 'e == g')).toBe(tfu(same));
        expect(cond(f, 'e != g')).toBe(tfu(same.map(not)));
        const repeat = es.flatMap((s) => s.map((v, i) => (i === 0 || v === null || s[i - 1] === null ? 2 : v === s[i - 1] ? 1 : 0)));
        expect(cond(f, 'e == lag(e)')).toBe(tfu(repeat));
        const first = es.flatMap((s) => s.map((_, i) => s.slice(0, i + 1).find((v) => v !== null) ?? null));
        expect(cond(f, 'first(e) == "C"')).toBe(tfu(first.map((v) => is(v, ['C']))));
        const last = es.flatMap((s) => s.map((_, i) => [...s.slice(0, i + 1)].reverse().find((v) => v !== null) ?? null));
        expect(cond(f, 'last(e) in ["A", "B"]')).toBe(tfu(last.map((v) => is(v, ['A', 'B']))));
        expect(cond(f, 'is_missing(e)')).toBe(tfu(flatE.map((v) => (v === null ? 1 : 0))));
        const count = es.flatMap((s) => s.map((_, i) => s.slice(0, i + 1).filter((v) => v === 'A').length));
        expectClose(num(f, 'count(e == "A", all)'), count, 'count');
        const present = es.flatMap((s) => s.map((_, i) => s.slice(0, i + 1).filter((v) => v !== null).length));
        expectClose(num(f, 'count(e, all)'), present, 'count present');
        const hdfs = es.flatMap((s) => {
          let earlier = 0;
          return s.map((v) => {
            const r = and3(earlier, is(v, ['B']));
            earlier = or3(earlier, is(v, ['A']));
            return r;
          });
        });
        expect(cond(f, 'before(e == "A", e == "B")')).toBe(tfu(hdfs));
      }),
      runs,
    );
  });
});

describe('fused and operator-by-operator evaluation agree on the new constructs', () => {
  const leaf = fc.constantFrom('a', 'b', 'lag(a, 1)', 'mean(b, all)', 'max_of(a, b)', 'since(a > 0)', 'rank(a, 2, min_count = 1)', 'zscore(b, 2)');
  const boolLeaf = fc.constantFrom('ever(a > 0)', 'before(a > 0, b < 1)', 'a in [0, 1]', 'b not in [2]', 'any([a, b] > 0)', 'all(columns("a") >= 0, b > -1)', 'e == "A"', 'e not in ["B"]', 'lag(e) == e');
  const numExpr = fc.tuple(leaf, fc.constantFrom('+', '-', '*', '/'), leaf).map(([x, op, y]) => `(${x} ${op} ${y})`);
  const boolExpr: fc.Memo<string> = fc.memo((d) =>
    d <= 1
      ? fc.oneof(boolLeaf, fc.tuple(numExpr, fc.constantFrom('<', '>=', '==', '!='), leaf).map(([x, op, y]) => `${x} ${op} ${y}`))
      : fc.oneof(
          boolExpr(d - 1),
          fc.tuple(boolExpr(d - 1), fc.constantFrom('and', 'or'), boolExpr(d - 1)).map(([x, op, y]) => `(${x} ${op} ${y})`),
          boolExpr(d - 1).map((x) => `not (${x})`),
        ),
  );
  it('on random expressions and data', () => {
    fc.assert(
      fc.property(seriesOf(fc.tuple(cell, cell, text)), boolExpr(3), (rows, expr) => {
        const f = frameFrom({ a: rows.map((s) => s.map((r) => r[0])), b: rows.map((s) => s.map((r) => r[1])), e: rows.map((s) => s.map((r) => r[2] ?? 'A')) });
        const slow = new Evaluator(f, new FeatureCache());
        slow.noFusion = true;
        expect(Array.from(evalExpr(f, expr, new Evaluator(f, new FeatureCache())))).toEqual(Array.from(evalExpr(f, expr, slow)));
      }),
      { numRuns: 200 },
    );
  });
});
