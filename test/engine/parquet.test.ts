// Parquet datasets: the same frame as a CSV file with the same content (roles, categories,
// duplicates, splits, times), the same problems placed at row and column, several row groups,
// nested columns listed, a broken file a clear error; end to end through a rule file.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../server/src/engine/analyze';
import { loadCsvText, type LoadOptions, type LoadResult } from '../../server/src/engine/csv';
import type { Frame } from '../../server/src/engine/frame';
import { loadParquet } from '../../server/src/engine/parquet';
import { DatasetStore } from '../../server/src/engine/store';
import { plainFrame } from '../support/frame';
import { tempDir } from '../support/tmp';

type Column = Parameters<typeof parquetWriteBuffer>[0]['columnData'][number];

function writeParquet(columns: Column[], opts: { rowGroupSize?: number } = {}): string {
  const path = join(tempDir('arl-parquet-'), 'data.parquet');
  writeFileSync(path, Buffer.from(parquetWriteBuffer({ columnData: columns, ...opts })));
  return path;
}

/** A frame's values (lines aside: Parquet counts rows, CSV lines). */
function plain(f: Frame) {
  const { lines: _lines, ...values } = plainFrame(f);
  return values;
}

function ok(r: LoadResult): Frame {
  if (!r.ok) throw new Error(r.error.message);
  return r.frame;
}

const roles: LoadOptions['roles'] = { series: 's', time: 't', label: 'y', reason: 'why', split: 'part' };
const day = (d: number) => new Date(Date.UTC(2025, 0, d));

// The same table as Parquet columns and as CSV text: unsorted, a repeated time, blanks.
const s = ['b', 'a', 'b', 'a', 'a', 'c'];
const t = [13, 6, 6, 13, 13, 6];
const x = [5.5, 1, null, 2, 3, -0.25];
const units = [7, 0, 3, 9, 8, 1];
const kind = ['E1', 'E2', 'E1', null, 'E2', 'E3'];
const y = [1, 0, 0, 1, null, 0];
const why = ['high, rising', null, null, 'spike', null, null];
const part = ['test', 'train', null, 'validation', null, 'train'];

function parquetTable(): Column[] {
  return [
    { name: 's', data: s, type: 'STRING' },
    { name: 't', data: t.map(day), type: 'TIMESTAMP' },
    { name: 'x', data: x, type: 'DOUBLE' },
    { name: 'units', data: units, type: 'INT32' },
    { name: 'kind', data: kind, type: 'STRING' },
    { name: 'y', data: y, type: 'INT32' },
    { name: 'why', data: why, type: 'STRING' },
    { name: 'part', data: part, type: 'STRING' },
  ];
}

function csvTable(): string {
  const q = (v: string | null) => (v === null ? '' : v.includes(',') ? `"${v}"` : v);
  const rows = s.map((_, i) => [s[i], day(t[i]).toISOString(), x[i] ?? '', units[i], q(kind[i]), y[i] ?? '', q(why[i]), q(part[i])].join(','));
  return ['s,t,x,units,kind,y,why,part', ...rows].join('\n') + '\n';
}

