// CSV loading: broken files give errors naming file, line and column with a hint; the rest loads.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { check } from '../../grammar/src/check';
import { parse } from '../../grammar/src/parse';
import { isMissingCell, loadCsv, loadCsvText, type LoadResult, type Roles } from '../../server/src/engine/csv';
import { formatTime, schemaOf, type Frame } from '../../server/src/engine/frame';
import { analyzeWith, tempDir } from './helpers';

const roles: Roles = { series: 's', time: 't', label: 'y' };

function load(text: string, r: Roles = roles): LoadResult {
  return loadCsvText(text, 'data.csv', { roles: r });
}

function ok(text: string, r: Roles = roles): Frame {
  const res = load(text, r);
  if (!res.ok) throw new Error(`expected to load: ${res.error.message}`);
  return res.frame;
}

function error(text: string, r: Roles = roles) {
  const res = load(text, r);
  if (res.ok) throw new Error('expected an error');
  return res.error;
}

const col = (f: Frame, name: string) => Array.from(f.columns.get(name)!);

describe('broken files', () => {
  it('a column named in the dataset block but not in the header', () => {
    const e = error('s,time,x,y\na,1,2,0\n');
    expect(e).toMatchObject({ code: 'missing-column', file: 'data.csv', line: 1, column: 1 });
    expect(e.message).toContain('`t`');
    expect(e.message).toContain('(s, time, x, y)');
    expect(e.message).toContain('Name an existing column in the dataset block');
  });

  it('a non-numeric cell makes its column a category column, and says where', () => {
    const f = ok('s,t,x,y\na,1,2,0\na,2,abc,1\na,3,4,0\n');
    expect(f.columns.has('x')).toBe(false);
    expect(f.columnInfo.find((c) => c.name === 'x')).toEqual({ name: 'x', numeric: false, note: 'line 3 holds "abc"; 2 of 3 values are numbers', categories: ['2', 'abc', '4'] });
    expect(f.categories.get('x')).toEqual({ codes: Int32Array.from([0, 1, 2]), values: ['2', 'abc', '4'] });
    // A rule reading it gets an error carrying that place.
    const issues = check(parse('rule r when x > 1'), schemaOf(f)).issues;
    expect(issues).toHaveLength(1);
    expect(issues[0].code).toBe('non-numeric-column');
    expect(issues[0].message).toContain('line 3 holds "abc"');
  });

  it('a time repeated within a series, from text and from a file', async () => {
    const text = 's,t,x,y\na,1,2,0\nb,1,2,0\na,1,3,1\n';
    const e = error(text);
    expect(e).toMatchObject({ code: 'duplicate-time', file: 'data.csv', line: 4, column: 3 });
    expect(e.message).toContain('Series "a" has 2 rows at time "1" (lines 2 and 4)');
    expect(e.message).toContain('remove the extra rows, or merge them with `duplicates = first`');
    const path = join(tempDir(), 'dup.csv');
    writeFileSync(path, text);
    const r = await loadCsv(path, { roles });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: 'duplicate-time', file: path, line: 4, column: 3 });
  });

  it('an empty file, and a header without rows', () => {
    expect(error('')).toMatchObject({ code: 'empty-file', file: 'data.csv', line: 1, column: 1 });
    expect(error('').message).toContain('needs a header row and data rows');
    expect(error('s,t,x,y\n')).toMatchObject({ code: 'empty-file', line: 1 });
    expect(error('s,t,x,y\n').message).toContain('no data rows');
  });

  it('ragged rows: too few or too many fields', () => {
    const few = error('s,t,x,y\na,1,2,0\na,2,3\n');
    expect(few).toMatchObject({ code: 'bad-row', line: 3, column: 5 });
    expect(few.message).toContain('3 fields but the header has 4');
    expect(few.message).toContain('unquoted comma');
    const many = error('s,t,x,y\na,1,2,0\na,2,3,1,5\n');
    expect(many).toMatchObject({ code: 'bad-row', line: 3 });
    expect(many.message).toContain('5 fields but the header has 4');
  });

  it('times that are not times', () => {
    expect(error('s,t,x,y\na,2025-01-13,1,0\na,2025-13-06,2,0\n')).toMatchObject({ code: 'bad-time', line: 3, column: 3 });
    expect(error('s,t,x,y\na,2025-02-27,1,0\na,2025-02-30,2,0\n')).toMatchObject({ code: 'bad-time', line: 3, column: 3 });
    const mixed = error('s,t,x,y\na,1,1,0\na,2025-01-06,2,0\n');
    expect(mixed).toMatchObject({ code: 'bad-time', line: 3, column: 3 });
    expect(mixed.message).toContain('expected a number, like the rows above it');
    const empty = error('s,t,x,y\na,1,1,0\na,,2,0\n');
    expect(empty).toMatchObject({ code: 'bad-time', line: 3, column: 3 });
    expect(empty.message).toContain('Every row needs a time');
  });

  it('labels other than 1, 0, true, false or blank', () => {
    const e = error('s,t,x,y\na,1,1,0\na,2,2,yes\n');
    expect(e).toMatchObject({ code: 'bad-label', line: 3, column: 7 });
    expect(e.message).toContain('use 1 for an anomaly, 0 for normal, or leave it blank');
  });

  it('the column of a quoted field with a comma and of later lines is right', () => {
    const e = error('s,t,x,y\n"a,b",1,1,0\n"a,b",2,2,maybe\n');
    expect(e).toMatchObject({ code: 'bad-label', line: 3, column: 11 });
  });

  it('a missing file, with the hint that the path is relative to the .arl file', async () => {
    const r = await loadCsv(join(tempDir(), 'nope.csv'), { roles });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('file-missing');
      expect(r.error.message).toContain('relative to the .arl file');
    }
  });

  it('errors reach the .arl file: on the setting, or as file:line:col', async () => {
    const missing = await analyzeWith('sku,t,x\na,1,2\n', 'dataset "data.csv" { series = s\n time = t }\nrule r when x > 1\n');
    const m = missing.issues.find((i) => i.code === 'missing-column')!;
    expect(missing.parse.text.slice(m.start, m.end)).toBe('s');
    const dup = await analyzeWith('s,t,x\na,1,2\na,1,3\n', 'dataset "data.csv" { series = s\n time = t }\nrule r when x > 1\n');
    const d = dup.issues.find((i) => i.code === 'dataset-error')!;
    expect(d.message).toMatch(/data\.csv:3:3: Series "a" has 2 rows at time "1" \(lines 2 and 3\)/);
    expect(dup.parse.text.slice(d.start, d.end)).toBe('"data.csv"');
  });
});

