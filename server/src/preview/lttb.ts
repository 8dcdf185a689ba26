// Largest-triangle-three-buckets downsampling (Steinarsson 2013), with points that must stay.
// Returns the kept indices in increasing order. Points for which `keep(i)` is true (labelled or
// flagged points) are never dropped; the other points share what is left of the budget. When the
// kept points alone reach the budget, they are returned with the two ends, slightly over budget.

export function lttb(x: ArrayLike<number>, y: ArrayLike<number>, budget: number, keep: (i: number) => boolean = () => false): number[] {
  const n = x.length;
  if (y.length !== n) throw new Error(`lttb: x has ${n} values but y has ${y.length}.`);
  if (!(budget >= 0)) throw new Error(`lttb: the budget must be a number of points, not ${budget}.`);
  if (n <= budget) return Array.from({ length: n }, (_, i) => i);
  const must: number[] = [];
  for (let i = 0; i < n; i++) if (keep(i)) must.push(i);
  const free = Math.floor(budget) - must.length;
  const picked = free >= 3 ? buckets(x, y, free) : [0, n - 1];
  return mergeSorted(picked, must);
}

/** Plain LTTB: `m` (>= 3) indices including the first and the last. */
function buckets(x: ArrayLike<number>, y: ArrayLike<number>, m: number): number[] {
  const n = x.length;
  const out = [0];
  const size = (n - 2) / (m - 2);
  let a = 0;
  for (let b = 0; b < m - 2; b++) {
    const start = Math.floor(b * size) + 1;
    const end = Math.min(n - 1, Math.floor((b + 1) * size) + 1);
    // The average of the next bucket (or the last point) is the triangle's third corner.
    const nextStart = end;
    const nextEnd = Math.min(n, Math.floor((b + 2) * size) + 1);
    let cx = 0;
    let cy = 0;
    let count = 0;
    for (let j = nextStart; j < nextEnd; j++) {
      if (y[j] !== y[j]) continue;
      cx += x[j];
      cy += y[j];
      count++;
    }
    if (count) (cx /= count), (cy /= count);
    else (cx = x[n - 1]), (cy = y[n - 1]);
    let best = start;
    let bestArea = -1;
    for (let j = start; j < end; j++) {
      const area = Math.abs((x[a] - cx) * (y[j] - y[a]) - (x[a] - x[j]) * (cy - y[a]));
      // Missing values (NaN areas) are picked only when the whole bucket is missing.
      if (area > bestArea) (bestArea = area), (best = j);
    }
    out.push(best);
    a = best;
  }
  out.push(n - 1);
  return out;
}

function mergeSorted(a: number[], b: number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const v = j >= b.length || (i < a.length && a[i] <= b[j]) ? a[i++] : b[j++];
    if (out[out.length - 1] !== v) out.push(v);
  }
  return out;
}
