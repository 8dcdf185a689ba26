// Random rule files over random data: the in-memory engine, DuckDB (reading the CSV) and
// PostgreSQL (reading a table) flag exactly the same points, with the same rules.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { postgresForTests } from '../support/postgres';
import { analyzeFile, duckAlerts, duckDbForTests, loadTable, memoryAlerts, postgresAlerts } from '../support/sql';
import { tempDir } from '../support/tmp';

const pg = await postgresForTests();
const duck = await duckDbForTests();
const dir = tempDir('arl-sql-prop-');

const col = fc.constantFrom('x', 'y');
const small = fc.integer({ min: 1, max: 4 });
const windowLength = fc.oneof({ weight: 4, arbitrary: small.map(String) }, { weight: 1, arbitrary: fc.constant('all') });
// Thresholds between the values the data can produce: no engine's rounding decides a comparison.
const threshold = fc.integer({ min: -3, max: 8 }).map((k) => `${k < 0 ? `-${-k}` : k}.37`);
const cmp = fc.constantFrom('>', '>=', '<', '<=');

/** `, offset = k` and `, min_count = m` (m <= w), each or neither. */
function extras(w: string): fc.Arbitrary<string> {
  const wn = w === 'all' ? 4 : Number(w);
  return fc.tuple(fc.option(fc.integer({ min: 1, max: 2 }), { nil: undefined }), fc.option(fc.integer({ min: 1, max: wn }), { nil: undefined })).map(([o, m]) => `${o ? `, offset = ${o}` : ''}${m ? `, min_count = ${m}` : ''}`);
}

const { cond } = fc.letrec<{ num: string; cond: string }>((tie) => {
  const n = tie('num');
  const c = tie('cond');
  const windowed = (fns: string[], allowAll: boolean) =>
    fc.tuple(fc.constantFrom(...fns), n, allowAll ? windowLength : small.map(String)).chain(([f, x, w]) => extras(w).map((e) => `${f}(${x}, ${w}${e})`));
  return {
    num: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      col,
      col,
      fc.integer({ min: 0, max: 5 }).map(String),
      fc.tuple(n, fc.constantFrom('+', '-', '*', '/'), n).map(([a, o, b]) => `(${a} ${o} ${b})`),
      n.map((a) => `-(${a})`),
      windowed(['mean', 'median', 'min', 'max', 'sum', 'std', 'count', 'zero_rate', 'slope', 'zscore', 'rank'], true),
      windowed(['robust_z'], false),
      fc.tuple(n, small, fc.option(fc.integer({ min: 1, max: 2 }), { nil: undefined })).map(([x, w, o]) => `ewma(${x}, ${w}${o ? `, offset = ${o}` : ''})`),
      fc.tuple(n, windowLength, fc.constantFrom('0.1', '0.25', '0.5', '0.9')).map(([x, w, q]) => `quantile(${x}, ${w}, ${q})`),
      fc.tuple(fc.constantFrom('lag', 'diff', 'pct_change'), n, small).map(([f, x, k]) => `${f}(${x}, ${k})`),
      fc.tuple(fc.constantFrom('abs', 'sqrt', 'log', 'log1p', 'first', 'last'), n).map(([f, x]) => `${f}(${x})`),
      fc.tuple(fc.constantFrom('least', 'greatest', 'coalesce'), n, n).map(([f, a, b]) => `${f}(${a}, ${b})`),
      fc.tuple(fc.constantFrom('max_of', 'min_of', 'mean_of', 'sum_of'), n, n).map(([f, a, b]) => `${f}([${a}, ${b}])`),
      c.map((x) => `since(${x})`),
      fc.tuple(c, windowLength).chain(([x, w]) => extras(w).map((e) => `count(${x}, ${w}${e})`)),
      fc.tuple(c, c).map(([a, b]) => `count_true([${a}, ${b}])`),
    ),
    cond: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.tuple(n, cmp, threshold).map(([a, o, t]) => `${a} ${o} ${t}`),
      fc.tuple(col, fc.constantFrom('>', '<=', '==', '!='), col).map(([a, o, b]) => `${a} ${o} ${b}`),
      fc.constantFrom('ev == "E1"', 'ev in ["E1", "E3"]', 'ev != lag(ev, 1)', 'first(ev) == "E2"', 'last(ev) != "E3"', 'is_missing(ev)', 'true', 'false'),
      fc.tuple(c, fc.constantFrom('and', 'or'), c).map(([a, o, b]) => `(${a}) ${o} (${b})`),
      c.map((x) => `not (${x})`),
      n.map((x) => `is_missing(${x})`),
      fc.tuple(fc.constantFrom('rising', 'falling'), n, small).map(([f, x, k]) => `${f}(${x}, ${k})`),
      fc.tuple(c, small).map(([x, k]) => `persist(${x}, ${k})`),
      c.map((x) => `ever(${x})`),
      fc.tuple(c, c).map(([a, b]) => `before(${a}, ${b})`),
      fc.tuple(fc.constantFrom('any', 'all'), c, c).map(([f, a, b]) => `${f}([${a}, ${b}])`),
    ),
  };
});

const cell = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: -2, max: 6 }).map(String) }, { weight: 1, arbitrary: fc.constantFrom('2.5', '-0.5', 'NA', '', ' 3 ') });
const point = fc.record({ x: cell, y: cell, ev: fc.constantFrom('E1', 'E2', 'E3', '', 'E1'), label: fc.constantFrom('', '', '0', '1') });
const dataset = fc.array(fc.array(point, { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 4 });
const ruleFile = fc.record({ rules: fc.array(cond, { minLength: 1, maxLength: 4 }), excludes: fc.array(cond, { maxLength: 2 }), split: fc.constantFrom(undefined, undefined, 'train', 'test' as const) });

let run = 0;

describe.skipIf(!duck)('random rule files on random data', () => {
  it('flag the same points in memory, in DuckDB and in PostgreSQL', async () => {
    const client = pg ? await pg.client() : undefined;
    await fc.assert(
      fc.asyncProperty(dataset, ruleFile, async (series, file) => {
        const k = run++;
        // Series ids in the order they appear, so a table orders them as the file does.
        const rows = series.flatMap((points, s) => points.map((p, t) => [`s${s}`, String(3 * t + 1), p.x, p.y, p.ev, p.label].join(',')));
        const csv = join(dir, `p${k}.csv`);
        writeFileSync(csv, ['id,t,x,y,ev,label', ...rows].join('\n') + '\n');
        const text = [
          `dataset "${csv}" { series = id  time = t  label = label }`,
          ...file.rules.map((r, i) => `rule r${i} when ${r}`),
          ...file.excludes.map((r, i) => `exclude e${i} when ${r}`),
        ].join('\n');
        const arl = join(dir, `p${k}.arl`);
        writeFileSync(arl, text);
        const a = await analyzeFile(arl, text);
        // A column only ever blank is a number column: then `ev == "E1"` is an error, rightly.
        if (!a.data?.frame.categories.has('ev')) return;
        expect(a.issues.filter((i) => i.severity === 'error')).toEqual([]);
        const mem = memoryAlerts(a, file.split);
        expect(await duckAlerts(a, file.split)).toEqual(mem);
        if (client) {
          await loadTable(client, `p${k}`, a.data!.frame, a.check.dataset);
          expect((await postgresAlerts(client, a, `p${k}`, file.split)).sort()).toEqual([...mem].sort());
        }
      }),
      { numRuns: Number(process.env.ARL_SQL_RUNS ?? 40), interruptAfterTimeLimit: 40_000 },
    );
  });
});
