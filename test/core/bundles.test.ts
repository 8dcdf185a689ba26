// The CSV worker (csvsplit.ts) and the block worker (parallel.ts) ship where the language server
// and the CLI look for them: beside their bundles, in the .vsix too.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../support/lsp';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('the CSV worker', () => {
  it('is bundled beside the server and the CLI, and packed in the .vsix', () => {
    const ignore = readFileSync(root + '.vscodeignore', 'utf8').split('\n').map((l) => l.trim());
    expect(ignore).toContain('!dist/server.cjs');
    expect(ignore).toContain('!dist/csvworker.cjs');
    // Small: the byte reader only, no language server or papaparse in it.
    expect(statSync(root + 'dist/csvworker.cjs').size).toBeLessThan(200_000);
    expect(readFileSync(root + 'dist/csvworker.cjs', 'utf8')).not.toContain('vscode-languageserver');
  });

  it('is found by the language server beside its bundle', async () => {
    const client = await startTestServer();
    try {
      expect(client.workspace.csvWorker).toBe(root + 'dist/csvworker.cjs');
    } finally {
      client.close();
    }
  });
});

describe('the block worker', () => {
  it('is bundled beside the server, packed in the .vsix and found by the language server', async () => {
    const ignore = readFileSync(root + '.vscodeignore', 'utf8').split('\n').map((l) => l.trim());
    expect(ignore).toContain('!dist/evalworker.cjs');
    expect(readFileSync(root + 'dist/evalworker.cjs', 'utf8')).not.toContain('vscode-languageserver');
    const client = await startTestServer();
    try {
      expect(client.workspace.evalWorker).toBe(root + 'dist/evalworker.cjs');
    } finally {
      client.close();
    }
  });
});

describe('the Anthropic SDK', () => {
  it('is a bundle of its own beside the server and the CLI, packed in the .vsix, and not in theirs', async () => {
    const ignore = readFileSync(root + '.vscodeignore', 'utf8').split('\n').map((l) => l.trim());
    expect(ignore).toContain('!dist/anthropic.cjs');
    for (const bundle of ['dist/arl.cjs', 'dist/server.cjs']) {
      const text = readFileSync(root + bundle, 'utf8');
      expect(text).toContain('import("./anthropic.cjs")');
      expect(text).not.toContain('class BaseAnthropic');
    }
    const sdk = (await import(root + 'dist/anthropic.cjs')) as { Anthropic: { APIError: unknown } };
    expect(typeof sdk.Anthropic).toBe('function');
    expect(typeof sdk.Anthropic.APIError).toBe('function');
  });

  it('is not read by a command that asks no model', () => {
    const dir = mkdtempSync(join(tmpdir(), 'arl-sdk-'));
    try {
      writeFileSync(join(dir, 'rules.arl'), 'rule r when x > 1\n');
      // Says at exit whether the SDK's bundle was read.
      writeFileSync(join(dir, 'probe.cjs'), "process.on('exit', () => process.stderr.write('sdk read: ' + Object.keys(require.cache).some((f) => f.endsWith('anthropic.cjs'))));\n");
      const r = spawnSync(process.execPath, ['-r', join(dir, 'probe.cjs'), root + 'dist/arl.cjs', 'check', join(dir, 'rules.arl')], { encoding: 'utf8' });
      expect(r.stderr).toContain('sdk read: false');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
