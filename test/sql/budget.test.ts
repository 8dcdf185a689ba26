// `arl run --engine duckdb` has the limits of `arl run`: a rule file asking for more work or
// memory than the budget is refused before DuckDB starts, and a query past the time limit stops.
import { createWriteStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandLineBudget } from '../../server/src/engine/budget';
import { runWithDuckDb, type DuckRunOptions } from '../../server/src/sql/engine';
import { anywhere, duckDbForTests } from '../support/sql';
import { tempDir } from '../support/tmp';

const duck = await duckDbForTests();
const dir = tempDir('arl-sql-budget-');
const csv = join(dir, 'd.csv');
writeFileSync(csv, ['id,t,x', ...Array.from({ length: 120 }, (_, i) => `s${i % 3},${Math.floor(i / 3)},${(i * 7) % 11}`)].join('\n') + '\n');

async function run(text: string, budget: DuckRunOptions['budget']) {
  let rows = 0;
  const r = await runWithDuckDb(text, join(dir, 'r.arl'), { access: anywhere, budget, onColumns: () => {}, onRows: (chunk) => void (rows += chunk.length) });
  return { r, rows, at: (i: { start: number; end: number }) => text.slice(i.start, i.end) };
}

describe.skipIf(!duck)('the budget of arl run --engine duckdb', () => {
  const text = 'dataset "d.csv" { series = id  time = t }\nexclude calm when mean(x, 3) < 0\nrule wide when count(x > 2, 30) > 5\nrule ranked when rank(x, 20) > 0.5\n';

  it('runs a file within it', async () => {
    const { r, rows } = await run(text, commandLineBudget);
    expect(r.ok).toBe(true);
    expect(rows).toBeGreaterThan(10);
  });

  it('refuses, at the declaration, work past the limit (120 points x 30 is 3,600)', async () => {
    const { r, at } = await run(text, { ...commandLineBudget, work: 2000 });
    if (r.ok) throw new Error('ran past the budget');
    expect(r.issues).toHaveLength(1);
    expect(at(r.issues[0])).toBe('wide');
    expect(r.issues[0].message).toMatch(/^Not run: the rule `wide` goes past the budget of `arl run`: it needs about [\d.]+e\+3 point-operations, more than the 2e\+3 allowed/);
  });

  it('refuses arrays larger than the memory allowed (rank holds 20 values at each of 120 points)', async () => {
    const { r, at } = await run(text, { ...commandLineBudget, bytes: 10_000 });
    if (r.ok) throw new Error('ran past the budget');
    expect(at(r.issues[0])).toBe('ranked');
    expect(r.issues[0].message).toContain('need about 19 KB, more than the 10 KB allowed');
  });

  it('stops a query running past the time limit, at the dataset path', async () => {
    // A million points: DuckDB cannot read them, let alone window them, in 50 ms.
    const big = join(dir, 'big.csv');
    const out = createWriteStream(big);
    out.write('id,t,x\n');
    for (let s = 0; s < 10; s++) {
      const lines: string[] = [];
      for (let t = 0; t < 100_000; t++) lines.push(`s${s},${t},${(t * 13) % 17}`);
      out.write(lines.join('\n') + '\n');
    }
    await new Promise((res) => out.end(res));
    const slow = 'dataset "big.csv" { series = id  time = t }\nrule r when mean(x, 50) > 8 and std(x, 40) > 1\n';
    const { r, at } = await run(slow, { ...commandLineBudget, ms: 50 });
    if (r.ok) throw new Error('ran past the time limit');
    expect(at(r.issues[0])).toBe('"big.csv"');
    expect(r.issues[0].message).toBe('DuckDB stopped: the query ran for more than 50 ms, the time limit of `arl run`. Split the data, or use fewer or shorter windows.');
  });
});
