// `npm run fuzz`: the fuzz test's pipeline (parse, check, compile, format, explain, tests, analysis
// and scores on a small dataset) over 100,000 generated rule files. Prints how many inputs ran,
// how many threw, how many ran out of their evaluation budget, the slowest, and the time.
// ARL_FUZZ_RUNS and ARL_FUZZ_SEED change the count and the seed; failing inputs and the slowest
// one are written to out/fuzz/.
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fuzzInputs } from '../test/fuzz/generators';
import { fuzzWorld, runPipeline } from '../test/fuzz/pipeline';

const runs = Number(process.env.ARL_FUZZ_RUNS ?? 100_000);
const seed = Number(process.env.ARL_FUZZ_SEED ?? 1);
const dir = mkdtempSync(join(tmpdir(), 'arl-fuzz-'));
const failures = join(process.cwd(), 'out', 'fuzz');
const world = await fuzzWorld(dir);
const arb = fuzzInputs(world.example);

let done = 0;
let threw = 0;
let overBudget = 0;
let chars = 0;
let slowest = { ms: 0, text: '' };
const t0 = performance.now();
const batch = 500;
for (let b = 0; done < runs; b++) {
  // Batches with their own seed keep memory flat and the run reproducible.
  for (const text of fc.sample(arb, { seed: seed * 1_000_003 + b, numRuns: Math.min(batch, runs - done) })) {
    done++;
    chars += text.length;
    try {
      const out = await runPipeline(text, world);
      if (out.overBudget) overBudget++;
      if (out.ms > slowest.ms) slowest = { ms: out.ms, text };
    } catch (e) {
      threw++;
      mkdirSync(failures, { recursive: true });
      writeFileSync(join(failures, `throw-${threw}.arl`), text);
      if (threw <= 5) console.log(`throw ${threw} (input ${done}, out/fuzz/throw-${threw}.arl): ${(e as Error).stack?.split('\n').slice(0, 4).join(' | ')}`);
    }
    if (done % 5000 === 0) console.log(`  ${done} inputs, ${threw} threw, ${Math.round((performance.now() - t0) / 1000)} s`);
  }
}
const s = (performance.now() - t0) / 1000;
rmSync(dir, { recursive: true, force: true });
mkdirSync(failures, { recursive: true });
writeFileSync(join(failures, 'slowest.arl'), slowest.text);
const head = JSON.stringify(slowest.text.slice(0, 70));
console.log(`inputs:      ${done} (seed ${seed}, ${(chars / done / 1024).toFixed(1)} KiB on average)`);
console.log(`throws:      ${threw}`);
console.log(`over budget: ${overBudget} (stopped by the evaluation budget, with a diagnostic)`);
console.log(`slowest:     ${Math.round(slowest.ms)} ms (${slowest.text.length} characters, out/fuzz/slowest.arl: ${head}...)`);
console.log(`time:        ${s.toFixed(0)} s (${((s * 1000) / done).toFixed(1)} ms per input)`);
if (threw) process.exitCode = 1;
