// Category columns in the plan: `in` tests and comparisons by dictionary code, and the functions
// that take categories (lag, first, last, count, is_missing). A string from a rule is looked up in
// the frame's dictionary once per evaluation; it never becomes code, and a string the column never
// holds is simply false everywhere. A missing cell (code -1) makes a test unknown.
import type { Categorical } from './frame';
import { FALSE, kernels, TRUE, UNKNOWN, type Bool, type Layout, type Num } from './kernels';
import type { PlanNode } from './plan';

export function isCategorical(v: unknown): v is Categorical {
  return typeof v === 'object' && v !== null && 'codes' in v;
}

/** A category column with every cell missing (a column a test block leaves out). */
export function missingCategories(n: number): Categorical {
  return { codes: new Int32Array(n).fill(-1), values: [] };
}

/** `x in [...]`: true where the code is one of the strings', unknown where the cell is missing. */
export function inCategories(x: Categorical, strings: string[]): Bool {
  const member = new Uint8Array(x.values.length);
  const wanted = new Set(strings);
  x.values.forEach((v, code) => {
    if (wanted.has(v)) member[code] = 1;
  });
  const out = new Uint8Array(x.codes.length);
  for (let i = 0; i < out.length; i++) {
    const c = x.codes[i];
    out[i] = c < 0 ? UNKNOWN : member[c] ? TRUE : FALSE;
  }
  return out;
}

/** `a == b` for two category columns, by text (their dictionaries may differ). */
export function sameCategory(a: Categorical, b: Categorical): Bool {
  let map: Int32Array | undefined;
  if (a.values !== b.values) {
    const index = new Map(a.values.map((v, code) => [v, code]));
    map = Int32Array.from(b.values, (v) => index.get(v) ?? -2);
  }
  const out = new Uint8Array(a.codes.length);
  for (let i = 0; i < out.length; i++) {
    const ca = a.codes[i];
    const cb = b.codes[i];
    out[i] = ca < 0 || cb < 0 ? UNKNOWN : ca === (map ? map[cb] : cb) ? TRUE : FALSE;
  }
  return out;
}

/** Codes as numbers (NaN where missing), for the functions that only count what is present. */
function presence(x: Categorical): Num {
  return Float64Array.from(x.codes, (c) => (c < 0 ? Number.NaN : c));
}

/** The numeric kernel run on codes, its result turned back into codes (lag, first, last). */
function viaCodes(fn: string, x: Categorical, consts: Record<string, number>, L: Layout): Categorical {
  const r = kernels[fn]([presence(x)], consts, L) as Num;
  return { codes: Int32Array.from(r, (v) => (v === v ? v : -1)), values: x.values };
}

/** Evaluates a call that involves categories; undefined when it does not. */
export function categoryCall(node: PlanNode, args: (Num | Bool | Categorical)[], L: Layout): Num | Bool | Categorical | undefined {
  const x = args[0];
  if (node.fn === 'in') return isCategorical(x) ? inCategories(x, node.strings ?? []) : new Uint8Array(L.length).fill(UNKNOWN);
  if (node.fn === 'same') return sameCategory(x as Categorical, args[1] as Categorical);
  if (!isCategorical(x)) return undefined;
  switch (node.fn) {
    case 'lag':
    case 'first':
    case 'last':
      return viaCodes(node.fn, x, node.consts, L);
    case 'count':
    case 'is_missing':
      return kernels[node.fn]([presence(x)], node.consts, L);
    default:
      throw new Error(`${node.fn} does not take categories`);
  }
}

/** Texts to a category column (codes in first-seen order) and its values most frequent first. */
export function categoricalOf(texts: readonly (string | null | undefined)[], listed = 1000): { column: Categorical; frequent: string[] } {
  const index = new Map<string, number>();
  const values: string[] = [];
  const counts: number[] = [];
  const codes = new Int32Array(texts.length);
  texts.forEach((t, i) => {
    if (t === null || t === undefined) {
      codes[i] = -1;
      return;
    }
    let c = index.get(t);
    if (c === undefined) {
      index.set(t, (c = values.length));
      values.push(t);
      counts.push(0);
    }
    counts[c]++;
    codes[i] = c;
  });
  const frequent = values
    .map((v, c) => ({ v, n: counts[c], c }))
    .sort((x, y) => y.n - x.n || x.c - y.c)
    .slice(0, listed)
    .map((e) => e.v);
  return { column: { codes, values }, frequent };
}
