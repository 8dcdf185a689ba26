// Data through the spawned `arl` binary: category text and times round-trip through `run --out`,
// data problems are listed with their places, no metrics table after an error, duplicates.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { arl } from '../support/cli';
import { tempDir } from '../support/tmp';

const rules = (settings = '') => `dataset "data.csv" {\n    series = s\n    time = t\n    label = y\n${settings}}\nrule r "R" when x > 0\n`;

function csvText(rows: string[][]): string {
  return Papa.unparse(rows, { newline: '\n' }) + '\n';
}

// A category cell: any text but a missing marker, with no spaces around it (cells are trimmed),
// not starting with = + - @ (a spreadsheet-safe form of those may be written), and not a number.
const catCell = fc
  .string({ unit: fc.constantFrom('a', 'b', 'Z', 'é', '中', ',', '"', ' ', ';', '\n', 'x', '1', '.', '_', '🙂'), minLength: 1, maxLength: 8 })
  .map((s) => `k${s}`.trim());

describe('run --out', () => {
  it('carries category text and times as the data has them (property, spawned CLI)', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'r.arl'), rules());
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ series: fc.constantFrom('A', 'B,1', 'C "q"'), fire: fc.boolean(), cat: fc.option(catCell, { nil: undefined }), hour: fc.nat({ max: 23 }) }), { minLength: 1, maxLength: 20 }),
        async (points) => {
          const rows = [['s', 't', 'x', 'y', 'event']];
          const expected = new Map<string, string>();
          points.forEach((p, i) => {
            // Dates with and without a time of day in one file: one form comes out.
            const day = `2024-01-${String((i % 28) + 1).padStart(2, '0')}`;
            const t = i % 2 ? `${day}T${String(p.hour).padStart(2, '0')}:00:00Z` : day;
            const iso = `${day}T${i % 2 ? String(p.hour).padStart(2, '0') : '00'}:00:00Z`;
            rows.push([p.series, t, p.fire ? '1' : '0', '', p.cat ?? '']);
            if (p.fire) expected.set(`${p.series}\u0000${iso}`, p.cat ?? '');
          });
          writeFileSync(join(dir, 'data.csv'), csvText(rows));
          if (!points.some((p) => p.cat !== undefined && Number.isNaN(Number(p.cat)))) return; // not a category column then
          const out = join(dir, 'alerts.csv');
          const r = await arl(['run', join(dir, 'r.arl'), '--out', out]);
          expect(r.code, r.stderr).toBe(0);
          const parsed = Papa.parse<string[]>(readFileSync(out, 'utf8'), { skipEmptyLines: true }).data;
          expect(parsed[0]).toEqual(['series', 'time', 'rules', 'category', 'severity', 'event']);
          const got = new Map(parsed.slice(1).map((row) => [`${row[0]}\u0000${row[1]}`, row[5]]));
          expect(got).toEqual(expected);
        },
      ),
      { numRuns: 12 },
    );
  });
});

describe('data problems', () => {
  it('a stray quote fails check and eval with its place; eval prints no table', async () => {
    const dir = tempDir();
    const rows = ['s,t,x,y'];
    for (let i = 1; i <= 30; i++) rows.push(`a,${i},${i},0`);
    rows[5] = 'a,5,"5,0';
    writeFileSync(join(dir, 'data.csv'), rows.join('\n') + '\n');
    writeFileSync(join(dir, 'r.arl'), rules());
    const c = await arl(['check', 'r.arl'], { cwd: dir });
    expect(c.code).toBe(1);
    expect(c.stdout).toMatch(/^r\.arl:1:9: error: .*data\.csv:6:5: A quote opens a field here and is never closed/m);
    const e = await arl(['eval', 'r.arl'], { cwd: dir });
    expect(e.code).toBe(1);
    expect(e.stdout).toBe('');
    expect(e.stderr).toContain('Fix the errors above to see metrics.');
    const run = await arl(['run', 'r.arl'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
  });

  it('eval prints no table of zeros when a rule reads a column with a bad cell', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'data.csv'), 's,t,x,y\na,1,1,0\na,2,abc,1\n');
    writeFileSync(join(dir, 'r.arl'), rules());
    const e = await arl(['eval', 'r.arl'], { cwd: dir });
    expect(e.code).toBe(1);
    expect(e.stdout).toBe('');
    expect(e.stderr).toContain('line 3 holds "abc"');
  });

  it('names every problem up to 20, each with line and column, then the count', async () => {
    const dir = tempDir();
    const rows = ['s,t,x,y'];
    for (let i = 1; i <= 50; i++) rows.push(`a,${i},${i},${i % 2 ? 'maybe' : '0'}`);
    writeFileSync(join(dir, 'data.csv'), rows.join('\n') + '\n');
    writeFileSync(join(dir, 'r.arl'), rules());
    const c = await arl(['check', 'r.arl'], { cwd: dir });
    const located = c.stdout.split('\n').filter((l) => /data\.csv:\d+:\d+: "maybe" is not a label/.test(l));
    expect(located).toHaveLength(20);
    expect(located[0]).toMatch(/data\.csv:2:\d+:/);
    expect(located[19]).toMatch(/data\.csv:40:\d+:/);
    expect(c.stdout).toMatch(/^r\.arl:1:9: error: .*data\.csv: 5 more problems not listed \(25 in all\)\. Fix the ones above first\.$/m);
  });

  it('repeated times: the first 5 places with their lines and the count; a policy merges them', async () => {
    const dir = tempDir();
    const rows = ['s,t,x,y'];
    for (let s = 0; s < 8; s++) for (let t = 1; t <= 3; t++) rows.push(`s${s},${t},${t},0`, ...(t === 2 ? [`s${s},2,10,1`] : []));
    writeFileSync(join(dir, 'data.csv'), rows.join('\n') + '\n');
    writeFileSync(join(dir, 'r.arl'), rules());
    const c = await arl(['check', 'r.arl'], { cwd: dir });
    expect(c.code).toBe(1);
    const places = c.stdout.split('\n').filter((l) => l.includes('rows at time'));
    expect(places).toHaveLength(5);
    expect(places[0]).toMatch(/data\.csv:4:4: Series "s0" has 2 rows at time "2" \(lines 3 and 4\)\. 8 times are repeated within a series in this file \(the first 5 are listed\)/);
    expect(places[4]).toMatch(/data\.csv:20:4: Series "s4" has 2 rows at time "2" \(lines 19 and 20\)\.$/);
    writeFileSync(join(dir, 'm.arl'), rules('    duplicates = max\n'));
    const m = await arl(['run', 'm.arl'], { cwd: dir });
    expect(m.code, m.stderr).toBe(0);
    expect(m.stderr).toContain('on 24 points of 8 series');
    // Without repeats a policy is silent.
    writeFileSync(join(dir, 'data.csv'), 's,t,x,y\na,1,0,0\na,2,2,1\n');
    const quiet = await arl(['check', 'm.arl'], { cwd: dir });
    expect(quiet.code).toBe(0);
    expect(quiet.stdout).toBe('');
  });
});
