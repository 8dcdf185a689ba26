// Regressions from probing the loader with hostile files: a stray quote swallowed the rest of a
// file without a word, and messages quoted whole cells and headers (a 5 MB cell, an environment).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCsv, loadCsvText } from '../../server/src/engine/csv';
import { analyzeWith, tempDir } from './helpers';

const rules = 'dataset "data.csv" {\n    series = s\n    time = t\n    label = y\n}\nrule r when x > 1\n';

function thirtyRows(): string[] {
  const rows = ['s,t,x,y,why'];
  for (let i = 1; i <= 30; i++) rows.push(`a,${i},${i},0,ok`);
  return rows;
}

describe('a stray quote', () => {
  it('is a located error, not 25 rows silently gone', async () => {
    const rows = thirtyRows();
    rows[5] = 'a,5,5,0,"oops'; // an unterminated quote in data row 5 (line 6)
    const text = rows.join('\n') + '\n';
    const r = loadCsvText(text, 'data.csv', { roles: { series: 's', time: 't', label: 'y' } });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatchObject({ code: 'bad-quote', line: 6, column: 9 });
    expect(r.error.message).toMatch(/never closed/);
    const dir = tempDir();
    writeFileSync(join(dir, 'data.csv'), text);
    const f = await loadCsv(join(dir, 'data.csv'), { roles: { series: 's', time: 't', label: 'y' } });
    expect(f.ok).toBe(false);
    if (!f.ok) expect(f.error).toMatchObject({ code: 'bad-quote', line: 6, column: 9 });
    // `arl check` and the editor see it on the dataset path.
    const a = await analyzeWith(text, rules);
    expect(a.data).toBeUndefined();
    expect(a.issues.find((i) => i.code === 'dataset-error')?.message).toMatch(/data\.csv:6:9: /);
  });
});

describe('messages quote at most about 80 characters of the file', () => {
  const secret = 'ANTHROPIC_API_KEY=sk-secret-value';

  it('a header that is not a CSV header (an environment file)', () => {
    const env = Array.from({ length: 200 }, (_, i) => `VAR_${i}=${'v'.repeat(40)}`).join('\u0000') + `\u0000${secret}\u0000`;
    const r = loadCsvText(env, 'environ', { roles: { series: 's' } });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('missing-column');
    expect(r.error.message).not.toContain('sk-secret');
    expect(r.error.message.length).toBeLessThan(400);
  });

  it('a header with many long names', () => {
    const header = Array.from({ length: 500 }, (_, i) => `column_${i}_${'n'.repeat(100)}`).join(',');
    const r = loadCsvText(`${header}\n${'1,'.repeat(499)}1\n`, 'wide.csv', { roles: { series: 's' } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message.length).toBeLessThan(400);
  });

  it('a 5 MB cell', () => {
    const huge = 'z'.repeat(5_000_000);
    for (const [text, code] of [
      [`s,t,x,y\na,1,1,0\na,2,2,${huge}\n`, 'bad-label'],
      [`s,t,x,y\na,1,1,0\na,${huge},2,0\n`, 'bad-time'],
    ] as const) {
      const r = loadCsvText(text, 'data.csv', { roles: { series: 's', time: 't', label: 'y' } });
      expect(r.ok).toBe(false);
      if (r.ok) continue;
      expect(r.error.code).toBe(code);
      expect(r.error.message.length).toBeLessThan(300);
    }
  });

  it('a huge cell in a number column: its note is short', () => {
    const r = loadCsvText(`s,t,x,y\na,1,1,0\na,2,${'q'.repeat(100_000)},0\n`, 'data.csv', { roles: { series: 's', time: 't', label: 'y' } });
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.frame.columnInfo.find((c) => c.name === 'x')!.note!.length).toBeLessThan(200);
  });
});

describe('a series id taken from the row before', () => {
  it('is not taken when that id held the delimiter (it was quoted) and this row is not', () => {
    // Line 3 has four fields: `a`, `b`, `2`, `6`, not the id `a,b` of line 2 and two more.
    const text = 's,t,x\n"a,b",1,5\na,b,2,6\n';
    const opts = { roles: { series: 's', time: 't' } };
    const r = loadCsvText(text, 'data.csv', opts);
    expect(r).toEqual(loadCsvText(text, 'data.csv', { ...opts, reader: 'papaparse' }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: 'bad-row', line: 3 });
  });
});
