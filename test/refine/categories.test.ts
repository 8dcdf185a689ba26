// Categories: the `category "..."` clause, the offline namer, proposals read as data (never run),
// applied to headers only; `arl categorize` (offline and with a fake Messages API), `arl run`'s
// category column and `arl categories`.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check } from '../../grammar/src/check';
import { format } from '../../grammar/src/format';
import { parse } from '../../grammar/src/parse';
import { printDecl } from '../../grammar/src/print';
import { analyze } from '../../server/src/engine/analyze';
import { DatasetStore } from '../../server/src/engine/store';
import { applyCategories, offlineCategories, validateCategories } from '../../server/src/refine/categories';
import { arl } from '../support/cli';
import { startFakeAnthropic, type FakeAnthropic } from '../support/fake-anthropic';
import { tempDir } from '../support/tmp';
import { byCategory } from '../../webviews/src/preview-view';

let fake: FakeAnthropic;
beforeAll(async () => {
  fake = await startFakeAnthropic();
});
afterAll(async () => {
  await fake.close();
});

const rules = `dataset "data.csv" { series = sku  time = week  label = y }

let z = zscore(oos, 4)

# hand-written note
rule critical "Critical" severity critical when oos >= 80
rule pressure when oos >= 35 and z >= 2
exclude drop when oos < 0.5 * lag(oos, 1)
`;

function project(): { dir: string; arl: string } {
  const dir = tempDir();
  mkdirSync(join(dir, '.git'));
  let csv = 'sku,week,oos,y\n';
  for (let s = 0; s < 30; s++) for (let w = 0; w < 8; w++) csv += `p${s},${w},${w === 7 ? (s * 37) % 100 : (s + w) % 5},${w === 7 ? ((s * 37) % 100 >= 35 ? 1 : 0) : ''}\n`;
  writeFileSync(join(dir, 'data.csv'), csv);
  writeFileSync(join(dir, 'rules.arl'), rules);
  return { dir, arl: join(dir, 'rules.arl') };
}

