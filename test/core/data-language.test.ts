// Categories, column groups, sessions and windows of `all` in the checker, the plan and test
// blocks: what each construct means, and a clear error with its place for every misuse.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { check, type Schema } from '../../grammar/src/check';
import { explainDecl } from '../../grammar/src/explain';
import { LineIndex, type Issue } from '../../grammar/src/issues';
import { parse } from '../../grammar/src/parse';
import { Evaluator, FeatureCache } from '../../server/src/engine/evaluate';
import { schemaOf } from '../../server/src/engine/frame';
import { compile } from '../../server/src/engine/plan';
import { runTests } from '../../server/src/engine/testblocks';
import { cond, evalExpr, mixedFrameOf, num } from './helpers';

const metrics = Array.from({ length: 38 }, (_, k) => `m${k + 1}`);
const schema: Schema = {
  columns: [
    { name: 'block', numeric: false, categories: ['b1', 'b2'] },
    { name: 'seq', numeric: true },
    { name: 'label', numeric: true },
    { name: 'event', numeric: false, categories: ['E5', 'E3', 'E11', 'E28', 'E1'] },
    { name: 'host', numeric: false, categories: ['web-1', 'web-2'] },
    { name: 'note', numeric: false, note: 'a text column' },
    { name: 'latency', numeric: true },
    ...metrics.map((name) => ({ name, numeric: true })),
  ],
  maxSeriesLength: 300,
};
const head = 'dataset "d.csv" { series = block  time = seq  label = label }\n';

function issuesOf(body: string, s: Schema | undefined = schema) {
  const text = head + body;
  const li = new LineIndex(text);
  return check(parse(text), s).issues.map((i: Issue) => ({
    code: i.code,
    severity: i.severity,
    message: i.message,
    text: text.slice(i.start, i.end),
    line: li.position(i.start).line,
    data: i.data,
  }));
}

function only(body: string, s?: Schema) {
  const all = issuesOf(body, s);
  expect(all, JSON.stringify(all, null, 1)).toHaveLength(1);
  return all[0];
}

describe('one-line rules for real data', () => {
  it('HDFS: E11 then E28 in a block session', () => {
    expect(issuesOf('rule failure when before(event == "E11", event == "E28")\n')).toEqual([]);
  });

  it('SMD: three of the 38 metrics far from their own recent median', () => {
    const text = head + 'rule hot when count_true(robust_z(columns("m*"), 60) > 6) >= 3\n';
    const checked = check(parse(text), schema);
    expect(checked.issues).toEqual([]);
    const node = compile(checked).rules[0].node!;
    // One comparison node per metric, each over its own column: a DAG of per-column nodes.
    const count = node.args[0];
    expect(count.fn).toBe('count_true');
    expect(count.args).toHaveLength(38);
    expect(count.args.map((a) => a.args[0].args[0].name)).toEqual(metrics);
    expect(count.args.every((a) => a.op === 'cmp' && a.args[0].fn === 'robust_z' && a.args[0].consts.w === 60)).toBe(true);
  });

  it('a group in parentheses compiles like the group', () => {
    const text = head + 'let p = (columns("m1?"))\nlet q = ([m1, (m2)])\nrule a when any((p) > 0.9) and all(q > 0)\n';
    const checked = check(parse(text), schema);
    expect(checked.issues).toEqual([]);
    const program = compile(checked);
    expect(program.groupLets.get('p')).toHaveLength(10);
    expect(program.groupLets.get('q')!.map((n) => n.name)).toEqual(['m1', 'm2']);
    expect(program.rules[0].node!.args[0].args).toHaveLength(10);
  });

  it('a let names a group; shared sub-expressions stay one node', () => {
    const text = head + 'let g = columns("m1?")\nrule a when any(g > 0.9)\nrule b when count_true(g > 0.9) >= 2 and max_of(g) < 1\n';
    const checked = check(parse(text), schema);
    expect(checked.issues).toEqual([]);
    const p = compile(checked);
    expect(p.groupLets.get('g')!.map((n) => n.name)).toEqual(['m10', 'm11', 'm12', 'm13', 'm14', 'm15', 'm16', 'm17', 'm18', 'm19']);
    const a = p.rules[0].node!;
    const b = p.rules[1].node!;
    // The comparisons g > 0.9 are the same nodes in both rules.
    expect(b.args[0].args[0].args[0]).toBe(a.args[0]);
  });
});

