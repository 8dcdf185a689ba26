// Untrusted rule files and repositories against the spawned `arl`: a dataset path cannot name a
// file outside the project, a planted link cannot make ARL write outside, and alerts cannot carry
// spreadsheet formulas.
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { arl } from '../support/cli';
import { syntheticCsv } from '../refine/synthetic';
import { tempDir } from '../support/tmp';

const block = (path: string) => `dataset "${path}" {\n    series = id\n    time = t\n    label = label\n}\nrule r when x >= 42.5 and y >= 5\n`;
const secret = 'ARL_TEST_SECRET_9f2c41';

/** A project folder with a rule file naming `path`; checked with `arl check`. */
async function checkWith(path: string, opts: { dir?: string; args?: string[] } = {}) {
  const dir = opts.dir ?? tempDir('arl-sec-');
  writeFileSync(join(dir, 'rules.arl'), block(path));
  return arl(['check', 'rules.arl', ...(opts.args ?? [])], { cwd: dir, env: { [secret]: 'sk-ant-not-for-your-eyes' } });
}

function expectRefused(r: { code: number | null; stdout: string; stderr: string }, raw: string) {
  expect(r.code).toBe(1);
  // Located on the path string (line 1, column 9), saying what and how to allow it.
  expect(r.stdout).toMatch(new RegExp(`^rules\\.arl:1:9: error: The dataset "${raw.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}"( resolves to [^,]+, which)? is outside the workspace, so it was not read: ARL reads data only inside .*\\. Move the file into the workspace, or pass --allow-outside \\S+\\.$`, 'm'));
  // Nothing of the file's content.
  expect(r.stdout + r.stderr).not.toContain(secret);
  expect(r.stdout + r.stderr).not.toMatch(/root:|not in the header/);
}

