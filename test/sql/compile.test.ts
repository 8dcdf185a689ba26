// The compiler's shape: a DAG walked once per node, text quoted for each dialect, the output of
// the engines not run here (Spark SQL, BigQuery) kept in golden files.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { check } from '../../grammar/src/check';
import { parse } from '../../grammar/src/parse';
import { compile } from '../../server/src/engine/plan';
import { compileSql } from '../../server/src/sql/compile';
import { dialects, type DialectName } from '../../server/src/sql/dialect';
import { located } from '../../server/src/sql/locate';
import { schemaFromRules } from '../../server/src/sql/rules-schema';
import { openDuckDb } from '../../server/src/sql/duckdb';
import { postgresForTests } from '../support/postgres';
import { duckDbForTests } from '../support/sql';
import { tempDir } from '../support/tmp';
import { fixtureRules } from './fixtures';

const pg = await postgresForTests();
const duck = await duckDbForTests();
const here = dirname(fileURLToPath(import.meta.url));

/** The plan of a rule file, its columns taken from the rules (no data). */
function planOf(text: string) {
  const parsed = parse(text);
  const checked = check(parsed, schemaFromRules(check(parsed)));
  return { parsed, checked, program: compile(checked) };
}

function sqlOf(text: string, dialect: DialectName, split?: 'train' | 'test') {
  const { parsed, checked, program } = planOf(text);
  expect(checked.issues.filter((i) => i.severity === 'error')).toEqual([]);
  return located(program, parsed, () => compileSql(program, { dialect, source: { kind: 'table', table: 'warehouse.points' }, dataset: checked.dataset, split }));
}

describe('the plan is compiled as a DAG', () => {
  const chain = ['dataset "d.csv" { series = id  time = t }', 'let a0 = x', ...Array.from({ length: 24 }, (_, i) => `let a${i + 1} = a${i} + a${i}`), 'rule big when a24 > 16777215'].join('\n');

  it('a 24-level doubling chain is 25 stages and a small query, not 2^24 copies', () => {
    const q = sqlOf(chain, 'postgres');
    if ('issues' in q) throw new Error(q.issues[0].message);
    expect(q.stages).toBe(25);
    expect(q.sql.length).toBeLessThan(6000);
  });

  it.skipIf(!duck)('and DuckDB computes it: x * 2^24', async () => {
    const dir = tempDir('arl-sql-dag-');
    writeFileSync(join(dir, 'd.csv'), 'id,t,x\na,1,0.5\na,2,1\na,3,1.5\n');
    const { checked, program } = planOf(chain.replace('rule big when a24 > 16777215', 'rule big when a24 > 16777217'));
    const q = compileSql(program, { dialect: 'duckdb', source: { kind: 'csv', path: join(dir, 'd.csv'), delimiter: ',', header: ['id', 't', 'x'], timeKind: 'number' }, dataset: checked.dataset });
    const db = await openDuckDb({ readable: [join(dir, 'd.csv')] });
    try {
      expect((await db.all(q.sql)).map((r) => Number(r.time))).toEqual([3]);
    } finally {
      db.close();
    }
  });

  it.skipIf(!pg)('and PostgreSQL computes it, without merging the stages back into one expression', async () => {
    const client = await pg!.client();
    await client.query('CREATE TABLE chain (id text, t double precision, x double precision)');
    await client.query("INSERT INTO chain VALUES ('a', 1, 0.5), ('a', 2, 1), ('a', 3, 1.5)");
    const { checked, program } = planOf(chain.replace('rule big when a24 > 16777215', 'rule big when a24 > 16777217'));
    const q = compileSql(program, { dialect: 'postgres', source: { kind: 'table', table: 'chain' }, dataset: checked.dataset });
    const t0 = performance.now();
    expect((await client.query(q.sql)).rows.map((r) => r.time)).toEqual([3]);
    // Merged, the query would take hours (a 14-level chain already took half a minute).
    expect(performance.now() - t0).toBeLessThan(10_000);
  });

  it('computes a sub-expression once however many rules use it', () => {
    const q = sqlOf('dataset "d.csv" { series = id  time = t }\nlet z = zscore(x, 20)\nrule a when z > 3\nrule b when zscore(x, 20) < -3\nrule c when (zscore(x, 20)) > 2 and y > 1\n', 'duckdb');
    if ('issues' in q) throw new Error(q.issues[0].message);
    expect(q.sql.match(/STDDEV_SAMP/g)).toHaveLength(1);
  });
});

