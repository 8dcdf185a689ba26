// Files ARL writes: a repository that ships links (or special files) in .arl/ gets a refusal that
// says what to remove, and nothing is written outside.
import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendOutput, replaceFile, UnsafePathError, writeOutput } from '../../server/src/io/safefs';
import { figures } from '../../server/src/refine/context';
import { appendAttempt, makeAttempt, readTrajectory, trajectoryPath } from '../../server/src/refine/trajectory';
import { tempDir } from '../support/tmp';

const split = { train: figures(8, 2, 10, 100), validation: figures(3, 1, 5, 40) };

function attempt(ruleFile: string, title = 'rule r "$(touch /tmp/pwned)" `id`') {
  return makeAttempt(ruleFile, { rule: 'r', proposer: 'offline', title, before: 'rule r when x > 1', after: 'rule r when x > 2', analysis: '', figuresBefore: split, figuresAfter: split, accepted: true, reason: 'applied', durationMs: 1 });
}

/** A repository folder with a rule file, and a folder outside it standing for the home folder. */
function repo(): { dir: string; rules: string; home: string; bashrc: string } {
  const root = tempDir('arl-writes-');
  const dir = join(root, 'repo');
  const home = join(root, 'home');
  mkdirSync(dir);
  mkdirSync(home);
  const bashrc = join(home, '.bashrc');
  writeFileSync(bashrc, 'export PATH=$PATH\n');
  const rules = join(dir, 'x.arl');
  writeFileSync(rules, 'rule r when x > 1\n');
  return { dir, rules, home, bashrc };
}

async function refusal(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(UnsafePathError);
  return (e as Error).message;
}

describe('the trajectory is written only inside .arl/', () => {
  it('refuses a trajectory that is a link to a file outside (the .bashrc attack)', async () => {
    const r = repo();
    mkdirSync(join(r.dir, '.arl'));
    symlinkSync('../../home/.bashrc', trajectoryPath(r.rules));
    const msg = await refusal(appendAttempt(r.rules, attempt(r.rules)));
    expect(msg).toMatch(/^Refusing to write .*x\.arl\.trajectory\.jsonl: it is a symbolic link \(to \.\.\/\.\.\/home\/\.bashrc\)\. .*Remove /);
    expect(readFileSync(r.bashrc, 'utf8')).toBe('export PATH=$PATH\n');
    // Reading through it is refused as well.
    expect(await refusal(readTrajectory(r.rules))).toMatch(/Refusing to read .*symbolic link/);
  });

  it('refuses an .arl folder that is a link elsewhere', async () => {
    const r = repo();
    symlinkSync(r.home, join(r.dir, '.arl'));
    const msg = await refusal(appendAttempt(r.rules, attempt(r.rules)));
    expect(msg).toMatch(/^Refusing to use .*\.arl: it is a symbolic link \(to .*home\)\. .*Remove the link/);
    expect(readdirSync(r.home)).toEqual(['.bashrc']);
  });

  it('refuses a hard link to a file outside, and a FIFO', async () => {
    const r = repo();
    mkdirSync(join(r.dir, '.arl'));
    linkSync(r.bashrc, trajectoryPath(r.rules));
    expect(await refusal(appendAttempt(r.rules, attempt(r.rules)))).toMatch(/another hard link/);
    expect(readFileSync(r.bashrc, 'utf8')).toBe('export PATH=$PATH\n');
    const f = repo();
    mkdirSync(join(f.dir, '.arl'));
    execFileSync('mkfifo', [trajectoryPath(f.rules)]);
    // Opening a FIFO for writing would block without a reader: it is refused at once.
    expect(await refusal(appendAttempt(f.rules, attempt(f.rules)))).toMatch(/not a regular file/);
  });

  it('refuses a rule file whose folder resolves outside the workspace', async () => {
    const r = repo();
    symlinkSync(r.home, join(r.dir, 'linked'));
    const inside = join(r.dir, 'linked', 'y.arl');
    expect(await refusal(appendAttempt(inside, attempt(inside), { roots: [r.dir] }))).toMatch(/outside the workspace/);
    expect(readdirSync(r.home)).toEqual(['.bashrc']);
    // Inside, the same call writes.
    await appendAttempt(r.rules, attempt(r.rules), { roots: [r.dir] });
    expect((await readTrajectory(r.rules)).attempts).toHaveLength(1);
  });

  it('writes titles with shell syntax as one escaped JSON line, line separators included', async () => {
    const r = repo();
    await appendAttempt(r.rules, attempt(r.rules, 'a\nb\u2028c\u2029d `id` $(x)'));
    const text = readFileSync(trajectoryPath(r.rules), 'utf8');
    expect(text.split('\n')).toHaveLength(2);
    expect(text).not.toMatch(/[\u2028\u2029]/);
    expect((await readTrajectory(r.rules)).attempts[0].title).toBe('a\nb\u2028c\u2029d `id` $(x)');
  });
});

describe('outputs named on the command line', () => {
  it('are never written through a link', async () => {
    const r = repo();
    const out = join(r.dir, 'alerts.csv');
    symlinkSync(r.bashrc, out);
    expect(await refusal(writeOutput(out, 'series,time\n'))).toMatch(/^Refusing to write .*alerts\.csv: it is a symbolic link .*Name the file itself, or remove the link\.$/);
    expect(await refusal(appendOutput(out, 'rule q when x > 1\n'))).toMatch(/symbolic link/);
    expect(await refusal(replaceFile(out, 'x'))).toMatch(/symbolic link/);
    expect(readFileSync(r.bashrc, 'utf8')).toBe('export PATH=$PATH\n');
  });

  it('replace a rule file whole, keeping its mode', async () => {
    const r = repo();
    execFileSync('chmod', ['640', r.rules]);
    await replaceFile(r.rules, 'rule r when x > 2\n');
    expect(readFileSync(r.rules, 'utf8')).toBe('rule r when x > 2\n');
    expect(statSync(r.rules).mode & 0o777).toBe(0o640);
    expect(readdirSync(r.dir)).toEqual(['x.arl']);
    await writeOutput(join(r.dir, 'new.csv'), 'a\n');
    await writeOutput(join(r.dir, 'new.csv'), 'b\n');
    expect(readFileSync(join(r.dir, 'new.csv'), 'utf8')).toBe('b\n');
  });
});