describe('categories: checker', () => {
  it('accepts comparisons, in lists, lag, first, last, count and conditions over them', () => {
    const body = [
      'let prev = lag(event, 1)',
      'rule a when event in ["E11", "E28"] and prev != "E5"',
      'rule b when event not in ["E1"] or event == prev or first(event) == "E1" or last(host) == "web-2"',
      'rule c when count(event == "E5", all) > 3 and since(event == "E3") < 10 and ever(host == "web-1")',
      'rule d when count(event, 10) < 5 or is_missing(event) or "E11" == event',
    ].join('\n');
    expect(issuesOf(body)).toEqual([]);
  });

  it('a number compared with a category, and a category with a number: errors with the fix', () => {
    const a = only('rule r when event == 11');
    expect(a).toMatchObject({ code: 'kind-mismatch', severity: 'error', text: '11', line: 1 });
    expect(a.message).toBe('`event` holds categories (text), not numbers: compare it with a string: `event == "11"`.');
    expect(a.data?.replacements).toEqual(['"11"']);
    expect(only('rule r when 28 != lag(event)')).toMatchObject({ code: 'kind-mismatch', text: '28' });
    const b = only('rule r when latency == "12"');
    expect(b).toMatchObject({ code: 'kind-mismatch', text: '"12"' });
    expect(b.message).toBe('`latency` is a number; a string compares only with a category (text) column. Write the number: `12`.');
    expect(b.data?.replacements).toEqual(['12']);
    expect(only('rule r when latency in ["a"]')).toMatchObject({ code: 'kind-mismatch', text: '"a"' });
    expect(only('rule r when event in ["E11", 28]')).toMatchObject({ code: 'kind-mismatch', text: '28', data: { replacements: ['"28"'] } });
    expect(only('rule r when event == latency')).toMatchObject({ code: 'kind-mismatch', text: 'latency' });
  });

  it('categories have no order and no arithmetic, and are not conditions', () => {
    expect(only('rule r when event < "E5"')).toMatchObject({ code: 'kind-mismatch', text: '<', message: expect.stringContaining('Categories have no order') });
    expect(only('rule r when event + 1 > 2')).toMatchObject({ code: 'kind-mismatch', text: 'event' });
    expect(only('rule r when mean(event, 3) > 2')).toMatchObject({ code: 'kind-mismatch', text: 'event', message: expect.stringContaining('compare it with a string first') });
    expect(only('rule r when event')).toMatchObject({ code: 'not-a-condition', message: expect.stringContaining('this is a category') });
    expect(only('rule r when not event')).toMatchObject({ code: 'kind-mismatch' });
    expect(only('rule r when event and latency > 1')).toMatchObject({ code: 'kind-mismatch', text: 'event' });
  });

  it('an unknown category is a warning listing the known ones, with a did-you-mean', () => {
    const w = only('rule r when event == "E111"');
    expect(w).toMatchObject({ code: 'unknown-category', severity: 'warning', text: '"E111"', line: 1 });
    expect(w.message).toBe('`event` never holds "E111": did you mean "E11"? so this comparison is never true. Its values, most frequent first: "E5", "E3", "E11", "E28", "E1".');
    expect(w.data?.replacements).toEqual(['"E11"', '"E1"']);
    expect(only('rule r when lag(event, 2) in ["E5", "e28"]')).toMatchObject({ code: 'unknown-category', text: '"e28"', data: { replacements: ['"E28"'] } });
    // Through a let.
    expect(issuesOf('let e = first(event)\nrule r when e == "nope"').map((i) => i.code)).toEqual(['unknown-category']);
  });

  it('no warning when the loader could list only part of the values', () => {
    const many: Schema = { ...schema, columns: [...schema.columns, { name: 'user', numeric: false, categories: Array.from({ length: 1000 }, (_, k) => `u${k}`) }] };
    expect(issuesOf('rule r when user == "u5000"', many)).toEqual([]);
  });

  it('strings and lists where they do not belong', () => {
    expect(only('rule r when mean("E11", 3) > 1')).toMatchObject({ code: 'stray-string', text: '"E11"' });
    expect(only('rule r when latency > "E11"')).toMatchObject({ code: 'kind-mismatch', text: '"E11"', message: expect.stringContaining('`latency` is a number') });
    expect(only('rule r when "a" == "b"')).toMatchObject({ code: 'kind-mismatch' });
    expect(only('rule r when event in "E11"')).toMatchObject({ code: 'bad-in', text: '"E11"', message: expect.stringContaining('takes a list written in place') });
    expect(only('rule r when event in []')).toMatchObject({ code: 'empty-list', text: '[]' });
    expect(only('rule r when (latency > 1) in [1]')).toMatchObject({ code: 'kind-mismatch', text: '(latency > 1)' });
    expect(only('rule r when latency in [1, latency]')).toMatchObject({ code: 'not-constant', text: 'latency' });
    expect(only('rule r when any(["a", latency] > 1)')).toMatchObject({ code: 'stray-string', text: '"a"' });
  });

  it('a text column that is not a category stays an error', () => {
    expect(only('rule r when note == "x"')).toMatchObject({ code: 'non-numeric-column', text: 'note' });
  });

  it('without a dataset, a column compared with a string is taken for a category', () => {
    const text = 'rule r when event == "E11" and lag(kind, 1) in ["a"]\n';
    const checked = check(parse(text));
    expect(checked.issues).toEqual([]);
    expect([...checked.textColumnsUsed]).toEqual(['event', 'kind']);
  });
});

