// The byte path (scan.ts, byterows.ts) against papaparse's path: the same frame or the same
// problems (lines and columns included) on random files with quotes, CRLF, a byte order mark,
// blank lines, missing markers, text and mixed columns, odd times and labels, repeated times.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
const row = fc.record({ series: fc.constantFrom('a', 'b', 'c', '"q"', 'd d', 'a,b', 'x;y'), time, x: cell, y: label, note: cell, code: cell });

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

describe('a file read by two threads reads as by one', () => {
  // The worker bundle vitest's global setup builds.
  const script = fileURLToPath(new URL('../../dist/csvworker.cjs', import.meta.url));
  const both = (f: LoadResult) => ({ ...plain(f), shifts: f.ok && f.frame.lines ? [Array.from(f.frame.lines.shiftRow), Array.from(f.frame.lines.shiftLine)] : undefined });

  it('the same frame or the same problems, wherever the halves are cut (property)', async () => {
    const dir = tempDir();
    let k = 0;
    let joined = 0;
    await fc.assert(
      fc.asyncProperty(spec, fc.integer({ min: 0, max: 999 }), async (s, cut) => {
        const t = text(s);
        const path = join(dir, `d${k++}.csv`);
        writeFileSync(path, t);
        const at = Math.floor((cut / 1000) * Buffer.byteLength(t));
        const two = await loadCsv(path, { ...opts(s), parallel: { script, minBytes: 0, at, joined: (j) => (joined += +j) } });
        expect(both(two)).toEqual(both(await loadCsv(path, opts(s))));
      }),
      { numRuns: 120 },
    );
    // Some cuts fall between rows the worker reads as one reader would (with these files, columns
    // often turn to text after the cut, and the rows are read again): those are taken.
    expect(joined).toBeGreaterThan(2);
  }, 120_000);

  it("plain files: the worker's rows are taken wherever the cut falls between data rows (property)", async () => {
    const dir = tempDir();
    let k = 0;
    const plainRow = fc.record({ series: fc.constantFrom('a', 'b', 'c'), time: fc.integer({ min: 0, max: 40 }), x: fc.oneof(fc.integer({ min: -99, max: 999 }).map(String), fc.constant('')), y: fc.constantFrom('', '0', '1'), note: fc.constantFrom('', 'ok', 'a, b', 'say "hi"'), code: fc.constantFrom('E1', 'E2', '') });
    await fc.assert(
      fc.asyncProperty(fc.array(plainRow, { minLength: 2, maxLength: 40 }), fc.boolean(), fc.integer({ min: 0, max: 999 }), fc.constantFrom(undefined, 'first', 'mean'), async (rows, crlf, cut, duplicates) => {
        const eol = crlf ? '\r\n' : '\n';
        const q = (v: string) => (/[",]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
        const head = `s,t,x,y,note,code${eol}`;
        const t = head + rows.map((r) => [r.series, r.time, r.x, r.y, r.note, r.code].map((v) => q(String(v))).join(',') + eol).join('');
        const path = join(dir, `p${k++}.csv`);
        writeFileSync(path, t);
        // A cut from the header's line break to the line break before the last row.
        const from = head.length - eol.length;
        const lastRow = t.lastIndexOf(eol, t.length - eol.length - 1) + eol.length;
        const at = from + Math.floor((cut / 1000) * (lastRow - 1 - from));
        let joined: boolean | undefined;
        const o: LoadOptions = { roles: { series: 's', time: 't', label: 'y', reason: 'note' }, duplicates: duplicates as LoadOptions['duplicates'] };
        const two = await loadCsv(path, { ...o, parallel: { script, minBytes: 0, at, joined: (j) => (joined = j) } });
        expect(both(two)).toEqual(both(await loadCsv(path, o)));
        expect(joined).toBe(true);
      }),
      { numRuns: 50 },
    );
  }, 120_000);

  it('a bad cell on either side of the cut: its line and column, the rows of both halves taken', async () => {
    const dir = tempDir();
    const rows = ['s,t,x,y,note'];
    for (let i = 0; i < 2000; i++) rows.push(`S${(i / 20) | 0},${i % 20},${i % 7},${i % 20 === 19 ? 1 : ''},${i % 9 ? '' : '"a, b"'}`);
    const clean = rows.join('\r\n') + '\r\n';
    // The cut: the line break before S50's first row.
    const cut = clean.indexOf('\r\nS50,0,') + 1;
    for (const [name, t, bad] of [
      ['after the cut', clean.replace('\r\nS50,0,', '\r\nS50,zero,'), 'zero'],
      ['before the cut', clean.replace('\r\nS49,19,', '\r\nS49,late,'), 'late'],
      ['both', clean.replace('\r\nS50,0,', '\r\nS50,zero,').replace('\r\nS49,19,', '\r\nS49,late,'), 'late'],
    ] as const) {
      const path = join(dir, `${name}.csv`);
      writeFileSync(path, t);
      let joined = false;
      const two = await loadCsv(path, { roles: { series: 's', time: 't', label: 'y', reason: 'note' }, parallel: { script, minBytes: 0, at: cut, joined: (j) => (joined = j) } });
      expect(joined, name).toBe(true);
      const one = await loadCsv(path, { roles: { series: 's', time: 't', label: 'y', reason: 'note' } });
      expect(both(two), name).toEqual(both(one));
      const at = t.indexOf(`,${bad},`);
      const line = t.slice(0, at).split('\r\n').length;
      expect(two.ok ? undefined : two.error, name).toMatchObject({ code: 'bad-time', line, column: at - t.lastIndexOf('\r\n', at) });
      expect(two.ok ? 0 : (two.error.total ?? two.error.problems!.length), name).toBe(name === 'both' ? 2 : 1);
    }
  });

  it('a file past maxBytes is read by this thread alone', async () => {
    const dir = tempDir();
    const t = 's,t,x\n' + Array.from({ length: 400 }, (_, i) => `S${i >> 4},${i & 15},${i}`).join('\n') + '\n';
    const path = join(dir, 'big.csv');
    writeFileSync(path, t);
    const calls: boolean[] = [];
    const roles = { series: 's', time: 't' };
    const over = await loadCsv(path, { roles, parallel: { script, minBytes: 0, maxBytes: t.length - 1, joined: (j) => calls.push(j) } });
    expect(calls).toEqual([]);
    const within = await loadCsv(path, { roles, parallel: { script, minBytes: 0, maxBytes: t.length, joined: (j) => calls.push(j) } });
    expect(calls).toEqual([true]);
    expect(both(over)).toEqual(both(within));
  });

  it('a cut inside a quoted field spanning lines: this thread reads on, the same frame', async () => {
    const dir = tempDir();
    const t = 's,t,x,note\na,1,1,"one\ntwo\nthree"\na,2,2,\nb,1,3,"x\ny"\n';
    const path = join(dir, 'q.csv');
    writeFileSync(path, t);
    let joined: boolean | undefined;
    const two = await loadCsv(path, { roles: { series: 's', time: 't', reason: 'note' }, parallel: { script, minBytes: 0, at: t.indexOf('two'), joined: (j) => (joined = j) } });
    expect(joined).toBe(false);
    expect(both(two)).toEqual(both(await loadCsv(path, { roles: { series: 's', time: 't', reason: 'note' } })));
  });
});
