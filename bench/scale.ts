// ARL against DuckDB on a large stock-out file (1,000,000 products x 53 weeks by default), side by
// side in one run: `arl eval --split all` cold (no frame cache), then with the cache written and
// read (five times, the median reported); DuckDB's read_csv and a window query computing the same flags (2 threads); the engine's
// features and evaluation against the hand-written loop (bench/stockout-loop.ts), cold vs cold, column by
// column (the language server) and block by block on one thread and on every core (`arl eval`);
// and the language server's first lenses (median of three opens) and edit-to-lenses on 100,000 products. Each command
// runs in its own process; peak RSS is that process's. The data is made once with
// `arl example stockout DIR --series N` in the temporary folder and kept for the next run.
// Run: node bench/run.mjs scale [series, default 1000000]
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { analyze, type Analysis } from '../server/src/engine/analyze';
import type { Frame } from '../server/src/engine/frame';
import { columnsRead, seriesBlocks } from '../server/src/engine/blocks';
import { Budget } from '../server/src/engine/budget';
import { Evaluator, FeatureCache } from '../server/src/engine/evaluate';
import { evaluateBlocks, spareCores } from '../server/src/engine/parallel';
import { TRUE } from '../server/src/engine/kernels';
import { DatasetStore } from '../server/src/engine/store';
import { firstLenses, lspTimings } from './lsp-timing';
import { handFlags } from './stockout-loop';
import { median, spread } from './util';

const series = Number(process.argv[2] ?? 1_000_000);
const lspSeries = Math.min(series, 100_000);
const root = resolve('.');
const arlBin = join(root, 'dist', 'arl.cjs');
// The command line as built from this tree.
execFileSync(process.execPath, ['esbuild.mjs'], { cwd: root, stdio: 'inherit' });
const work = mkdtempSync(join(tmpdir(), 'arl-bench-rss-'));
// Peak RSS of a child process, written by the child itself as it exits.
const preload = join(work, 'rss.cjs');
writeFileSync(preload, "process.on('exit', () => require('fs').writeFileSync(process.env.ARL_BENCH_RSS, String(process.resourceUsage().maxRSS * 1024)));\n");

const gb = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(2)} GB`;
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** A stock-out example of `n` products in the temporary folder, made once. */
function dataset(n: number): { dir: string; arl: string; csv: string } {
  const dir = join(tmpdir(), `arl-bench-scale-${n}`);
  const arl = join(dir, 'stockout.arl');
  const csv = join(dir, 'stockout.csv');
  const done = join(dir, '.complete');
  if (!existsSync(done)) {
    rmSync(dir, { recursive: true, force: true });
    const t = performance.now();
    execFileSync(process.execPath, [arlBin, 'example', 'stockout', dir, '--series', String(n)], { stdio: 'inherit' });
    writeFileSync(done, '');
    console.log(`made in ${s(performance.now() - t)}`);
  }
  return { dir, arl, csv };
}

interface Run {
  ms: number;
  rss: number;
  stdout: string;
}

/** Runs `node args` in a child process: wall time and peak RSS. */
function run(args: string[], opts: { env?: Record<string, string> } = {}): Promise<Run> {
  const rssFile = join(work, `rss-${Math.random().toString(36).slice(2)}`);
  return new Promise((done, fail) => {
    const t = performance.now();
    const child = spawn(process.execPath, ['--require', preload, ...args], { cwd: root, env: { ...process.env, ...opts.env, ARL_BENCH_RSS: rssFile }, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.on('error', fail);
    child.on('close', (code) => {
      const ms = performance.now() - t;
      if (code !== 0) return fail(new Error(`${args.join(' ')} exited with ${code}`));
      done({ ms, rss: Number(readFileSync(rssFile, 'utf8')), stdout });
    });
  });
}

interface Counts {
  fires: number;
  tp: number;
}

async function arlEval(arl: string, cache: boolean): Promise<Run & Counts & { load: number; compute: number }> {
  const r = await run([arlBin, 'eval', arl, '--split', 'all', '--json', ...(cache ? [] : ['--no-cache'])]);
  const out = JSON.parse(r.stdout);
  return { ...r, fires: out.scores.file.fires, tp: out.scores.file.tp, load: out.timings.load, compute: out.timings.features + out.timings.evaluate };
}

// The stock-out rules in SQL: the same windows, missing values as NULL (a comparison with one is
// not true), division by zero as NULL, the exclude vetoing only where it is true.
const duckdbScript = `
import { DuckDBInstance } from '@duckdb/node-api';
const csv = process.env.ARL_BENCH_CSV.replaceAll("'", "''");
const db = await DuckDBInstance.create(':memory:', { threads: '2' });
const c = await db.connect();
const q = \`
WITH t AS (
  SELECT oos_ratio AS x, is_anomaly AS y,
    row_number() OVER w - 1 AS k,
    lag(oos_ratio, 1) OVER w AS x1, lag(oos_ratio, 2) OVER w AS x2, lag(oos_ratio, 3) OVER w AS x3,
    median(oos_ratio) OVER (w ROWS BETWEEN 4 PRECEDING AND 1 PRECEDING) AS recent,
    avg(oos_ratio) OVER (w ROWS BETWEEN 52 PRECEDING AND 1 PRECEDING) AS m,
    stddev_samp(oos_ratio) OVER (w ROWS BETWEEN 52 PRECEDING AND 1 PRECEDING) AS sd,
    avg(abs(oos_ratio)) OVER (w ROWS BETWEEN 52 PRECEDING AND 1 PRECEDING) AS mabs,
    count(oos_ratio) OVER (w ROWS BETWEEN 52 PRECEDING AND 1 PRECEDING) AS n
  FROM read_csv('\${csv}', header = true,
    columns = {'sku': 'VARCHAR', 'week': 'DATE', 'oos_ratio': 'DOUBLE', 'units': 'DOUBLE', 'is_anomaly': 'INTEGER', 'reason': 'VARCHAR'})
  WINDOW w AS (PARTITION BY sku ORDER BY week)
), f AS (
  SELECT y, coalesce(
      x >= 80 OR (x / nullif(x1, 0) > 10 AND x >= 50)
      OR (x >= 35 AND (CASE WHEN k >= 52 AND n >= 2 THEN (x - m) / greatest(coalesce(sd, 0), 1e-3 * mabs, 1e-9) END) >= 5)
      OR ((CASE WHEN k >= 4 THEN recent END) < 3 AND x >= 12)
      OR (x > x1 AND x1 > x2 AND x2 > x3 AND x >= 45), false)
    AND NOT coalesce(x < 0.5 * x1, false) AS flagged
  FROM t
)
SELECT count(*) FILTER (WHERE flagged) AS fires, count(*) FILTER (WHERE flagged AND y = 1) AS tp FROM f\`;
const rows = (await c.runAndReadAll(q)).getRowObjectsJson();
console.log(JSON.stringify({ fires: Number(rows[0].fires), tp: Number(rows[0].tp) }));
`;

