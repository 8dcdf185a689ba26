// Small helpers for the benchmarks: repeated timing and medians.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { writeStockoutCsv } from '../examples/stockout/generate';

// Run from the repository root (npm run bench does).
export const exampleArl = resolve('examples/stockout/stockout.arl');
export const exampleCsv = resolve('examples/stockout/stockout.csv');

export async function ensureExample(): Promise<void> {
  if (!existsSync(exampleCsv)) await writeStockoutCsv(exampleCsv, {});
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function spread(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  return `median ${median(xs).toFixed(1)} ms (min ${s[0].toFixed(1)}, max ${s[s.length - 1].toFixed(1)}, n=${xs.length})`;
}