describe('column groups: checker', () => {
  it('a pattern that matches no column: an error listing the columns', () => {
    const e = only('rule r when any(columns("cpu*") > 1)');
    expect(e).toMatchObject({ code: 'no-columns', severity: 'error', text: '"cpu*"', line: 1 });
    expect(e.message).toContain('`columns("cpu*")` matches no column. Columns: event, host, latency, m1, m2');
    // The series, time and label columns are never part of a group.
    expect(e.message).not.toContain('block');
    expect(e.message).not.toContain('label');
  });

  it('patterns: * and ?, whole names, number and category columns not mixed', () => {
    const text = head + 'let a = columns("m?")\nlet b = columns("m3*")\nlet c = columns("h*t")\nrule r when any(a > 1) and any(b > 1) and any(c == "web-1")';
    const checked = check(parse(text), schema);
    expect(checked.issues).toEqual([]);
    const groups = checked.lets;
    expect(checked.groups.get(groups.get('a')!.expr!)!.columns).toEqual(metrics.slice(0, 9));
    expect(checked.groups.get(groups.get('b')!.expr!)!.columns).toEqual(['m3', 'm30', 'm31', 'm32', 'm33', 'm34', 'm35', 'm36', 'm37', 'm38']);
    expect(checked.groups.get(groups.get('c')!.expr!)!.columns).toEqual(['host']);
    expect(only('rule r when any(columns("*") > 1)')).toMatchObject({ code: 'mixed-group' });
  });

  it('a group where one condition is needed, groups of different sizes, bad patterns', () => {
    const g = only('rule r when columns("m*") > 0.9');
    expect(g).toMatchObject({ code: 'group-condition', text: 'columns("m*") > 0.9' });
    expect(g.message).toBe('A rule needs one condition per point, but this is a group of 38 (m1, m2, m3, m4, ...): combine them with `any(...)`, `all(...)` or `count_true(...) >= k`.');
    expect(only('rule r when any(columns("m1?") > columns("m3?"))')).toMatchObject({ code: 'group-size', message: expect.stringContaining('9 members and the other 10') });
    expect(only('rule r when any(columns(m1) > 1)')).toMatchObject({ code: 'bad-pattern' });
    expect(only('rule r when any(columns("m1", "m2") > 1)')).toMatchObject({ code: 'bad-pattern' });
    expect(only('rule r when any([m1, event] > 1)')).toMatchObject({ code: 'kind-mismatch', text: 'event' });
    expect(only('rule r when any()')).toMatchObject({ code: 'arity' });
    expect(only('rule r when least(columns("m1")) > 1')).toMatchObject({ code: 'arity' });
    expect(issuesOf('rule r when least(columns("m1?")) > 1')).toEqual([]);
  });

  it('without a dataset groups are checked but not compiled', () => {
    const checked = check(parse('rule r when any(columns("m*") > 1)\nrule s when x > 1'));
    expect(checked.issues).toEqual([]);
    const p = compile(checked);
    expect(p.rules[0].node).toBeUndefined();
    expect(p.rules[1].node).toBeDefined();
  });
});

