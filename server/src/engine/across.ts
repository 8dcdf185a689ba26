// Combining values across columns, point by point: any, all, count_true (Kleene logic, as `or`
// and `and`), and max_of, min_of, mean_of, sum_of over the values present. A group of columns
// arrives as one argument per member.
import { AND3, FALSE, OR3, TRUE, type Bool, type Consts, type Layout, type Num } from './kernels';

type Kernel = (args: (Num | Bool)[], c: Consts, L: Layout) => Num | Bool;

function logic(args: Bool[], n: number, table: Uint8Array, start: number): Bool {
  const out = new Uint8Array(n).fill(start);
  for (const x of args) for (let i = 0; i < n; i++) out[i] = table[out[i] * 3 + x[i]];
  return out;
}

function countTrue(args: Bool[], n: number): Num {
  const out = new Float64Array(n);
  for (const x of args) for (let i = 0; i < n; i++) if (x[i] === TRUE) out[i]++;
  return out;
}

type Reduce = 'max' | 'min' | 'mean' | 'sum';

/** Over the present values; missing where none is. */
function reducePresent(args: Num[], n: number, r: Reduce): Num {
  const acc = new Float64Array(n).fill(r === 'max' ? -Infinity : r === 'min' ? Infinity : 0);
  const count = new Int32Array(n);
  for (const x of args) {
    for (let i = 0; i < n; i++) {
      const v = x[i];
      if (v !== v) continue;
      count[i]++;
      if (r === 'max') {
        if (v > acc[i]) acc[i] = v;
      } else if (r === 'min') {
        if (v < acc[i]) acc[i] = v;
      } else acc[i] += v;
    }
  }
  for (let i = 0; i < n; i++) {
    if (count[i] === 0) acc[i] = Number.NaN;
    else if (r === 'mean') acc[i] /= count[i];
  }
  return acc;
}

export const acrossKernels: Record<string, Kernel> = {
  any: (args, _c, L) => logic(args as Bool[], L.length, OR3, FALSE),
  all: (args, _c, L) => logic(args as Bool[], L.length, AND3, TRUE),
  count_true: (args, _c, L) => countTrue(args as Bool[], L.length),
  max_of: (args, _c, L) => reducePresent(args as Num[], L.length, 'max'),
  min_of: (args, _c, L) => reducePresent(args as Num[], L.length, 'min'),
  mean_of: (args, _c, L) => reducePresent(args as Num[], L.length, 'mean'),
  sum_of: (args, _c, L) => reducePresent(args as Num[], L.length, 'sum'),
};
