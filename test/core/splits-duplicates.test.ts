// `split = time` and `split = column`, and the `duplicates` policies against plain references.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DuplicatePolicy } from '../../grammar/src/check';
import { loadCsvText } from '../../server/src/engine/csv';
import type { Frame } from '../../server/src/engine/frame';
import { assignSplits, seriesCuts } from '../../server/src/engine/split';
import { analyzeWith, frameOf } from './helpers';

const shares = fc.tuple(fc.integer({ min: 1, max: 98 }), fc.integer({ min: 1, max: 98 }), fc.integer({ min: 1, max: 98 })).map(([a, b, c]) => {
  const s = a + b + c;
  return [a / s, b / s, c / s] as [number, number, number];
});

const label = fc.constantFrom<number | null>(null, null, 0, 0, 1);

describe('split = time', () => {
  it('puts every series with enough labelled points in every split, in time order (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.array(label, { minLength: 1, maxLength: 30 }), { minLength: 1, maxLength: 30 }), shares, (labels, sh) => {
        const series: Record<string, { x: number[]; label: (number | null)[] }> = {};
        labels.forEach((l, s) => (series[`s${s}`] = { x: l.map(() => 1), label: l }));
        const frame = frameOf(series);
        const sp = assignSplits(frame, sh, 'time');
        expect(sp.by).toBe('series-time');
        for (let s = 0; s < frame.seriesIds.length; s++) {
          const a = frame.seriesStart[s];
          const b = frame.seriesStart[s + 1];
          const labelled: number[] = [];
          for (let i = a; i < b; i++) if (frame.label![i] === frame.label![i]) labelled.push(sp.of[i]);
          // Every split once the series has a labelled point for each.
          if (labelled.length >= 3) expect(new Set(labelled)).toEqual(new Set([0, 1, 2]));
          // The cut follows the shares of the series' own labelled points.
          const [c1, c2] = seriesCuts(labelled.length, sh);
          expect(labelled.filter((v) => v === 0)).toHaveLength(c1);
          expect(labelled.filter((v) => v === 1)).toHaveLength(c2 - c1);
          // Never back in time; unlabelled points go with the labelled point before them.
          let cur = 0;
          for (let i = a; i < b; i++) {
            if (frame.label![i] === frame.label![i]) cur = sp.of[i];
            expect(sp.of[i]).toBe(cur);
            if (i > a) expect(sp.of[i]).toBeGreaterThanOrEqual(sp.of[i - 1]);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('rounds the shares of each series, and splits of zero share stay empty', () => {
    expect(seriesCuts(10, [0.6, 0.2, 0.2])).toEqual([6, 8]);
    expect(seriesCuts(3, [0.6, 0.2, 0.2])).toEqual([1, 2]);
    expect(seriesCuts(3, [0.98, 0.01, 0.01])).toEqual([1, 2]);
    expect(seriesCuts(2, [0.6, 0.2, 0.2])).toEqual([1, 2]);
    expect(seriesCuts(0, [0.6, 0.2, 0.2])).toEqual([0, 0]);
    expect(seriesCuts(5, [0.8, 0, 0.2])).toEqual([4, 4]);
  });

  it('end to end: 25 series (which 60/20/20 would split by series) all reach validation and test', async () => {
    const rows = ['s,t,x,y'];
    for (let s = 0; s < 25; s++) for (let t = 0; t < 10; t++) rows.push(`s${s},${t},${t},${t % 3 === 0 ? 1 : 0}`);
    const csv = rows.join('\n') + '\n';
    const head = 'dataset "data.csv" {\n    series = s\n    time = t\n    label = y\n';
    const time = await analyzeWith(csv, `${head}    split = time 60/20/20\n}\nrule r when x > 5\n`);
    expect(time.issues.filter((i) => i.severity === 'error')).toEqual([]);
    for (const split of ['train', 'validation', 'test'] as const) expect(time.scores(split)!.series).toBe(25);
    expect(time.scores('validation')!.labelled).toBe(50);
    const auto = await analyzeWith(csv, `${head}}\nrule r when x > 5\n`);
    expect(auto.scores('validation')!.series).toBeLessThan(25);
  });
});

describe('split = column', () => {
  it('reads the split of each row; a blank cell goes with the row before it', async () => {
    const csv = 's,t,x,y,fold\na,1,1,0,train\na,2,2,1,\na,3,3,0,Validation\na,4,4,1,test\nb,1,1,0,\nb,2,2,1,test\n';
    const a = await analyzeWith(csv, 'dataset "data.csv" {\n    series = s\n    time = t\n    label = y\n    split = column fold\n}\nrule r when x > 1\n');
    expect(a.issues.filter((i) => i.severity === 'error')).toEqual([]);
    const sp = a.data!.scoring(a.shares).splits;
    expect(sp.by).toBe('column');
    expect(Array.from(sp.of)).toEqual([0, 0, 1, 2, 0, 2]);
    expect(a.scores('test')!.labelled).toBe(2);
    // The split column is not a category column for rules.
    expect(a.data!.frame.categories.has('fold')).toBe(false);
  });

  it('other values are errors naming the value and its place', async () => {
    const a = await analyzeWith('s,t,x,y,fold\na,1,1,0,train\na,2,2,1,holdout\n', 'dataset "data.csv" {\n    series = s\n    time = t\n    label = y\n    split = column fold\n}\nrule r when x > 1\n');
    expect(a.data).toBeUndefined();
    const e = a.issues.find((i) => i.code === 'dataset-error')!;
    expect(e.message).toMatch(/data\.csv:3:9: "holdout" is not a split: the split column `fold` holds train, validation or test/);
  });
});

// Duplicates: a reference aggregation over the rows of each (series, time), in file order.
interface Row {
  s: string;
  t: number;
  x: number | null;
  y: number | null;
  c: string | null;
}

const row = fc.record({
  s: fc.constantFrom('a', 'b', 'c'),
  t: fc.integer({ min: 0, max: 4 }),
  x: fc.option(fc.integer({ min: -50, max: 50 }), { nil: null }),
  y: fc.option(fc.constantFrom(0, 1), { nil: null }),
  c: fc.option(fc.constantFrom('red', 'green', ' blue '), { nil: null }),
});

function reference(rows: Row[], policy: Exclude<DuplicatePolicy, 'error'>) {
  const groups = new Map<string, { rows: Row[]; lines: number[] }>();
  const order: string[] = [];
  rows.forEach((r, i) => {
    const k = `${r.s}|${r.t}`;
    if (!groups.has(k)) groups.set(k, { rows: [], lines: [] }), order.push(k);
    groups.get(k)!.rows.push(r);
    groups.get(k)!.lines.push(i + 2);
  });
  const out = new Map<string, { x: number; y: number; c: string | null; line: number }>();
  for (const [k, g] of groups) {
    const pick = policy === 'last' ? g.rows.length - 1 : 0;
    const present = g.rows.map((r) => r.x).filter((v): v is number => v !== null);
    let x = g.rows[pick].x ?? NaN;
    if (policy === 'mean') x = present.length ? present.reduce((a, b) => a + b, 0) / present.length : NaN;
    if (policy === 'max') x = present.length ? Math.max(...present) : NaN;
    const ys = g.rows.map((r) => r.y).filter((v): v is number => v !== null);
    const y = policy === 'first' || policy === 'last' ? (g.rows[pick].y ?? NaN) : ys.length ? Math.max(...ys) : NaN;
    const c = policy === 'first' || policy === 'last' ? g.rows[pick].c : (g.rows.find((r) => r.c !== null)?.c ?? null);
    out.set(k, { x, y, c: c?.trim() ?? null, line: g.lines[policy === 'last' ? g.lines.length - 1 : 0] });
  }
  return out;
}

function points(f: Frame) {
  const out = new Map<string, { x: number; y: number; c: string | null; line: number }>();
  const x = f.columns.get('x')!;
  const cat = f.categories.get('c');
  for (let i = 0; i < f.length; i++) {
    const code = cat ? cat.codes[i] : -1;
    out.set(`${f.seriesIds[f.seriesOf[i]]}|${f.time[i]}`, { x: x[i], y: f.label![i], c: code < 0 ? null : cat!.values[code], line: f.lineOf(i) });
  }
  return out;
}

describe('duplicates', () => {
  it('first, last, mean and max match a reference aggregation (property)', () => {
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 30 }), fc.constantFrom('first', 'last', 'mean', 'max') as fc.Arbitrary<Exclude<DuplicatePolicy, 'error'>>, (rows, policy) => {
        // Some category cell must be text, or the column is a number column (all missing).
        rows[0].c = 'red';
        const csv = 's,t,x,y,c\n' + rows.map((r) => [r.s, r.t, r.x ?? '', r.y ?? '', r.c ?? ''].join(',')).join('\n') + '\n';
        const r = loadCsvText(csv, 'd.csv', { roles: { series: 's', time: 't', label: 'y' }, duplicates: policy });
        if (!r.ok) throw new Error(r.error.message);
        expect(points(r.frame)).toEqual(reference(rows, policy));
        // Points stay grouped by series and sorted by time.
        const f = r.frame;
        for (let s = 0; s < f.seriesIds.length; s++) for (let i = f.seriesStart[s] + 1; i < f.seriesStart[s + 1]; i++) expect(f.time[i]).toBeGreaterThan(f.time[i - 1]);
        expect(f.seriesOf.length).toBe(f.length);
      }),
      { numRuns: 400 },
    );
  });

  it('error (the default) lists repeated places; without repeats every policy is silent', () => {
    const dup = loadCsvText('s,t,x\na,1,1\na,1,2\n', 'd.csv', { roles: { series: 's', time: 't' } });
    expect(dup.ok).toBe(false);
    for (const policy of ['error', 'first', 'last', 'mean', 'max'] as const) {
      const r = loadCsvText('s,t,x\na,1,1\na,2,2\n', 'd.csv', { roles: { series: 's', time: 't' }, duplicates: policy });
      expect(r.ok).toBe(true);
      if (r.ok) expect(Array.from(r.frame.columns.get('x')!)).toEqual([1, 2]);
    }
  });
});
