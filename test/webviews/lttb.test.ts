// Downsampling: the budget holds, the ends stay, and labelled or flagged points are never dropped.
import { describe, expect, it } from 'vitest';
import { lttb } from '../../server/src/preview/lttb';

function wave(n: number): { x: Float64Array; y: Float64Array } {
  const x = Float64Array.from({ length: n }, (_, i) => i * 10);
  const y = Float64Array.from({ length: n }, (_, i) => Math.sin(i / 50) * 10 + ((i * 7919) % 13) / 4);
  return { x, y };
}

describe('lttb', () => {
  it('keeps every point of a series within the budget', () => {
    const { x, y } = wave(100);
    expect(lttb(x, y, 100)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('respects the budget, keeps both ends and returns increasing indices', () => {
    const { x, y } = wave(10000);
    for (const budget of [3, 10, 500, 2000]) {
      const out = lttb(x, y, budget);
      expect(out.length).toBeLessThanOrEqual(budget);
      expect(out.length).toBeGreaterThanOrEqual(Math.min(budget, 3) - 1);
      expect(out[0]).toBe(0);
      expect(out[out.length - 1]).toBe(9999);
      for (let i = 1; i < out.length; i++) expect(out[i]).toBeGreaterThan(out[i - 1]);
    }
  });

  it('keeps the peaks a plain stride would miss', () => {
    const { x } = wave(5000);
    const y = new Float64Array(5000);
    y[1234] = 100;
    y[3777] = -50;
    const out = lttb(x, y, 100);
    expect(out).toContain(1234);
    expect(out).toContain(3777);
  });

  it('never drops a point that must stay, and still respects the budget', () => {
    const { x, y } = wave(10000);
    const must = new Set([5, 17, 18, 19, 4000, 4001, 9998]);
    const out = lttb(x, y, 300, (i) => must.has(i));
    expect(out.length).toBeLessThanOrEqual(300);
    for (const i of must) expect(out).toContain(i);
    expect(new Set(out).size).toBe(out.length);
  });

  it('returns the points that must stay (and the ends) when they fill the budget', () => {
    const { x, y } = wave(1000);
    const out = lttb(x, y, 50, (i) => i % 10 === 3);
    expect(out.filter((i) => i % 10 === 3)).toHaveLength(100);
    expect(out[0]).toBe(0);
    expect(out[out.length - 1]).toBe(999);
  });

  it('copes with missing values', () => {
    const { x, y } = wave(3000);
    for (let i = 100; i < 900; i++) y[i] = Number.NaN;
    const out = lttb(x, y, 200);
    expect(out.length).toBeLessThanOrEqual(200);
    expect(out.every((i) => Number.isInteger(i) && i >= 0 && i < 3000)).toBe(true);
  });

  it('rejects mismatched input', () => {
    expect(() => lttb([1, 2], [1], 5)).toThrow(/x has 2 values but y has 1/);
    expect(() => lttb([1, 2, 3], [1, 2, 3], Number.NaN)).toThrow(/budget/);
  });
});
