// DuckDB's scan of a CSV describes it as the loader does: the same columns, kinds, categories and
// longest series, and `--engine duckdb` writes the same alerts on awkward files.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCsv } from '../../server/src/engine/csv';
import { schemaOf } from '../../server/src/engine/frame';
import { openDuckDb } from '../../server/src/sql/duckdb';
import { scanCsv } from '../../server/src/sql/scan';
import { arl } from '../support/cli';
import { duckDbForTests } from '../support/sql';
import { tempDir } from '../support/tmp';

const duck = await duckDbForTests();
const dir = tempDir('arl-sql-scan-');

/** A header with a BOM, a blank and a repeated name; padded cells, markers, zones, milliseconds, quoted line breaks. */
const awkward = [
  '\uFEFFhost ,when,load,,load,note,code',
  'h1,2025-01-06T10:00:00.250+01:00,1.5,7, 2 ,"two\nlines",A',
  'h1,2025-01-06 10:00:01Z,NA,8,3,plain,B',
  'h2,2025-01-06,-2e1,n/a,4,"say ""hi""",007',
  '',
  'h2,2025-01-07T00:00,  ,9,-,x,A',
  'h1,2025-01-06T12:00:00+0530,4,10,5,,9',
  'h2,2025-01-08,7,11,word,,A',
].join('\r\n');

describe.skipIf(!duck)('the DuckDB scan', () => {
  it('gives the loader schema of an awkward file', async () => {
    const csv = join(dir, 'awkward.csv');
    writeFileSync(csv, awkward);
    const loaded = await loadCsv(csv, { roles: { series: 'host', time: 'when' } });
    if (!loaded.ok) throw new Error(loaded.error.message);
    const want = schemaOf(loaded.frame);
    const db = await openDuckDb({ readable: [csv] });
    try {
      const got = await scanCsv(db, csv, { series: 'host', time: 'when' }, 'error');
      if (!got.ok) throw new Error(got.error.message);
      expect(got.scan.schema.maxSeriesLength).toBe(want.maxSeriesLength);
      expect(got.scan.schema.columns.map((c) => [c.name, c.numeric, c.note])).toEqual(want.columns.map((c) => [c.name, c.numeric, c.note]));
      for (const [i, c] of got.scan.schema.columns.entries()) expect(new Set(c.categories ?? [])).toEqual(new Set(want.columns[i].categories ?? []));
      expect([got.scan.points, got.scan.series, got.scan.millis]).toEqual([loaded.frame.length, 2, true]);
    } finally {
      db.close();
    }
  });

  it('and arl run --engine duckdb writes what arl run writes on it', async () => {
    const csv = join(dir, 'awkward.csv');
    writeFileSync(csv, awkward);
    const file = join(dir, 'r.arl');
    writeFileSync(file, 'dataset "awkward.csv" { series = host  time = \"when\" }\nrule up when load > 0 or count(code == "A", all) >= 1\nrule gone severity critical when is_missing(load_5)\n');
    const memory = await arl(['run', file]);
    const duckdb = await arl(['run', file, '--engine', 'duckdb']);
    expect(memory.code).toBe(0);
    expect(memory.stdout.split('\n').length).toBeGreaterThan(4);
    expect(memory.stdout).toContain('2025-01-06T09:00:00.250Z');
    expect(duckdb.stdout).toBe(memory.stdout);
  });
});
