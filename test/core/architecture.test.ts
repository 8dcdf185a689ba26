// The core stays pure: no editor, no LSP, no CLI. Only the VS Code client imports `vscode`.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Source files under `dir` (relative to the repository), recursively. */
function sources(dir: string): string[] {
  const abs = join(root, dir);
  if (!existsSync(abs)) return [];
  const out: string[] = [];
  for (const name of readdirSync(abs)) {
    if (name === 'node_modules') continue;
    const p = join(abs, name);
    if (statSync(p).isDirectory()) out.push(...sources(relative(root, p)));
    else if (/\.(m|c)?[jt]sx?$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Every module specifier a file uses: static and dynamic imports, re-exports, require(). */
function importsOf(text: string): string[] {
  const info = ts.preProcessFile(text, true, true);
  return info.importedFiles.map((f) => f.fileName);
}

/** The folders of the pure core, and what they may not reach. */
const coreDirs = ['grammar/src', 'server/src/engine', 'server/src/refine', 'server/src/preview', 'server/src/io', 'server/src/labels', 'server/src/sql'];
const forbiddenPackages = [/^vscode$/, /^vscode-languageserver/, /^vscode-languageclient/, /^vscode-jsonrpc/];
const forbiddenDirs = ['server/src/lsp', 'server/src/cli', 'client'];

function violations(file: string): string[] {
  const bad: string[] = [];
  for (const spec of importsOf(readFileSync(file, 'utf8'))) {
    if (forbiddenPackages.some((re) => re.test(spec))) bad.push(spec);
    if (spec.startsWith('.')) {
      const target = relative(root, resolve(dirname(file), spec)).split(sep).join('/');
      if (forbiddenDirs.some((d) => target === d || target.startsWith(`${d}/`))) bad.push(spec);
    }
  }
  return bad;
}

describe('architecture', () => {
  it('the import scanner sees every form of import', () => {
    const text = [
      "import * as vscode from 'vscode';",
      "import {\n  createConnection,\n} from 'vscode-languageserver/node';",
      "import type { X } from '../lsp/protocol';",
      "export { y } from './y';",
      "import './side-effect';",
      "const m = await import('dynamic');",
      "const r = require('required');",
    ].join('\n');
    expect(importsOf(text).sort()).toEqual(['../lsp/protocol', './side-effect', './y', 'dynamic', 'required', 'vscode', 'vscode-languageserver/node'].sort());
  });

  it('the core folders exist and hold source files', () => {
    expect(sources('grammar/src').length).toBeGreaterThan(5);
    expect(sources('server/src/engine').length).toBeGreaterThan(5);
  });

  for (const dir of coreDirs) {
    it(`${dir} imports no editor, LSP, CLI or client code`, () => {
      const found: Record<string, string[]> = {};
      for (const file of sources(dir)) {
        const bad = violations(file);
        if (bad.length) found[relative(root, file)] = bad;
      }
      expect(found).toEqual({});
    });
  }

  it('only client/src imports vscode', () => {
    const found: string[] = [];
    for (const dir of ['grammar', 'server', 'webviews', 'examples', 'bench', 'syntaxes']) {
      for (const file of sources(dir)) {
        if (importsOf(readFileSync(file, 'utf8')).includes('vscode')) found.push(relative(root, file));
      }
    }
    for (const file of [...readdirSync(root)].filter((n) => /\.(m|c)?[jt]s$/.test(n)).map((n) => join(root, n))) {
      if (importsOf(readFileSync(file, 'utf8')).includes('vscode')) found.push(relative(root, file));
    }
    expect(found).toEqual([]);
  });
});
