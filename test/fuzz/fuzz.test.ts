// Fuzzing everything ARL does with an untrusted rule file (seeded, about a minute): no input makes
// any stage throw, and every input finishes, runaway ones stopped by the evaluation budget with a
// diagnostic. `npm run fuzz` runs the same pipeline on 100,000 inputs.
import fc from 'fast-check';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/tmp';
import { fuzzInputs } from './generators';
import { fuzzBudget, fuzzWorld, runPipeline, type FuzzWorld } from './pipeline';

let world: FuzzWorld;

beforeAll(async () => {
  world = await fuzzWorld(tempDir('arl-fuzz-'));
});

/** Inputs print short in a failure report; the whole failing file is kept in test-artifacts/. */
const inputs = () =>
  fuzzInputs(world.example).map((text) => ({ text, [fc.toStringMethod]: () => `${text.length} characters: ${JSON.stringify(text.slice(0, 400))}...` }));

function keep(text: string): string {
  const dir = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const f = `${dir}fuzz-failure.arl`;
  writeFileSync(f, text);
  return f;
}

describe('fuzzing rule files', () => {
  it('no input throws in parse, check, compile, format, explain, tests or analysis, and each finishes', async () => {
    let runs = 0;
    let slowest = 0;
    let overBudget = 0;
    await fc.assert(
      fc.asyncProperty(inputs(), async ({ text }) => {
        runs++;
        let out;
        try {
          out = await runPipeline(text, world);
        } catch (e) {
          throw new Error(`${(e as Error).stack}\n(input kept in ${keep(text)})`);
        }
        slowest = Math.max(slowest, out.ms);
        if (out.overBudget) overBudget++;
        // The evaluation budget stops runaway work; parsing and checking are bounded by the limits.
        // The bound catches what used to hang (exponential work), with room for a loaded machine.
        if (out.ms > fuzzBudget.ms + 30_000) throw new Error(`took ${Math.round(out.ms)} ms (input kept in ${keep(text)})`);
      }),
      { seed: 20240917, numRuns: 5000, interruptAfterTimeLimit: 50_000, markInterruptAsFailure: false, endOnFailure: true },
    );
    console.log(`fuzz: ${runs} inputs, ${overBudget} over budget, slowest ${Math.round(slowest)} ms`);
    expect(runs).toBeGreaterThan(100);
  });
});
