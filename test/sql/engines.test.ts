// The same alerts from the in-memory engine, from DuckDB reading the CSV, and from PostgreSQL
// reading a table, for every function the SQL backend compiles, on every kind of split.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { postgresForTests } from '../support/postgres';
import { analyzeFile, duckAlerts, duckDbForTests, loadTable, memoryAlerts, postgresAlerts } from '../support/sql';
import { tempDir } from '../support/tmp';
import { fixtureRules, writeFixture, type FixtureOptions } from './fixtures';

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

describe.skipIf(!duck)('SQL on DuckDB and PostgreSQL gives the in-memory alerts', () => {
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
