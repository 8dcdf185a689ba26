// Parser and checker: valid files, precise syntax errors, recovery, and every checker error.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { check, type Schema } from '../../grammar/src/check';
import { LineIndex, type Issue } from '../../grammar/src/issues';
import { makeLexer } from '../../grammar/src/lexer';
import { parse } from '../../grammar/src/parse';
import { ArlParser } from '../../grammar/src/parser';

const exampleText = readFileSync(new URL('../../examples/stockout/stockout.arl', import.meta.url), 'utf8');

const schema: Schema = {
  columns: [
    { name: 'sku', numeric: false, note: 'a text column' },
    { name: 'week', numeric: false, note: 'line 2 holds "2025-01-06"' },
    { name: 'oos_ratio', numeric: true },
    { name: 'units', numeric: true },
    { name: 'is_anomaly', numeric: true },
    { name: 'reason', numeric: false, note: 'a text column' },
    { name: 'odd name', numeric: true },
  ],
  maxSeriesLength: 53,
};

/** Issues with their text and 0-based line/character range, for readable expectations. */
function issuesOf(text: string, s?: Schema) {
  const li = new LineIndex(text);
  return check(parse(text), s).issues.map((i: Issue) => {
    const r = li.range(i.start, i.end);
    return {
      code: i.code,
      severity: i.severity,
      message: i.message,
      text: text.slice(i.start, i.end),
      from: [r.start.line, r.start.character],
      to: [r.end.line, r.end.character],
      data: i.data,
    };
  });
}

function only(text: string, s?: Schema) {
  const all = issuesOf(text, s);
  expect(all, JSON.stringify(all, null, 1)).toHaveLength(1);
  return all[0];
}

describe('the grammar itself', () => {
  // The parser and lexer every process makes skip chevrotain's checks (startup time): they run here.
  it("passes chevrotain's checks of the tokens and the grammar (ambiguities, left recursion)", () => {
    const lexer = makeLexer(true);
    expect(lexer.lexerDefinitionErrors).toEqual([]);
    expect(() => new ArlParser(true)).not.toThrow();
  });
});