describe('windows: all and min_count', () => {
  it('`all` is a window length; not for robust_z or ewma; min_count within the window', () => {
    expect(issuesOf('rule r when mean(latency, all) > 1 and zscore(latency, all, min_count = 10) > 3 and count(event == "E5", all, offset = 1) > 2')).toEqual([]);
    expect(only('rule r when robust_z(latency, all) > 1')).toMatchObject({ code: 'bad-constant', text: 'all', message: expect.stringContaining('quadratic') });
    expect(only('rule r when lag(latency, all) > 1')).toMatchObject({ code: 'bad-constant', text: 'all' });
    expect(only('rule r when mean(latency, 3, min_count = 5) > 1')).toMatchObject({ code: 'bad-constant', text: '5', message: expect.stringContaining('could never be met') });
    expect(only('rule r when mean(latency, 3, min_count = 0) > 1')).toMatchObject({ code: 'bad-constant', text: '0' });
    expect(only('rule r when count_all(latency > 1) > 1')).toMatchObject({ code: 'unknown-function', message: 'Unknown function `count_all`: write `count(cond, all)`.' });
  });

  it('a window longer than any series takes no more memory than the longest series', () => {
    const F = mixedFrameOf({ a: { x: [1, 2, 3] } });
    expect(num(F, 'mean(x, 1000000, min_count = 1)')).toEqual([1, 1.5, 2]);
    expect(num(F, 'zscore(x, 1000000, min_count = 2)').map(Number.isNaN)).toEqual([true, true, false]);
    expect(num(F, 'median(x, 1000000)').every(Number.isNaN)).toBe(true);
  });

  it('a long window with min_count is not "missing everywhere"', () => {
    expect(issuesOf('rule r when mean(latency, 500, min_count = 10) > 1')).toEqual([]);
    expect(only('rule r when mean(latency, 500) > 1')).toMatchObject({ code: 'window-too-long' });
  });
});

