// DuckDB is optional: the CLI loads it when it is installed; the extension never carries it.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (p: string) => readFileSync(root + p, 'utf8');

describe('DuckDB stays out of the extension', () => {
  it('is an optional dependency, kept outside every bundle', () => {
    const pkg = JSON.parse(read('package.json'));
    expect(pkg.optionalDependencies['@duckdb/node-api']).toBeDefined();
    expect(pkg.dependencies['@duckdb/node-api']).toBeUndefined();
    expect(read('esbuild.mjs')).toMatch(/external: \[[^\]]*'@duckdb\/node-api'/);
  });

  it('the language server and the client bundles never load it; the CLI loads it only on demand', () => {
    for (const bundle of ['dist/server.cjs', 'dist/client.cjs']) expect(read(bundle)).not.toContain('@duckdb');
    const cli = read('dist/arl.cjs');
    expect(cli).toContain('@duckdb/node-api');
    expect(cli).not.toMatch(/duckdb_node_bindings|DuckDBInstance\s*=\s*class/);
  });

  it('the .vsix takes the bundles, not node_modules', () => {
    const ignore = read('.vscodeignore').split('\n').map((l) => l.trim());
    expect(ignore[ignore.findIndex((l) => !l.startsWith('#'))]).toBe('**');
    expect(ignore.filter((l) => l.startsWith('!')).some((l) => l.includes('node_modules'))).toBe(false);
  });
});
