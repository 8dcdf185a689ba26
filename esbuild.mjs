// Bundles the extension client, the language server, the CLI and the webviews.
import * as esbuild from 'esbuild';
import { chmodSync, existsSync, readdirSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const node = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  // Native or optional modules stay outside the bundle (DuckDB is optional, loaded when installed).
  external: ['vscode', '@resvg/resvg-js', '@duckdb/node-api'],
  loader: { '.arl': 'text' },
};

// The Anthropic SDK is a bundle of its own beside the others (dist/anthropic.cjs), read only when a
// model is asked something (server/src/refine/sdk.ts): the CLI and the language server start without it.
const sdkBeside = {
  name: 'sdk-beside',
  setup(build) {
    build.onResolve({ filter: /^@anthropic-ai\/sdk$/ }, () => ({ path: './anthropic.cjs', external: true }));
  },
};

const webviewEntries = existsSync('webviews/src')
  ? readdirSync('webviews/src').filter((f) => /^[a-z-]+\.main\.ts$/.test(f)).map((f) => `webviews/src/${f}`)
  : [];

const builds = [
  { ...node, entryPoints: ['client/src/extension.ts'], outfile: 'dist/client.cjs' },
  { ...node, entryPoints: ['server/src/lsp/main.ts'], outfile: 'dist/server.cjs', plugins: [sdkBeside] },
  { ...node, entryPoints: ['server/src/cli/main.ts'], outfile: 'dist/arl.cjs', banner: { js: '#!/usr/bin/env node' }, plugins: [sdkBeside] },
  { ...node, entryPoints: ['server/src/refine/sdkBundle.ts'], outfile: 'dist/anthropic.cjs' },
  // The CLI's worker threads for evaluation by blocks (server/src/engine/parallel.ts).
  { ...node, entryPoints: ['server/src/engine/blockWorker.ts'], outfile: 'dist/evalworker.cjs' },
  // The worker thread reading the second half of a large CSV file (server/src/engine/csvsplit.ts).
  { ...node, entryPoints: ['server/src/engine/csvWorker.ts'], outfile: 'dist/csvworker.cjs' },
].filter((b) => existsSync(b.entryPoints[0]));

if (webviewEntries.length) {
  builds.push({
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    sourcemap: !production,
    minify: production,
    logLevel: 'warning',
    entryPoints: webviewEntries,
    outdir: 'dist/webviews',
    entryNames: '[name]',
  });
}

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  if (existsSync('dist/arl.cjs')) chmodSync('dist/arl.cjs', 0o755);
}
