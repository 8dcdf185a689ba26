// The CSV worker (csvsplit.ts) and the block worker (parallel.ts) ship where the language server
// and the CLI look for them: beside their bundles, in the .vsix too.
import { readFileSync, statSync } from 'node:fs';
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
