// The threshold sweep on the 10,000 x 53 example: the first sweep of a comparison (sorting its
// values) and repeated ones, for a column, a let and a ratio. Run: npm run bench (or node bench/run.mjs sweep)
import { readFileSync } from 'node:fs';
import { analyze } from '../server/src/engine/analyze';
import { DatasetStore } from '../server/src/engine/store';
import { contextFromAnalysis } from '../server/src/refine/context';
import { sweepThreshold } from '../server/src/refine/sweep';
import { ensureExample, exampleArl, spread } from './util';

await ensureExample();
const text = readFileSync(exampleArl, 'utf8');
const a = await analyze(text, exampleArl, { store: new DatasetStore() });
const ctx = contextFromAnalysis(a);
console.log(`example: ${a.data!.frame.seriesIds.length} series, ${a.data!.frame.length} points`);
for (const needle of ['oos_ratio >= 80', 'z >= 5', 'oos_ratio / lag(oos_ratio, 1) > 10']) {
  const offset = text.indexOf(needle) + 1;
  const t0 = performance.now();
  const s = sweepThreshold(ctx, offset);
  const first = performance.now() - t0;
  const again: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t1 = performance.now();
    sweepThreshold(ctx, offset);
    again.push(performance.now() - t1);
  }
  console.log(`sweep \`${needle}\`: ${s.steps.length} steps, first ${first.toFixed(0)} ms, again ${spread(again)}`);
}
