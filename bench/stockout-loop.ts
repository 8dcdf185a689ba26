// The stock-out example's rules written by hand over typed arrays: what the engine's flags are
// measured against (bench/engine.ts on the example, bench/scale.ts on 1M series).
import type { Frame } from '../server/src/engine/frame';

/** Flagged (1) where a rule holds and the exclude does not, for examples/stockout/stockout.arl. */
export function handFlags(f: Frame): Uint8Array {
  const x = f.columns.get('oos_ratio')!;
  const starts = f.seriesStart;
  const out = new Uint8Array(f.length);
  const buf = new Float64Array(52);
  for (let s = 0; s + 1 < starts.length; s++) {
    const a = starts[s];
    const b = starts[s + 1];
    for (let i = a; i < b; i++) {
      const v = x[i];
      const prev = i - 1 >= a ? x[i - 1] : Number.NaN;
      const ratio = prev !== 0 ? v / prev : Number.NaN;
      const critical = v >= 80 || (ratio > 10 && v >= 50);
      // recent = median of the 4 points before i
      let recent = Number.NaN;
      if (i - 4 >= a) {
        let n = 0;
        for (let t = i - 4; t < i; t++) if (x[t] === x[t]) buf[n++] = x[t];
        // insertion sort of at most 4 values
        for (let p = 1; p < n; p++) {
          const key = buf[p];
          let q = p - 1;
          while (q >= 0 && buf[q] > key) (buf[q + 1] = buf[q]), q--;
          buf[q + 1] = key;
        }
        if (n) recent = n % 2 ? buf[n >> 1] : (buf[n / 2 - 1] + buf[n / 2]) / 2;
      }
      // z = zscore over the 52 points before i; the spread is at least 0.001 * mean |value| (and 1e-9)
      let z = Number.NaN;
      if (i - 52 >= a && v === v) {
        let n = 0;
        let sum = 0;
        let abs = 0;
        for (let t = i - 52; t < i; t++) if (x[t] === x[t]) (buf[n++] = x[t]), (sum += x[t]), (abs += Math.abs(x[t]));
        if (n >= 2) {
          const m = sum / n;
          let ss = 0;
          for (let t = 0; t < n; t++) ss += (buf[t] - m) * (buf[t] - m);
          const sd = Math.sqrt(ss / (n - 1));
          z = (v - m) / Math.max(sd, 1e-3 * (abs / n), 1e-9);
        }
      }
      const pressure = (v >= 35 && z >= 5) || (recent < 3 && v >= 12);
      let rising = i - 3 >= a;
      for (let t = i - 2; rising && t <= i; t++) rising = x[t] > x[t - 1];
      const escalating = rising && v >= 45;
      const drop = v < 0.5 * prev;
      out[i] = (critical || pressure || escalating) && !drop ? 1 : 0;
    }
  }
  return out;
}
