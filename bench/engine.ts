// Cold load and evaluate of the 10,000 x 53 example, and the engine against a hand-written loop
// over typed arrays computing the same rules. Run: npm run bench
import { readFileSync } from 'node:fs';
import { analyze } from '../server/src/engine/analyze';
import { Evaluator, FeatureCache } from '../server/src/engine/evaluate';
import type { Frame } from '../server/src/engine/frame';
import { TRUE } from '../server/src/engine/kernels';
import { DatasetStore } from '../server/src/engine/store';
import { handFlags } from './stockout-loop';
import { ensureExample, exampleArl, median, spread } from './util';

await ensureExample();
const text = readFileSync(exampleArl, 'utf8');

// 1. Cold: a fresh store each time (parse, check, load the CSV, compute, score train).
const load: number[] = [];
const compute: number[] = [];
const total: number[] = [];
let frame: Frame | undefined;
let analysis: Awaited<ReturnType<typeof analyze>> | undefined;
for (let r = 0; r < 5; r++) {
  const t0 = performance.now();
  const a = await analyze(text, exampleArl, { store: new DatasetStore() });
  a.scores('train');
  total.push(performance.now() - t0);
  load.push(a.timings.load);
  compute.push(a.timings.features + a.timings.evaluate);
  frame = a.data!.frame;
  analysis = a;
}
console.log(`example: ${frame!.seriesIds.length} series, ${frame!.length} points`);
console.log(`cold load (CSV to frame):        ${spread(load)}`);
console.log(`cold features + evaluate + score: ${spread(compute)}`);
console.log(`cold total (parse to lenses):    ${spread(total)}`);

// 2. Engine vs hand-written loop, same rules, same frame, no caches.
const program = analysis!.program;
function engineFlags(f: Frame): Uint8Array {
  const ev = new Evaluator(f, new FeatureCache());
  const rules = program.rules.map((r) => ev.column(r.node!));
  const excl = program.excludes.map((r) => ev.column(r.node!));
  // Flagged: any rule true and no exclude true, a column at a time like the rest of the engine.
  const out = new Uint8Array(f.length);
  const n = f.length;
  for (const r of rules) for (let i = 0; i < n; i++) out[i] |= r[i] === TRUE ? 1 : 0;
  for (const e of excl) for (let i = 0; i < n; i++) if (e[i] === TRUE) out[i] = 0;
  return out;
}

const e = engineFlags(frame!);
const h = handFlags(frame!);
let diff = 0;
for (let i = 0; i < e.length; i++) if (e[i] !== h[i]) diff++;
if (diff) throw new Error(`the hand-written loop disagrees with the engine at ${diff} points`);
const tEngine: number[] = [];
const tHand: number[] = [];
for (let r = 0; r < 9; r++) {
  let t = performance.now();
  engineFlags(frame!);
  tEngine.push(performance.now() - t);
  t = performance.now();
  handFlags(frame!);
  tHand.push(performance.now() - t);
}
console.log(`engine evaluate (no cache):      ${spread(tEngine)}`);
console.log(`hand-written loop:               ${spread(tHand)}`);
console.log(`engine / hand-written ratio:     ${(median(tEngine) / median(tHand)).toFixed(2)}x (goal <= 2x); both flag ${e.reduce((s, v) => s + v, 0)} points`);
