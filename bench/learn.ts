// `arl learn --all` (offline, with rule discovery) on about 1,000,000 points: the stock-out data
// with 19,000 products x 53 weeks, from the deliberately weak rules, for 10 iterations (patience
// 10, so all 10 run). Prints the load time, the time of each iteration and of the whole search.
// Run: node bench/run.mjs learn   [PRODUCTS=19000]
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeStockoutCsv } from '../examples/stockout/generate';
import { analyze } from '../server/src/engine/analyze';
import { DatasetStore } from '../server/src/engine/store';
import { contextFromAnalysis } from '../server/src/refine/context';
import { learn, offlineProposer } from '../server/src/refine/learn';

const products = Number(process.env.PRODUCTS ?? 19000);
const dir = join(tmpdir(), `arl-bench-learn-${products}`);
mkdirSync(dir, { recursive: true });
const csv = join(dir, 'stockout.csv');
if (!existsSync(csv)) await writeStockoutCsv(csv, { products });
const arl = join(dir, 'weak.arl');
copyFileSync(resolve('examples/stockout/weak.arl'), arl);
const text = readFileSync(arl, 'utf8');

let t = performance.now();
const a = await analyze(text, arl, { store: new DatasetStore() });
if (!a.data) throw new Error(a.dataError?.message ?? 'not loaded');
console.log(`load and first evaluation: ${((performance.now() - t) / 1000).toFixed(1)} s, ${a.data.frame.length.toLocaleString('en-US')} points, ${a.data.frame.seriesIds.length.toLocaleString('en-US')} series`);
const ctx = contextFromAnalysis(a);
t = performance.now();
let last = t;
let iteration = 1;
const r = await learn(ctx, {
  proposer: offlineProposer(),
  iterations: 10,
  patience: 10,
  discover: true,
  onProgress: (p) => {
    if (p.iteration === iteration) return;
    console.log(`  iteration ${iteration}: ${((performance.now() - last) / 1000).toFixed(1)} s, train ${p.trainObjective.toFixed(3)}`);
    last = performance.now();
    iteration = p.iteration;
  },
});
console.log(`  iteration ${iteration}: ${((performance.now() - last) / 1000).toFixed(1)} s`);
const f = (x: number) => x.toFixed(3);
console.log(
  `learn --all, ${r.iterations} iterations: ${((performance.now() - t) / 1000).toFixed(1)} s; ${r.attempts} attempts, ${r.accepted} accepted (${r.added.length} added, ${r.removed.length} removed); ` +
    `${r.objective} train ${f(r.before.train.objective)} -> ${f(r.after.train.objective)}, validation ${f(r.before.validation.objective)} -> ${f(r.after.validation.objective)}`,
);