describe('functions a dialect cannot compute exactly', () => {
  it('are errors at their calls, not approximations', () => {
    const text = 'dataset "d.csv" { series = id  time = t }\nrule r when x > ewma(x, 4) and y > 1\nrule s when ewma(x, 4) < 0\n';
    const q = sqlOf(text, 'bigquery');
    expect('issues' in q && q.issues.map((i) => [i.code, text.slice(i.start, i.end)])).toEqual([
      ['sql-unsupported', 'ewma(x, 4)'],
      ['sql-unsupported', 'ewma(x, 4)'],
    ]);
    for (const d of ['duckdb', 'postgres', 'spark'] as const) expect('sql' in sqlOf(text, d)).toBe(true);
  });
});

describe('golden queries for the engines not run here', () => {
  const example = readFileSync(join(here, '../../examples/stockout/stockout.arl'), 'utf8');
  const cases: { name: string; text: string; split?: 'train' | 'test'; skipOn?: DialectName }[] = [
    { name: 'stockout', text: example, split: 'test' },
    { name: 'functions', text: fixtureRules('d.csv', 'series = id  time = t  label = label') },
    { name: 'functions-no-ewma', text: fixtureRules('d.csv', 'series = id  time = t  label = label', (e) => e.startsWith('ewma')) },
    { name: 'split-time', text: 'dataset "d.csv" { series = id  time = t  label = y  split = time 70/20/10 }\nrule r when x > 1\n', split: 'train' },
    { name: 'split-column', text: 'dataset "d.csv" { series = id  time = t  split = column fold }\nrule r when x > 1\n', split: 'test' },
  ];
  for (const dialect of ['spark', 'bigquery'] as const) {
    for (const c of cases) {
      if (dialect === 'bigquery' && c.name === 'functions') continue;
      it(`${dialect}: ${c.name}`, () => {
        const q = sqlOf(c.text, dialect, c.split);
        if ('issues' in q) throw new Error(q.issues[0].message);
        const file = join(here, 'golden', dialect, `${c.name}.sql`);
        if (process.env.ARL_UPDATE_GOLDEN || !existsSync(file)) {
          mkdirSync(dirname(file), { recursive: true });
          writeFileSync(file, `${q.sql};\n`);
        }
        expect(`${q.sql};\n`).toBe(readFileSync(file, 'utf8'));
      });
    }
  }
});

describe.skipIf(!duck)('quoting', () => {
  // Any text, control characters and quotes of every kind included (NUL cannot be in SQL text).
  const text = fc.string({ unit: fc.oneof(fc.constantFrom("'", '"', '`', '\\', ';', '-', '\n', '\r', '\t', '$', 'é', '\u2028', '😀'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }), fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 })), maxLength: 30 }).filter((s) => !s.includes('\u0000'));

  it('a string literal reads back as the same string, on DuckDB and PostgreSQL', async () => {
    const db = await openDuckDb({ readable: [] });
    const client = pg ? await pg.client() : undefined;
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(text, { minLength: 1, maxLength: 8 }), async (xs) => {
          const d = await db.all(`SELECT ${xs.map((x, i) => `${dialects.duckdb.str(x)} AS ${dialects.duckdb.ident(`c${i}`)}`).join(', ')}`);
          expect(xs.map((_, i) => d[0][`c${i}`])).toEqual(xs);
          if (client) {
            const r = await client.query({ text: `SELECT ${xs.map((x) => dialects.postgres.str(x)).join(', ')}`, rowMode: 'array' });
            expect(r.rows[0]).toEqual(xs);
          }
        }),
        { numRuns: 60 },
      );
    } finally {
      db.close();
    }
  });

  it('an identifier names exactly that column, on DuckDB and PostgreSQL', async () => {
    const db = await openDuckDb({ readable: [] });
    const client = pg ? await pg.client() : undefined;
    try {
      await fc.assert(
        fc.asyncProperty(text.filter((s) => s.length > 0 && Buffer.byteLength(s) <= 63), async (name) => {
          // Names come back as values: a row object cannot hold a key named `__proto__`.
          const d = await db.all(`DESCRIBE SELECT 1 AS ${dialects.duckdb.ident(name)}`);
          expect(d.map((r) => r.column_name)).toEqual([name]);
          if (client) {
            const r = await client.query(`SELECT 1 AS ${dialects.postgres.ident(name)}`);
            expect(r.fields.map((f) => f.name)).toEqual([name]);
          }
        }),
        { numRuns: 60, examples: [['__proto__'], ['constructor']] },
      );
    } finally {
      db.close();
    }
  });

  it('Spark and BigQuery literals escape every quote, backslash and line break', () => {
    for (const d of [dialects.spark, dialects.bigquery]) {
      const s = d.str(`a'b"c\\d\ne\u2028f`);
      expect(s).toBe(`'a\\'b\\"c\\\\d\\ne\\u2028f'`);
      expect(d.ident('x`y')).toMatch(/^`x(``|\\`)y`$/);
    }
  });
});