describe('valid files', () => {
  it('the example file parses and checks without any issue', () => {
    const p = parse(exampleText);
    expect(p.issues).toEqual([]);
    expect(check(p, schema).issues).toEqual([]);
    expect(p.file.rules.map((r) => r.name?.name)).toEqual(['critical', 'pressure', 'escalating']);
    expect(p.file.excludes.map((r) => r.name?.name)).toEqual(['drop']);
    expect(p.file.lets.map((r) => r.name?.name)).toEqual(['recent', 'z']);
    expect(p.file.tests.map((t) => t.title?.value)).toEqual(['rise after quiet weeks', 'a drop is not an anomaly']);
    expect(p.file.dataset?.path?.value).toBe('stockout.csv');
    expect(p.comments.length).toBeGreaterThan(3);
  });

  it('reads every part of the language', () => {
    const text = [
      'dataset "data/x.csv" { series = sku  time = `the week`  label = y  reason = "why"  split = 70/15/15 }',
      'let base = median(oos_ratio, 4, offset = 1)  # a comment',
      'rule big "Big jump" severity critical when oos_ratio >= 1e2 or -oos_ratio < -.5 and not (base == 0)',
      'rule quiet when `odd name` != 2 * (3 + base) / 4 - 1',
      'exclude restock "Restocked" when oos_ratio < 0.5 * lag(oos_ratio)',
      'test "t" {',
      '  oos_ratio = [0, _, -2.5, 1e1]',
      '  normal = [1, 2, 3, 4]',
      '  expect anomaly at 1, 3',
      '  expect normal',
      '}',
    ].join('\n');
    const p = parse(text);
    expect(p.issues).toEqual([]);
    const f = p.file;
    expect(f.dataset!.props.map((q) => [q.key.name, q.value])).toEqual([
      ['series', expect.objectContaining({ kind: 'name', name: 'sku' })],
      ['time', expect.objectContaining({ kind: 'name', name: 'the week' })],
      ['label', expect.objectContaining({ kind: 'name', name: 'y' })],
      ['reason', expect.objectContaining({ kind: 'string', value: 'why' })],
      ['split', expect.objectContaining({ kind: 'split', parts: [70, 15, 15] })],
    ]);
    const big = f.rules[0];
    expect(big.title?.value).toBe('Big jump');
    expect(big.severity?.name).toBe('critical');
    // `or` binds loosest, then `and`, then `not`.
    expect(big.expr).toMatchObject({ kind: 'binary', op: 'or', right: { kind: 'binary', op: 'and', right: { kind: 'unary', op: 'not' } } });
    // Arithmetic: * and / before + and -, left to right.
    const quiet = f.rules[1].expr!;
    expect(quiet).toMatchObject({
      kind: 'binary',
      op: '!=',
      left: { kind: 'name', name: 'odd name' },
      right: { kind: 'binary', op: '-', left: { kind: 'binary', op: '/', left: { kind: 'binary', op: '*' } }, right: { kind: 'number', value: 1 } },
    });
    const t = f.tests[0];
    expect(t.columns.map((c) => [c.name.name, c.values])).toEqual([
      ['oos_ratio', [0, Number.NaN, -2.5, 10]],
      ['normal', [1, 2, 3, 4]],
    ]);
    expect(t.expects.map((e) => [e.outcome, e.at])).toEqual([
      ['anomaly', [1, 3]],
      ['normal', []],
    ]);
    expect(check(p).issues.filter((i) => i.severity === 'error')).toEqual([]);
  });

  it('spans of nodes are offsets into the text', () => {
    const text = 'rule r when mean(oos_ratio, 4) > 3';
    const r = parse(text).file.rules[0];
    expect(text.slice(r.start, r.end)).toBe(text);
    expect(text.slice(r.expr!.start, r.expr!.end)).toBe('mean(oos_ratio, 4) > 3');
    const call = (r.expr as { left: { start: number; end: number } }).left;
    expect(text.slice(call.start, call.end)).toBe('mean(oos_ratio, 4)');
  });

  it('LineIndex converts offsets to lines and back, with \\n, \\r\\n and \\r', () => {
    const li = new LineIndex('ab\ncd\r\nef\rg');
    expect(li.lineCount).toBe(4);
    expect(li.position(0)).toEqual({ line: 0, character: 0 });
    expect(li.position(4)).toEqual({ line: 1, character: 1 });
    expect(li.position(7)).toEqual({ line: 2, character: 0 });
    expect(li.position(10)).toEqual({ line: 3, character: 0 });
    expect(li.position(99)).toEqual({ line: 3, character: 1 });
    for (let o = 0; o <= li.text.length; o++) {
      if (li.text[o - 1] === '\r' && li.text[o] === '\n') continue; // inside a \r\n pair
      expect(li.offset(li.position(o))).toBe(o);
    }
  });
});

describe('syntax errors', () => {
  it('a missing operand is reported just after the operator, and the next rule survives', () => {
    const text = 'rule a when oos_ratio > \nrule b when units > 2\n';
    const i = only(text);
    expect(i).toMatchObject({ code: 'syntax', severity: 'error', from: [0, 23], to: [0, 23] });
    expect(i.message).toBe('Expected an expression but found the end of the declaration.');
    expect(parse(text).file.rules.map((r) => r.name?.name)).toEqual(['a', 'b']);
  });

  it('an unexpected token is underlined', () => {
    const i = issuesOf('rule a when x >> 3')[0];
    expect(i).toMatchObject({ code: 'syntax', text: '>', from: [0, 15], to: [0, 16] });
    expect(i.message).toBe("Expected an expression but found '>'.");
  });

  it('a missing name, a missing `when`, a missing parenthesis', () => {
    expect(only('rule when x > 1')).toMatchObject({ text: 'when', from: [0, 5], message: "Expected a name but found 'when'." });
    expect(only('rule r x > 1')).toMatchObject({ text: 'x', from: [0, 7], message: "Expected 'when' but found 'x'." });
    expect(only('rule r when (x > 1')).toMatchObject({ from: [0, 18], to: [0, 18], message: "Expected ')' but found the end of the declaration." });
    expect(only('rule r when x > 1)')).toMatchObject({ text: ')', from: [0, 17] });
    expect(only('dataset { series = s }')).toMatchObject({ text: '{', message: "Expected a string but found '{'." });
  });

  it('text before the first declaration', () => {
    const i = issuesOf('x > 3\nrule r when x > 2')[0];
    expect(i).toMatchObject({ code: 'syntax', text: 'x > 3', from: [0, 0], to: [0, 5] });
    expect(i.message).toContain("Expected a declaration ('dataset', 'let', 'rule', 'exclude' or 'test')");
  });

  it('characters ARL does not use, and unterminated strings', () => {
    const lex = issuesOf('rule r when x $ 3')[0];
    expect(lex).toMatchObject({ code: 'lex-error', text: '$', from: [0, 14], to: [0, 15] });
    const str = issuesOf('rule r "Title when x > 1')[0];
    expect(str).toMatchObject({ code: 'unterminated-string', text: '"Title when x > 1', from: [0, 7] });
  });

  it('a test value that is not a number or `_`', () => {
    expect(only('test "t" { x = [1, abc, 3]\n expect anomaly }')).toMatchObject({
      code: 'syntax',
      text: 'abc',
      from: [0, 19],
      message: "Expected a number, a string or '_' (a missing value) but found 'abc'.",
    });
  });

  it('positions are on the right line in a multi-line file', () => {
    const text = '# header\n\nlet a = 1\n\nrule r when\n    a > * 2\n';
    const i = only(text);
    expect(i).toMatchObject({ text: '*', from: [5, 8], to: [5, 9] });
  });
});

