// Hostile rule files through the `arl` binary: located errors and exit status 1, never a stack
// trace (exit 70), and lets built on lets evaluated in moments.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { arl } from '../support/cli';
import { exampleDir, type ExampleDir } from '../support/example';

let ex: ExampleDir;
beforeAll(async () => {
  ex = await exampleDir(100);
});

const head = 'dataset "stockout.csv" {\n    series = sku\n    time = week\n    label = is_anomaly\n}\n';

function file(name: string, text: string): string {
  const f = join(ex.dir, name);
  writeFileSync(f, text);
  return f;
}

describe('arl on hostile rule files', () => {
  it('check: deep nesting, long chains and a 1e10 window are located errors', async () => {
    const f = file(
      'deep.arl',
      `${head}rule parens when ${'('.repeat(300)}oos_ratio > 1${')'.repeat(300)}\nrule chain when ${Array.from({ length: 3000 }, () => 'oos_ratio > 1').join(' and ')}\nrule window when mean(oos_ratio, 1e10) > 1\nrule fine when oos_ratio > 50\n`,
    );
    const r = await arl(['check', f]);
    expect(r.code).toBe(1);
    const lines = r.stdout.split('\n').filter((l) => l.includes(': error: '));
    expect(lines.map((l) => l.replace(/^.*deep\.arl:(\d+):(\d+): error: (.{20}).*$/, '$1:$2 $3'))).toEqual([
      '6:50 This is nested more ',
      '7:17 This expression is 3',
      '8:34 `w` of mean must be ',
    ]);
    expect(r.stderr).not.toMatch(/at .*\.cjs/);
  });

  it('eval: 64 lets each doubling the one before score like the single rule', async () => {
    let lets = 'let a0 = oos_ratio\n';
    for (let i = 1; i <= 64; i++) lets += `let a${i} = a${i - 1} + a${i - 1}\n`;
    const f = file('doubling.arl', `${head}${lets}rule doubled when a64 > 0 and oos_ratio >= 40\n`);
    const g = file('single.arl', `${head}rule single when oos_ratio > 0 and oos_ratio >= 40\n`);
    const [r, s] = await Promise.all([arl(['eval', f, '--json']), arl(['eval', g, '--json'])]);
    expect(r.code).toBe(0);
    const f1 = (out: string) => JSON.parse(out).file.f1;
    expect(f1(r.stdout)).toBe(f1(s.stdout));
  });

  it('test: a rule using a let with an error fails its tests with both errors (it used to exit 70)', async () => {
    const f = file('broken-let.arl', 'let bad = oos_ratio +\nrule r when bad > 3\ntest "t" {\n    oos_ratio = [1, 2, 5]\n    expect anomaly\n}\n');
    const r = await arl(['test', f]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('FAIL  t (line 3)');
    expect(r.stdout).toMatch(/broken-let\.arl:2:13: error: `r` uses `bad`, which has an error: fix `bad` first\./);
    expect(r.stdout).toMatch(/broken-let\.arl:1:22: error: Expected an expression/);
  });
});
