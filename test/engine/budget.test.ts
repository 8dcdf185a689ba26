// The evaluation budget: work, memory and time are charged before each column is computed; an
// overrun is an error on the declaration being evaluated, and the rest of the file still has
// its checks and the metrics of what was evaluated.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../server/src/engine/analyze';
import type { BudgetLimits } from '../../server/src/engine/budget';
import { DatasetStore } from '../../server/src/engine/store';
import { tempDir } from '../support/tmp';

const head = 'dataset "data.csv" {\n    series = id\n    time = t\n    label = label\n}\n';

/** One long series of `n` points: x counts up, the last point is an anomaly. */
function longSeries(n: number): string {
  let csv = 'id,t,x,label\n';
  for (let t = 0; t < n; t++) csv += `s,${t},${t % 97},${t === n - 1 ? 1 : 0}\n`;
  return csv;
}

async function run(csv: string, rules: string, budget?: BudgetLimits) {
  const dir = tempDir();
  writeFileSync(join(dir, 'data.csv'), csv);
  const path = join(dir, 'rules.arl');
  const text = head + rules;
  writeFileSync(path, text);
  return { text, a: await analyze(text, path, { store: new DatasetStore(), budget }) };
}

const generous: BudgetLimits = { ms: 60_000, bytes: 1024 ** 3, work: 1e12 };

describe('evaluation budget', () => {
  it('a window too costly for the work budget is refused before it runs, on its rule', async () => {
    // 100,000 x 50,000 = 5e9 point-operations: minutes of work, refused at once.
    const { text, a } = await run(longSeries(100_000), 'exclude never when x < 0\nrule cheap when x > 90\nrule costly when mean(x, 50000) > 1\nrule after when x > 95\n', { ...generous, work: 1e8 });
    const over = a.issues.filter((i) => i.code === 'budget-exceeded');
    expect(over).toHaveLength(1);
    expect(text.slice(over[0].start, over[0].end)).toBe('costly');
    expect(over[0].message).toMatch(/^Evaluation stopped at the rule `costly`: it needs about .* point-operations, more than the 1e\+8 allowed.*It and the 1 declaration evaluated after it have no metrics\. Shorten the windows, or use a smaller dataset\.$/);
    const s = a.scores('all')!;
    expect(s.rules.map((r) => r.fires > 0)).toEqual([true, false, false]);
    expect(a.excludeFlags[0].flags).toBeDefined();
  });

  it('a window over all the series so far costs its points (running totals), not points x length', async () => {
    // 100,000 points: as a window of 100,000 this would be 1e10 point-operations; `all` is one pass.
    const { a } = await run(longSeries(100_000), 'rule z when zscore(x, all) > 3 or rank(x, all) > 0.99 or mean(x, all) > 90\n', { ...generous, work: 1e7 });
    expect(a.issues.filter((i) => i.code === 'budget-exceeded')).toEqual([]);
    expect(a.ruleFlags[0].flags).toBeDefined();
  });

  it('the memory budget counts the columns computed, and the time budget the clock', async () => {
    const csv = longSeries(10_000);
    const rules = 'rule a when x > 1\nrule b when x > 2\nrule c when x > 3\n';
    // Each rule's flags are 10,000 bytes: the third does not fit in 25,000.
    const mem = (await run(csv, rules, { ...generous, bytes: 25_000 })).a;
    expect(mem.issues.filter((i) => i.code === 'budget-exceeded').map((i) => i.data?.rule)).toEqual(['c']);
    expect(mem.issues.find((i) => i.code === 'budget-exceeded')?.message).toMatch(/columns need more than 25 KB.*Split the file/);
    const time = (await run(csv, rules, { ...generous, ms: -1 })).a;
    expect(time.issues.filter((i) => i.code === 'budget-exceeded').map((i) => i.data?.limit)).toEqual(['time']);
    expect(time.ruleFlags.every((r) => !r.flags)).toBe(true);
  });

  it('the default budget evaluates the example-sized files without a word', async () => {
    const { a } = await run(longSeries(20_000), 'rule r when zscore(x, 52) > 2 and mean(x, 200, offset = 1) < 60\n');
    expect(a.issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(a.ruleFlags[0].flags).toBeDefined();
  });
});
