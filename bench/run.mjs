// Runs the benchmarks as production runs the engine: bundled by esbuild, on plain Node.
// Usage: node bench/run.mjs [NAME [ARG ...] ...]: NAME is a file of bench/ (default: engine,
// edit-to-lenses, sweep, objective, duckdb, scale); arguments that are numbers or options (`--x`) go to the benchmark before them
// (`node bench/run.mjs scale 100000 large-csv 1024`).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const runs = [];
for (const a of process.argv.slice(2)) {
  if ((/^\d+(\.\d+)?$/.test(a) || a.startsWith('--')) && runs.length) runs[runs.length - 1].args.push(a);
  else runs.push({ name: a, args: [] });
}
if (!runs.length) for (const name of ['engine', 'edit-to-lenses', 'sweep', 'objective', 'duckdb', 'scale']) runs.push({ name, args: [] });
for (const { name, args } of runs) {
  const outfile = `${root}out/bench/${name}.mjs`;
  await build({
    entryPoints: [`${root}bench/${name}.ts`],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile,
    external: ['papaparse', '@duckdb/node-api', 'pg'],
    logLevel: 'error',
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  });
  console.log(`\n# ${name}`);
  execFileSync(process.execPath, [outfile, ...args], { stdio: 'inherit', cwd: root });
}
