// Copies into spares made ready in idle time: the same values, and arrays nobody else holds.
import { afterEach, describe, expect, it } from 'vitest';
import { copyOf, dropSpares, refillSpares, sparesReady } from '../../server/src/engine/spare';

afterEach(() => dropSpares());

describe('copies into spares', () => {
  it('hold the values copied, each in an array of its own, spares made for the sizes copied since', () => {
    const a = Uint8Array.from({ length: 10_000 }, (_, i) => i % 3);
    const b = Uint32Array.from({ length: 2_500 }, (_, i) => i * 7);
    // Nothing ready: plain copies, and the sizes are noted.
    expect(Array.from(copyOf(a))).toEqual(Array.from(a));
    expect(copyOf(a)).not.toBe(a);
    expect(sparesReady(a.byteLength)).toBe(0);
    refillSpares();
    // As many spares as copies made: two for a's size (b has the same byte length, and shares them).
    expect(sparesReady(a.byteLength)).toBe(2);
    const x = copyOf(a);
    const y = copyOf(b);
    expect(sparesReady(a.byteLength)).toBe(0);
    expect(x).toBeInstanceOf(Uint8Array);
    expect(y).toBeInstanceOf(Uint32Array);
    expect(Array.from(x)).toEqual(Array.from(a));
    expect(Array.from(y)).toEqual(Array.from(b));
    // Each copy has a buffer of its own: writing one changes nothing else.
    expect(new Set([x.buffer, y.buffer, a.buffer, b.buffer]).size).toBe(4);
    x[0] = 9;
    expect(a[0]).toBe(0);
    // Beyond the spares ready: plain copies again.
    expect(Array.from(copyOf(a))).toEqual(Array.from(a));
  });

  it('let go of sizes no longer copied', () => {
    const a = new Uint8Array(4096);
    copyOf(a);
    refillSpares();
    expect(sparesReady(4096)).toBe(1);
    for (let k = 0; k < 20; k++) refillSpares();
    expect(sparesReady(4096)).toBe(0);
  });
});
