// `arl sql` and `arl run --engine duckdb`, spawned as users run them.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { arl, arlBin } from '../support/cli';
import { postgresForTests } from '../support/postgres';
import { openDuckDb } from '../../server/src/sql/duckdb';
import { analyzeFile, duckDbForTests, loadTable, memoryAlerts, postgresAlerts } from '../support/sql';
import { tempDir } from '../support/tmp';

const pg = await postgresForTests();
const duck = await duckDbForTests();

describe.skipIf(!duck)('arl run --engine duckdb', () => {
  it('writes exactly what the in-memory engine writes, on the stock-out example; PostgreSQL counts the same alerts', async () => {
    const dir = tempDir('arl-sql-example-');
    expect((await arl(['example', 'stockout', dir, '--products', '1500'])).code).toBe(0);
    const rules = join(dir, 'stockout.arl');
    const memory = await arl(['run', rules, '--out', join(dir, 'memory.csv')]);
    const duckdb = await arl(['run', rules, '--engine', 'duckdb', '--out', join(dir, 'duckdb.csv')]);
    expect(memory.code).toBe(0);
    expect(duckdb.code).toBe(0);
    const alerts = readFileSync(join(dir, 'memory.csv'), 'utf8');
    expect(readFileSync(join(dir, 'duckdb.csv'), 'utf8')).toBe(alerts);
    const count = alerts.trim().split('\n').length - 1;
    expect(count).toBeGreaterThan(500);
    // The query `arl sql` prints for DuckDB reads the CSV itself: run as printed, it finds the same.
    const printed = await arl(['sql', rules]);
    expect(printed.code).toBe(0);
    const db = await openDuckDb({ readable: [join(dir, 'stockout.csv')] });
    try {
      const rows = await db.all(printed.stdout.trim().replace(/;$/, ''));
      expect(rows.map((r) => `${r.series},${r.rules}`)).toEqual(alerts.trim().split('\n').slice(1).map((l) => l.split(',').filter((_, i) => i === 0 || i === 2).join(',')));
    } finally {
      db.close();
    }
    expect(duckdb.stderr.trim()).toBe(memory.stderr.trim());
    expect(memory.stderr).toContain(`${count} alerts on 79500 points of 1500 series.`);
    if (pg) {
      const sql = await arl(['sql', rules, '--dialect', 'postgres', '--table', 'stockout']);
      expect(sql.code).toBe(0);
      const a = await analyzeFile(rules, readFileSync(rules, 'utf8'));
      const client = await pg.client();
      await loadTable(client, 'stockout', a.data!.frame, a.check.dataset);
      const r = await client.query(sql.stdout);
      expect(r.rows.length).toBe(count);
      expect(r.rows.map((x) => x.rules).join(' ')).toBe(memoryAlerts(a).map((x) => x.split('|')[2]).join(' '));
    }
  });

  it('places a bad time, a repeated time and a missing column as the loader does', async () => {
    const dir = tempDir('arl-sql-errors-');
    const csv = join(dir, 'd.csv');
    const file = join(dir, 'r.arl');
    writeFileSync(file, 'dataset "d.csv" { series = id  time = t }\nrule r when x > 1\n');
    writeFileSync(csv, 'id,t,x\na,1,2\na,2,3\n\nb,1,4\nb,"x\ny",5\nb,1,6\n');
    const memory = await arl(['run', file]);
    const duckdb = await arl(['run', file, '--engine', 'duckdb']);
    expect(memory.code).toBe(1);
    expect(duckdb.code).toBe(1);
    expect(memory.stderr).toMatch(/d\.csv:6:3: "x\\ny" is not a time/);
    expect(duckdb.stderr).toContain(memory.stderr.match(/d\.csv:6:3: [^\n]*/)![0]);
    expect(duckdb.stderr).toMatch(/d\.csv:8:\d+: Series "b" has 2 rows at time "1" \(lines 5 and 8\)/);
    writeFileSync(csv, 'id,t,x\na,1,2\na,2,3\n\nb,1,4\nb,1,6\n');
    const dupMemory = await arl(['run', file]);
    const dupDuck = await arl(['run', file, '--engine', 'duckdb']);
    expect(dupMemory.stderr).toMatch(/Series "b" has 2 rows at time "1" \(lines 5 and 6\)/);
    expect(dupDuck.stderr).toMatch(/d\.csv:6:\d+: Series "b" has 2 rows at time "1" \(lines 5 and 6\)/);
    writeFileSync(file, 'dataset "d.csv" { series = id  time = stamp }\nrule r when x > 1\n');
    const missing = await arl(['run', file, '--engine', 'duckdb']);
    expect(missing.stderr).toMatch(/r\.arl:1:39: error: The time column `stamp` is not in the header \(id, t, x\)/);
  });

  it('says how to install DuckDB when it is not there', async () => {
    const dir = tempDir('arl-sql-lone-');
    const bin = join(dir, 'arl.cjs');
    copyFileSync(arlBin, bin);
    writeFileSync(join(dir, 'd.csv'), 'id,t,x\na,1,2\n');
    writeFileSync(join(dir, 'r.arl'), 'dataset "d.csv" { series = id  time = t }\nrule r when x > 1\n');
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(process.execPath, [bin, 'run', join(dir, 'r.arl'), '--engine', 'duckdb'], { encoding: 'utf8', cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^arl run: DuckDB is not installed\..*npm install @duckdb\/node-api/);
  });
});

describe('arl sql', () => {
  it('names the call a dialect cannot compute, and needs a table for the warehouses', async () => {
    const dir = tempDir('arl-sql-cli-');
    const file = join(dir, 'r.arl');
    writeFileSync(file, 'dataset "d.csv" { series = id  time = t }\nlet smooth = ewma(x, 8)\nrule r when x > 2 * smooth\n');
    const bq = await arl(['sql', file, '--dialect', 'bigquery', '--table', 'p.d.t'], { cwd: dir });
    expect(bq.code).toBe(1);
    expect(bq.stderr).toMatch(/^r\.arl:2:14: error: ewma cannot be computed exactly in BigQuery/);
    expect(bq.stdout).toBe('');
    const pgSql = await arl(['sql', file, '--dialect', 'postgres', '--table', 'public.t'], { cwd: dir });
    expect(pgSql.code).toBe(0);
    expect(pgSql.stdout).toContain('FROM "public"."t"');
    const noTable = await arl(['sql', file, '--dialect', 'spark'], { cwd: dir });
    expect(noTable.code).toBe(2);
    expect(noTable.stderr).toContain('--dialect spark reads a table: name it with --table NAME.');
    const badSplit = await arl(['sql', file, '--split', 'dev'], { cwd: dir });
    expect(badSplit.code).toBe(2);
    // Without the data, a column group has no known members.
    writeFileSync(file, 'dataset "d.csv" { series = id  time = t }\nrule hot when any(columns("m*") > 3)\n');
    const group = await arl(['sql', file, '--dialect', 'postgres', '--table', 't'], { cwd: dir });
    expect(group.code).toBe(1);
    expect(group.stderr).toMatch(/^r\.arl:2:19: error: A column pattern needs the dataset's header to know its columns/);
  });
});

describe.skipIf(!duck)('names and strings from the rule file and the data', () => {
  it('are quoted: a column called x"; DROP TABLE ... runs as a column, on DuckDB and PostgreSQL', async () => {
    const dir = tempDir('arl-sql-quote-');
    const evil = 'x"; DROP TABLE sentinel; --';
    const value = `a'b"; DROP TABLE sentinel; --\\`;
    const csv = join(dir, 'd.csv');
    const rows = ['id,t,"x""; DROP TABLE sentinel; --",ev'];
    for (let i = 0; i < 30; i++) rows.push([`"s'${i % 3}"`, i, i % 7, i % 4 ? `"${value.replace(/"/g, '""')}"` : 'plain'].join(','));
    writeFileSync(csv, rows.join('\n') + '\n');
    const file = join(dir, 'r.arl');
    const text = `dataset "d.csv" { series = id  time = t }\nrule r "It's \\"odd\\"" when \`${evil}\` > 3 and ev == ${JSON.stringify(value)}\nrule q when lag(ev, 1) != ${JSON.stringify(value)}\n`;
    writeFileSync(file, text);
    const memory = await arl(['run', file], { cwd: dir });
    const duckdb = await arl(['run', file, '--engine', 'duckdb'], { cwd: dir });
    expect(memory.code).toBe(0);
    expect(duckdb.stdout).toBe(memory.stdout);
    expect(memory.stdout.split('\n').length).toBeGreaterThan(10);
    expect(memory.stdout).toContain(`"It's ""odd"""`);
    if (pg) {
      const client = await pg.client();
      await client.query('CREATE TABLE sentinel (x int)');
      const a = await analyzeFile(file, text);
      await loadTable(client, 'evil', a.data!.frame, a.check.dataset);
      expect(await postgresAlerts(client, a, 'evil')).toEqual(memoryAlerts(a));
      // Every dialect's text is quoted: none of them lets the name end the identifier.
      for (const dialect of ['postgres', 'spark', 'bigquery']) {
        const sql = await arl(['sql', file, '--dialect', dialect, '--table', 'evil'], { cwd: dir });
        expect(sql.code).toBe(0);
        expect(sql.stdout).not.toMatch(/[^"`\\]; DROP TABLE sentinel/);
      }
      const pgSql = await arl(['sql', file, '--dialect', 'postgres', '--table', 'evil'], { cwd: dir });
      await client.query(pgSql.stdout);
      expect((await client.query("SELECT to_regclass('sentinel') AS t")).rows[0].t).toBe('sentinel');
    }
  });

  it('refuses a PostgreSQL name longer than 63 bytes, which PostgreSQL would cut to another name', async () => {
    const dir = tempDir('arl-sql-long-');
    const long = 'm'.repeat(70);
    writeFileSync(join(dir, 'd.csv'), `id,t,${long}\na,1,2\n`);
    const file = join(dir, 'r.arl');
    writeFileSync(file, `dataset "d.csv" { series = id  time = t }\nrule r when ${long} > 1\n`);
    const r = await arl(['sql', file, '--dialect', 'postgres', '--table', 't'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/r\.arl:1:1: error: The name "m{70}" is longer than PostgreSQL's 63 bytes/);
  });
});