describe('categories', () => {
  it('parses, checks and prints the category clause; `category` stays usable as a name', () => {
    const p = parse('rule r "R" severity low category "Stock-outs" when category > 1\nrule e category "" when x > 1');
    expect(p.issues).toEqual([]);
    expect(p.file.rules[0].category?.value).toBe('Stock-outs');
    expect(printDecl(p.file.rules[0])).toBe('rule r "R" severity low category "Stock-outs" when category > 1');
    expect(check(p).issues.find((i) => i.code === 'bad-category')?.message).toMatch(/The category is empty/);
    expect(format('rule r   "R"  category   "Stock-outs"   when x>1\n')).toBe('rule r "R" category "Stock-outs" when x > 1\n');
  });

  it('groups the preview’s rules by category', () => {
    const r = (name: string, category?: string) => ({ name, severity: 'high' as const, broken: false, ...(category ? { category } : {}) });
    expect(byCategory([r('a', 'X'), r('b'), r('c', 'Y'), r('d', 'X')]).map(([c, rs]) => [c, rs.map((x) => x.name)])).toEqual([
      [null, ['b']],
      ['X', ['a', 'd']],
      ['Y', ['c']],
    ]);
  });

  it('names rules offline from their conditions, the same way every time', async () => {
    const p = project();
    const a = await analyze(rules, p.arl, { store: new DatasetStore() });
    const names = offlineCategories(a);
    expect(names.map((n) => [n.rule, n.title, n.group])).toEqual([
      ['critical', 'High oos', 'Spikes in oos'],
      ['pressure', 'High oos and oos far above its history', 'Spikes in oos'],
    ]);
    expect(names[0].description).toMatch(/^Flags high oos\. \d+% of its labelled alerts on train are anomalies\.$/);
    expect(offlineCategories(await analyze(rules, p.arl, { store: new DatasetStore() }))).toEqual(names);
  });

  it('reads proposals as data and applies them to headers only', () => {
    const { ok, problems } = validateCategories(
      [
        { rule: 'critical', title: 'Crisis" when true\nrule evil when true #', description: 'one\nline', group: 'Stock-outs' },
        { rule: 'nope', title: 'x' },
        { rule: 'pressure', title: '' },
        { rule: 'critical', title: 'again' },
      ],
      ['critical', 'pressure'],
    );
    expect(problems).toEqual(['no rule `nope` in the file', '`pressure` has no title', '`critical` named twice']);
    const out = applyCategories(rules, ok);
    const f = parse(out).file;
    expect(f.rules.map((r) => r.name?.name)).toEqual(['critical', 'pressure']);
    expect(f.rules[0].title?.value).toBe('Crisis" when true rule evil when true #');
    expect(f.rules[0].category?.value).toBe('Stock-outs');
    expect(out).toContain('# hand-written note\n# category: one line\nrule critical "Crisis\\" when true rule evil when true #" severity critical category "Stock-outs" when oos >= 80');
    // Applied again: the comment ARL wrote is replaced, not repeated.
    expect(applyCategories(out, [{ ...ok[0], description: 'two' }]).match(/# category:/g)).toHaveLength(1);
  });

  it('arl categorize shows a diff, writes only with --apply; arl run and arl categories carry the category', async () => {
    const p = project();
    const dry = await arl(['categorize', p.arl], { cwd: p.dir });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('- rule pressure when oos >= 35 and z >= 2');
    expect(dry.stdout).toContain('+ rule pressure "High oos and oos far above its history" category "Spikes in oos" when oos >= 35 and z >= 2');
    expect(readFileSync(p.arl, 'utf8')).toBe(rules);
    fake.script({
      kind: 'message',
      content: [{ type: 'tool_use', id: 'toolu_1', name: 'propose_categories', input: { categories: [{ rule: 'critical', title: 'Critical Stock-Out Crisis', description: 'Most of the stock is out.', group: 'Stock-outs' }, { rule: 'pressure', title: 'Moderate Stock Pressure', description: 'Rising out-of-stock.', group: 'Stock-outs' }, { rule: 'ghost', title: 'x' }] } }],
      usage: { input_tokens: 420, output_tokens: 90 },
    });
    const llm = await arl(['categorize', p.arl, '--proposer', 'anthropic', '--apply', '--model', 'm1'], { cwd: p.dir, env: { ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url } });
    expect(llm.code).toBe(0);
    expect(llm.stderr).toMatch(/ignored from the model's answer: no rule `ghost` in the file/);
    expect(llm.stderr).toMatch(/2 rules named; 420 input and 90 output tokens/);
    expect(JSON.stringify(fake.received[0].body.messages)).toContain('fires on');
    const text = readFileSync(p.arl, 'utf8');
    expect(text).toContain('rule critical "Critical Stock-Out Crisis" severity critical category "Stock-outs" when oos >= 80');
    const run = await arl(['run', p.arl, '--out', join(p.dir, 'alerts.csv')], { cwd: p.dir });
    expect(run.code).toBe(0);
    const alerts = readFileSync(join(p.dir, 'alerts.csv'), 'utf8').split('\n');
    expect(alerts[0]).toMatch(/^series,time,rules,category,severity/);
    expect(alerts.slice(1).filter(Boolean).every((l) => l.split(',')[3] === 'Stock-outs')).toBe(true);
    // The SQL engine writes the same alerts, category included.
    const sql = await arl(['run', p.arl, '--engine', 'duckdb', '--out', join(p.dir, 'alerts-sql.csv')], { cwd: p.dir });
    expect(sql.code).toBe(0);
    expect(readFileSync(join(p.dir, 'alerts-sql.csv'), 'utf8')).toBe(alerts.join('\n'));
    const counts = await arl(['categories', p.arl], { cwd: p.dir });
    expect(counts.code).toBe(0);
    expect(counts.stdout.split('\n')[0]).toMatch(/^category\s+train\s+validation\s+test\s+all/);
    expect(counts.stdout).toMatch(/\nStock-outs\s+\d+\s+\d+\s+\d+\s+\d+/);
  });
});
