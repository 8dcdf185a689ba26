// Every function of the catalog against small series computed by hand, and the missing-value rules.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { functions } from '../../grammar/src/functions';
import { cond, csvOf, expectClose, frameOf, num, analyzeWith } from './helpers';

const N = Number.NaN;
const r2 = Math.SQRT2;

// Two series, one after the other in the frame: points 0-5 are `a`, points 6-8 are `b`.
// A window must never reach from `b` back into `a`.
const F = frameOf({
  a: { x: [1, 2, 4, null, 8, 16], y: [0, 1, 2, 3, 0, 5] },
  b: { x: [10, 20, 30], y: [1, 1, 0] },
});

// One series with gaps and flat stretches.
const G = frameOf({ g: { x: [null, null, 3, null, 5, 5, 5] } });

/** expression -> expected values on F, worked out by hand. */
const onF: [string, number[]][] = [
  // lag, diff, pct_change: k points back in the same series.
  ['lag(x)', [N, 1, 2, 4, N, 8, N, 10, 20]],
  ['lag(x, 2)', [N, N, 1, 2, 4, N, N, N, 10]],
  ['lag(x, k = 4)', [N, N, N, N, 1, 2, N, N, N]],
  ['diff(x)', [N, 1, 2, N, N, 8, N, 10, 10]],
  ['diff(x, 2)', [N, N, 3, N, 4, N, N, N, 20]],
  ['pct_change(x)', [N, 1, 1, N, N, 1, N, 1, 0.5]],
  // pct_change from 0 divides by zero: missing.
  ['pct_change(y)', [N, N, 1, 0.5, -1, N, N, 0, -1]],
  // Windows: the w points ending now; missing until the series has w points. Blank cells inside a
  // window are skipped (mean of what is present).
  ['mean(x, 2)', [N, 1.5, 3, 4, 8, 12, N, 15, 25]],
  ['mean(x, 3)', [N, N, 7 / 3, 3, 6, 12, N, N, 20]],
  ['mean(x, 2, offset = 1)', [N, N, 1.5, 3, 4, 8, N, N, 15]],
  ['mean(x, 1, offset = 2)', [N, N, 1, 2, 4, N, N, N, 10]],
  ['median(x, 3)', [N, N, 2, 3, 6, 12, N, N, 20]],
  ['median(y, 4)', [N, N, N, 1.5, 1.5, 2.5, N, N, N]],
  ['median(y, 2, offset = 1)', [N, N, 0.5, 1.5, 2.5, 1.5, N, N, 1]],
  ['min(x, 3)', [N, N, 1, 2, 4, 8, N, N, 10]],
  ['min(y, 2, offset = 1)', [N, N, 0, 1, 2, 0, N, N, 1]],
  ['max(x, 3)', [N, N, 4, 4, 8, 16, N, N, 30]],
  ['max(y, 3, offset = 1)', [N, N, N, 2, 3, 3, N, N, N]],
  ['sum(x, 3)', [N, N, 7, 6, 12, 24, N, N, 60]],
  ['sum(y, 2, offset = 1)', [N, N, 1, 3, 5, 3, N, N, 2]],
  ['std(x, 3)', [N, N, Math.sqrt(7 / 3), r2, 2 * r2, 4 * r2, N, N, 10]],
  ['std(y, 2, offset = 1)', [N, N, r2 / 2, r2 / 2, r2 / 2, 1.5 * r2, N, N, 0]],
  // count of numbers: how many are present.
  ['count(x, 3)', [N, N, 3, 2, 2, 2, N, N, 3]],
  ['count(x, 2, offset = 1)', [N, N, 2, 2, 1, 1, N, N, 2]],
  // count of a condition: how many points it is true at (unknown does not count).
  ['count(x > 3, 3)', [N, N, 1, 1, 2, 2, N, N, 3]],
  ['count(y > 0, 2, offset = 1)', [N, N, 1, 2, 2, 1, N, N, 2]],
  ['quantile(x, 3, 0.25)', [N, N, 1.5, 2.5, 5, 10, N, N, 15]],
  ['quantile(x, 3, 0)', [N, N, 1, 2, 4, 8, N, N, 10]],
  ['quantile(x, 3, 1)', [N, N, 4, 4, 8, 16, N, N, 30]],
  ['quantile(x, 3, 0.9)', [N, N, 3.6, 3.8, 7.6, 15.2, N, N, 28]],
  ['quantile(y, 4, 0.5, offset = 1)', [N, N, N, N, 1.5, 1.5, N, N, N]],
  // slope: least squares over the window's positions; missing points are left out.
  ['slope(x, 3)', [N, N, 1.5, 2, 2, 8, N, N, 10]],
  ['slope(y, 2, offset = 1)', [N, N, 1, 1, 1, -3, N, N, 0]],
  ['zero_rate(y, 3)', [N, N, 1 / 3, 0, 1 / 3, 1 / 3, N, N, 1 / 3]],
  ['zero_rate(y, 2, offset = 1)', [N, N, 0.5, 0, 0, 0.5, N, N, 0]],
  // ewma: alpha = 2 / (w + 1) = 2/3; a missing value leaves the average as it was.
  ['ewma(x, 2)', [N, 5 / 3, 29 / 9, 29 / 9, 173 / 27, 1037 / 81, N, 50 / 3, 230 / 9]],
  ['ewma(x, 2, offset = 1)', [N, N, 5 / 3, 29 / 9, 29 / 9, 173 / 27, N, N, 50 / 3]],
  ['ewma(y, 1)', [0, 1, 2, 3, 0, 5, 1, 1, 0]],
  // zscore: now against the mean and sample std of the w points before it.
  ['zscore(x, 2)', [N, N, 2.5 * r2, N, N, N, N, N, 1.5 * r2]],
  ['zscore(y, 3)', [N, N, N, 2, -2, 10 / 3 / Math.sqrt(7 / 3), N, N, N]],
  ['zscore(y, 2, offset = 1)', [N, N, N, 1.5 * r2, 1.5 * r2, -2.5 * r2, N, N, N]],
  // robust_z: median and 1.4826 * MAD of the w points before now.
  ['robust_z(x, 3)', [N, N, N, N, 5 / 1.4826, 10 / (2 * 1.4826), N, N, N]],
  ['robust_z(y, 3)', [N, N, N, 2 / 1.4826, -2 / 1.4826, 3 / 1.4826, N, N, N]],
  ['robust_z(y, 3, offset = 1)', [N, N, N, N, 2 / 1.4826, -2 / 1.4826, N, N, N]],
  // Point-wise functions; outside their domain they are missing.
  ['abs(y - 2)', [2, 1, 0, 1, 2, 3, 1, 1, 2]],
  ['abs(x - 5)', [4, 3, 1, N, 3, 11, 5, 15, 25]],
  ['log1p(y - 1)', [N, 0, Math.log(2), Math.log(3), N, Math.log(5), 0, 0, N]],
  ['sqrt(y - 1)', [N, 0, 1, r2, N, 2, 0, 0, N]],
  ['log(y)', [N, 0, Math.log(2), Math.log(3), N, Math.log(5), 0, 0, N]],
  // least / greatest: missing when any argument is.
  ['least(x, y)', [0, 1, 2, N, 0, 5, 1, 1, 0]],
  ['least(x, y, 3)', [0, 1, 2, N, 0, 3, 1, 1, 0]],
  ['greatest(x, y)', [1, 2, 4, N, 8, 16, 10, 20, 30]],
  ['greatest(lag(x), y)', [N, 1, 2, 4, N, 8, N, 10, 20]],
  ['coalesce(x, -1)', [1, 2, 4, -1, 8, 16, 10, 20, 30]],
  ['coalesce(lag(x), y)', [0, 1, 2, 4, 0, 8, 1, 10, 20]],
  ['coalesce(x / y, 0)', [0, 2, 2, 0, 0, 3.2, 10, 20, 0]],
  // Arithmetic: missing in, missing out; division by zero is missing.
  ['x / y', [N, 2, 2, N, N, 3.2, 10, 20, N]],
  ['(x + 1) * 2 - y', [4, 5, 8, N, 18, 29, 21, 41, 62]],
  ['-x', [-1, -2, -4, N, -8, -16, -10, -20, -30]],
  ['x / 0', [N, N, N, N, N, N, N, N, N]],
  ['1 / (y - y)', [N, N, N, N, N, N, N, N, N]],
  ['2 * 3 + 1', [7, 7, 7, 7, 7, 7, 7, 7, 7]],
  ['1 / 0', [N, N, N, N, N, N, N, N, N]],
  // Nesting: windows of derived values.
  ['max(diff(x), 2)', [N, 1, 2, 2, N, 8, N, 10, 10]],
  ['mean(abs(diff(y)), 2, offset = 1)', [N, N, 1, 1, 1, 2, N, N, 0]],
  // rank: the share of the w points before now that lie below it, ties counting half.
  ['rank(y, 2)', [N, N, 1, 1, 0, 1, N, N, 0]],
  ['rank(y, 2, offset = 1)', [N, N, N, 1, 1, 0, N, N, N]],
  ['rank(x, 3)', [N, N, N, N, 1, 1, N, N, N]],
  ['rank(y, all)', [N, 1, 1, 1, 0.125, 1, N, 0.5, 0]],
  ['rank(y, 3, min_count = 1)', [N, 1, 1, 1, 0, 1, N, 0.5, 0]],
  // Windows of `all`: every point of the series so far; blank cells are skipped as in any window.
  ['mean(x, all)', [1, 1.5, 7 / 3, 7 / 3, 3.75, 6.2, 10, 15, 20]],
  ['mean(x, all, offset = 1)', [N, 1, 1.5, 7 / 3, 7 / 3, 3.75, N, 10, 15]],
  ['max(y, all)', [0, 1, 2, 3, 3, 5, 1, 1, 1]],
  ['min(x, all)', [1, 1, 1, 1, 1, 1, 10, 10, 10]],
  ['sum(y, all)', [0, 1, 3, 6, 6, 11, 1, 2, 2]],
  ['median(x, all)', [1, 1.5, 2, 2, 3, 4, 10, 15, 20]],
  ['quantile(y, all, 0.25)', [0, 0.25, 0.5, 0.75, 0, 0.25, 1, 1, 0.5]],
  ['std(y, all)', [N, r2 / 2, 1, Math.sqrt(5 / 3), Math.sqrt(1.7), Math.sqrt(113 / 30), N, 0, Math.sqrt(1 / 3)]],
  ['count(y > 0, all)', [0, 1, 2, 3, 3, 4, 1, 2, 2]],
  ['count(x, all)', [1, 2, 3, 3, 4, 5, 1, 2, 3]],
  ['zero_rate(y, all)', [1, 1 / 2, 1 / 3, 1 / 4, 2 / 5, 2 / 6, 0, 0, 1 / 3]],
  ['slope(x, all)', [N, 1, 1.5, 1.5, 1.8, 47.6 / 17.2, N, 10, 10]],
  // zscore against every earlier point; the flat start of b (1, 1) gets the floor 1e-3 * 1.
  ['zscore(y, all)', [N, N, 1.5 * r2, 2, -1.5 / Math.sqrt(5 / 3), 3.8 / Math.sqrt(1.7), N, N, -1000]],
  // min_count: a window cut at the series start counts once it holds that many values.
  ['mean(x, 3, min_count = 1)', [1, 1.5, 7 / 3, 3, 6, 12, 10, 15, 20]],
  ['mean(x, 3, min_count = 2)', [N, 1.5, 7 / 3, 3, 6, 12, N, 15, 20]],
  ['count(x > 3, 3, min_count = 2)', [N, 0, 1, 1, 2, 2, N, 2, 3]],
  ['sum(x, 2, offset = 1, min_count = 1)', [N, 1, 3, 6, 4, 8, N, 10, 30]],
  ['zscore(y, 3, min_count = 2)', [N, N, 1.5 * r2, 2, -2, 10 / 3 / Math.sqrt(7 / 3), N, N, -1000]],
  ['robust_z(y, 3, min_count = 2)', [N, N, 1.5 / (0.5 * 1.4826), 2 / 1.4826, -2 / 1.4826, 3 / 1.4826, N, N, -1000]],
  // Sessions: since, first, last.
  ['since(x > 3)', [N, N, 0, 1, 0, 0, 0, 0, 0]],
  ['since(y == 0)', [0, 1, 2, 3, 0, 1, N, N, 0]],
  ['first(x)', [1, 1, 1, 1, 1, 1, 10, 10, 10]],
  ['first(lag(x))', [N, 1, 1, 1, 1, 1, N, 10, 10]],
  ['last(x)', [1, 2, 4, 4, 8, 16, 10, 20, 30]],
  ['last(lag(x, 2))', [N, N, 1, 2, 4, 4, N, N, 10]],
  // Across columns, point by point: over the values present.
  ['count_true([x, y] > 1)', [0, 1, 2, 1, 1, 2, 1, 1, 1]],
  ['max_of(x, y)', [1, 2, 4, 3, 8, 16, 10, 20, 30]],
  ['max_of(columns("*"))', [1, 2, 4, 3, 8, 16, 10, 20, 30]],
  ['min_of(x, y)', [0, 1, 2, 3, 0, 5, 1, 1, 0]],
  ['mean_of([x, y])', [0.5, 1.5, 3, 3, 4, 10.5, 5.5, 10.5, 15]],
  ['sum_of(x, y, 1)', [2, 4, 7, 4, 9, 22, 12, 22, 31]],
  ['greatest(columns("?"))', [1, 2, 4, N, 8, 16, 10, 20, 30]],
];

