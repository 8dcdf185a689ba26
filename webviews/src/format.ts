// Numbers for people.
import type { SeriesView } from '../../server/src/preview/types';

export function count(n: number): string {
  return n.toLocaleString('en-US');
}

export function score(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(3);
}

export function percent(x: number | null | undefined, digits = 1): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '–' : `${(x * 100).toFixed(digits)}%`;
}

/** A margin (relative distance to deciding otherwise) as a percentage; ∞ when none applies. */
export function margin(m: number | null): string {
  if (m === null) return '∞';
  return `${(m * 100).toFixed(m < 0.1 ? 1 : 0)}%`;
}

/** Which split a series is in: `in train`, or its points per split when it spans several. */
export function splitsNote(s: Pick<SeriesView, 'splits'>): string {
  const parts = (['train', 'validation', 'test'] as const).filter((k) => s.splits[k] > 0);
  return parts.length === 1 ? `in ${parts[0]}` : parts.map((k) => `${k} ${count(s.splits[k])}`).join(' · ');
}
