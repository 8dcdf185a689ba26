// How `arl learn --all` does from the deliberately weak rules (examples/stockout/weak.arl) on
// stock-out datasets made with other seeds than the bundled one, beside the hand-written rules
// (examples/stockout/stockout.arl) on the same data: train, validation and test point F1 of each,
// and the means. The bundled example's test split is the one the target is read on; these
// other datasets are where a change to the learner can be judged without reading that split.
// Run: node bench/run.mjs weak-seeds [FIRST_SEED=1] [SEEDS=6] [LEARN OPTIONS...] (e.g. --refit)
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const first = Number(process.argv[2] ?? 1);
const count = Number(process.argv[3] ?? 6);
const extra = process.argv.slice(4);
const root = resolve('.');
const bin = join(root, 'dist', 'arl.cjs');
execFileSync(process.execPath, ['esbuild.mjs'], { cwd: root, stdio: 'inherit' });

const splits = ['train', 'validation', 'test'] as const;
type Row = Record<(typeof splits)[number], number>;

function arl(args: string[], cwd: string): string {
  return execFileSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'pipe'] });
}

function f1s(file: string, cwd: string): Row {
  const out = {} as Row;
  for (const s of splits) out[s] = JSON.parse(arl(['eval', file, '--split', s, '--json'], cwd)).scores.file.f1;
  return out;
}

const f = (x: number) => x.toFixed(3);
const rows: { seed: number; hand: Row; learned: Row; seconds: number }[] = [];
console.log('seed   hand train  val    test   | learned train  val    test   | learn s');
for (let seed = first; seed < first + count; seed++) {
  const dir = join(tmpdir(), `arl-bench-weak-${seed}`);
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, 'stockout.csv'))) arl(['example', 'stockout', dir, '--seed', String(seed)], root);
  copyFileSync(join(root, 'examples', 'stockout', 'weak.arl'), join(dir, 'weak.arl'));
  const t = performance.now();
  arl(['learn', 'weak.arl', '--all', '--out', 'learned.arl', ...extra], dir);
  const seconds = (performance.now() - t) / 1000;
  const r = { seed, hand: f1s('stockout.arl', dir), learned: f1s('learned.arl', dir), seconds };
  rows.push(r);
  console.log(`${String(seed).padEnd(6)} ${f(r.hand.train)}       ${f(r.hand.validation)}  ${f(r.hand.test)}  | ${f(r.learned.train)}          ${f(r.learned.validation)}  ${f(r.learned.test)}  | ${seconds.toFixed(1)}`);
}
const mean = (k: 'hand' | 'learned', s: (typeof splits)[number]) => rows.reduce((a, r) => a + r[k][s], 0) / rows.length;
console.log(`mean   ${f(mean('hand', 'train'))}       ${f(mean('hand', 'validation'))}  ${f(mean('hand', 'test'))}  | ${f(mean('learned', 'train'))}          ${f(mean('learned', 'validation'))}  ${f(mean('learned', 'test'))}`);