/** expression -> expected condition on F: T true, F false, ? unknown. */
const condOnF: [string, string][] = [
  ['x > 3', 'FFT?TTTTT'],
  ['x <= 2', 'TTF?FFFFF'],
  ['x == 4', 'FFT?FFFFF'],
  ['x != 4', 'TTF?TTTTT'],
  ['x == x', 'TTT?TTTTT'],
  ['not (x > 3)', 'TTF?FFFFF'],
  ['not not (x > 3)', 'FFT?TTTTT'],
  ['x / y > 0', '?TT??TTT?'],
  // Kleene logic: false and unknown = false, true or unknown = true.
  ['x > 3 and false', 'FFFFFFFFF'],
  ['x > 3 and y > 100', 'FFFFFFFFF'],
  ['x > 3 and true', 'FFT?TTTTT'],
  ['x > 3 and y >= 0', 'FFT?TTTTT'],
  ['x > 3 or true', 'TTTTTTTTT'],
  ['x > 3 or y >= 0', 'TTTTTTTTT'],
  ['x > 3 or false', 'FFT?TTTTT'],
  ['x > 3 or y > 100', 'FFT?TTTTT'],
  ['true and not false', 'TTTTTTTTT'],
  ['lag(x) > 3 and x > 3', 'FFF??T?TT'],
  ['lag(x) > 3 or x > 3', '?FTTTTTTT'],
  // rising / falling: each of the last k steps; unknown before k steps or at a missing value.
  ['rising(x, 2)', '??T?????T'],
  ['rising(y, 2)', '??TTFF??F'],
  ['rising(y)', '?TTTFT?FF'],
  ['falling(y, 1)', '?FFFTF?FT'],
  ['falling(x, 2)', '??FF?F??F'],
  // persist: the condition at each of the last k points, now included.
  ['persist(x > 1, 2)', '?FT??T?TT'],
  ['persist(y >= 0, 3)', '??TTTT??T'],
  ['persist(y > 0, 1)', 'FTTTFTTTF'],
  ['is_missing(x)', 'FFFTFFFFF'],
  ['is_missing(lag(x))', 'TFFFTFTFF'],
  ['is_missing(mean(x, 3))', 'TTFFFFTTF'],
  ['is_missing(x / y)', 'TFFTTFFFT'],
  // ever: Kleene `or` over the series so far (unknown until a true point when one was unknown).
  ['ever(y > 2)', 'FFFTTTFFF'],
  ['ever(x > 3)', 'FFTTTTTTT'],
  ['ever(x > 5)', 'FFF?TTTTT'],
  // before(a, b): b now, and a at an earlier point of the series.
  ['before(y == 0, y > 2)', 'FFFTFTFFF'],
  ['before(x > 3, y < 2)', 'FFFFTFFTT'],
  ['before(x > 5, y >= 0)', 'FFFF?TFTT'],
  ['any([x, y] > 3)', 'FFT?TTTTT'],
  ['all([x, y] > 0)', 'FTT?FTTTF'],
  ['any(x > 100)', 'FFF?FFFFF'],
  ['x in [2, 8, 30]', 'FTF?TFFFT'],
  ['x not in [2, 8, 30]', 'TFT?FTTTF'],
];