async function duckdb(csv: string): Promise<Run & Counts> {
  // @duckdb/node-api is resolved from this repository's node_modules (a dev dependency).
  const r = await run(['--input-type=module', '-e', duckdbScript], { env: { ARL_BENCH_CSV: csv } });
  return { ...r, ...JSON.parse(r.stdout) };
}

/** Flagged (1) where a rule is true and no exclude is, from the rules' and excludes' flag columns. */
function combine(program: Analysis['program'], cols: Uint8Array[], n: number): Uint8Array {
  const out = new Uint8Array(n);
  cols.forEach((c, k) => {
    if (k < program.rules.length) for (let i = 0; i < n; i++) out[i] |= c[i] === TRUE ? 1 : 0;
    else for (let i = 0; i < n; i++) if (c[i] === TRUE) out[i] = 0;
  });
  return out;
}

const workerScript = join(root, 'dist', 'evalworker.cjs');
const threads = availableParallelism();

/**
 * The engine three ways, each cold: column by column with a fresh feature cache (the language
 * server), and block by block on one thread and on every core (`arl eval`, a one-shot run).
 */
const engineWays = {
  columns: async (program: Analysis['program'], f: Frame) => {
    const ev = new Evaluator(f, new FeatureCache(8 * 8 * f.length));
    return combine(program, [...program.rules, ...program.excludes].map((d) => ev.column(d.node!) as Uint8Array), f.length);
  },
  'blocks, 1 thread': (program: Analysis['program'], f: Frame) => byBlocks(program, f, 0),
  [`blocks, ${threads} threads`]: (program: Analysis['program'], f: Frame) => byBlocks(program, f, threads - 1),
};

async function byBlocks(program: Analysis['program'], f: Frame, workers: number): Promise<Uint8Array> {
  const roots = [...program.rules, ...program.excludes].map((d) => d.node!);
  const r = await evaluateBlocks(f, roots, seriesBlocks(f.seriesStart), columnsRead(roots), { script: workerScript, workers, budget: new Budget() });
  return combine(program, r.flags, f.length);
}

interface Timed {
  wall: number[];
  cpu: number[];
}

