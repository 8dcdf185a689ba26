// A small labelled dataset whose answer is known: the last point of each series is an anomaly
// exactly when x >= 42.5 and y >= 5. Values have one decimal; many last points sit right at the
// x boundary (42.3 .. 42.6), so the exact best threshold on x is 42.5.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze, type Analysis } from '../../server/src/engine/analyze';
import { DatasetStore } from '../../server/src/engine/store';
import { contextFromAnalysis, type RefineContext } from '../../server/src/refine/context';
import { rng } from '../../examples/stockout/generate';
import { tempDir } from '../support/tmp';


const one = (v: number) => Math.round(v * 10) / 10;

export function syntheticCsv(series = 300, length = 12, seed = 7): string {
  const r = rng(seed);
  let out = 'id,t,x,y,label,reason\n';
  for (let s = 0; s < series; s++) {
    for (let t = 0; t < length; t++) {
      const last = t === length - 1;
      const x = last ? (r() < 0.3 ? [42.3, 42.4, 42.5, 42.6][Math.floor(r() * 4)] : one(r() * 60)) : one(r() * 30);
      const y = one(r() * 10);
      const anomaly = x >= 42.5 && y >= 5;
      const reason = last ? (anomaly ? `x at ${x} with y at ${y}` : `x ${x} and y ${y}: ordinary`) : '';
      out += `s${s},${t},${x},${y},${last ? (anomaly ? 1 : 0) : ''},${reason}\n`;
    }
  }
  return out;
}

export const datasetBlock = `dataset "data.csv" {
  series = id
  time   = t
  label  = label
  reason = reason
  split  = 60/20/20
}
`;

export interface Synthetic {
  dir: string;
  arl: string;
  csv: string;
}

/** A temporary folder with data.csv and rules.arl (the dataset block, then `rules`). */
export function syntheticDir(rules: string, opts: { series?: number; seed?: number } = {}): Synthetic {
  const dir = tempDir('arl-refine-');
  const csv = join(dir, 'data.csv');
  const arl = join(dir, 'rules.arl');
  writeFileSync(csv, syntheticCsv(opts.series, 12, opts.seed));
  writeFileSync(arl, `${datasetBlock}\n${rules}\n`);
  return { dir, arl, csv };
}

/** Analysis and refinement context of rules over a synthetic folder (a fresh load each time). */
export async function syntheticContext(s: Synthetic, text?: string): Promise<{ a: Analysis; ctx: RefineContext }> {
  const { readFileSync } = await import('node:fs');
  const a = await analyze(text ?? readFileSync(s.arl, 'utf8'), s.arl, { store: new DatasetStore() });
  if (!a.data) throw new Error(a.dataError?.message ?? 'no data');
  return { a, ctx: contextFromAnalysis(a) };
}

/** The refinement context of a rule file over a CSV, both written to a new folder. */
export async function csvContext(csv: string, arl: string): Promise<RefineContext> {
  const dir = tempDir('arl-refine-');
  writeFileSync(join(dir, 'data.csv'), csv);
  const path = join(dir, 'rules.arl');
  writeFileSync(path, arl);
  const a = await analyze(arl, path, { store: new DatasetStore() });
  if (!a.data) throw new Error(a.dataError?.message ?? 'no data');
  return contextFromAnalysis(a);
}