/** On G: gaps, a window with nothing present, a flat stretch (std 0). */
const onG: [string, number[]][] = [
  ['mean(x, 2)', [N, N, 3, 3, 5, 5, 5]],
  ['mean(x, 8)', [N, N, N, N, N, N, N]],
  ['sum(x, 2)', [N, N, 3, 3, 5, 10, 10]],
  ['median(x, 3)', [N, N, 3, 3, 4, 5, 5]],
  ['std(x, 2)', [N, N, N, N, N, 0, 0]],
  ['std(x, 3)', [N, N, N, N, r2, 0, 0]],
  // A flat baseline (5, 5) has no spread: the floor applies, and now equal to it scores 0.
  ['zscore(x, 2)', [N, N, N, N, N, N, 0]],
  ['robust_z(x, 2)', [N, N, N, N, N, N, 0]],
  ['robust_z(x, 3)', [N, N, N, N, N, 1 / 1.4826, 0]],
  ['zscore(x, 3)', [N, N, N, N, N, r2 / 2, 0]],
  ['count(x, 3)', [N, N, 1, 1, 2, 2, 3]],
  ['count(is_missing(x), 3)', [N, N, 2, 2, 1, 1, 0]],
  ['slope(x, 2)', [N, N, N, N, N, 0, 0]],
  ['slope(x, 3)', [N, N, N, N, 1, 0, 0]],
  ['zero_rate(x, 2)', [N, N, 0, 0, 0, 0, 0]],
  ['ewma(x, 2)', [N, N, 3, 3, 13 / 3, 43 / 9, 133 / 27]],
  ['diff(x)', [N, N, N, N, N, 0, 0]],
  ['coalesce(x, mean(x, 3))', [N, N, 3, 3, 5, 5, 5]],
  ['mean(x, all)', [N, N, 3, 3, 4, 13 / 3, 4.5]],
  ['max(x, 4, min_count = 2)', [N, N, N, N, 5, 5, 5]],
  ['rank(x, 2, min_count = 1)', [N, N, N, N, 1, 0.5, 0.5]],
  ['since(x > 4)', [N, N, N, N, 0, 0, 0]],
  ['last(x)', [N, N, 3, 3, 5, 5, 5]],
];

