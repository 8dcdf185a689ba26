// Rule files that used to overflow the stack or take exponential time: nesting, chains, lets built
// on lets, huge windows. Each is an error where it should be, or is evaluated as a DAG.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { check, type Schema } from '../../grammar/src/check';
import { explainDecl } from '../../grammar/src/explain';
import { LineIndex } from '../../grammar/src/issues';
import type { Expr } from '../../grammar/src/ast';
import { limits, measure } from '../../grammar/src/limits';
import { parse } from '../../grammar/src/parse';
import { analyze } from '../../server/src/engine/analyze';
import { Evaluator } from '../../server/src/engine/evaluate';
import { compile, maxKeyLength, type PlanNode } from '../../server/src/engine/plan';
import { DatasetStore } from '../../server/src/engine/store';
import { runTests } from '../../server/src/engine/testblocks';
import { analyzeWith, csvOf, frameOf, tempDir } from './helpers';

const schema: Schema = { columns: [{ name: 'x', numeric: true }, { name: 'y', numeric: true }], maxSeriesLength: 50 };

/** Errors as `code @ line:column (text)`, for readable expectations. */
function errors(text: string, s: Schema | undefined = schema): string[] {
  const li = new LineIndex(text);
  return check(parse(text), s)
    .issues.filter((i) => i.severity === 'error')
    .map((i) => {
      const p = li.position(i.start);
      return `${i.code} @ ${p.line + 1}:${p.character + 1}`;
    });
}

function doubling(n: number, op = '+', base = 'x'): string {
  let t = `let a0 = ${base}\n`;
  for (let i = 1; i <= n; i++) t += `let a${i} = a${i - 1} ${op} a${i - 1}\n`;
  return t;
}

/** Distinct nodes reachable from `root`. */
function dagSize(root: PlanNode): number {
  const seen = new Set<PlanNode>();
  const stack = [root];
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    stack.push(...n.args);
  }
  return seen.size;
}

describe('nesting past the parser limit', () => {
  const ok = 'rule ok when y > 2';
  it('300 nested parentheses or calls are one error on the deep part; the next rule is whole', () => {
    // `rule r when ` is 12 characters: the error starts at the first bracket (or call) past the limit.
    expect(errors(`rule r when ${'('.repeat(300)}x > 1${')'.repeat(300)}\n${ok}`)).toEqual([`nesting-limit @ 1:${13 + limits.nesting}`]);
    expect(errors(`rule r when ${'abs('.repeat(300)}x${')'.repeat(300)} > 1\n${ok}`)).toEqual([`nesting-limit @ 1:${13 + 4 * limits.nesting}`]);
    const c = check(parse(`rule r when ${'abs('.repeat(300)}x${')'.repeat(300)} > 1\n${ok}`), schema);
    expect([...c.broken].map((d) => (d as { name?: { name: string } }).name?.name)).toEqual(['r']);
  });

  it('5,000 `not` or `-` prefixes are one error, and the rest of the rule keeps its meaning', () => {
    expect(errors(`rule r when ${'not '.repeat(5000)}x > 1 and y > 3\n${ok}`)).toEqual([`nesting-limit @ 1:${13 + 4 * limits.nesting}`]);
    // The cut is the operand of the innermost sign, so `... > 1` is still a condition.
    expect(errors(`rule r when ${'- '.repeat(5000)}x > 1\n${ok}`)).toEqual([`nesting-limit @ 1:${13 + 2 * limits.nesting}`]);
  });

  it('many brackets left open are one error at the end (the parser recovering from each used to overflow)', () => {
    const text = `exclude e when ${'least(x, '.repeat(200)}(- pct_change(4)\n${ok}`;
    const issues = parse(text).issues;
    expect(issues.map((i) => i.code)).toEqual(['nesting-limit', 'syntax']);
    expect(issues[1].message).toBe(`Expected ')' but found the end of the declaration: ${limits.nesting} brackets are still open.`);
    expect(issues[1].start).toBe(text.indexOf('\n'));
    // As the parser's own recovery does with a few: closed at the end, so `abs(... x > 1)` takes a condition.
    const few = errors(`rule r when ${'abs('.repeat(3)}x > 1\n${ok}`);
    const many = errors(`rule r when ${'abs('.repeat(20)}x > 1\n${ok}`);
    expect(few).toEqual(['syntax @ 1:30', 'kind-mismatch @ 1:25', 'not-a-condition @ 1:13']);
    expect(many).toEqual(['syntax @ 1:98', 'kind-mismatch @ 1:93', 'not-a-condition @ 1:13']);
  });

  it(`${limits.nesting} levels are fine, one more is not; the message says what to do`, () => {
    expect(errors(`rule r when ${'('.repeat(limits.nesting)}x > 1${')'.repeat(limits.nesting)}`)).toEqual([]);
    expect(errors(`rule r when ${'('.repeat(limits.nesting + 1)}x > 1${')'.repeat(limits.nesting + 1)}`)).toEqual([`nesting-limit @ 1:${13 + limits.nesting}`]);
    const msg = parse(`let a = ${'-'.repeat(100)}x`).issues[0].message;
    expect(msg).toContain(`at most ${limits.nesting}`);
    expect(msg).toContain('`let`');
  });
});

