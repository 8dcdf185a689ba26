// End to end in a real VS Code (code-server), driven by Debian's Chromium through playwright-core:
// the packaged .vsix installed, the example workspace open, the scenarios of scenarios.mjs, a
// screenshot each. `node test/e2e/run.mjs sweep` runs the scenarios whose name holds "sweep".
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { exampleWorkspace, installCodeServer, packageVsix, root, startCodeServer } from './codeServer.mjs';
import { scenarios } from './scenarios.mjs';

const artifacts = join(root, 'test-artifacts', 'e2e');
mkdirSync(artifacts, { recursive: true });
const only = process.argv.slice(2);

const bin = installCodeServer();
const vsix = packageVsix();
const workspace = exampleWorkspace(mkdtempSync(join(tmpdir(), 'arl-e2e-ws-')));
const evalJson = JSON.parse(execFileSync(process.execPath, [join(root, 'dist/arl.cjs'), 'eval', join(workspace, 'stockout.arl'), '--json'], { encoding: 'utf8' }));
const server = await startCodeServer({ bin, vsix, workspace, settings: { 'arl.evaluation.debounceMs': 50 } });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
let failed = 0;
try {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  // A bound on each wait, not a delay: every wait is for a state of the page.
  page.setDefaultTimeout(120000);
  const consoleLog = [];
  page.on('console', (m) => consoleLog.push(`[${m.type()}] ${m.location().url}: ${m.text()}`));
  process.on('exit', () => writeFileSync(join(artifacts, 'console.log'), consoleLog.join('\n')));
  await page.goto(server.url);
  await page.waitForSelector('.monaco-workbench', { timeout: 90000 });
  const ctx = { page, workspace, evalJson, original: readFileSync(join(workspace, 'stockout.arl'), 'utf8') };
  for (const s of scenarios) {
    if (only.length && !only.some((o) => s.name.includes(o))) continue;
    const t0 = Date.now();
    try {
      await s.run(ctx);
      console.log(`ok    ${s.name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    } catch (e) {
      failed++;
      console.log(`FAIL  ${s.name}: ${e.stack ?? e}`);
    } finally {
      await page.screenshot({ path: join(artifacts, `${s.file}.png`) }).catch(() => undefined);
    }
  }
} finally {
  await browser.close();
  server.stop();
  rmSync(workspace, { recursive: true, force: true });
}
if (failed) {
  console.log(`\n${failed} end-to-end scenario(s) failed; screenshots in ${artifacts}`);
  process.exit(1);
}
console.log(`\nAll end-to-end scenarios passed; screenshots in ${artifacts}`);
