// The system packages the tests need (Debian names), installed before `npm test` runs anything:
// only what is missing, said in one line, with apt-get's --no-upgrade (packages already installed
// are never upgraded). Without root, one line says what is missing and how to install it.
//   node test/system.mjs               what `npm test` needs
//   node test/system.mjs --code-server what installing code-server needs (test/e2e)
//   node test/system.mjs --dry-run     says what it would do, does nothing
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { codeServerDir, planPackages } from './support/system-packages.mjs';

const args = process.argv.slice(2);
const dryRun = args.includes('--dry-run');
const onlyCodeServer = args.includes('--code-server');
const label = onlyCodeServer ? 'code-server (end-to-end tests)' : 'npm test';

const onPath = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const dpkgHas = (pkg) => spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' }).stdout?.includes('install ok installed') ?? false;
const cache = process.env.ARL_E2E_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'arl-e2e');

const plan = planPackages({
  chromium: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  exists: existsSync,
  onPath,
  dpkgHas,
  codeServerInstalled: existsSync(join(codeServerDir(cache), '.complete')),
  browser: !onlyCodeServer,
  apt: onPath('apt-get') && onPath('dpkg-query'),
  root: process.getuid?.() === 0,
});

if (plan.action === 'none') process.exit(0);
if (plan.action === 'tell') {
  console.error(`${label}: ${plan.message}`);
  process.exit(dryRun ? 0 : 1);
}

// Install what is missing, and say if that upgrades anything already installed.
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
const opts = ['--no-install-recommends', '--no-upgrade'];
if (dryRun) {
  console.error(`${label}: would install the Debian packages ${plan.packages.join(' ')} (apt-get install ${opts.join(' ')}).`);
  process.exit(0);
}
try {
  execFileSync('apt-get', ['update', '-qq'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const sim = execFileSync('apt-get', ['install', '-s', ...opts, ...plan.packages], { env, encoding: 'utf8' });
  // "Inst libfoo [1.0] (1.1 ...)": a package already installed, upgraded as a dependency.
  const upgrades = [...sim.matchAll(/^Inst (\S+) \[/gm)].map((m) => m[1]);
  console.error(
    `${label}: installing the Debian packages ${plan.packages.join(' ')} (missing; apt-get install ${opts.join(' ')})${upgrades.length ? `; as dependencies this upgrades ${upgrades.join(' ')}` : ''}.`,
  );
  execFileSync('apt-get', ['install', '-y', '-qq', ...opts, ...plan.packages], { env, stdio: ['ignore', 'ignore', 'inherit'] });
} catch (e) {
  console.error(`${label}: could not install ${plan.packages.join(' ')} with apt-get (${e.message.split('\n')[0]}). Install them, then run again.`);
  process.exit(1);
}
