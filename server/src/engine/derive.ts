// Bit sets an edit changed at a few words. A threshold edited (delta.ts) changes a rule's flags at
// some points only: the bit sets scoring makes from them (within the split, after the excludes,
// the file's union, counts) are then made from the ones before the edit, copied and made again at
// those words, rather than over every point.
import type { Bool } from './kernels';
import { popcount, trueBits, unknownBits } from './points';

interface Derivation {
  /** The bit set before the edit. */
  from: Uint32Array;
  /** The words where the two may differ (each once, in any order). */
  words: Int32Array;
}

const derived = new WeakMap<Uint32Array, Derivation>();

/** Bit sets made again at some words, counts changed at some words, event walks redone in some segments (for tests and benchmarks). */
export const derivedUses = { sets: 0, counts: 0, walks: 0 };

/** Notes that `next` is `from` but at `words`. */
export function noteDerived(next: Uint32Array, from: Uint32Array, words: Int32Array): void {
  if (next.length === from.length) derived.set(next, { from, words });
}

/** What `bits` was made from, when an edit made it from another bit set. */
export function derivation(bits: Uint32Array): Derivation | undefined {
  return derived.get(bits);
}

/** The words of `next` that differ from `from`, among `words`. */
function changed(next: Uint32Array, from: Uint32Array, words: Int32Array): Int32Array {
  let n = 0;
  const out = new Int32Array(words.length);
  for (let k = 0; k < words.length; k++) if (next[words[k]] !== from[words[k]]) out[n++] = words[k];
  return out.slice(0, n);
}

/**
 * `from` made again at `words` (`word(w)` is the new value of word w; every other word is as in
 * `from`): a copy, noted as derived from `from` at the words that changed.
 */
export function remade(from: Uint32Array, words: Int32Array, word: (w: number) => number): Uint32Array {
  const out = from.slice();
  for (let k = 0; k < words.length; k++) out[words[k]] = word(words[k]);
  derivedUses.sets++;
  noteDerived(out, from, changed(out, from, words));
  return out;
}

/**
 * Notes that the flags `next` are `from` but at `points` (point indexes in any order, repeats
 * allowed: a threshold edited, delta.ts), for their bit sets (true, unknown) already made.
 */
export function flagsDerived(next: Bool, from: Bool, points: Int32Array): void {
  for (const bits of [trueBits, unknownBits]) {
    const a = bits(next);
    const b = bits(from);
    noteDerived(a, b, changed(a, b, wordsOf(points, a.length)));
  }
}

// Marks of the words met, cleared after each use.
let seen = new Uint8Array(0);

/** The distinct words of `points`. */
function wordsOf(points: Int32Array, words: number): Int32Array {
  if (seen.length < words) seen = new Uint8Array(words);
  const out = new Int32Array(Math.min(points.length, words));
  let n = 0;
  for (let k = 0; k < points.length; k++) {
    const w = points[k] >>> 5;
    if (!seen[w]) (seen[w] = 1), (out[n++] = w);
  }
  for (let k = 0; k < n; k++) seen[out[k]] = 0;
  return out.subarray(0, n);
}

/** Bits set in `next` less those set in `from`, counted at `words` only. */
export function countChange(next: Uint32Array, from: Uint32Array, words: Int32Array): number {
  derivedUses.counts++;
  let c = 0;
  for (let k = 0; k < words.length; k++) c += popcount(next[words[k]]) - popcount(from[words[k]]);
  return c;
}

/** Like countChange, for the bits `next` and `from` share with `other`. */
export function sharedChange(next: Uint32Array, from: Uint32Array, other: Uint32Array, words: Int32Array): number {
  derivedUses.counts++;
  let c = 0;
  for (let k = 0; k < words.length; k++) {
    const w = words[k];
    c += popcount(next[w] & other[w]) - popcount(from[w] & other[w]);
  }
  return c;
}
