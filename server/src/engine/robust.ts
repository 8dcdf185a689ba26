// robust_z over a window of w points, sliding: the window's present values are kept sorted (one
// insertion and one removal per point), so the median is read directly and the median absolute
// deviation is found by walking outwards from it, without sorting or selecting each window anew.
import { spreadFloor, spreadFloorAbsolute, spreadFloorRelative, type Layout, type Num } from './kernels';

/** (now - median) / spread of the w points before now; see kernels.baseline for the definition. */
export function slidingRobustZ(x: Num, L: Layout, w: number, offset: number, longest: number, minCount?: number): Num {
  const out = new Float64Array(L.length).fill(Number.NaN);
  const win = new Float64Array(Math.min(w, longest));
  const need = Math.max(minCount ?? 0, 2);
  let n = 0;

  const find = (v: number): number => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (win[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };

  for (let s = 0; s + 1 < L.seriesStart.length; s++) {
    const a = L.seriesStart[s];
    const b = L.seriesStart[s + 1];
    n = 0;
    for (let j = a; j + offset < b; j++) {
      // The window [j - w, j - 1]: x[j - 1 - w] goes out, then x[j - 1] comes in.
      if (j - 1 - w >= a) {
        const v = x[j - 1 - w];
        if (v === v) {
          const p = find(v);
          win.copyWithin(p, p + 1, n);
          n--;
        }
      }
      if (j > a) {
        const v = x[j - 1];
        if (v === v) {
          const p = find(v);
          win.copyWithin(p + 1, p, n);
          win[p] = v;
          n++;
        }
      }
      if (minCount === undefined && j - w < a) continue;
      const cur = x[j];
      if (cur !== cur || n < need) continue;
      const pos = 0.5 * (n - 1);
      const lo = Math.floor(pos);
      const centre = pos === lo ? win[lo] : win[lo] + (win[lo + 1] - win[lo]) * (pos - lo);
      // Deviations from the centre in ascending order: merge outwards from it.
      let r = find(centre);
      let l = r - 1;
      let dlo = 0;
      let dhi = 0;
      for (let k = 0; k <= lo + 1 && k < n; k++) {
        const dl = l >= 0 ? centre - win[l] : Infinity;
        const dr = r < n ? win[r] - centre : Infinity;
        let d: number;
        if (dl <= dr) {
          d = dl;
          l--;
        } else {
          d = dr;
          r++;
        }
        if (k === lo) dlo = d;
        else dhi = d;
      }
      const mad = pos === lo ? dlo : dlo + (dhi - dlo) * (pos - lo);
      let spread = 1.4826 * mad;
      if (spread === 0) {
        // More than half the window at the median: the mean absolute deviation instead.
        let sum = 0;
        for (let t = 0; t < n; t++) sum += Math.abs(win[t] - centre);
        spread = 1.2533 * (sum / n);
      }
      // The floor only matters when the spread is below it for the largest magnitude.
      const bound = Math.max(Math.abs(win[0]), Math.abs(win[n - 1]));
      if (spread < spreadFloorRelative * bound || spread < spreadFloorAbsolute) {
        let abs = 0;
        for (let t = 0; t < n; t++) abs += Math.abs(win[t]);
        spread = Math.max(spread, spreadFloor(abs / n));
      }
      out[j + offset] = (cur - centre) / spread;
    }
  }
  return out;
}
