// Train / validation / test assignment. Many series: by a hash of the series id, so a series never
// straddles splits. Few series: by time within each series (the labelled points' order).
import type { Frame } from './frame';

export type SplitName = 'train' | 'validation' | 'test';
export const splitNames: SplitName[] = ['train', 'validation', 'test'];
export const splitIndex: Record<SplitName, number> = { train: 0, validation: 1, test: 2 };

/** Below this many series, splitting by series would leave splits empty or lopsided. */
export const minSeriesForHashSplit = 20;

export interface Splits {
  /** Split of every point: 0 train, 1 validation, 2 test. */
  of: Uint8Array;
  shares: [number, number, number];
  by: 'series' | 'time';
}

/** FNV-1a, 32 bits: stable across runs, machines and engines (SQL can compute it too). */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * The hash a series' split is drawn from: FNV-1a, then murmur3's finaliser. FNV-1a alone spreads
 * ids that differ only in their last characters (SKU1, SKU2, ...) unevenly over the range, which
 * left whole splits empty; the finaliser mixes every bit into the top ones. Integer-only, so SQL
 * can compute it too.
 */
export function seriesHash(id: string): number {
  let h = fnv1a(id);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

function bucket(u: number, shares: [number, number, number]): number {
  return u < shares[0] ? 0 : u < shares[0] + shares[1] ? 1 : 2;
}

export function assignSplits(frame: Frame, shares: [number, number, number]): Splits {
  const of = new Uint8Array(frame.length);
  const nSeries = frame.seriesIds.length;
  if (nSeries >= minSeriesForHashSplit) {
    for (let s = 0; s < nSeries; s++) {
      of.fill(bucket(seriesHash(frame.seriesIds[s]) / 2 ** 32, shares), frame.seriesStart[s], frame.seriesStart[s + 1]);
    }
    return { of, shares, by: 'series' };
  }
  // By time, one cut for all series: labelled points ranked by time (ties by series, so series
  // labelled at the same moment still spread over the splits); the first shares[0] are train, the
  // next shares[1] validation, the rest test. Other points go with the labelled point before them
  // in their series (train before the first). Validation and test are never earlier than train.
  const label = frame.label;
  const labelled: number[] = [];
  if (label) for (let i = 0; i < frame.length; i++) if (label[i] === label[i]) labelled.push(i);
  labelled.sort((x, y) => frame.time[x] - frame.time[y] || frame.seriesOf[x] - frame.seriesOf[y] || x - y);
  const n1 = Math.floor(shares[0] * labelled.length);
  const n2 = Math.floor((shares[0] + shares[1]) * labelled.length);
  const rank = new Uint8Array(frame.length);
  labelled.forEach((i, r) => (rank[i] = r < n1 ? 0 : r < n2 ? 1 : 2));
  for (let s = 0; s < nSeries; s++) {
    let cur = 0;
    for (let i = frame.seriesStart[s]; i < frame.seriesStart[s + 1]; i++) {
      if (label && label[i] === label[i]) cur = rank[i];
      of[i] = cur;
    }
  }
  return { of, shares, by: 'time' };
}