describe('dataset paths outside the project', () => {
  it('refuses /proc/self/environ, /etc/passwd and ../../../../etc/passwd without reading them', async () => {
    expectRefused(await checkWith('/proc/self/environ'), '/proc/self/environ');
    expectRefused(await checkWith('/etc/passwd'), '/etc/passwd');
    expectRefused(await checkWith('../../../../etc/passwd'), '../../../../etc/passwd');
  });

  it('refuses a link inside the project that points outside, unless --allow-outside names its folder', async () => {
    const outside = tempDir('arl-sec-data-');
    writeFileSync(join(outside, 'data.csv'), syntheticCsv(40));
    const dir = tempDir('arl-sec-');
    symlinkSync(join(outside, 'data.csv'), join(dir, 'data.csv'));
    expectRefused(await checkWith('data.csv', { dir }), 'data.csv');
    const allowed = await checkWith('data.csv', { dir, args: ['--allow-outside', outside] });
    expect(allowed.stdout).not.toContain('outside the workspace');
    expect(allowed.code).toBe(0);
    // A link to /etc/passwd is refused the same way.
    symlinkSync('/etc/passwd', join(dir, 'passwd.csv'));
    expectRefused(await checkWith('passwd.csv', { dir }), 'passwd.csv');
  });

  it('reads anywhere inside the git repository holding the rule file, and only inside its folder without one', async () => {
    const project = tempDir('arl-sec-repo-');
    mkdirSync(join(project, 'rules'));
    mkdirSync(join(project, 'data'));
    writeFileSync(join(project, 'data', 'd.csv'), syntheticCsv(40));
    const dir = join(project, 'rules');
    expectRefused(await checkWith('../data/d.csv', { dir }), '../data/d.csv');
    mkdirSync(join(project, '.git'));
    const inRepo = await checkWith('../data/d.csv', { dir });
    expect(inRepo.stdout).toBe('');
    expect(inRepo.code).toBe(0);
  });

  it('names the refused file in eval and run too, and reads nothing', async () => {
    const dir = tempDir('arl-sec-');
    writeFileSync(join(dir, 'rules.arl'), block('/etc/passwd'));
    const e = await arl(['eval', 'rules.arl'], { cwd: dir });
    expect(e.code).toBe(1);
    expect(e.stderr).toMatch(/rules\.arl:1:9: error: The dataset "\/etc\/passwd" is outside the workspace/);
    expect(e.stderr).not.toContain('root:');
    const r = await arl(['run', 'rules.arl'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/outside the workspace/);
  });
});

describe('writes a repository cannot redirect', () => {
  it('arl learn refuses a trajectory linked to a file outside, before any work, and changes nothing', async () => {
    const root = tempDir('arl-sec-');
    const dir = join(root, 'repo');
    mkdirSync(join(dir, '.arl'), { recursive: true });
    writeFileSync(join(root, '.bashrc'), 'export PATH=$PATH\n');
    writeFileSync(join(dir, 'data.csv'), syntheticCsv(60));
    const rules = `${block('data.csv').replace('rule r when x >= 42.5 and y >= 5', 'rule r "$(touch pwned)" when x >= 35 and y >= 5')}`;
    writeFileSync(join(dir, 'rules.arl'), rules);
    symlinkSync('../../.bashrc', join(dir, '.arl', 'rules.arl.trajectory.jsonl'));
    const r = await arl(['learn', 'rules.arl', '--all'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^arl learn: Refusing to write .*rules\.arl\.trajectory\.jsonl: it is a symbolic link \(to \.\.\/\.\.\/\.bashrc\)\. .*Remove .* and try again\.$/m);
    expect(readFileSync(join(root, '.bashrc'), 'utf8')).toBe('export PATH=$PATH\n');
    expect(readFileSync(join(dir, 'rules.arl'), 'utf8')).toBe(rules);
  });

  it('arl run --out and arl plot --out refuse a link planted at the output path', async () => {
    const dir = tempDir('arl-sec-');
    writeFileSync(join(dir, 'data.csv'), syntheticCsv(40));
    writeFileSync(join(dir, 'rules.arl'), block('data.csv'));
    const target = join(dir, 'target.txt');
    writeFileSync(target, 'keep me\n');
    symlinkSync(target, join(dir, 'alerts.csv'));
    const r = await arl(['run', 'rules.arl', '--out', 'alerts.csv'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^arl run: Refusing to write .*alerts\.csv: it is a symbolic link .*Name the file itself, or remove the link\.$/m);
    symlinkSync(target, join(dir, 'plot.svg'));
    const p = await arl(['plot', 'rules.arl', '--series', 's1', '--out', 'plot.svg'], { cwd: dir });
    expect(p.code).toBe(1);
    expect(p.stderr).toMatch(/Refusing to write .*plot\.svg: it is a symbolic link/);
    expect(readFileSync(target, 'utf8')).toBe('keep me\n');
    expect(existsSync(join(dir, '.arl'))).toBe(false);
  });

  it('arl example refuses a dangling link planted in its folder, creating nothing at its target', async () => {
    const root = tempDir('arl-sec-');
    mkdirSync(join(root, 'ex'));
    symlinkSync(join(root, 'victim.csv'), join(root, 'ex', 'stockout.csv'));
    const r = await arl(['example', 'stockout', 'ex', '--products', '5'], { cwd: root });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^arl example: Refusing to write .*stockout\.csv: it is a symbolic link/m);
    expect(existsSync(join(root, 'victim.csv'))).toBe(false);
  });
});

describe('arl run --out and spreadsheet formulas', () => {
  it('escapes text cells that start with = + - @ (series ids, categories) and keeps numbers as numbers', async () => {
    const dir = tempDir('arl-sec-');
    const ids = ['"=HYPERLINK(""http://evil.example"",""x"")"', '@SUM(1+1)', '-3', '+cmd', '-2+3', '"\tTAB"', 'plain'];
    writeFileSync(join(dir, 'data.csv'), `id,t,x\n${ids.map((id) => `${id},1,5\n${id},-2,50\n`).join('')}`);
    writeFileSync(join(dir, 'rules.arl'), `dataset "data.csv" {\n    series = id\n    time = t\n}\nrule spike "=cmd|' /C calc'!A0" when x > 10\n`);
    const r = await arl(['run', 'rules.arl', '--out', 'alerts.csv'], { cwd: dir });
    expect(r.stderr).toContain('7 alerts');
    expect(r.code).toBe(0);
    const rows = readFileSync(join(dir, 'alerts.csv'), 'utf8').trimEnd().split('\n');
    const category = `"'=cmd|' /C calc'!A0"`;
    expect(rows.slice(1).sort()).toEqual(
      [
        `"'=HYPERLINK(""http://evil.example"",""x"")",-2,spike,${category},high`,
        `"'@SUM(1+1)",-2,spike,${category},high`,
        `-3,-2,spike,${category},high`,
        `"'+cmd",-2,spike,${category},high`,
        `"'-2+3",-2,spike,${category},high`,
        `"'\tTAB",-2,spike,${category},high`,
        `plain,-2,spike,${category},high`,
      ].sort(),
    );
  });
});
