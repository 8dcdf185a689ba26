// Bundles the quality benchmark with esbuild (as production runs the engine) and runs it on plain
// Node from the repository root, passing its arguments on. See bench/quality/main.ts.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../..', import.meta.url));
const outfile = `${root}out/bench/quality.mjs`;
await build({
  entryPoints: [`${root}bench/quality/main.ts`],
  bundle: true,
  platform: 'node',
  format: 'esm',
  outfile,
  external: ['papaparse'],
  logLevel: 'error',
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
});
const r = spawnSync(process.execPath, ['--max-old-space-size=4096', outfile, ...process.argv.slice(2)], { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