describe('categories: evaluation', () => {
  const F = mixedFrameOf({
    a: { event: ['E1', 'E11', 'E2', null, 'E28', 'E5'], host: ['h1', 'h1', 'h2', 'h2', 'h1', null] },
    b: { event: ['E28', 'E11', 'E28', 'E3', 'E3', 'E3'], host: ['h1', 'h1', 'h1', 'h1', 'h1', 'h1'] },
  });

  it('by code, unknown where the cell is missing, false for a value the data never holds', () => {
    expect(cond(F, 'event == "E11"')).toBe('FTF?FFFTFFFF');
    expect(cond(F, 'event in ["E11", "E28"]')).toBe('FTF?TFTTTFFF');
    expect(cond(F, 'event not in ["E11", "E28"]')).toBe('TFT?FTFFFTTT');
    expect(cond(F, 'event == "E99"')).toBe('FFF?FFFFFFFF');
    expect(cond(F, 'lag(event, 1) == "E11"')).toBe('?FTF?F?FTFFF');
    expect(cond(F, 'before(event == "E11", event == "E28")')).toBe('FFF?TFFFTFFF');
    expect(cond(F, 'event == host')).toBe('FFF?F?FFFFFF');
    expectNum(num(F, 'since(event == "E11")'), [NaN, 0, 1, 2, 3, 4, NaN, 0, 1, 2, 3, 4]);
  });

  it('no string from a rule file reaches generated code', () => {
    const sources: string[] = [];
    const original = globalThis.Function;
    globalThis.Function = new Proxy(original, {
      construct(target, args) {
        sources.push(args.join('\n'));
        return Reflect.construct(target, args);
      },
    });
    try {
      const evil = 'E1"); globalThis.pwned = 1; ("';
      const expr = `(event == ${JSON.stringify(evil)} or event in ["E28", ${JSON.stringify(evil)}]) and not (host == "h1\`\${1}")`;
      expect(cond(F, expr)).toBe('FFF?TFTFTFFF');
      expect(sources.length).toBeGreaterThan(0);
      for (const src of sources) {
        expect(src).not.toContain('pwned');
        expect(src).not.toContain('E28');
        expect(src).not.toContain('h1');
      }
      expect((globalThis as { pwned?: number }).pwned).toBeUndefined();
    } finally {
      globalThis.Function = original;
    }
  });

  it('a category column is cached like any other node', () => {
    const ev = new Evaluator(F, new FeatureCache());
    evalExpr(F, 'lag(event, 1) == "E5"', ev);
    const misses = ev.cache.misses;
    evalExpr(F, 'lag(event, 1) in ["E11"]', ev);
    // lag(event, 1) is reused; only the new test is computed.
    expect(ev.cache.misses - misses).toBe(1);
  });
});

describe('test blocks with text values', () => {
  const file = `rule failure when before(event == "E11", event == "E28")
rule busy when count(event == "E5", all) >= 2 and host != "web-2"

test "E11 then E28" {
    event = ["E5", "E11", "E3", "E28"]
    expect anomaly
    expect normal at 0, 1, 2
}

test "E28 before E11 is not a failure" {
    event = ["E28", _, "E11"]
    expect normal at 0, 1, 2
}

test "host missing everywhere: busy is unknown" {
    event = ["E5", "E5"]
    expect normal
}
`;

  it('runs them: categories in tests, columns left out are missing categories', () => {
    const outcomes = runTests(parse(file));
    expect(outcomes.map((o) => [o.title, o.passed, o.errors.map((e) => e.message)])).toEqual([
      ['E11 then E28', true, []],
      ['E28 before E11 is not a failure', true, []],
      ['host missing everywhere: busy is unknown', true, []],
    ]);
  });

  it('a failing expectation fails', () => {
    const outcomes = runTests(parse(file.replace('expect normal at 0, 1, 2\n}\n\ntest "E28', 'expect anomaly at 1\n}\n\ntest "E28')));
    expect(outcomes[0].passed).toBe(false);
    expect(outcomes[0].failures.map((f) => f.at)).toEqual([1]);
  });

  it('a column mixing strings and numbers is an error at the number', () => {
    const text = 'rule r when event == "E1"\ntest "t" {\n    event = ["E1", 2, _]\n    expect anomaly\n}\n';
    const checked = check(parse(text));
    const e = checked.issues.find((i) => i.code === 'test-mixed')!;
    expect(text.slice(e.start, e.end)).toBe('2');
    expect(e.message).toBe('`event` holds strings (categories), so every value must be a string or `_`: write `"2"`.');
  });

  it('the frame a test builds has the schema the checker needs', () => {
    const frame = mixedFrameOf({ t: { event: ['E1', 'E2', 'E1'] } });
    expect(schemaOf(frame).columns.find((c) => c.name === 'event')).toEqual({ name: 'event', numeric: false, categories: ['E1', 'E2'] });
  });
});