describe('depth past the limit', () => {
  it('`and` and `+` chains of 5,000 terms are an error on the expression, not a stack overflow', () => {
    const ands = Array.from({ length: 5000 }, (_, i) => `x > ${i}`).join(' and ');
    const sums = Array.from({ length: 5000 }, () => 'x').join(' + ');
    expect(errors(`rule r when ${ands}\nrule ok when y > 2\nrule s when ${sums} > 1`)).toEqual(['depth-limit @ 1:13', 'depth-limit @ 3:13']);
    expect(parse(`rule r when ${ands}`).issues[0].message).toMatch(/5,001 levels deep; ARL reads at most 500.*Split it into lets/);
  });

  it(`a tree ${limits.depth} levels deep is fine; with lets expanded the let that crosses the limit is named`, () => {
    const chain = (n: number) => Array.from({ length: n }, () => 'x').join(' + ');
    // n terms are n levels; the comparison adds one.
    expect(errors(`rule r when ${chain(limits.depth - 1)} > 1`)).toEqual([]);
    expect(errors(`let p = ${chain(limits.depth - 1)}\nrule r when p > 1`)).toEqual([]);
    // p is 300 deep; q puts it under 250 more additions: q is reported where it uses p.
    const text = `let p = ${chain(300)}\nlet q = p + ${chain(250)}\nrule r when q > 1\nrule s when p > 1`;
    expect(errors(text)).toEqual(['depth-limit @ 2:9']);
    const c = check(parse(text), schema);
    expect(c.issues.find((i) => i.code === 'depth-limit')?.message).toMatch(/`p` alone is 300/);
    // The rule using the let that is too deep is not evaluated, without an error of its own.
    expect(compile(c).rules.map((r) => !!r.node)).toEqual([false, true]);
  });

  it('5,000 lets each using the next are checked in order without recursion', () => {
    const n = 5000;
    const lets = Array.from({ length: n }, (_, i) => `let l${i} = l${i + 1} + 1`).join('\n');
    const text = `${lets}\nlet l${n} = x\nrule r when l0 > 3`;
    const errs = errors(text);
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatch(/^depth-limit @ /);
  });
});

describe('measuring expressions', () => {
  it('counts kinds of expression it does not know by their fields (new syntax is measured too)', () => {
    const name = (n: string, at: number) => ({ kind: 'name', name: n, start: at, end: at + 1 });
    const list = { kind: 'list', start: 0, end: 9, items: [name('a', 1), { kind: 'paren', expr: name('b', 4), start: 3, end: 6 }], opSpan: { start: 0, end: 1 } };
    const m = measure(list as unknown as Expr);
    expect([m.size, m.depth, m.names.map((n) => `${n.expr.name}@${n.at}`)]).toEqual([4, 3, ['a@1', 'b@2']]);
  });
});

