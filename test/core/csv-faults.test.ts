// CSV fault cases as properties: a random valid table, written with random line ends, a byte
// order mark, blank lines and quoted fields, then given one fault. The file either loads with every
// row (values and lines right) or fails with the faulty row's line and a column: never fewer rows.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadCsv, loadCsvText, type LoadResult } from '../../server/src/engine/csv';
import { Locator, locateInText, type Target } from '../../server/src/engine/locate';
import { tempDir } from '../support/tmp';

type Fault = 'none' | 'stray quote' | 'short row' | 'long row' | 'bad time' | 'bad label' | 'huge cell' | 'huge header' | 'broken quote';
const faults: Fault[] = ['none', 'stray quote', 'short row', 'long row', 'bad time', 'bad label', 'huge cell', 'huge header', 'broken quote'];

interface Case {
  text: string;
  /** series|time -> x, for every data row. */
  rows: Map<string, number>;
  /** The line of each data row's start. */
  lines: Map<string, number>;
  fault: Fault;
  faultLine: number;
}

const spec = fc.record({
  series: fc.integer({ min: 1, max: 4 }),
  length: fc.integer({ min: 1, max: 12 }),
  crlf: fc.boolean(),
  bom: fc.boolean(),
  blanks: fc.array(fc.nat(), { maxLength: 3 }),
  quoteNotes: fc.boolean(),
  newlineNotes: fc.boolean(),
  fault: fc.constantFrom(...faults),
  at: fc.nat(),
});

type Spec = typeof spec extends fc.Arbitrary<infer T> ? T : never;

function build(s: Spec): Case {
  const eol = s.crlf ? '\r\n' : '\n';
  const header = s.fault === 'huge header' ? `s,t,x,y,note,${'h'.repeat(300_000)}` : 's,t,x,y,note';
  const extra = s.fault === 'huge header' ? ',' : '';
  const data: { key: string; cells: string[] }[] = [];
  for (let k = 0; k < s.series; k++) {
    for (let t = 0; t < s.length; t++) {
      const note = s.newlineNotes && t % 3 === 0 ? `two${eol}lines, "quoted"` : `n${t}`;
      const q = s.quoteNotes || note.includes('\n') ? `"${note.replace(/"/g, '""')}"` : note;
      data.push({ key: `k${k}|${t}`, cells: [`k${k}`, String(t), String(k * 100 + t), t % 5 === 4 ? '1' : '0', q] });
    }
  }
  const faulty = s.at % data.length;
  const rowText = data.map((d) => d.cells.join(',') + extra);
  const f = s.fault;
  const cells = data[faulty].cells;
  if (f === 'stray quote') rowText[faulty] = [...cells.slice(0, 2), `"${cells[2]}`, ...cells.slice(3)].join(',') + extra;
  if (f === 'short row') rowText[faulty] = cells.slice(0, 3).join(',');
  if (f === 'long row') rowText[faulty] = [...cells, 'more'].join(',') + extra + ',x';
  if (f === 'bad time') rowText[faulty] = [cells[0], 'soon', ...cells.slice(2)].join(',') + extra;
  if (f === 'bad label') rowText[faulty] = [...cells.slice(0, 3), 'maybe', cells[4]].join(',') + extra;
  if (f === 'huge cell') rowText[faulty] = [...cells.slice(0, 4), `"${'c'.repeat(300_000)}"`].join(',') + extra;
  if (f === 'broken quote') rowText[faulty] = [...cells.slice(0, 4), '"said" loudly'].join(',') + extra;
  const lines: string[] = [header];
  const rows = new Map<string, number>();
  const lineOf = new Map<string, number>();
  let faultLine = 0;
  let line = 2;
  rowText.forEach((r, i) => {
    if (s.blanks.some((b) => b % data.length === i)) {
      lines.push('');
      line++;
    }
    lines.push(r);
    rows.set(data[i].key, Number(data[i].cells[2]));
    lineOf.set(data[i].key, line);
    if (i === faulty) faultLine = line;
    line += r.split(eol).length;
  });
  return { text: (s.bom ? '\uFEFF' : '') + lines.join(eol) + eol, rows, lines: lineOf, fault: f, faultLine };
}