describe('Parquet datasets', () => {
  it('give the frame a CSV file with the same content gives, whatever the row groups', async () => {
    const csv = plain(ok(loadCsvText(csvTable(), 'data.csv', { roles, duplicates: 'mean' })));
    for (const rowGroupSize of [1000, 2, 1]) {
      const f = ok(await loadParquet(writeParquet(parquetTable(), { rowGroupSize }), { roles, duplicates: 'mean' }));
      expect(plain(f), `row groups of ${rowGroupSize}`).toEqual(csv);
    }
  });

  it('report repeated times and bad cells at their row and column', async () => {
    const dup = await loadParquet(writeParquet(parquetTable()), { roles });
    expect(dup.ok).toBe(false);
    if (!dup.ok) {
      expect(dup.error).toMatchObject({ code: 'duplicate-time', line: 5, column: 2 });
      expect(dup.error.message).toContain('Series "a" has 2 rows at time "2025-01-13T00:00:00Z" (lines 4 and 5)');
    }
    const labels = parquetTable().map((c) => (c.name === 'y' ? { name: 'y', data: ['1', '0', 'maybe', '1', '', '0'], type: 'STRING' as const } : c));
    const bad = await loadParquet(writeParquet(labels, { rowGroupSize: 2 }), { roles, duplicates: 'first' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.error).toMatchObject({ code: 'bad-label', line: 3, column: 6 });
      expect(bad.error.message).toMatch(/^"maybe" is not a label/);
    }
    const missing = await loadParquet(writeParquet(parquetTable()), { roles: { series: 'sku' } });
    expect(missing.ok || missing.error.code).toBe('missing-column');
  });

  it('booleans are 1 and 0, integers numbers, nested columns listed as columns rules cannot read', async () => {
    const path = join(tempDir('arl-parquet-'), 'typed.parquet');
    const buf = parquetWriteBuffer({
      columnData: [
        { name: 's', data: ['a', 'a', 'a'] },
        { name: 't', data: [1, 2, 3] },
        { name: 'flag', data: [true, false, null] },
        { name: 'big', data: [1n, 2n, 3n] },
        { name: 'tags', data: [['x'], [], ['y', 'z']] },
      ],
      schema: [
        { name: 'root', num_children: 5 },
        { name: 's', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
        { name: 't', type: 'INT32', repetition_type: 'REQUIRED' },
        { name: 'flag', type: 'BOOLEAN', repetition_type: 'OPTIONAL' },
        { name: 'big', type: 'INT64', repetition_type: 'REQUIRED' },
        { name: 'tags', repetition_type: 'OPTIONAL', num_children: 1, converted_type: 'LIST' },
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        { name: 'element', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
      ],
    });
    writeFileSync(path, Buffer.from(buf));
    const f = ok(await loadParquet(path, { roles: { series: 's', time: 't' } }));
    expect(f.timeKind).toBe('number');
    expect(Array.from(f.columns.get('flag')!)).toEqual([1, 0, NaN]);
    expect(Array.from(f.columns.get('big')!)).toEqual([1, 2, 3]);
    expect(f.columnInfo.find((c) => c.name === 'tags')).toEqual({ name: 'tags', numeric: false, note: expect.stringMatching(/nested Parquet column/) });
  });

  it('a file that is not Parquet, or is cut short, is a clear error', async () => {
    const dir = tempDir('arl-parquet-');
    const fake = join(dir, 'fake.parquet');
    writeFileSync(fake, 's,t\na,1\n');
    const r = await loadParquet(fake, { roles: { series: 's' } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/could not be read as Parquet \(.*\)\. Check that it is a whole Parquet file\.$/);
    const whole = Buffer.from(parquetWriteBuffer({ columnData: parquetTable() }));
    const cut = join(dir, 'cut.parquet');
    writeFileSync(cut, whole.subarray(0, whole.length - 30));
    const c = await loadParquet(cut, { roles });
    expect(c.ok).toBe(false);
  });

  it('end to end: a rule file naming a .parquet file is scored as its CSV twin, and the frame cache works for it', async () => {
    const path = writeParquet(parquetTable());
    const dir = join(path, '..');
    writeFileSync(join(dir, 'data.csv'), csvTable());
    const rules = (file: string) => `dataset "${file}" {\n    series = s\n    time = t\n    label = y\n    reason = why\n    split = column part\n    duplicates = mean\n}\nrule r when x > 1 and units >= 3\n`;
    const store = new DatasetStore();
    const fromCsv = await analyze(rules('data.csv'), join(dir, 'c.arl'), { store });
    const fromParquet = await analyze(rules('data.parquet'), join(dir, 'p.arl'), { store, cacheRoot: dir });
    expect(fromParquet.issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(fromParquet.scores('all')).toEqual(fromCsv.scores('all'));
    const again = await analyze(rules('data.parquet'), join(dir, 'p.arl'), { store: new DatasetStore(), cacheRoot: dir });
    expect(again.data?.cache).toBe('read');
    expect(again.scores('all')).toEqual(fromCsv.scores('all'));
  });
});
