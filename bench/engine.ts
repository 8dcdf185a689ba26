// Cold load and evaluate of the 10,000 x 53 example, and the engine against a hand-written loop
// over typed arrays computing the same rules. Run: npm run bench
import { readFileSync } from 'node:fs';
import { analyze } from '../server/src/engine/analyze';
import { Evaluator, FeatureCache } from '../server/src/engine/evaluate';
import type { Frame } from '../server/src/engine/frame';
import { TRUE } from '../server/src/engine/kernels';
import { DatasetStore } from '../server/src/engine/store';
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

function handFlags(f: Frame): Uint8Array {
  const x = f.columns.get('oos_ratio')!;
  const starts = f.seriesStart;
  const out = new Uint8Array(f.length);
  const buf = new Float64Array(52);
  for (let s = 0; s + 1 < starts.length; s++) {
    const a = starts[s];
    const b = starts[s + 1];
    for (let i = a; i < b; i++) {
      const v = x[i];
      const prev = i - 1 >= a ? x[i - 1] : Number.NaN;
      const ratio = prev !== 0 ? v / prev : Number.NaN;
      const critical = v >= 80 || (ratio > 10 && v >= 50);
      // recent = median of the 4 points before i
      let recent = Number.NaN;
      if (i - 4 >= a) {
        let n = 0;
        for (let t = i - 4; t < i; t++) if (x[t] === x[t]) buf[n++] = x[t];
        // insertion sort of at most 4 values
        for (let p = 1; p < n; p++) {
          const key = buf[p];
          let q = p - 1;
          while (q >= 0 && buf[q] > key) (buf[q + 1] = buf[q]), q--;
          buf[q + 1] = key;
        }
        if (n) recent = n % 2 ? buf[n >> 1] : (buf[n / 2 - 1] + buf[n / 2]) / 2;
      }
      // z = zscore over the 52 points before i; the spread is at least 0.001 * mean |value| (and 1e-9)
      let z = Number.NaN;
      if (i - 52 >= a && v === v) {
        let n = 0;
        let sum = 0;
        let abs = 0;
        for (let t = i - 52; t < i; t++) if (x[t] === x[t]) (buf[n++] = x[t]), (sum += x[t]), (abs += Math.abs(x[t]));
        if (n >= 2) {
          const m = sum / n;
          let ss = 0;
          for (let t = 0; t < n; t++) ss += (buf[t] - m) * (buf[t] - m);
          const sd = Math.sqrt(ss / (n - 1));
          z = (v - m) / Math.max(sd, 1e-3 * (abs / n), 1e-9);
        }
      }
      const pressure = (v >= 35 && z >= 5) || (recent < 3 && v >= 12);
      let rising = i - 3 >= a;
      for (let t = i - 2; rising && t <= i; t++) rising = x[t] > x[t - 1];
      const escalating = rising && v >= 45;
      const drop = v < 0.5 * prev;
      out[i] = (critical || pressure || escalating) && !drop ? 1 : 0;
    }
  }
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
