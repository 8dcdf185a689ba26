// The byte path (scan.ts, byterows.ts) against papaparse's path: the same frame or the same
// problems (lines and columns included) on random files with quotes, CRLF, a byte order mark,
// blank lines, missing markers, text and mixed columns, odd times and labels, repeated times.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadCsv, loadCsvText, type LoadOptions, type LoadResult } from '../../server/src/engine/csv';
import { numberBytes } from '../../server/src/engine/byterows';
import { parseNumber } from '../../server/src/engine/time';
import { plainFrame } from '../support/frame';
import { tempDir } from '../support/tmp';

/** Everything a frame holds, in plain values (NaN kept: toEqual treats NaN as equal). */
function plain(r: LoadResult) {
  return r.ok ? plainFrame(r.frame) : { error: r.error };
}

const cell = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -999, max: 9999 }).map(String) },
  { weight: 3, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((x) => String(Math.round(x * 1000) / 1000)) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', 'NA', 'n/a', '-', 'null', 'NaN', '1e5', '-2.5E-3', '.5', '5.', '+7', '007', '0x10', 'Infinity', '1e400', '12345678901234567890', '-0', ' 3 ') },
  { weight: 1, arbitrary: fc.constantFrom('abc', 'E11', 'a,b', 'say "hi"', 'two\nlines', 'cr\rhere', 'end\r', 'é', '\u00a0', 'x"y') },
);
const time = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 30 }) },
  { weight: 1, arbitrary: fc.constantFrom('2025-01-06', '2025-02-30', '2025-01-06T12:00:00Z', 'soon', '', ' 4', '1e1') },
);
const label = fc.constantFrom('', '0', '1', '1', '0', 'true', 'FALSE', '1.0', 'maybe', ' 1');
const row = fc.record({ series: fc.constantFrom('a', 'b', 'c', '"q"', 'd d'), time, x: cell, y: label, note: cell, code: cell });

const spec = fc.record({
  rows: fc.array(row, { minLength: 0, maxLength: 25 }),
  crlf: fc.boolean(),
  bom: fc.boolean(),
  blanks: fc.array(fc.nat(), { maxLength: 3 }),
  quoteAll: fc.boolean(),
  dates: fc.boolean(),
  trailing: fc.boolean(),
  delimiter: fc.constantFrom(',', ',', ';', '\t'),
  // Cells left unquoted where a careful writer would quote: a `\r` or a quote inside a cell.
  raw: fc.boolean(),
  // Rows ending with the other line break now and then.
  mixed: fc.array(fc.nat(), { maxLength: 3 }),
  duplicates: fc.constantFrom(undefined, 'first', 'last', 'mean', 'max'),
});

type Spec = typeof spec extends fc.Arbitrary<infer T> ? T : never;

function field(v: string, s: Spec): string {
  const needs = v.includes(s.delimiter) || v.includes('\n') || (!s.raw && (v.includes('"') || v.includes('\r')));
  return s.quoteAll || needs ? `"${v.replace(/"/g, '""')}"` : v;
}

function text(s: Spec): string {
  const eol = s.crlf ? '\r\n' : '\n';
  const lines = [['s', 't', 'x', 'y', 'note', 'code'].join(s.delimiter)];
  s.rows.forEach((r, i) => {
    if (s.blanks.some((b) => b % Math.max(1, s.rows.length) === i)) lines.push('');
    const t = s.dates && typeof r.time === 'number' ? `2025-01-${String(1 + r.time).padStart(2, '0')}` : String(r.time);
    lines.push([r.series, t, r.x, r.y, r.note, r.code].map((v) => field(v, s)).join(s.delimiter));
  });
  const other = s.crlf ? '\n' : '\r\n';
  const n = Math.max(1, lines.length);
  const body = lines.map((l, i) => l + (i === lines.length - 1 ? '' : s.mixed.some((m) => m % n === i) ? other : eol)).join('');
  return (s.bom ? '\uFEFF' : '') + body + (s.trailing ? eol : '');
}

const opts = (s: Spec): LoadOptions => ({ roles: { series: 's', time: 't', label: 'y', reason: 'note' }, duplicates: s.duplicates as LoadOptions['duplicates'] });

describe('the byte path reads as papaparse does', () => {
  it('the same frame or the same problems, from text (property)', () => {
    fc.assert(
      fc.property(spec, (s) => {
        const t = text(s);
        expect(plain(loadCsvText(t, 'data.csv', opts(s)))).toEqual(plain(loadCsvText(t, 'data.csv', { ...opts(s), reader: 'papaparse' })));
      }),
      { numRuns: 400 },
    );
  });

  it('the same from files (property)', async () => {
    const dir = tempDir();
    let k = 0;
    await fc.assert(
      fc.asyncProperty(spec, async (s) => {
        const path = join(dir, `d${k++}.csv`);
        writeFileSync(path, text(s));
        expect(plain(await loadCsv(path, opts(s)))).toEqual(plain(await loadCsv(path, { ...opts(s), reader: 'papaparse' })));
      }),
      { numRuns: 80 },
    );
  });

  it('files of many chunks: rows across chunk ends, quoted fields spanning lines, a bad cell near the end', async () => {
    const dir = tempDir();
    const rows = ['s,t,x,y,note'];
    // About 20 MB: the loader reads 8 MB at a time.
    for (let i = 0; i < 200_000; i++) {
      const note = i % 997 === 0 ? '"a ""quoted"" note,\nover two lines"' : i % 13 === 0 ? '"x, y"' : i % 2 ? 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod' : '';
      rows.push(`S${(i / 50) | 0},${i % 50},${((i * 7) % 1000) / 10},${i % 50 === 49 ? 1 : ''},${note}`);
    }
    const clean = rows.join('\r\n') + '\r\n';
    for (const [name, t] of [
      ['clean', clean],
      ['bad', clean.replace(/\r\nS3998,48,([0-9.]+),,/, '\r\nS3998,48,$1,maybe,')],
    ] as const) {
      const path = join(dir, `${name}.csv`);
      writeFileSync(path, t);
      const fast = await loadCsv(path, { roles: { series: 's', time: 't', label: 'y', reason: 'note' } });
      const ref = await loadCsv(path, { roles: { series: 's', time: 't', label: 'y', reason: 'note' }, reader: 'papaparse' });
      // Compared as JSON: toEqual on arrays this long takes minutes.
      expect(JSON.stringify(plain(fast)) === JSON.stringify(plain(ref)), name).toBe(true);
      expect(fast.ok).toBe(name === 'clean');
      if (!fast.ok) {
        const at = t.indexOf('\r\nS3998,48,') + 2;
        const line = t.slice(0, at).split(/\r\n|\r|\n/).length;
        const column = t.indexOf('maybe', at) - at + 1;
        expect(fast.error).toMatchObject({ code: 'bad-label', line, column });
      }
    }
  });
});

describe('numbers from bytes', () => {
  it('equal Number() wherever the byte path decides (property)', () => {
    const digits = fc.stringMatching(/^[+-]?[0-9]{0,18}(\.[0-9]{0,18})?([eE][+-]?[0-9]{1,3})?$/);
    fc.assert(
      fc.property(fc.oneof(digits, fc.string({ maxLength: 12 })), (s) => {
        const b = Buffer.from(s);
        const v = numberBytes(b, 0, b.length);
        if (v === v) expect(Object.is(v, parseNumber(s))).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });
});