function checkResult(c: Case, r: LoadResult): void {
  const mustLoad = c.fault === 'none' || c.fault === 'huge cell' || c.fault === 'huge header';
  if (r.ok) {
    expect(mustLoad, `${c.fault} loaded`).toBe(true);
    const f = r.frame;
    expect(f.length).toBe(c.rows.size);
    const x = f.columns.get('x')!;
    for (let i = 0; i < f.length; i++) {
      const key = `${f.seriesIds[f.seriesOf[i]]}|${f.time[i]}`;
      expect(x[i]).toBe(c.rows.get(key));
      expect(f.lineOf(i)).toBe(c.lines.get(key));
    }
    return;
  }
  expect(mustLoad, `${c.fault}: ${r.error.message}`).toBe(false);
  expect(r.error.line).toBe(c.faultLine);
  expect(r.error.column).toBeGreaterThanOrEqual(1);
  expect(r.error.message.length).toBeLessThan(400);
}

describe('CSV fault cases', () => {
  it('in memory: every fault is a located error, every clean file loads whole', () => {
    fc.assert(
      fc.property(spec, (s) => checkResult(build(s), loadCsvText(build(s).text, 'data.csv', { roles: { series: 's', time: 't', label: 'y', reason: 'note' } }))),
      { numRuns: 300 },
    );
  });

  it('from a file: the same', async () => {
    const dir = tempDir();
    let k = 0;
    await fc.assert(
      fc.asyncProperty(spec, async (s) => {
        const c = build(s);
        const path = join(dir, `d${k++}.csv`);
        writeFileSync(path, c.text);
        const r = await loadCsv(path, { roles: { series: 's', time: 't', label: 'y', reason: 'note' } });
        checkResult(c, r.ok ? r : { ...r, error: { ...r.error } });
      }),
      { numRuns: 60 },
    );
  });
});

describe('the streamed locator', () => {
  const text = 'a,b,c\r\n1,"x\ny",3\n\n"q""q",5,6\r7,8,"open\n';

  it('places fields across line ends of every kind and quoted line breaks', () => {
    const t: Target[] = [
      { line: 1, field: 2 },
      { line: 2, field: 1 },
      { line: 2, field: 2 },
      { line: 5, field: 1 },
      { line: 6, field: 2 },
      { line: 6, field: -1 },
    ];
    expect(locateInText(text, ',', t)).toEqual([
      { line: 1, column: 5 },
      { line: 2, column: 3 },
      { line: 3, column: 4 },
      { line: 5, column: 8 },
      { line: 6, column: 5 },
      { line: 6, column: 5 },
    ]);
  });

  it('jumps through quoted fields spanning lines (no \\r in the text)', () => {
    const t = 'h1,h2\n"a\nb\n\ncc",x\n"open\n\nmore,\n';
    expect(locateInText(t, ',', [{ line: 2, field: 1 }, { line: 6, field: -1 }])).toEqual([{ line: 5, column: 5 }, { line: 6, column: 1 }]);
    // The same, one character at a time.
    const l = new Locator([{ line: 2, field: 1 }, { line: 6, field: -1 }], ',');
    for (const ch of t) l.feed(ch);
    expect(l.finish()).toEqual([{ line: 5, column: 5 }, { line: 6, column: 1 }]);
  });

  it('a field past the end of its row is placed at the row end; text after a closing quote is a broken quote', () => {
    expect(locateInText('a,b\n1,2\n', ',', [{ line: 2, field: 5 }])).toEqual([{ line: 2, column: 4 }]);
    expect(locateInText('a,b\n"x"y,2\n', ',', [{ line: 2, field: -1 }])).toEqual([{ line: 2, column: 1 }]);
    expect(locateInText('a;b\n1;2\n', ';', [{ line: 2, field: 1 }])).toEqual([{ line: 2, column: 3 }]);
  });

  it('gives the same places whatever the chunks (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: text.length }), { maxLength: 8 }), fc.array(fc.record({ line: fc.integer({ min: 1, max: 7 }), field: fc.integer({ min: -1, max: 3 }) }), { maxLength: 5 }), (cuts, targets) => {
        const whole = locateInText(text, ',', targets);
        const at = [...new Set(cuts)].sort((a, b) => a - b);
        const l = new Locator(targets, ',');
        let prev = 0;
        for (const c of [...at, text.length]) {
          l.feed(text.slice(prev, c));
          prev = c;
        }
        expect(l.finish()).toEqual(whole);
      }),
      { numRuns: 500 },
    );
  });
});
