// Small helpers for the benchmarks: repeated timing and medians.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { writeStockoutCsv } from '../examples/stockout/generate';

export const exampleArl = fileURLToPath(new URL('../examples/stockout/stockout.arl', import.meta.url));
export const exampleCsv = fileURLToPath(new URL('../examples/stockout/stockout.csv', import.meta.url));

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