describe('windows, steps and offsets', () => {
  it('1e10 is an error naming the limit; 1,000,000 is allowed', () => {
    const c = check(parse('rule r when mean(x, 1e10) > 1 or lag(x, 1e10) > 1 or mean(x, 3, offset = 1e10) > 1'));
    expect(c.issues.map((i) => i.code)).toEqual(['bad-constant', 'bad-constant', 'bad-constant']);
    expect(c.issues[0].message).toBe("`w` of mean must be a whole number from 1 to 1,000,000; it is 10000000000, beyond ARL's limit for windows, steps and offsets.");
    expect(errors('rule r when mean(x, 1000000) > 1 and persist(x > 1, 1000000) and lag(x, 1000000) > 0')).toEqual([]);
  });

  it('a window of 1,000,000 on short series is evaluated (missing everywhere)', async () => {
    const a = await analyzeWith(
      csvOf({ s: { x: [1, 2, 3, 4, 5, 6], label: [0, 0, 0, 0, 0, 1] } }),
      'dataset "data.csv" {\n    series = id\n    time = t\n    label = label\n}\nrule r when mean(x, 1000000, offset = 1000000) > 1\nrule s when x > 5\n',
    );
    expect(a.issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(a.scores('all')!.rules.map((r) => r.tp)).toEqual([0, 1]);
  });
});

describe('sizes', () => {
  it('a declaration over the size limit is an error on it', () => {
    // Balanced sums keep the depth low while the size grows.
    let e = 'x';
    while (e.length < limits.declarationSize * 3) e = `(${e} + ${e})`;
    expect(errors(`rule r when ${e} > 1\nrule s when y > 1`)).toEqual(['size-limit @ 1:13']);
  });

  it('past the file limit, the first declaration over it gets the error and the rest are not checked', () => {
    const rule = (i: number) => `rule r${i} when ${Array.from({ length: 100 }, () => 'x').join(' + ')} > ${i}`;
    const n = Math.ceil(limits.fileSize / 200) + 10;
    const text = Array.from({ length: n }, (_, i) => rule(i)).join('\n') + '\nrule bad when nope > 1';
    const c = check(parse(text), schema);
    const errs = c.issues.filter((i) => i.severity === 'error');
    expect(errs.map((i) => i.code)).toEqual(['size-limit']);
    expect(errs[0].message).toMatch(/more than 200,000 operations.*not checked or evaluated\. Split the file\./);
    const first = c.parse.file.rules.findIndex((r) => text.slice(r.start, r.end).startsWith(text.slice(errs[0].start, errs[0].end)));
    expect(first).toBeGreaterThan(900);
    expect(first).toBeLessThan(1100);
  });
});

describe('lets built on lets: a DAG, not a tree', () => {
  for (const n of [24, 64, 200]) {
    it(`${n} doubling lets compile to ${2 * n}-odd nodes with short keys, and evaluate to 2^${n} x`, () => {
      const frame = frameOf({ s: { x: [1, 0.5, -2, null, 3] } });
      const text = `${doubling(n)}rule r when a${n} > 0\n`;
      const checked = check(parse(text), { columns: [{ name: 'x', numeric: true }], maxSeriesLength: 5 });
      expect(checked.issues).toEqual([]);
      const program = compile(checked);
      const root = program.lets.get(`a${n}`)!;
      expect(dagSize(root)).toBe(n + 1);
      for (const node of program.nodeOf.values()) expect(node.key.length).toBeLessThanOrEqual(maxKeyLength);
      const v = Array.from(new Evaluator(frame).column(root));
      expect(v).toEqual([1, 0.5, -2, Number.NaN, 3].map((x) => x * 2 ** n));
      const r = new Evaluator(frame).column(program.rules[0].node!);
      expect(Array.from(r)).toEqual([1, 1, 0, 2, 1]);
    });
  }

  it('doubling `and` lets, and doubling calls, evaluate like the single expression', () => {
    const frame = frameOf({ s: { x: [1, 5, 2, 8, 9, 1] } });
    const c = check(parse(`${doubling(100, 'and', 'x > 1')}let m0 = x\n${Array.from({ length: 60 }, (_, i) => `let m${i + 1} = mean(m${i}, 2) - mean(m${i}, 2) + m${i}`).join('\n')}\n`), { columns: [{ name: 'x', numeric: true }], maxSeriesLength: 6 });
    expect(c.issues.filter((i) => i.severity !== 'warning')).toEqual([]);
    const p = compile(c);
    const ev = new Evaluator(frame);
    expect(Array.from(ev.column(p.lets.get('a100')!))).toEqual([0, 1, 1, 1, 1, 0]);
    // mean(m, 2) - mean(m, 2) is 0 where the window is full, missing before: m60 is x from point 60 on (nowhere here).
    expect(Array.from(ev.column(p.lets.get('m1')!))).toEqual([Number.NaN, 5, 2, 8, 9, 1]);
  });

  it('explaining nested calls costs one pass (it used to explain each argument twice per level)', () => {
    const text = `rule r when ${'persist('.repeat(60)}x > 1${', 2)'.repeat(60)}`;
    expect(explainDecl(parse(text).file.rules[0])).toMatch(/^Flags a point as an anomaly when \(\(\(/);
  });

  it('every kind of call is explained in one pass, closed or left open (least, lag, quantile, zscore, unknown names)', () => {
    for (const open of ['least(x, ', 'lag(x, ', 'quantile(x, 3, ', 'zscore(x, ', 'mean(x, ', 'foo(x, ']) {
      for (const close of [')', '']) {
        const text = `rule r when ${open.repeat(30)}-(false)${close.repeat(30)}`;
        expect(explainDecl(parse(text).file.rules[0]).length).toBeLessThan(10_000);
      }
    }
  });
});

describe('plan keys and the feature cache', () => {
  it('equal structure gives equal keys across compiles, different structure different keys', () => {
    const keys = (t: string) => compile(check(parse(t), schema)).rules.map((r) => r.node!.key);
    const deep = doubling(40);
    const a = keys(`${deep}rule r when a40 > 1 and mean(y, 3) < 2\nrule s when y > 1`);
    const b = keys(`# a comment\n${deep}rule r when a40 > 1 and mean(y, 3) < 2\nrule s when y > 1`);
    const c = keys(`${deep}rule r when a40 > 1 and mean(y, 3) < 3\nrule s when y > 2`);
    expect(b).toEqual(a);
    expect(c[0]).not.toBe(a[0]);
    expect(c[1]).not.toBe(a[1]);
    expect(a[0]).toMatch(/^#/);
    expect(a[1]).toBe('cmp>(col:"y"(),num:1())');
  });

  it('editing one rule recomputes only that rule', async () => {
    const csv = csvOf({ s: { x: [1, 2, 3, 4, 5, 6, 7, 8], y: [8, 7, 6, 5, 4, 3, 2, 1], label: [0, 0, 0, 0, 0, 0, 1, 1] } });
    const head = 'dataset "data.csv" {\n    series = id\n    time = t\n    label = label\n}\n';
    const dir = tempDir();
    writeFileSync(join(dir, 'data.csv'), csv);
    const store = new DatasetStore();
    const run = (t: string) => analyze(t, join(dir, 'rules.arl'), { store });
    const first = await run(`${head}${doubling(30)}rule r when a30 > 100 and zscore(x, 3) > 0\nrule s when mean(y, 2) < 3\n`);
    const ev = first.data!.evaluator;
    const before = ev.computed;
    const second = await run(`${head}${doubling(30)}rule r when a30 > 100 and zscore(x, 3) > 0\nrule s when mean(y, 2) < 4\n`);
    expect(second.data!.evaluator).toBe(ev);
    // Only `mean(y, 2) < 4` is new: mean(y, 2), zscore and the doubled lets come from the cache.
    expect(ev.computed - before).toBe(1);
  });
});

describe('arl test with a broken let', () => {
  it('reports the rule, the let and its error instead of throwing', () => {
    const text = 'let bad = x +\nlet mid = bad * 2\nrule r when mid > 3\nrule s when x > 3\ntest "t" {\n    x = [1, 2, 5]\n    expect anomaly\n}\n';
    const [outcome] = runTests(parse(text));
    expect(outcome.passed).toBe(false);
    expect(outcome.errors.map((e) => e.message)).toEqual(['`r` uses `mid`, which has an error: fix `mid` first.', 'Expected an expression but found the end of the declaration.']);
  });
});
