// Runs the benchmarks as production runs the engine: bundled by esbuild, on plain Node.
// Usage: node bench/run.mjs [engine|edit-to-lenses|sweep|objective|duckdb ...]
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const names = process.argv.slice(2).length ? process.argv.slice(2) : ['engine', 'edit-to-lenses', 'sweep', 'objective', 'duckdb'];
for (const name of names) {
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
  execFileSync(process.execPath, [outfile], { stdio: 'inherit', cwd: root });
}