const condOnG: [string, string][] = [
  ['rising(x, 1)', '?????FF'],
  // A false step decides, whatever the unknown ones.
  ['falling(x, 2)', '?????FF'],
  ['rising(x, 3)', '?????FF'],
  ['persist(x > 4, 3)', '??FFF?T'],
  ['not (x > 4)', '??T?FFF'],
  // Unknown points do not count: the count is 0, not missing.
  ['count(x > 4, 2) >= 1', '?FFFTTT'],
  // Unknown before the first true point: ever stays unknown until the condition holds.
  ['ever(x > 4)', '????TTT'],
  ['ever(x > 4) or is_missing(x)', 'TT?TTTT'],
  // Nothing earlier at the first point: false whatever b is; then a was unknown, then true.
  ['before(x == 3, x == 5)', 'F?F?TTT'],
];

describe('functions on hand-computed series', () => {
  for (const [expr, expected] of onF) it(`F: ${expr}`, () => expectClose(num(F, expr), expected, expr));
  for (const [expr, expected] of condOnF) it(`F: ${expr}`, () => expect(cond(F, expr)).toBe(expected));
  for (const [expr, expected] of onG) it(`G: ${expr}`, () => expectClose(num(G, expr), expected, expr));
  for (const [expr, expected] of condOnG) it(`G: ${expr}`, () => expect(cond(G, expr)).toBe(expected));

  it('covers every function of the catalog, and offset wherever it applies', () => {
    const exprs = [...onF, ...condOnF, ...onG, ...condOnG].map(([e]) => e);
    for (const f of functions) {
      const calls = exprs.filter((e) => new RegExp(`\\b${f.name}\\(`).test(e));
      expect(calls.length, `${f.name} is not tested`).toBeGreaterThan(0);
      if (f.params.some((p) => p.name === 'offset')) {
        expect(calls.some((e) => e.includes('offset =')), `${f.name} with offset`).toBe(true);
      }
    }
  });
});

