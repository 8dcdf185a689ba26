// Counts written for people: en-US digit grouping without ICU for integers, exactly as ICU writes it.
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { grouped, pluralGrouped } from '../../grammar/src/plural';

afterEach(() => vi.restoreAllMocks());

describe('grouped', () => {
  it('writes every number as toLocaleString("en-US") does', () => {
    const reference = (n: number) => Number.prototype.toLocaleString.call(n, 'en-US');
    fc.assert(
      fc.property(fc.oneof(fc.maxSafeInteger(), fc.integer({ min: -1_000_000, max: 1_000_000 }), fc.double(), fc.constantFrom(0, -0, 999, 1000, -1000, 2 ** 53, Number.MAX_SAFE_INTEGER)), (n) => {
        expect(grouped(n)).toBe(reference(n));
      }),
    );
    expect(pluralGrouped(1204, 'point')).toBe('1,204 points');
  });

  it('groups integers without ICU (its first use costs about 25 ms)', () => {
    const icu = vi.spyOn(Number.prototype, 'toLocaleString');
    expect([grouped(5_300_000), grouped(-1234), grouped(12), pluralGrouped(100_000, 'series', 'series')]).toEqual(['5,300,000', '-1,234', '12', '100,000 series']);
    expect(icu).not.toHaveBeenCalled();
  });
});
