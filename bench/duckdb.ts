// `arl run` on the 10,000 x 53 example with each engine, cold: the in-memory engine (load the CSV,
// evaluate, collect the alerts) against DuckDB (scan the CSV for its columns, run the compiled
// query, stream the alerts); then the `arl sql --dialect postgres` query on PostgreSQL, over the
// example loaded as a table (a server from ARL_PG_URL, or one started from Debian's `postgresql`).
// All must give the same alerts. Run: npm run bench -- duckdb
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { analyze } from '../server/src/engine/analyze';
import { TRUE } from '../server/src/engine/kernels';
import { DatasetStore } from '../server/src/engine/store';
import { duckDbApi } from '../server/src/sql/duckdb';
import { runWithDuckDb } from '../server/src/sql/engine';
import { compileSql } from '../server/src/sql/compile';
import { startCluster } from '../test/support/pg-cluster';
import { loadTable } from '../test/support/sql';
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

/** The PostgreSQL query over the example as a table: its times and its alert count, or why not. */
async function postgres(): Promise<{ times: number[]; alerts: number } | string> {
  const server = process.env.ARL_PG_URL ? { url: process.env.ARL_PG_URL, stop: async () => {} } : await startCluster().catch((e: Error) => ({ missing: e.message.split('\n')[0] }));
  if ('missing' in server) return server.missing;
  const client = new pg.Client({ connectionString: server.url });
  try {
    await client.connect();
    const a = await analyze(text, exampleArl, { store: new DatasetStore(), access, compileOnly: true });
    const table = `arl_bench_${process.pid}`;
    await loadTable(client, table, a.data!.frame, a.check.dataset);
    const q = compileSql(a.program, { dialect: 'postgres', source: { kind: 'table', table }, dataset: a.check.dataset, textColumns: [] });
    const times: number[] = [];
    let alerts = 0;
    for (let k = 0; k < 3; k++) {
      const t = performance.now();
      alerts = (await client.query(q.sql)).rows.length;
      times.push(performance.now() - t);
    }
    await client.query(`DROP TABLE ${table}`);
    return { times, alerts };
  } finally {
    await client.end().catch(() => {});
    await server.stop();
  }
}

const p = await postgres();
if (typeof p === 'string') console.log(`PostgreSQL: skipped (${p})`);
else {
  if (p.alerts !== counts.memory) throw new Error(`the engines disagree: ${counts.memory} alerts in memory, ${p.alerts} in PostgreSQL`);
  console.log(`PostgreSQL, the arl sql query on the example as a table (loaded beforehand): ${spread(p.times)}`);
  console.log(`alerts: in-memory ${counts.memory}, DuckDB ${counts.duckdb}, PostgreSQL ${p.alerts}`);
}
