// `npm run test:vscode`: the extension tested inside a downloaded VS Code with @vscode/test-electron.
// Needs internet access to download VS Code; where there is none, `npm run test:e2e` runs the same
// scenarios in code-server.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-electron';

const root = fileURLToPath(new URL('../..', import.meta.url));
const workspace = mkdtempSync(join(tmpdir(), 'arl-vscode-ws-'));
execFileSync(process.execPath, [join(root, 'dist/arl.cjs'), 'example', 'stockout', workspace, '--products', '2000'], { stdio: 'inherit' });
try {
  await runTests({
    extensionDevelopmentPath: root,
    extensionTestsPath: join(root, 'test/vscode/suite.cjs'),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
    extensionTestsEnv: { ARL_TEST_WORKSPACE: workspace },
  });
} catch (e) {
  const offline = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT/.test(String(e?.message ?? e));
  console.error(offline ? `VS Code could not be downloaded (${e.message}). Without internet access, run the same scenarios in code-server: npm run test:e2e` : `VS Code tests failed: ${e.message ?? e}`);
  process.exitCode = 1;
} finally {
  rmSync(workspace, { recursive: true, force: true });
}
