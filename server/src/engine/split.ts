// Train / validation / test assignment. `split = 60/20/20`: many series by a hash of the series id,
// so a series never straddles splits; few series by one time cut for all. `split = time ...`: each
// series cut by its own time. `split = column NAME`: read from a column.
import type { SplitMethod } from '../../../grammar/src/check';
import type { Frame } from './frame';
import { seriesSummary } from './summary';

export type SplitName = 'train' | 'validation' | 'test';
export const splitNames: SplitName[] = ['train', 'validation', 'test'];
export const splitIndex: Record<SplitName, number> = { train: 0, validation: 1, test: 2 };

/** Below this many series, splitting by series would leave splits empty or lopsided. */
export const minSeriesForHashSplit = 20;

export interface Splits {
  /** Split of every point: 0 train, 1 validation, 2 test. */
  of: Uint8Array;
  /** By series: the split of each series (`of` is then made only when read). */
  seriesSplit?: Uint8Array;
  shares: [number, number, number];
  /** By series (hash), by one time cut for all series, by each series' own time, or by a column. */
  by: 'series' | 'time' | 'series-time' | 'column';
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

export function assignSplits(frame: Frame, shares: [number, number, number], method: SplitMethod = 'auto'): Splits {
  if (method === 'column' && frame.splitOf) return { of: followBlanks(frame, frame.splitOf), shares, by: 'column' };
  if (method === 'time') return { of: eachSeriesByTime(frame, shares), shares, by: 'series-time' };
  const nSeries = frame.seriesStart.length - 1;
  if (nSeries >= minSeriesForHashSplit) {
    // The series' hashes from the summary (the frame cache keeps them: no id is read).
    const hash = seriesSummary(frame).hash;
    const seriesSplit = new Uint8Array(nSeries);
    for (let s = 0; s < nSeries; s++) seriesSplit[s] = bucket(hash[s] / 2 ** 32, shares);
    let of: Uint8Array | undefined;
    return {
      get of() {
        if (!of) {
          of = new Uint8Array(frame.length);
          for (let s = 0; s < nSeries; s++) of.fill(seriesSplit[s], frame.seriesStart[s], frame.seriesStart[s + 1]);
        }
        return of;
      },
      seriesSplit,
      shares,
      by: 'series',
    };
  }
  const of = new Uint8Array(frame.length);
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

/**
 * How many labelled points of a series go to train and to train + validation: the shares of its
 * `n` labelled points, rounded; with at least as many labelled points as splits of positive share,
 * each such split gets at least one.
 */
export function seriesCuts(n: number, shares: [number, number, number]): [number, number] {
  let c1 = Math.round(shares[0] * n);
  let c2 = Math.round((shares[0] + shares[1]) * n);
  const pos = shares.map((x) => (x > 0 ? 1 : 0));
  if (n >= pos[0] + pos[1] + pos[2]) {
    c1 = Math.min(Math.max(c1, pos[0]), n - pos[1] - pos[2]);
    c2 = Math.min(Math.max(c2, c1 + pos[1]), n - pos[2]);
  }
  c1 = Math.min(Math.max(c1, 0), n);
  return [c1, Math.min(Math.max(c2, c1), n)];
}

/**
 * Each series cut by its own time: its labelled points, in time order, split by the shares (see
 * seriesCuts); other points go with the labelled point before them (train before the first).
 */
function eachSeriesByTime(frame: Frame, shares: [number, number, number]): Uint8Array {
  const of = new Uint8Array(frame.length);
  const label = frame.label;
  if (!label) return of;
  for (let s = 0; s < frame.seriesIds.length; s++) {
    const a = frame.seriesStart[s];
    const b = frame.seriesStart[s + 1];
    let n = 0;
    for (let i = a; i < b; i++) if (label[i] === label[i]) n++;
    const [c1, c2] = seriesCuts(n, shares);
    let k = 0;
    let cur = 0;
    for (let i = a; i < b; i++) {
      if (label[i] === label[i]) {
        cur = k < c1 ? 0 : k < c2 ? 1 : 2;
        k++;
      }
      of[i] = cur;
    }
  }
  return of;
}

/** Splits read from a column: a blank cell goes with the point before it in its series (train first). */
function followBlanks(frame: Frame, splitOf: Uint8Array): Uint8Array {
  const of = new Uint8Array(frame.length);
  for (let s = 0; s < frame.seriesIds.length; s++) {
    let cur = 0;
    for (let i = frame.seriesStart[s]; i < frame.seriesStart[s + 1]; i++) {
      if (splitOf[i] <= 2) cur = splitOf[i];
      of[i] = cur;
    }
  }
  return of;
}
