import { describe, expect, it } from 'vitest';
import { busyCores, busyFrom } from '../../server/src/engine/busy';

describe('busy cores', () => {
  it('the lesser of the minute average and the threads ready now besides this one', () => {
    // A benchmark ended seconds ago: the average says two cores, only this thread runs now.
    expect(busyFrom(1.9, '1.90 1.35 1.49 1/76 8758\n')).toBe(0);
    // Work that has just started: three threads ready now, the average still low.
    expect(busyFrom(0.2, '0.20 0.10 0.05 3/80 9000\n')).toBe(0.2);
    expect(busyFrom(3.5, '3.50 3.00 2.00 3/80 9000\n')).toBe(2);
  });

  it('the average alone where /proc/loadavg is missing or unreadable', () => {
    expect(busyFrom(1.25, undefined)).toBe(1.25);
    expect(busyFrom(1.25, 'garbage')).toBe(1.25);
  });

  it('reads this machine without failing', () => {
    const b = busyCores();
    expect(Number.isFinite(b) && b >= 0).toBe(true);
  });
});
