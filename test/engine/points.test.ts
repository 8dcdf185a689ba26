// Flag columns as bit sets: true points only (false and unknown are not set), whatever the
// column's length and its place in its buffer.
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { trueBits } from '../../server/src/engine/points';

it('sets the bits of true points only, for any length and offset', () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(0, 1, 2), { maxLength: 300 }), fc.nat(7), (values, offset) => {
      const buf = new Uint8Array(values.length + offset);
      buf.set(values, offset);
      const flags = buf.subarray(offset);
      const bits = trueBits(flags);
      expect(bits.length).toBe(Math.ceil(values.length / 32));
      const set = values.flatMap((v, i) => (v === 1 ? [i] : []));
      const got: number[] = [];
      for (let i = 0; i < bits.length * 32; i++) if (bits[i >>> 5] & (1 << (i & 31))) got.push(i);
      expect(got).toEqual(set);
    }),
    { numRuns: 500 },
  );
});