describe('windows and series', () => {
  it('offset = k is the same as looking k points back', () => {
    const windowed = functions.filter((f) => f.params.some((p) => p.name === 'offset'));
    expect(windowed.length).toBeGreaterThanOrEqual(12);
    for (const f of windowed) {
      const extra = f.name === 'quantile' ? ', 0.3' : '';
      for (const k of [1, 2]) {
        const shifted = num(F, `${f.name}(y, 2${extra}, offset = ${k})`);
        const lagged = num(F, `lag(${f.name}(y, 2${extra}), ${k})`);
        expectClose(shifted, lagged, `${f.name} offset ${k}`);
      }
    }
  });

  it('a series gives the same values alone as after other series (no window crosses a series boundary)', () => {
    const series = {
      a: { x: [5, 1, null, 7, 7, 2, 9, 0] },
      b: { x: [3, 3, 8, 1, null, 4] },
      c: { x: [2, null, 6] },
    };
    const together = frameOf(series);
    const exprs = [
      ...functions.map((f) => {
        if (f.name === 'quantile') return 'quantile(x, 3, 0.5)';
        if (f.name === 'persist') return 'count(persist(x > 2, 2), 2)';
        if (f.name === 'rising' || f.name === 'falling' || f.name === 'is_missing') return `count(${f.name}(x), 2)`;
        if (f.params.some((p) => p.name === 'w')) return `${f.name}(x, 3, offset = 1)`;
        if (f.name === 'least' || f.name === 'greatest' || f.name === 'coalesce' || f.name.endsWith('_of')) return `${f.name}(x, lag(x, 2))`;
        if (f.name === 'ever' || f.name === 'any' || f.name === 'all') return `count(${f.name}(x > 2, lag(x) < 3), all)`.replace('ever(x > 2, lag(x) < 3)', 'ever(x > 2)');
        if (f.name === 'before') return 'count(before(x > 7, x < 3), 3, min_count = 1)';
        if (f.name === 'since' || f.name === 'count_true') return `${f.name}(x > 2${f.name === 'since' ? '' : ', lag(x) < 3'})`;
        if (f.name === 'columns') return 'max_of(columns("x"))';
        if (f.params.some((p) => p.name === 'k')) return `${f.name}(x, 2)`;
        return `${f.name}(x - 3)`;
      }),
    ];
    for (const f of functions.filter((g) => g.params.some((p) => p.all))) exprs.push(`${f.name}(x, all${f.name === 'quantile' ? ', 0.3' : ''}, offset = 1)`);
    for (const f of functions.filter((g) => g.params.some((p) => p.name === 'min_count'))) exprs.push(`${f.name}(x, 4${f.name === 'quantile' ? ', 0.3' : ''}, min_count = 2)`);
    let offset = 0;
    for (const [id, s] of Object.entries(series)) {
      const alone = frameOf({ [id]: s });
      const n = s.x.length;
      for (const e of exprs) {
        expectClose(num(together, e).slice(offset, offset + n), num(alone, e), `${e} on ${id}`);
      }
      offset += n;
    }
  });

  it('the first points of each series are missing until the window is full', () => {
    const ten = frameOf({ a: { x: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }, b: { x: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] } });
    const firstPresent = (e: string) => {
      const v = num(ten, e);
      return [v.slice(0, 10).findIndex((x) => !Number.isNaN(x)), v.slice(10).findIndex((x) => !Number.isNaN(x))];
    };
    expect(firstPresent('mean(x, 4)')).toEqual([3, 3]);
    expect(firstPresent('mean(x, 4, offset = 2)')).toEqual([5, 5]);
    expect(firstPresent('zscore(x - x * x, 4)')).toEqual([4, 4]);
    expect(firstPresent('robust_z(x * x, 4, offset = 1)')).toEqual([5, 5]);
    expect(firstPresent('ewma(x, 5)')).toEqual([4, 4]);
    expect(firstPresent('lag(x, 3)')).toEqual([3, 3]);
    // A window uses the values present in it: lag(x, 3) has one at point 3.
    expect(firstPresent('mean(lag(x, 3), 2)')).toEqual([3, 3]);
    expect(firstPresent('mean(x, 11)')).toEqual([-1, -1]);
  });

  it('quantile and median agree with sorting, on random windows', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constant(null)), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 6 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (xs, w, q) => {
          const f = frameOf({ s: { x: xs } });
          const expected = xs.map((_, i) => {
            if (i < w - 1) return N;
            const win = xs.slice(i - w + 1, i + 1).filter((v): v is number => v !== null).sort((a, b) => a - b);
            if (!win.length) return N;
            const pos = q * (win.length - 1);
            const lo = Math.floor(pos);
            return lo === pos ? win[lo] : win[lo] + (win[lo + 1] - win[lo]) * (pos - lo);
          });
          expectClose(num(f, `quantile(x, ${w}, ${q})`), expected, `quantile ${q} of ${JSON.stringify(xs)} w ${w}`);
          const med = xs.map((_, i) => {
            if (i < w - 1) return N;
            const win = xs.slice(i - w + 1, i + 1).filter((v): v is number => v !== null).sort((a, b) => a - b);
            const m = win.length;
            return m === 0 ? N : m % 2 ? win[(m - 1) / 2] : (win[m / 2 - 1] + win[m / 2]) / 2;
          });
          expectClose(num(f, `median(x, ${w})`), med, `median of ${JSON.stringify(xs)} w ${w}`);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('missing values when scoring', () => {
  // One series; the label column is `label`: 0, 1, 1, 0, unlabelled.
  const csv = csvOf({ s: { x: [1, null, 5, 5, null], label: [0, 1, 1, 0, null] } });
  const header = 'dataset "data.csv" { series = id  time = t  label = label }\n';

  it('a point is flagged only where a rule is TRUE: unknown is not flagged, and is counted as unjudged', async () => {
    const a = await analyzeWith(csv, header + 'rule r when x > 3\nrule n when not (x > 3)\n');
    expect(a.issues.filter((i) => i.severity === 'error')).toEqual([]);
    const s = a.scores('all')!;
    // x > 3: F ? T T ?  -> TN, FN (unjudged), TP, FP; the unlabelled point does not count.
    expect(s.rules[0]).toMatchObject({ tp: 1, fp: 1, fn: 1, tn: 1, unjudged: 1, fires: 2, precision: 0.5, recall: 0.5, f1: 0.5 });
    // not (x > 3): T ? F F ? -> FP, FN (unjudged), FN, TN.
    expect(s.rules[1]).toMatchObject({ tp: 0, fp: 1, fn: 2, tn: 1, unjudged: 1, fires: 1, precision: 0, recall: 0, f1: 0 });
    // The file: flagged where any rule is TRUE.
    expect(s.file).toMatchObject({ tp: 1, fp: 2, fn: 1, tn: 0, unjudged: 1, fires: 3 });
  });

  it('an unknown rule next to a rule that decides is judged', async () => {
    const a = await analyzeWith(csv, header + 'rule r when x > 3\nrule all when x > 3 or true\n');
    const s = a.scores('all')!;
    expect(s.rules[1]).toMatchObject({ tp: 2, fp: 2, unjudged: 0, fires: 5 });
    expect(s.file).toMatchObject({ tp: 2, fp: 2, fn: 0, tn: 0, unjudged: 0 });
  });

  it('an exclude removes a point only where it is TRUE', async () => {
    const a = await analyzeWith(csv, header + 'rule all when true\nexclude big when x > 3\n');
    const s = a.scores('all')!;
    // The exclude is F ? T T ?: it removes points 2 and 3; where it is unknown the rule stands.
    expect(s.file).toMatchObject({ tp: 1, fp: 1, fn: 1, tn: 1, fires: 3 });
    expect(s.excludes[0]).toMatchObject({ removedTp: 1, removedFp: 1, fires: 2 });
  });
});
