// The `arl` binary on rules over many columns and on test blocks with categories: it reports bad
// input with file:line:col and what to do, and changes nothing on disk.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { arl } from '../support/cli';
import { tempDir } from '../support/tmp';

const metrics = Array.from({ length: 38 }, (_, k) => `m${k + 1}`);
let dir: string;

/**
 * Every file of the folder with its size, modification time and contents. `.arl/` may hold only
 * the frame cache that commands loading data keep (`.arl/cache`: its .gitignore and frame files).
 */
function snapshot(d: string): string[] {
  return readdirSync(d)
    .sort()
    .flatMap((f) => {
      if (f === '.arl') {
        expect(readdirSync(join(d, f))).toEqual(['cache']);
        expect(readdirSync(join(d, f, 'cache')).filter((c) => c !== '.gitignore' && !/^f[0-9a-f]+-[0-9a-f]+\.arlc$/.test(c))).toEqual([]);
        return [];
      }
      const st = statSync(join(d, f));
      return [`${f} ${st.size} ${st.mtimeMs} ${readFileSync(join(d, f), 'utf8').length}`];
    });
}

beforeAll(() => {
  dir = tempDir();
  const rows = [`t,${metrics.join(',')},label`];
  for (let t = 0; t < 300; t++) {
    const spike = t % 50 === 49;
    rows.push(`${t},${metrics.map((_, k) => (spike && k % 9 === 0 ? 0.95 : ((t * (k + 5)) % 13) / 100).toFixed(2)).join(',')},${spike ? 1 : 0}`);
  }
  writeFileSync(join(dir, 'smd.csv'), rows.join('\n') + '\n');
  writeFileSync(
    join(dir, 'smd.arl'),
    'dataset "smd.csv" { time = t  label = label  split = 100/0/0 }\n\nrule hot when count_true(robust_z(columns("m*"), 20) > 6) >= 3\n',
  );
  writeFileSync(
    join(dir, 'bad.arl'),
    'dataset "smd.csv" { time = t  label = label }\n\nrule cpu when any(columns("cpu*") > 0.9)\nrule flat when columns("m1?") > 0.5\nrule rz when robust_z(m1, all) > 3\n',
  );
  writeFileSync(
    join(dir, 'hdfs.arl'),
    [
      'rule failure when before(event == "E11", event == "E28")',
      '',
      'test "E11 then E28" {',
      '    event = ["E5", "E11", "E3", "E28"]',
      '    expect anomaly',
      '    expect normal at 0, 1, 2',
      '}',
      '',
      'test "E28 then E11" {',
      '    event = ["E28", "E11"]',
      '    expect anomaly',
      '}',
      '',
    ].join('\n'),
  );
});

describe('arl on the new language', () => {
  it('eval scores a rule over all 38 metrics written in one line', async () => {
    const before = snapshot(dir);
    const r = await arl(['eval', join(dir, 'smd.arl'), '--split', 'all', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rule = JSON.parse(r.stdout).scores.rules[0];
    // Six spikes, each on 5 of the 38 metrics (k = 0, 9, 18, 27, 36): each one is caught.
    expect(rule).toMatchObject({ tp: 6, fn: 0 });
    expect(snapshot(dir)).toEqual(before);
  });

  it('check reports each misuse at file:line:col with what to do, and writes nothing', async () => {
    const before = snapshot(dir);
    const r = await arl(['check', 'bad.arl'], { cwd: dir });
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^bad\.arl:3:27: error: `columns\("cpu\*"\)` matches no column\. Columns: m1, m2, m3, .* A pattern matches whole names/);
    expect(lines[1]).toBe(
      'bad.arl:4:16: error: A rule needs one condition per point, but this is a group of 10 (m10, m11, m12, m13, ...): combine them with `any(...)`, `all(...)` or `count_true(...) >= k`.',
    );
    expect(lines[2]).toMatch(/^bad\.arl:5:27: error: `w` of robust_z must be a whole number: the MAD of a window growing/);
    expect(snapshot(dir)).toEqual(before);
  });

  it('test runs blocks holding categories, and fails a wrong expectation', async () => {
    const before = snapshot(dir);
    const r = await arl(['test', 'hdfs.arl'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('E11 then E28');
    expect(r.stdout).toMatch(/E28 then E11.*\n?.*expected an anomaly at 1, got normal: no rule fired/);
    expect(snapshot(dir)).toEqual(before);
  });
});