describe('recovery', () => {
  const text = [
    'rule a when x > 1 +', // 0: missing operand
    'let k = * 2', // 1: bad start of expression
    'exclude e when', // 2: missing condition
    'rule ok when y > 2', // 3: fine
    'test "t" { x = [1, 2, }', // 4: bad value
    'rule ok2 when z < 1', // 5: fine
  ].join('\n');

  it('reports every error, each on its own line', () => {
    const errors = issuesOf(text).filter((i) => i.code === 'syntax');
    expect(errors.map((e) => e.from[0])).toEqual([0, 1, 2, 4]);
  });

  it('keeps every declaration, and the valid rules whole', () => {
    const f = parse(text).file;
    expect(f.decls.map((d) => d.kind)).toEqual(['rule', 'let', 'exclude', 'rule', 'test', 'rule']);
    expect(f.rules.map((r) => r.name?.name)).toEqual(['a', 'ok', 'ok2']);
    const ok2 = f.rules[2];
    expect(ok2.expr).toMatchObject({ kind: 'binary', op: '<', left: { kind: 'name', name: 'z' }, right: { kind: 'number', value: 1 } });
    const c = check(parse(text));
    // The broken declarations are set aside; the valid rules can still be evaluated.
    expect([...c.broken].map((d) => (d as { name?: { name: string } }).name?.name).sort()).toEqual(['a', 'e', 'k']);
  });

  it('an error in a let breaks the rules that use it, and only those', () => {
    const c = check(parse('let bad = 1 +\nrule r when oos_ratio > bad\nrule s when oos_ratio > 1'), schema);
    const names = [...c.broken].map((d) => (d as { name?: { name: string } }).name?.name).sort();
    expect(names).toEqual(['bad', 'r']);
  });
});

