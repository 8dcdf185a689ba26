// The same alerts from the in-memory engine, from DuckDB reading the CSV, and from PostgreSQL
// reading a table, for every function the SQL backend compiles, on every kind of split.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { check } from '../../grammar/src/check';
import { parse } from '../../grammar/src/parse';
import { compile } from '../../server/src/engine/plan';
import { compileSql } from '../../server/src/sql/compile';
import { openDuckDb } from '../../server/src/sql/duckdb';
import { schemaFromRules } from '../../server/src/sql/rules-schema';
import { postgresForTests } from '../support/postgres';
import { analyzeFile, duckAlerts, duckDbForTests, duckValues, loadTable, memoryAlerts, memoryValues, postgresAlerts, postgresValues } from '../support/sql';
import { tempDir } from '../support/tmp';
import { conditions, fixtureRules, numberExprs, writeFixture, type FixtureOptions } from './fixtures';

const pg = await postgresForTests();
const duck = await duckDbForTests();
const dir = tempDir('arl-sql-');

interface Case {
  name: string;
  data: FixtureOptions;
  dataset: string;
  /** Also on PostgreSQL (a table needs a time column and one row per time). */
  table: boolean;
}

const roles = 'series = id  time = t  label = label';
const cases: Case[] = [
  { name: 'hash split, number times', data: { series: 24, points: 30, seed: 1 }, dataset: roles, table: true },
  { name: 'one time cut (few series), dates, rows shuffled', data: { series: 5, points: 36, seed: 2, dates: true, shuffle: true }, dataset: roles, table: true },
  { name: 'each series by its own time', data: { series: 6, points: 30, seed: 3 }, dataset: `${roles}  split = time 50/30/20`, table: true },
  { name: 'split column', data: { series: 7, points: 25, seed: 4 }, dataset: `${roles}  split = column fold`, table: true },
  { name: 'repeated times merged by mean', data: { series: 6, points: 25, seed: 5, repeats: true, shuffle: true }, dataset: `${roles}  duplicates = mean`, table: false },
  { name: 'repeated times: the first row', data: { series: 6, points: 25, seed: 6, repeats: true }, dataset: `${roles}  duplicates = first`, table: false },
  { name: 'no time column (row order)', data: { series: 4, points: 30, seed: 7 }, dataset: 'series = id  label = label', table: false },
];

/** Rounding may differ in the last bits where the engines sum or take roots and logs in another order. */
const rounded = /std|zscore|slope|log/;

function sameValues(got: number[][], want: number[][], names: string[]): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    for (let k = 0; k < names.length; k++) {
      const a = got[i][k];
      const b = want[i][k];
      const same = (a !== a && b !== b) || a === b || (rounded.test(names[k]) && Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b)));
      if (!same) expect.fail(`${names[k]} at point ${i}: ${a} in SQL, ${b} in memory`);
    }
  }
}

describe.skipIf(!duck)('SQL on DuckDB and PostgreSQL gives the in-memory alerts', () => {
  it('computes the in-memory values of every function, point by point', async () => {
    const c = cases[1];
    const csv = writeFixture(dir, 'values.csv', c.data);
    // Column patterns too: `?` matches x, y and z (never the series, time or label column).
    const groups = ['mean_of(columns("?"))', 'max_of(columns("?"))', 'count_true(robust_z(columns("?"), 4) > 0.5)', 'any(columns("?") > 4)', 'all(lag(columns("?"), 1) > 0)'];
    const names = [...numberExprs.map(([e]) => e), ...conditions, ...groups];
    const text = [`dataset "${csv}" { ${c.dataset} }`, ...names.map((e, i) => `let v${i} = ${e}`), 'rule r when true'].join('\n');
    const arl = join(dir, 'values.arl');
    writeFileSync(arl, text);
    const a = await analyzeFile(arl, text);
    expect(a.issues.filter((i) => i.severity === 'error')).toEqual([]);
    const nodes = names.map((_, i) => a.program.lets.get(`v${i}`)!);
    const want = memoryValues(a, nodes);
    sameValues(await duckValues(a, nodes), want, names);
    if (pg) {
      const client = await pg.client();
      await loadTable(client, 'values', a.data!.frame, a.check.dataset);
      sameValues(await postgresValues(client, a, 'values', nodes), want, names);
    }
  });

  for (const c of cases) {
    it(c.name, async () => {
      const csv = writeFixture(dir, `${c.data.seed}.csv`, c.data);
      const arl = join(dir, `${c.data.seed}.arl`);
      const text = fixtureRules(csv, c.dataset);
      writeFileSync(arl, text);
      const b = await analyzeFile(arl, text);
      expect(b.issues.filter((i) => i.severity === 'error')).toEqual([]);
      const client = pg && c.table ? await pg.client() : undefined;
      const table = `fx${c.data.seed}`;
      if (client) await loadTable(client, table, b.data!.frame, b.check.dataset);
      const mem = memoryAlerts(b);
      expect(mem.length).toBeGreaterThan(50);
      expect(await duckAlerts(b)).toEqual(mem);
      if (client) expect((await postgresAlerts(client, b, table)).sort()).toEqual([...mem].sort());
      // Splits do not depend on the rules: one rule that always fires shows every point's split.
      const all = await analyzeFile(arl, `dataset "${csv}" { ${c.dataset} }\nrule all when true\n`);
      for (const split of ['train', 'validation', 'test'] as const) {
        const m = memoryAlerts(all, split);
        expect(m.length).toBeGreaterThan(0);
        expect(await duckAlerts(all, split)).toEqual(m);
        if (client) expect((await postgresAlerts(client, all, table, split)).sort()).toEqual([...m].sort());
      }
    });
  }
});

describe.skipIf(!duck)('a table the rules cannot read as a series of points', () => {
  const text = 'dataset "d.csv" { series = id  time = t  split = column fold }\nrule r when x > 1\n';
  const plan = () => {
    const parsed = parse(text);
    const checked = check(parsed, schemaFromRules(check(parsed)));
    return { checked, program: compile(checked) };
  };

  it('stops the query when a time repeats in a series, or a split cell is not a split, on DuckDB and PostgreSQL', async () => {
    const { checked, program } = plan();
    const rows = (fold: string) => `('a', 1, 2, 'train'), ('a', 2, 3, ${fold}), ('b', 1, 4, 'test')`;
    for (const [values, split, message] of [
      [`${rows("'validation'")}, ('a', 2, 5, 'test')`, undefined, /a series has two rows at the same time/],
      [rows("'dev'"), 'train', /the split column holds a value other than train, validation or test/],
    ] as const) {
      const db = await openDuckDb({ readable: [] });
      try {
        await db.all(`CREATE TABLE pts (id VARCHAR, t DOUBLE, x DOUBLE, fold VARCHAR); INSERT INTO pts VALUES ${values}`);
        const q = compileSql(program, { dialect: 'duckdb', source: { kind: 'table', table: 'pts' }, dataset: checked.dataset, split });
        await expect(db.all(q.sql)).rejects.toThrow(message);
      } finally {
        db.close();
      }
      if (pg) {
        const client = await pg.client();
        await client.query(`DROP TABLE IF EXISTS pts; CREATE TABLE pts (id TEXT, t DOUBLE PRECISION, x DOUBLE PRECISION, fold TEXT); INSERT INTO pts VALUES ${values}`);
        const q = compileSql(program, { dialect: 'postgres', source: { kind: 'table', table: 'pts' }, dataset: checked.dataset, split });
        await expect(client.query(q.sql)).rejects.toThrow(message);
      }
    }
  });
});
