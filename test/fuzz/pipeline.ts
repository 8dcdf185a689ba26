// Everything ARL does with a rule file it did not write, in-process: parse, check, compile, format,
// explain, run the tests, analyze against a small dataset and score. Used by the fuzz test and
// `npm run fuzz`; no test framework imports.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { check } from '../../grammar/src/check';
import { explainDecl } from '../../grammar/src/explain';
import { format } from '../../grammar/src/format';
import { parse } from '../../grammar/src/parse';
import { writeStockoutCsv } from '../../examples/stockout/generate';
import { analyze } from '../../server/src/engine/analyze';
import type { BudgetLimits } from '../../server/src/engine/budget';
import { compile } from '../../server/src/engine/plan';
import { DatasetStore } from '../../server/src/engine/store';
import { runTests } from '../../server/src/engine/testblocks';

/** The budget each input runs under: small, so a runaway input shows as a diagnostic at once. */
export const fuzzBudget: BudgetLimits = { ms: 2000, bytes: 256 * 1024 ** 2, work: 5e8 };

export interface FuzzWorld {
  dir: string;
  /** The bundled example's text, its dataset renamed data.csv. */
  example: string;
  store: DatasetStore;
}

/** A folder with a small stock-out dataset (`data.csv`, 30 products x 53 weeks). */
export async function fuzzWorld(dir = mkdtempSync(join(tmpdir(), 'arl-fuzz-'))): Promise<FuzzWorld> {
  await writeStockoutCsv(join(dir, 'data.csv'), { products: 30 });
  const src = fileURLToPath(new URL('../../examples/stockout/stockout.arl', import.meta.url));
  const example = readFileSync(src, 'utf8').replace('"stockout.csv"', '"data.csv"');
  return { dir, example, store: new DatasetStore() };
}

export interface FuzzOutcome {
  ms: number;
  /** The analysis ran out of its budget (a diagnostic, as it should). */
  overBudget: boolean;
  errors: number;
}

/** Runs every stage on `text`; any throw propagates (a fuzz failure). */
export async function runPipeline(text: string, world: FuzzWorld): Promise<FuzzOutcome> {
  const t0 = performance.now();
  const parsed = parse(text);
  const checked = check(parsed);
  compile(checked);
  format(text);
  for (const d of [...parsed.file.rules, ...parsed.file.excludes]) explainDecl(d);
  runTests(parsed);
  // The text is analysed as if saved next to the dataset (analyze reads the text it is given).
  const a = await analyze(text, join(world.dir, 'rules.arl'), { store: world.store, budget: fuzzBudget });
  a.scores('train');
  a.scores('all');
  return {
    ms: performance.now() - t0,
    overBudget: a.issues.some((i) => i.code === 'budget-exceeded'),
    errors: a.issues.filter((i) => i.severity === 'error').length,
  };
}