describe('checker errors', () => {
  it('unknown name, with "did you mean" and a replacement', () => {
    const i = only('rule r when oos > 2', schema);
    expect(i).toMatchObject({ code: 'unknown-name', text: 'oos', from: [0, 12], to: [0, 15] });
    expect(i.message).toContain('did you mean `oos_ratio`?');
    expect(i.data?.replacements).toContain('oos_ratio');
  });

  it('an unknown name suggests a column needing backticks written with them', () => {
    const i = only('rule r when odd_nam > 2', schema);
    expect(i.data?.replacements).toContain('`odd name`');
  });

  it('a text column cannot be computed with', () => {
    expect(only('rule r when sku > 2', schema)).toMatchObject({ code: 'non-numeric-column', text: 'sku' });
  });

  it('unknown function, with "did you mean"', () => {
    const i = only('rule r when meen(oos_ratio, 3) > 1', schema);
    expect(i).toMatchObject({ code: 'unknown-function', text: 'meen', from: [0, 12], to: [0, 16] });
    expect(i.message).toContain('did you mean `mean`?');
  });

  it('a function used as a name', () => {
    expect(only('rule r when mean > 2', schema)).toMatchObject({ code: 'function-as-name', text: 'mean' });
  });

  it('arity: too few, too many, variadic', () => {
    const few = only('rule r when mean(oos_ratio) > 1', schema);
    expect(few).toMatchObject({ code: 'arity', text: 'mean(oos_ratio)' });
    expect(few.message).toContain('`w`');
    expect(only('rule r when mean(oos_ratio, 3, 0, 1, 5) > 1', schema)).toMatchObject({ code: 'arity', text: '5' });
    expect(only('rule r when least(oos_ratio) > 1', schema)).toMatchObject({ code: 'arity', text: 'least(oos_ratio)' });
  });

  it('named arguments: unknown, given twice, positional after named', () => {
    const unknown = only('rule r when mean(oos_ratio, 3, ofset = 1) > 1', schema);
    expect(unknown).toMatchObject({ code: 'named-arg', text: 'ofset' });
    expect(unknown.message).toBe('mean has no parameter `ofset`: did you mean `offset`? It takes mean(x, w, offset = 0, [min_count]).');
    expect(only('rule r when mean(oos_ratio, 3, size = 1) > 1', schema).message).toBe('mean has no parameter `size`. It takes mean(x, w, offset = 0, [min_count]).');
    expect(only('rule r when mean(oos_ratio, w = 3, x = units) > 1', schema)).toMatchObject({ code: 'named-arg', text: 'x' });
    expect(only('rule r when mean(oos_ratio, w = 3, 1) > 1', schema)).toMatchObject({ code: 'named-arg', text: '1' });
    expect(only('rule r when least(oos_ratio, x = 1) > 1', schema)).toMatchObject({ code: 'named-arg', text: 'x' });
    expect(issuesOf('rule r when mean(w = 3, x = oos_ratio, offset = 2) > 1', schema)).toEqual([]);
  });

  it('constant arguments: expressions, fractions, out of range', () => {
    expect(only('rule r when mean(oos_ratio, units) > 1', schema)).toMatchObject({ code: 'not-constant', text: 'units' });
    expect(only('rule r when mean(oos_ratio, 2.5) > 1', schema)).toMatchObject({ code: 'bad-constant', text: '2.5' });
    expect(only('rule r when lag(oos_ratio, 0) > 1', schema)).toMatchObject({ code: 'bad-constant', text: '0' });
    expect(only('rule r when mean(oos_ratio, 3, offset = -1) > 1', schema)).toMatchObject({ code: 'bad-constant', text: '-1' });
    expect(only('rule r when quantile(oos_ratio, 3, 1.5) > 1', schema)).toMatchObject({ code: 'bad-constant', text: '1.5' });
    expect(issuesOf('rule r when mean(oos_ratio, (4)) > 1', schema)).toEqual([]);
  });

  it('number vs boolean kinds', () => {
    expect(only('rule r when mean(oos_ratio, 3) and true', schema)).toMatchObject({ code: 'kind-mismatch', text: 'mean(oos_ratio, 3)' });
    expect(only('rule r when not oos_ratio', schema)).toMatchObject({ code: 'kind-mismatch', text: 'oos_ratio' });
    expect(only('rule r when -(oos_ratio > 1) > 0', schema)).toMatchObject({ code: 'kind-mismatch', text: '(oos_ratio > 1)' });
    expect(only('rule r when oos_ratio + (units > 1) > 2', schema)).toMatchObject({ code: 'kind-mismatch', text: '(units > 1)' });
    expect(only('rule r when persist(oos_ratio, 3)', schema)).toMatchObject({ code: 'kind-mismatch', text: 'oos_ratio' });
    expect(only('rule r when mean(oos_ratio > 1, 3) > 0', schema)).toMatchObject({ code: 'kind-mismatch', text: 'oos_ratio > 1' });
    // A rule needs a condition; a let may be either kind.
    expect(only('rule r when oos_ratio * 2', schema)).toMatchObject({ code: 'not-a-condition', text: 'oos_ratio * 2' });
    expect(only('let c = oos_ratio > 1\nrule r when c + 1 > 0', schema)).toMatchObject({ code: 'kind-mismatch', text: 'c' });
    // count takes either kind.
    expect(issuesOf('rule r when count(oos_ratio > 1, 3) + count(oos_ratio, 3) > 0', schema)).toEqual([]);
  });

  it('duplicate names: lets, rules and excludes share one namespace each', () => {
    const lets = only('let a = 1\nlet a = 2\nrule r when oos_ratio > a', schema);
    expect(lets).toMatchObject({ code: 'duplicate-name', text: 'a', from: [1, 4] });
    expect(lets.message).toContain('line 1');
    const rules = only('rule r when oos_ratio > 1\nexclude r when oos_ratio < 0', schema);
    expect(rules).toMatchObject({ code: 'duplicate-name', text: 'r', from: [1, 8] });
    expect(only('test "t" { x = [1]\n x = [2]\n expect normal }', schema)).toMatchObject({ code: 'duplicate-name', text: 'x' });
  });

  it('an unused let is a warning, greyed out, with a fix removing its line', () => {
    const text = 'let used = 1\nlet unused = 2\nrule r when oos_ratio > used\n';
    const i = only(text, schema);
    expect(i).toMatchObject({ code: 'unused-let', severity: 'warning', text: 'unused', from: [1, 4] });
    const full = check(parse(text), schema).issues[0];
    expect(full.tags).toEqual(['unnecessary']);
    const edit = full.data!.fixes![0].edits[0];
    expect(text.slice(0, edit.start) + edit.newText + text.slice(edit.end)).toBe('let used = 1\nrule r when oos_ratio > used\n');
  });

  it('let cycles, direct and indirect', () => {
    expect(only('let a = a + 1\nrule r when a > 1', schema)).toMatchObject({ code: 'let-cycle', text: 'a', from: [0, 8] });
    const indirect = issuesOf('let a = b\nlet b = c * 2\nlet c = a\nrule r when a > 1', schema);
    expect(indirect.map((i) => i.code)).toEqual(['let-cycle']);
    const c = check(parse('let a = b\nlet b = a\nrule r when a > 1\nrule s when oos_ratio > 1'), schema);
    expect([...c.broken].map((d) => (d as { name?: { name: string } }).name?.name).sort()).toEqual(['a', 'b', 'r']);
  });

  it('chained comparisons', () => {
    const i = only('rule r when 1 < oos_ratio < 5', schema);
    expect(i).toMatchObject({ code: 'chained-comparison', text: '<', from: [0, 26] });
    expect(issuesOf('rule r when (1 < oos_ratio) == (oos_ratio < 5)', schema).map((x) => x.code)).toEqual(['kind-mismatch', 'kind-mismatch']);
  });

  it('a window longer than the longest series', () => {
    const i = only('rule r when mean(oos_ratio, 60) > 1', schema);
    expect(i).toMatchObject({ code: 'window-too-long', severity: 'warning', text: 'mean(oos_ratio, 60)' });
    expect(i.message).toContain('59 earlier points');
    expect(i.message).toContain('53 points');
    // History adds up through nesting and offsets: 50 + 2 + 1 = 53 >= 53.
    expect(only('rule r when lag(mean(oos_ratio, 51, offset = 2), 1) > 1', schema)).toMatchObject({
      code: 'window-too-long',
      text: 'lag(mean(oos_ratio, 51, offset = 2), 1)',
    });
    // Only the innermost call that is too long is reported.
    expect(only('rule r when abs(zscore(oos_ratio, 53)) > 1', schema)).toMatchObject({ text: 'zscore(oos_ratio, 53)' });
    expect(issuesOf('rule r when zscore(oos_ratio, 52) > 1 and mean(oos_ratio, 52, offset = 1) > 0', schema)).toEqual([]);
  });

  it('the dataset block: unknown keys, bad split, missing columns, reading the label', () => {
    const unknown = only('dataset "d.csv" { seres = sku }');
    expect(unknown).toMatchObject({ code: 'unknown-key', text: 'seres' });
    expect(unknown.message).toContain('did you mean `series`?');
    expect(only('dataset "d.csv" { split = 50/30/30 }')).toMatchObject({ code: 'bad-split', text: '50/30/30' });
    expect(only('dataset "d.csv" { split = 50/50 }')).toMatchObject({ code: 'bad-split' });
    expect(issuesOf('dataset "d.csv" { split = 0.7/0.2/0.1 }')).toEqual([]);
    const shares = check(parse('dataset "d.csv" { split = 0.7/0.2/0.1 }')).dataset.split;
    [0.7, 0.2, 0.1].forEach((v, i) => expect(shares[i]).toBeCloseTo(v, 12));
    expect(check(parse('dataset "d.csv" { }')).dataset.split).toEqual([0.6, 0.2, 0.2]);
    expect(only('dataset "d.csv" { series = skuu }', schema)).toMatchObject({ code: 'missing-column', text: 'skuu', message: expect.stringContaining('did you mean `sku`?') });
    expect(only('dataset "d.csv" { series = sku\n series = sku }', schema)).toMatchObject({ code: 'duplicate-key', from: [1, 1] });
    expect(only('dataset "d.csv" { label = is_anomaly }\nrule r when is_anomaly > 0', schema)).toMatchObject({ code: 'label-in-rule', text: 'is_anomaly' });
    expect(issuesOf('dataset "a.csv"\ndataset "b.csv"').map((i) => i.code)).toEqual(['duplicate-dataset']);
  });

  it('the dataset block: objective and tolerance', () => {
    const ds = (t: string) => check(parse(`dataset "d.csv" { ${t} }`)).dataset;
    expect(ds('objective = event_f1  tolerance = 3')).toMatchObject({ objective: { kind: 'event_f1' }, tolerance: 3 });
    expect(ds('objective = point_f1').objective).toEqual({ kind: 'point_f1' });
    expect(ds('objective = f_beta(0.5)').objective).toEqual({ kind: 'f_beta', beta: 0.5 });
    // Unset: the engine chooses from the labels; no tolerance.
    expect(ds('series = sku').objective).toBeUndefined();
    expect(ds('series = sku').tolerance).toBe(0);
    expect(issuesOf('dataset "d.csv" {\n    objective = f_beta(2)\n    tolerance = 0\n}')).toEqual([]);
    const typo = only('dataset "d.csv" { objective = event_f }');
    expect(typo).toMatchObject({ code: 'bad-objective', text: 'event_f', data: { replacements: ['event_f1'] } });
    expect(typo.message).toContain('Did you mean `event_f1`?');
    expect(only('dataset "d.csv" { objective = f_beta }')).toMatchObject({ code: 'bad-objective', text: 'f_beta' });
    expect(only('dataset "d.csv" { objective = f_beta() }')).toMatchObject({ code: 'bad-objective', text: 'f_beta()' });
    expect(only('dataset "d.csv" { objective = f_beta(0) }')).toMatchObject({ code: 'bad-objective', text: 'f_beta(0)' });
    expect(only('dataset "d.csv" { objective = event_f1(2) }')).toMatchObject({ code: 'bad-objective', text: 'event_f1(2)' });
    expect(only('dataset "d.csv" { objective = "event_f1" }')).toMatchObject({ code: 'bad-objective' });
    expect(only('dataset "d.csv" { tolerance = 2.5 }')).toMatchObject({ code: 'bad-tolerance', text: '2.5' });
    expect(only('dataset "d.csv" { tolerance = few }')).toMatchObject({ code: 'bad-tolerance', text: 'few' });
    // A setting's value never reads as a column: no missing-column error against the schema.
    expect(issuesOf('dataset "d.csv" { series = sku  objective = event_f1 }', schema)).toEqual([]);
    // Syntax errors inside the call stay in the dataset block; the rule after it is still read.
    const p = parse('dataset "d.csv" { objective = f_beta(2 }\nrule r when x > 1');
    expect(p.issues.length).toBeGreaterThan(0);
    expect(p.file.rules.map((r) => r.name?.name)).toEqual(['r']);
  });

  it('severity must be low, medium, high or critical', () => {
    const i = only('rule r severity hgh when oos_ratio > 1', schema);
    expect(i).toMatchObject({ code: 'bad-severity', text: 'hgh' });
    expect(i.data?.replacements).toContain('high');
  });

  it('test blocks: equal lengths, positions in range, columns not lets, something expected', () => {
    expect(only('test "t" { x = [1, 2]\n y = [1]\n expect normal }')).toMatchObject({ code: 'test-length', text: 'y = [1]' });
    expect(only('test "t" { x = [1, 2, 3]\n expect anomaly at 0, 3 }')).toMatchObject({ code: 'bad-position', text: '3' });
    expect(only('test "t" { }')).toMatchObject({ code: 'empty-test', text: 'test' });
    expect(only('test "t" { x = [1] }')).toMatchObject({ code: 'no-expectation', severity: 'warning' });
    expect(issuesOf('let a = 1\nrule r when x > a\ntest "t" { a = [1]\n expect normal }').map((i) => i.code)).toEqual(['test-let']);
  });

  it('quoted identifiers and contextual keywords are names', () => {
    const s: Schema = { columns: [...schema.columns, { name: 'normal', numeric: true }, { name: 'at', numeric: true }], maxSeriesLength: 53 };
    expect(issuesOf('rule r when `odd name` > 1 and normal > at', s)).toEqual([]);
    // Reserved words cannot be names.
    expect(issuesOf('let and = 1').some((i) => i.code === 'syntax')).toBe(true);
  });
});
