// Sessions and sequences: what happened earlier in the series (ever, since, before) and its first
// and latest values. One pass per series, causal: a point never reads a later one.
import { AND3, OR3, TRUE, type Bool, type Consts, type Layout, type Num } from './kernels';

type Kernel = (args: (Num | Bool)[], c: Consts, L: Layout) => Num | Bool;

/** Kleene `or` of the condition over the series so far: true from its first true point on. */
function ever(x: Bool, L: Layout): Bool {
  const out = new Uint8Array(L.length);
  for (let s = 0; s + 1 < L.seriesStart.length; s++) {
    let acc = 0;
    for (let i = L.seriesStart[s]; i < L.seriesStart[s + 1]; i++) out[i] = acc = OR3[acc * 3 + x[i]];
  }
  return out;
}

/** b now, and a at some earlier point (Kleene: `(a[0] or ... or a[i-1]) and b[i]`). */
function before(a: Bool, b: Bool, L: Layout): Bool {
  const out = new Uint8Array(L.length);
  for (let s = 0; s + 1 < L.seriesStart.length; s++) {
    let earlier = 0;
    for (let i = L.seriesStart[s]; i < L.seriesStart[s + 1]; i++) {
      out[i] = AND3[earlier * 3 + b[i]];
      earlier = OR3[earlier * 3 + a[i]];
    }
  }
  return out;
}

/** Points since the condition was last true; missing before it first was (unknown is not true). */
function since(x: Bool, L: Layout): Num {
  const out = new Float64Array(L.length).fill(Number.NaN);
  for (let s = 0; s + 1 < L.seriesStart.length; s++) {
    let last = -1;
    for (let i = L.seriesStart[s]; i < L.seriesStart[s + 1]; i++) {
      if (x[i] === TRUE) last = i;
      if (last >= 0) out[i] = i - last;
    }
  }
  return out;
}

/** The series' first present value (first), or the latest one up to now (last). */
function held(x: Num, L: Layout, keepFirst: boolean): Num {
  const out = new Float64Array(L.length).fill(Number.NaN);
  for (let s = 0; s + 1 < L.seriesStart.length; s++) {
    let v = Number.NaN;
    for (let i = L.seriesStart[s]; i < L.seriesStart[s + 1]; i++) {
      if (x[i] === x[i] && (!keepFirst || v !== v)) v = x[i];
      out[i] = v;
    }
  }
  return out;
}

export const sequenceKernels: Record<string, Kernel> = {
  ever: ([x], _c, L) => ever(x as Bool, L),
  since: ([x], _c, L) => since(x as Bool, L),
  before: ([a, b], _c, L) => before(a as Bool, b as Bool, L),
  first: ([x], _c, L) => held(x as Num, L, true),
  last: ([x], _c, L) => held(x as Num, L, false),
};