function expectNum(actual: number[], expected: number[]): void {
  expect(actual.map((v) => (Number.isNaN(v) ? 'NaN' : v))).toEqual(expected.map((v) => (Number.isNaN(v) ? 'NaN' : v)));
}



describe('never a crash', () => {
  const F = mixedFrameOf({ a: { x: [1, 2, null, 4], ev: ['A', 'B', null, 'A'], m1: [1, 2, 3, 4], m2: [0, null, 1, 1] }, b: { x: [3, 3], ev: ['C', 'A'], m1: [1, 1], m2: [2, 2] } });
  const words = ['x', 'ev', 'm1', 'm2', 'g', 'columns("m*")', 'columns("*")', 'columns("z")', '[m1, m2]', '[x, ev]', '["A", "B"]', '"A"', '"Z"', 'in', 'not', 'not in', 'all',
    '1', '0.5', '-', '+', '/', '==', '!=', '<', 'and', 'or', '(', ')', ',', '[', ']', 'any(', 'all(', 'count_true(', 'max_of(', 'least(', 'lag(', 'first(', 'last(',
    'ever(', 'since(', 'before(', 'count(', 'mean(', 'rank(', 'zscore(', 'robust_z(', 'is_missing(', 'min_count =', 'offset ='];
  const soup = fc
    .array(fc.tuple(fc.constantFrom('rule r when', 'let g =', 'let h =', 'exclude e when'), fc.array(fc.constantFrom(...words), { maxLength: 14 })), { maxLength: 4 })
    .map((decls) => decls.map(([h, b]) => `${h} ${b.join(' ')}`).join('\n'));

  it('checking, compiling and evaluating soups of the new syntax, with and without the dataset', () => {
    fc.assert(
      fc.property(soup, (text) => {
        const program = compile(check(parse(text), schemaOf(F)));
        const ev = new Evaluator(F);
        for (const d of [...program.rules, ...program.excludes]) if (d.node) ev.column(d.node);
        for (const n of program.lets.values()) if (n.kind !== 'category') ev.values(n);
        compile(check(parse(text)));
      }),
      { numRuns: 1500 },
    );
  });
});

describe('explanations', () => {
  const explain = (rule: string) => explainDecl(parse(rule).file.rules[0]);
  it('reads the new constructs in plain English', () => {
    expect(explain('rule f when before(event == "E11", event == "E28")')).toBe('Flags a point as an anomaly when `event` is "E28", after `event` is "E11" at an earlier point.');
    expect(explain('rule h when count_true(robust_z(columns("m*"), 60) > 6) >= 3')).toBe(
      'Flags a point as an anomaly when how many of (how far each column matching "m*" is from its median over the previous 60 points, in MADs is above 6) hold is at least 3.',
    );
    expect(explain('rule a when event not in ["E1", "E2"] and count(event == "E5", all) > 2')).toBe(
      'Flags a point as an anomaly when `event` is not one of "E1", "E2" and the number of points where `event` is "E5" over all points so far is above 2.',
    );
    expect(explain('rule b when mean(x, 10, min_count = 3) > 1 or since(x > 3) < 4 or rank(x, all) > 0.9')).toBe(
      'Flags a point as an anomaly when the mean of `x` over the last 10 points (from 3 values on) is above 1 or the number of points since `x` is above 3 last held is below 4 or where `x` ranks among all earlier points (0 below all, 1 above all) is above 0.9.',
    );
    expect(explain('rule c when any([m1, m2] > 0.5) and first(event) != "E1" and ever(x > 3)')).toBe(
      'Flags a point as an anomaly when any of (each of `m1`, `m2` is above 0.5) holds and the first value of `event` is not "E1" and `x` is above 3 at some point so far.',
    );
  });
});
