// `arl run` on the 10,000 x 53 example with each engine, cold: the in-memory engine (load the CSV,
// evaluate, collect the alerts) against DuckDB (scan the CSV for its columns, run the compiled
// query, stream the alerts). Both must give the same alerts. Run: npm run bench -- duckdb
import { readFileSync } from 'node:fs';
import { analyze } from '../server/src/engine/analyze';
import { TRUE } from '../server/src/engine/kernels';
import { DatasetStore } from '../server/src/engine/store';
import { duckDbApi } from '../server/src/sql/duckdb';
import { runWithDuckDb } from '../server/src/sql/engine';
import { ensureExample, exampleArl, median, spread } from './util';

await ensureExample();
const text = readFileSync(exampleArl, 'utf8');
const access = { roots: [process.cwd()], howToAllow: () => '' };
try {
  await duckDbApi();
} catch (e) {
  console.log(`skipped: ${(e as Error).message}`);
  process.exit(0);
}

async function memory(): Promise<number> {
  const a = await analyze(text, exampleArl, { store: new DatasetStore(), unlabelled: true, access });
  const n = a.data!.frame.length;
  let alerts = 0;
  for (let i = 0; i < n; i++) {
    if (a.excludeFlags.some((e) => e.flags![i] === TRUE)) continue;
    if (a.ruleFlags.some((r) => r.flags![i] === TRUE)) alerts++;
  }
  return alerts;
}

async function duckdb(): Promise<number> {
  let rows = 0;
  const r = await runWithDuckDb(text, exampleArl, { access, onColumns: () => {}, onRows: (chunk) => void (rows += chunk.length) });
  if (!r.ok) throw new Error(r.issues.map((i) => i.message).join('\n'));
  return rows;
}

const times = { memory: [] as number[], duckdb: [] as number[] };
const counts = { memory: 0, duckdb: 0 };
for (let k = 0; k < 3; k++) {
  for (const engine of ['memory', 'duckdb'] as const) {
    const t = performance.now();
    counts[engine] = await (engine === 'memory' ? memory() : duckdb());
    times[engine].push(performance.now() - t);
  }
}
if (counts.memory !== counts.duckdb) throw new Error(`the engines disagree: ${counts.memory} alerts in memory, ${counts.duckdb} in DuckDB`);
console.log(`arl run, in-memory engine (cold):  ${spread(times.memory)}`);
console.log(`arl run --engine duckdb (cold):    ${spread(times.duckdb)}`);
console.log(`DuckDB / in-memory:                ${(median(times.duckdb) / median(times.memory)).toFixed(2)}x; both give ${counts.memory} alerts`);
