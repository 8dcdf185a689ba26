// The language server on a large stock-out file (100,000 products x 53 weeks by default), as the
// scale benchmark measures it: first lenses after opening without the frame cache and with it,
// then edit-to-lenses (one threshold edited, didChange to the CodeLens response, no debounce; each
// edit once the one before is published, then back to back);
// and the first lenses without the frame cache once more on one thread and once with a block
// worker, whatever the machine's load says.
// The data is made once with `arl example stockout DIR --series N` in the temporary folder
// (ARL_BENCH_DIR names another folder holding stockout.arl and stockout.csv).
// Run: node bench/run.mjs lsp-scale [series, default 100000] [rounds, default 1]
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { firstLenses, lspTimings } from './lsp-timing';
import { spareCores } from '../server/src/engine/parallel';
import { median, spread } from './util';

// The bundles as built from this tree (the CSV worker thread among them).
execFileSync(process.execPath, ['esbuild.mjs'], { stdio: 'inherit' });
const series = Number(process.argv[2] ?? 100_000);
const rounds = Number(process.argv[3] ?? 1);
let dir = process.env.ARL_BENCH_DIR;
if (!dir) {
  dir = join(tmpdir(), `arl-bench-scale-${series}`);
  if (!existsSync(join(dir, '.complete'))) {
    rmSync(dir, { recursive: true, force: true });
    execFileSync(process.execPath, [resolve('dist/arl.cjs'), 'example', 'stockout', dir, '--series', String(series)], { stdio: 'inherit' });
    writeFileSync(join(dir, '.complete'), '');
  }
}
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const cold: number[] = [];
const warm: number[] = [];
const edits: number[] = [];
const editsCpu: number[] = [];
const backToBack: number[] = [];
// The first analysis on this thread alone and with a block worker, whatever the load says.
const oneThread: number[] = [];
const withWorker: number[] = [];
const arl = join(dir, 'stockout.arl');
for (let r = 0; r < rounds; r++) {
  // The block workers the server starts for a first analysis now (one per idle core), and the load.
  const workers = spareCores();
  const load = loadavg()[0].toFixed(1);
  const t = await lspTimings(arl, dir);
  cold.push(t.cold);
  warm.push(t.warm);
  edits.push(median(t.edits));
  editsCpu.push(median(t.editsCpu));
  backToBack.push(median(t.editsBackToBack));
  oneThread.push(await firstLenses(arl, dir, 0));
  withWorker.push(await firstLenses(arl, dir, 1));
  const p = t.coldParts;
  console.log(`first lenses ${s(t.cold)} without the frame cache (load average ${load}: ${workers} block worker${workers === 1 ? '' : 's'}; CPU ${s(t.coldCpu)}; load ${s(p.load)}, features ${s(p.features)}, conditions and scores ${s(p.evaluate)}), ${s(t.warm)} with it; edit-to-lenses ${spread(t.edits)}, CPU median ${median(t.editsCpu).toFixed(1)} ms, back to back ${spread(t.editsBackToBack)}; first lenses on one thread ${s(oneThread[r])}, with a block worker ${s(withWorker[r])}`);
}
if (rounds > 1) {
  console.log(`medians of ${rounds}: first lenses ${s(median(cold))} cold, ${s(median(warm))} warm; edit-to-lenses ${median(edits).toFixed(1)} ms (CPU ${median(editsCpu).toFixed(1)} ms), back to back ${median(backToBack).toFixed(1)} ms`);
  console.log(`first lenses without the frame cache, medians of ${rounds}: ${s(median(oneThread))} on one thread, ${s(median(withWorker))} with a block worker`);
}
process.exit(0);