/** Features and evaluation of the example's rules against the hand-written loop, in process, cold vs cold. */
async function computeVsHand(arl: string, dir: string): Promise<{ engine: Record<string, Timed>; hand: Timed; flagged: number }> {
  const a = await analyze(readFileSync(arl, 'utf8'), arl, { store: new DatasetStore(), cacheRoot: dir });
  const f = a.data!.frame;
  void f.columns.get('oos_ratio');
  const engine: Record<string, Timed> = Object.fromEntries(Object.keys(engineWays).map((k) => [k, { wall: [], cpu: [] }]));
  const hand: Timed = { wall: [], cpu: [] };
  // CPU of the whole process: worker threads included.
  const cpu = (from: NodeJS.CpuUsage) => {
    const d = process.cpuUsage(from);
    return (d.user + d.system) / 1000;
  };
  let flagged = 0;
  for (let r = 0; r < 3; r++) {
    let c = process.cpuUsage();
    let t = performance.now();
    const h = handFlags(f);
    hand.wall.push(performance.now() - t);
    hand.cpu.push(cpu(c));
    for (const [name, way] of Object.entries(engineWays)) {
      c = process.cpuUsage();
      t = performance.now();
      const out = await way(a.program, f);
      engine[name].wall.push(performance.now() - t);
      engine[name].cpu.push(cpu(c));
      let diff = 0;
      flagged = 0;
      for (let i = 0; i < f.length; i++) (diff += +(out[i] !== h[i])), (flagged += out[i]);
      if (diff) throw new Error(`the hand-written loop disagrees with the engine (${name}) at ${diff} points`);
    }
  }
  return { engine, hand, flagged };
}

const big = dataset(series);
const size = statSync(big.csv).size;
console.log(`data: ${series.toLocaleString('en-US')} products x 53 weeks, ${gb(size)} of CSV (${big.dir})`);
rmSync(join(big.dir, '.arl', 'cache'), { recursive: true, force: true });

const cold = await arlEval(big.arl, false);
const write = await arlEval(big.arl, true);
// The cached run five times (the machine's noise is larger than one run tells): the median is reported.
const warms: Awaited<ReturnType<typeof arlEval>>[] = [];
for (let k = 0; k < 5; k++) warms.push(await arlEval(big.arl, true));
const warm = [...warms].sort((a, b) => a.ms - b.ms)[2];
const duck = await duckdb(big.csv);
const same = cold.fires === duck.fires && cold.tp === duck.tp && warms.every((w) => w.fires === cold.fires && w.tp === cold.tp) && write.fires === cold.fires;
console.log('');
console.log('                                          wall     load  compute  peak RSS  flagged      TP');
const line = (name: string, r: Run & Counts, load?: number, compute?: number) =>
  console.log(`${name.padEnd(40)} ${s(r.ms).padStart(6)} ${(load === undefined ? '' : s(load)).padStart(8)} ${(compute === undefined ? '' : s(compute)).padStart(8)} ${gb(r.rss).padStart(9)} ${String(r.fires).padStart(8)} ${String(r.tp).padStart(7)}`);
line('arl eval --split all, no cache', cold, cold.load, cold.compute);
line('arl eval --split all, writing the cache', write, write.load, write.compute);
line('arl eval --split all, cache read (median of 5)', warm, warm.load, warm.compute);
line('DuckDB read_csv + window query, 2 threads', duck);
console.log('');
console.log(`counts ${same ? 'identical' : 'DIFFER'}`);
console.log(`ARL cold / DuckDB: ${(cold.ms / duck.ms).toFixed(2)}x (goal <= 0.5x); peak RSS ${gb(cold.rss)} (goal <= 2.5 GB); with the cache ${s(warm.ms)} (goal <= 3 s; runs ${warms.map((w) => s(w.ms)).join(', ')}; load average ${loadavg()[0].toFixed(1)})`);

const c = await computeVsHand(big.arl, big.dir);
console.log(`hand-written loop:          ${spread(c.hand.wall)}; CPU ${spread(c.hand.cpu)}`);
for (const [name, e] of Object.entries(c.engine)) {
  console.log(`engine, ${name}: ${spread(e.wall)}; CPU ${spread(e.cpu)}`);
  console.log(`  engine / hand-written: ${(median(e.wall) / median(c.hand.wall)).toFixed(2)}x wall, ${(median(e.cpu) / median(c.hand.cpu)).toFixed(2)}x CPU (goal <= 2x)`);
}
console.log(`all flag ${c.flagged} points`);

const small = dataset(lspSeries);
const l = await lspTimings(small.arl, small.dir);
// Two more first opens without the frame cache, with the block workers the server would start now: the median of three.
const firsts = [l.cold, await firstLenses(small.arl, small.dir, spareCores()), await firstLenses(small.arl, small.dir, spareCores())];
console.log(`language server, ${lspSeries.toLocaleString('en-US')} products: first lenses after open ${s(median(firsts))} without the frame cache (median of ${firsts.map(s).join(', ')}), ${s(l.warm)} with it (goal <= 2 s); edit-to-lenses ${spread(l.edits)}, CPU median ${median(l.editsCpu).toFixed(1)} ms (goal: median <= 50 ms); back to back ${spread(l.editsBackToBack)}`);
rmSync(work, { recursive: true, force: true });
process.exit(same ? 0 : 1);