describe('what loads', () => {
  it('blank cells and the usual spellings of "no value" are missing', () => {
    for (const cell of ['', ' ', 'NA', 'na', 'n/a', 'N/A', 'NaN', 'nan', 'null', 'NULL', 'None', '-', ' NA ']) expect(isMissingCell(cell), cell).toBe(true);
    for (const cell of ['0', 'x', 'missing', '--', 'nil']) expect(isMissingCell(cell), cell).toBe(false);
    const f = ok('s,t,x,y\na,1,NA,0\na,2,,1\na,3,nan,\na,4,-,\na,5,null,\na,6,N/A,0\na,7, 7 ,0\na,8,-2.5e1,0\n');
    expect(col(f, 'x')).toEqual([NaN, NaN, NaN, NaN, NaN, NaN, 7, -25]);
    expect(Array.from(f.label!)).toEqual([0, 1, NaN, NaN, NaN, 0, 0, 0]);
    // A cell of spaces is blank, not 0.
    expect(col(ok('s,t,x,y\na,1, ,0\na,2,   ,0\na,3, 3 ,0\n'), 'x')).toEqual([NaN, NaN, 3]);
  });

  it('labels: 1 / 0, true / false, blank', () => {
    const f = ok('s,t,x,y\na,1,1,1\na,2,1,0\na,3,1,true\na,4,1,FALSE\na,5,1,\na,6,1,1.0\n');
    expect(Array.from(f.label!)).toEqual([1, 0, 1, 0, NaN, 1]);
    // The label column is valid for the checker whatever its spelling.
    const issues = check(parse('dataset "d.csv" { series = s  time = t  label = y }\nrule r when x > 0'), schemaOf(f)).issues;
    expect(issues).toEqual([]);
  });

  it('unsorted rows are sorted by time within each series; series keep their order of appearance', () => {
    const f = ok('s,t,x,y\nb,3,30,0\na,2,2,0\nb,1,10,\na,1,1,1\nb,2,20,0\n');
    expect(f.seriesIds).toEqual(['b', 'a']);
    expect(Array.from(f.seriesStart)).toEqual([0, 3, 5]);
    expect(Array.from(f.seriesOf)).toEqual([0, 0, 0, 1, 1]);
    expect(Array.from(f.time)).toEqual([1, 2, 3, 1, 2]);
    expect(col(f, 'x')).toEqual([10, 20, 30, 1, 2]);
    expect(Array.from(f.label!)).toEqual([NaN, 0, 0, 1, 0]);
    // Each point knows the line it came from.
    expect(Array.from({ length: f.length }, (_, i) => f.lineOf(i))).toEqual([4, 6, 2, 5, 3]);
  });

  it('ISO dates and date-times are times (UTC unless a zone is given)', () => {
    const f = ok('s,t,x,y\na,2025-01-13,1,0\na,2025-01-06,2,0\na,2025-01-06T12:00:00Z,3,0\na,2025-01-07 01:30+02:00,4,0\n');
    expect(f.timeKind).toBe('date');
    expect(Array.from(f.time)).toEqual([
      Date.UTC(2025, 0, 6),
      Date.UTC(2025, 0, 6, 12),
      Date.UTC(2025, 0, 6, 23, 30),
      Date.UTC(2025, 0, 13),
    ]);
    expect(col(f, 'x')).toEqual([2, 3, 4, 1]);
  });

  it('times are written in one form: ISO date-times in UTC, with milliseconds when any time has them', () => {
    const f = ok('s,t,x,y\na,2013-12-16,1,0\na,2013-12-16T00:05:00Z,2,0\n');
    expect(Array.from(f.time, (t) => formatTime(f, t))).toEqual(['2013-12-16T00:00:00Z', '2013-12-16T00:05:00Z']);
    const ms = ok('s,t,x,y\na,2013-12-16,1,0\na,2013-12-16T00:05:00.25Z,2,0\n');
    expect(Array.from(ms.time, (t) => formatTime(ms, t))).toEqual(['2013-12-16T00:00:00.000Z', '2013-12-16T00:05:00.250Z']);
    const n = ok('s,t,x,y\na,1.5,1,0\na,10,2,0\n');
    expect(Array.from(n.time, (t) => formatTime(n, t))).toEqual(['1.5', '10']);
  });

  it('numbers are times too, and then the time column can be read by rules', () => {
    const f = ok('s,t,x,y\na,10,1,0\na,2.5,2,0\na,-1,3,0\n');
    expect(f.timeKind).toBe('number');
    expect(Array.from(f.time)).toEqual([-1, 2.5, 10]);
    expect(col(f, 't')).toEqual([-1, 2.5, 10]);
  });

  it('without series and time columns: one series named after the file, in row order', () => {
    const f = ok('x,z\n1,2\n3,4\n', {});
    expect(f.seriesIds).toEqual(['data']);
    expect(f.timeKind).toBe('row');
    expect(Array.from(f.time)).toEqual([0, 1]);
    expect(f.label).toBeUndefined();
  });

  it('blank lines are skipped, and lines are still counted right', () => {
    const f = ok('s,t,x,y\na,1,2,0\n\na,2,3,1\n\n');
    expect(col(f, 'x')).toEqual([2, 3]);
    expect([f.lineOf(0), f.lineOf(1)]).toEqual([2, 4]);
    const e = error('s,t,x,y\n\na,1,2,0\n\na,2,3,oops\n');
    expect(e).toMatchObject({ code: 'bad-label', line: 5, column: 7 });
  });

  it('a field spanning lines does not shift the lines after it', () => {
    const f = ok('s,t,x,y,why\na,1,2,0,"two\nlines"\na,2,3,1,one\n', { ...roles, reason: 'why' });
    expect([f.lineOf(0), f.lineOf(1)]).toEqual([2, 4]);
    expect(f.text.get('why')).toEqual(['two\nlines', 'one']);
  });

  it('\\r\\n line ends, a semicolon delimiter, a byte order mark, duplicate header names', () => {
    expect(col(ok('s,t,x,y\r\na,1,2,0\r\na,2,3,1\r\n'), 'x')).toEqual([2, 3]);
    expect(col(ok('s;t;x;y\na;1;2.5;0\na;2;3;1\n'), 'x')).toEqual([2.5, 3]);
    expect(ok('\uFEFFs,t,x,y\na,1,2,0\n').seriesIds).toEqual(['a']);
    const f = ok('s,t,x,x,y\na,1,2,3,0\n');
    expect(f.columnInfo.map((c) => c.name)).toEqual(['s', 't', 'x', 'x_4', 'y']);
  });

  it('hex, Infinity and the like are not numbers', () => {
    const f = ok('s,t,x,y\na,1,0x10,0\n');
    expect(f.columnInfo.find((c) => c.name === 'x')!.numeric).toBe(false);
    expect(ok('s,t,x,y\na,1,Infinity,0\n').columnInfo.find((c) => c.name === 'x')!.numeric).toBe(false);
    expect(ok('s,t,x,y\na,1, 0x10,0\n').columnInfo.find((c) => c.name === 'x')!.numeric).toBe(false);
  });

  it('a column of numbers that meets text is a category column holding the numbers as written', async () => {
    const text = 's,t,code,y,why\na,1,007,0,"two\nlines"\n\na,2,1.50,0,x\na,3, NA ,0,x\na,4,E11,1,x\nb,1,007,0,x\n';
    const roles5 = { ...roles, reason: 'why' };
    const expected = { codes: Int32Array.from([0, 1, -1, 2, 0]), values: ['007', '1.50', 'E11'] };
    expect(ok(text, roles5).categories.get('code')).toEqual(expected);
    const info = ok(text, roles5).columnInfo.find((c) => c.name === 'code');
    expect(info).toEqual({ name: 'code', numeric: false, note: 'line 7 holds "E11"; 3 of 4 values are numbers', categories: ['007', '1.50', 'E11'] });
    const path = join(tempDir(), 'mixed.csv');
    writeFileSync(path, text);
    const r = await loadCsv(path, { roles: roles5 });
    expect(r.ok && r.frame.categories.get('code')).toEqual(expected);
  });

  it('numbers read again from a file of several chunks when text comes late', async () => {
    const rows = ['s,t,code,y'];
    for (let i = 0; i < 150_000; i++) rows.push(`a,${i},${i % 7 === 0 ? '07' : '1'},0`);
    rows.push('a,150000,E11,1');
    const path = join(tempDir(), 'late.csv');
    writeFileSync(path, rows.join('\n') + '\n');
    const r = await loadCsv(path, { roles });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const c = r.frame.categories.get('code')!;
    expect(c.values).toEqual(['07', '1', 'E11']);
    expect(c.codes[0]).toBe(0);
    expect(c.codes[1]).toBe(1);
    expect(c.codes[149_996]).toBe(0);
    expect(c.codes[150_000]).toBe(2);
  });

  it('a text column: codes in first-seen order, values most frequent first in the column info', () => {
    const f = ok('s,t,ev,y\na,1,E5,0\na,2,E22,0\na,3,E22,1\na,4,,0\nb,1,E22,0\n');
    expect(f.categories.get('ev')).toEqual({ codes: Int32Array.from([0, 1, 1, -1, 1]), values: ['E5', 'E22'] });
    expect(f.columnInfo.find((c) => c.name === 'ev')).toEqual({ name: 'ev', numeric: false, categories: ['E22', 'E5'] });
  });

  it('a file on disk loads like the same text', async () => {
    const text = 's,t,x,y\nb,2,5,1\nb,1,4,0\na,1,,0\n';
    const path = join(tempDir(), 'd.csv');
    writeFileSync(path, text);
    const r = await loadCsv(path, { roles });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const f = ok(text);
    expect(r.frame.seriesIds).toEqual(f.seriesIds);
    expect(col(r.frame, 'x')).toEqual(col(f, 'x'));
    expect(Array.from(r.frame.label!)).toEqual(Array.from(f.label!));
    expect(Array.from({ length: 3 }, (_, i) => r.frame.lineOf(i))).toEqual([3, 2, 4]);
  });
});
