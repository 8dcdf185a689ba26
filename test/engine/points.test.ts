// Flag columns as bit sets: true points only (false and unknown are not set), whatever the
// column's length and its place in its buffer.
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { newFrameId, withId, withLabel } from '../../server/src/engine/frame';
import { firstBit, labelledPoints, lastBit, orBitsAt, packTrue, packUnknown, trueBits } from '../../server/src/engine/points';
import { frameOf } from '../core/helpers';

it('sets the bits of true points only, for any length and offset', () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(0, 1, 2), { maxLength: 300 }), fc.nat(7), (values, offset) => {
      const buf = new Uint8Array(values.length + offset);
      buf.set(values, offset);
      const flags = buf.subarray(offset);
      const bits = trueBits(flags);
      expect(bits.length).toBe(Math.ceil(values.length / 32));
      expect(Array.from(packTrue(flags))).toEqual(Array.from(bits));
      const set = values.flatMap((v, i) => (v === 1 ? [i] : []));
      const got: number[] = [];
      for (let i = 0; i < bits.length * 32; i++) if (bits[i >>> 5] & (1 << (i & 31))) got.push(i);
      expect(got).toEqual(set);
    }),
    { numRuns: 500 },
  );
});

it('bit sets made block by block and moved into place are those of the whole column', () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(0, 1, 2), { maxLength: 400 }), fc.array(fc.nat(70), { maxLength: 12 }), (values, cuts) => {
      const flags = Uint8Array.from(values);
      // Blocks of any length (0 included), in any order.
      const ends = [...new Set([0, ...cuts.map((c) => Math.min(c * 5, values.length)), values.length])].sort((a, b) => a - b);
      const bits = new Uint32Array(Math.ceil(values.length / 32));
      const blocks = ends.slice(1).map((end, k) => [ends[k], end] as const).reverse();
      for (const [a, b] of blocks) orBitsAt(bits, packTrue(flags.subarray(a, b)), a);
      expect(Array.from(bits)).toEqual(Array.from(packTrue(flags)));
    }),
    { numRuns: 500 },
  );
});

it('sets the bits of unknown points only, for any length and offset', () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(0, 1, 2), { maxLength: 300 }), fc.nat(7), (values, offset) => {
      const buf = new Uint8Array(values.length + offset);
      buf.set(values, offset);
      const bits = packUnknown(buf.subarray(offset));
      const got: number[] = [];
      for (let i = 0; i < bits.length * 32; i++) if (bits[i >>> 5] & (1 << (i & 31))) got.push(i);
      expect(got).toEqual(values.flatMap((v, i) => (v === 2 ? [i] : [])));
    }),
    { numRuns: 500 },
  );
});

it('lists the labelled points of a label column once, for the frame and its views under other ids', () => {
  const frame = frameOf({ a: { x: [1, 2, 3, 4], label: [null, 1, 0, null] }, b: { x: [5, 6], label: [0, null] } });
  const l = labelledPoints(frame);
  expect(Array.from(l.points)).toEqual([1, 2, 4]);
  expect(Array.from(l.anomaly)).toEqual([1, 0, 0]);
  // A view with the same labels (a label sidecar with no entries) reads the same list.
  expect(labelledPoints(withId(frame, newFrameId()))).toBe(l);
  // Other labels, another list.
  expect(Array.from(labelledPoints(withLabel(frame, Float64Array.from([1, 1, NaN, NaN, NaN, 0]))).points)).toEqual([0, 1, 5]);
});

it('firstBit and lastBit find the first and last set bit of a range, or -1', () => {
  fc.assert(
    fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 200 }), fc.nat(200), fc.nat(200), (set, x, y) => {
      const bits = new Uint32Array(Math.ceil(set.length / 32));
      set.forEach((b, i) => b && (bits[i >>> 5] |= 1 << (i & 31)));
      const [from, to] = [Math.min(x, y, set.length), Math.min(Math.max(x, y), set.length)];
      const inRange = set.flatMap((b, i) => (b && i >= from && i < to ? [i] : []));
      expect(firstBit(bits, from, to)).toBe(inRange.length ? inRange[0] : -1);
      expect(lastBit(bits, from, to)).toBe(inRange.length ? inRange[inRange.length - 1] : -1);
    }),
    { numRuns: 500 },
  );
});
