// Starts code-server (a real VS Code served to a browser) on loopback with the packaged extension
// installed and a workspace open. Used by the end-to-end tests and by `npm run serve`.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));

export function installCodeServer() {
  const out = execFileSync('bash', [join(root, 'test/e2e/install-code-server.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return out.trim().split('\n').pop();
}

export function packageVsix() {
  execFileSync('npm', ['run', 'package', '--silent'], { cwd: root, stdio: 'inherit' });
  return join(root, 'arl.vsix');
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** A workspace with the example rules and its generated data. */
export function exampleWorkspace(dir, products = 10000, ifMissing = false) {
  mkdirSync(dir, { recursive: true });
  const args = [join(root, 'dist/arl.cjs'), 'example', 'stockout', dir, '--products', String(products), ...(ifMissing ? ['--if-missing'] : [])];
  execFileSync(process.execPath, args, { stdio: 'inherit' });
  mkdirSync(join(dir, '.vscode'), { recursive: true });
  return dir;
}

export async function startCodeServer({ bin, vsix, workspace, port, settings = {} }) {
  const base = mkdtempSync(join(tmpdir(), 'arl-code-server-'));
  const userData = join(base, 'user-data');
  const extensions = join(base, 'extensions');
  mkdirSync(join(userData, 'User'), { recursive: true });
  writeFileSync(
    join(userData, 'User', 'settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'security.workspace.trust.enabled': false,
        'telemetry.telemetryLevel': 'off',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'editor.codeLens': true,
        'editor.minimap.enabled': false,
        'window.restoreWindows': 'none',
        // Edits stay in the editor (the scenarios put the file back with "File: Revert File").
        'files.autoSave': 'off',
        ...settings,
      },
      null,
      2,
    ),
  );
  execFileSync(bin, ['--install-extension', vsix, '--extensions-dir', extensions, '--user-data-dir', userData], { stdio: 'inherit' });
  port ??= await freePort();
  const args = ['--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--user-data-dir', userData, '--extensions-dir', extensions, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', workspace];
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: false });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`;
  const deadline = Date.now() + 60000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited: ${log}`);
    try {
      const r = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (r.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`code-server did not start in 60 s: ${log}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  return {
    url,
    port,
    userData,
    log: () => log,
    stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      rmSync(base, { recursive: true, force: true });
    },
  };
}

export function exists(p) {
  return existsSync(p);
}

export { cpSync };
