// Rule files for fuzzing: grammar-aware files (valid-ish declarations, deep nesting, long chains,
// lets doubling each other, huge constants, odd unicode, half-typed text) and random mutations of
// the bundled example. Shared by the fuzz test and `npm run fuzz`; no test framework imports.
import fc from 'fast-check';

/** The columns of the stock-out example, and names that are not columns. */
const names = ['oos_ratio', 'units', 'week', 'sku', 'reason', 'is_anomaly', 'nope', '`odd name`', '`名前`', '`and`', 'normal', 'at', 'x'];
const functions = ['lag', 'diff', 'pct_change', 'mean', 'median', 'min', 'max', 'sum', 'std', 'count', 'quantile', 'slope', 'zero_rate', 'ewma', 'zscore', 'robust_z', 'rising', 'falling', 'persist', 'abs', 'log1p', 'sqrt', 'log', 'least', 'greatest', 'coalesce', 'is_missing', 'meen', 'mean_'];
const ops = ['+', '-', '*', '/', '<', '<=', '>', '>=', '==', '!=', 'and', 'or'];

/** Mostly small sizes, now and then a huge one (each huge input costs a hundred small ones). */
function size(small: number, huge: number): fc.Arbitrary<number> {
  return fc.oneof({ weight: 19, arbitrary: fc.integer({ min: 0, max: small }) }, { weight: 1, arbitrary: fc.integer({ min: small, max: huge }) });
}

const numberText = fc.oneof(
  fc.constantFrom('0', '1', '2', '3', '4', '52', '0.5', '.5', '1e3', '1e6', '1000001', '1e10', '1e308', '1e309', '1e-320', '4294967296', '9007199254740993', '00', '1.', '2.5E-2'),
  fc.nat(120).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: 0, max: 1e12 }).map(String),
);

/** Text no tokenizer expects: controls, lone surrogates, right-to-left marks, emoji, NUL. */
export const oddText = fc.oneof(
  fc.constantFrom('\u0000', '\u202e', '\ud800', '\udfff', '😀', 'é', 'ﬁ', '\u00a0', '\t', '\r', '\r\n', '\u2028', '"', '`', '\\', '#', '{', '}', '[', ']'),
  fc.string({ unit: 'binary', maxLength: 6 }),
);

const name = fc.oneof(fc.constantFrom(...names), fc.constantFrom('a0', 'a1', 'a2', 'l0', 'l1', 'b3'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }).map((s) => `\`${s.replace(/[`\r\n]/g, '')}\``));

const { expr } = fc.letrec<{ expr: string; binary: string; unary: string; call: string; paren: string }>((tie) => ({
  expr: fc.oneof({ depthSize: 'small', withCrossShrink: true }, fc.oneof(numberText, name, fc.constantFrom('true', 'false')), tie('binary'), tie('unary'), tie('call'), tie('paren')),
  binary: fc.tuple(tie('expr'), fc.constantFrom(...ops), tie('expr')).map(([a, o, b]) => `${a} ${o} ${b}`),
  unary: fc.tuple(fc.constantFrom('not ', '-', '- '), tie('expr')).map(([o, a]) => o + a),
  call: fc
    .tuple(fc.constantFrom(...functions), fc.array(fc.tuple(fc.option(fc.constantFrom('x', 'w', 'k', 'q', 'offset', 'cond', 'default', 'ofset'), { freq: 4 }), fc.oneof(tie('expr'), numberText)), { maxLength: 4 }))
    .map(([f, args]) => `${f}(${args.map(([n, v]) => (n ? `${n} = ${v}` : v)).join(', ')})`),
  paren: tie('expr').map((e) => `(${e})`),
}));

/** Nesting far past the parser's limit: parentheses, calls, `not`, signs. */
const deep = fc
  .tuple(size(80, 400), fc.constantFrom('(', 'abs(', 'not ', '- ', '-', 'mean(', 'persist(', 'least(x, '), expr)
  .map(([n, open, inner]) => {
    const close = open.endsWith('(') ? (open === 'mean(' ? ', 2)' : open === 'persist(' ? ', 2)' : ')') : '';
    return `${open.repeat(n)}${inner}${close.repeat(n)}`;
  });

/** `and` / `or` / `+` chains of up to 6,000 terms. */
const chain = fc
  .tuple(size(300, 6000).map((n) => n + 1), fc.constantFrom(' and ', ' or ', ' + ', ' * ', ' - '), fc.constantFrom('oos_ratio > 1', 'oos_ratio', 'units < 3', '1'))
  .map(([n, op, term]) => Array.from({ length: n }, () => term).join(op));

/** Lets each using the previous one twice: 2^n as a tree, 2n as a DAG. */
const doubling = fc
  .tuple(size(40, 300), fc.constantFrom('+', '*', '-', '/', 'and', 'or'), fc.boolean(), fc.constantFrom('', 'mean', 'abs', 'lag'))
  .map(([n, op, reversed, fn]) => {
    const cond = op === 'and' || op === 'or';
    const lines = [`let d0 = ${cond ? 'oos_ratio > 3' : 'oos_ratio'}`];
    for (let i = 1; i <= n; i++) {
      const prev = `d${i - 1}`;
      const wrapped = fn && !cond ? `${fn}(${prev}${fn === 'mean' ? ', 2' : ''})` : prev;
      lines.push(`let d${i} = ${wrapped} ${op} ${prev}`);
    }
    if (reversed) lines.reverse();
    lines.push(`rule doubled when ${cond ? `d${n}` : `d${n} > 0`}`);
    return lines.join('\n');
  });

/** A long chain of lets, each using the one after it (checked in dependency order). */
const letChain = size(100, 3000).map((n) => {
  const lines = Array.from({ length: n }, (_, i) => `let l${i} = l${i + 1} + 1`);
  return `${lines.join('\n')}\nlet l${n} = oos_ratio\nrule chained when l0 > 3`;
});

const windows = fc
  .tuple(fc.constantFrom('mean', 'lag', 'zscore', 'persist', 'rising', 'quantile', 'ewma', 'count', 'slope'), numberText, numberText)
  .map(([f, a, b]) => (f === 'persist' ? `persist(oos_ratio > 1, ${a})` : f === 'quantile' ? `quantile(oos_ratio, ${a}, 0.5, offset = ${b})` : f === 'lag' || f === 'rising' ? `${f}(oos_ratio, ${a})` : `${f}(oos_ratio, ${a}, offset = ${b})`))
  .map((c) => (c.startsWith('persist') || c.startsWith('rising') ? c : `${c} > 1`));

const title = fc.option(fc.oneof(fc.string({ maxLength: 12 }), oddText).map((s) => JSON.stringify(s)), { freq: 2 });
const severity = fc.option(fc.constantFrom('low', 'medium', 'high', 'critical', 'hgh', 'when'), { freq: 3 });
const condition = fc.oneof({ weight: 6, arbitrary: expr }, { weight: 1, arbitrary: deep }, { weight: 1, arbitrary: chain }, { weight: 2, arbitrary: windows });

const declName = fc.oneof(fc.constantFrom('r', 'r', 's', 'a0', 'a1', 'l0', 'oos_ratio', 'mean'), fc.nat(50).map((n) => `n${n}`));

const decl = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(declName, title, severity, condition).map(([n, t, s, c]) => `rule ${n}${t ? ` ${t}` : ''}${s ? ` severity ${s}` : ''} when ${c}`) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('a0', 'a1', 'a2', 'b3', 'oos_ratio'), condition).map(([n, c]) => `let ${n} = ${c}`) },
  { weight: 1, arbitrary: fc.tuple(declName, condition).map(([n, c]) => `exclude ${n} when ${c}`) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(title, fc.array(fc.tuple(fc.constantFrom('oos_ratio', 'units', 'nope', 'a0'), fc.array(fc.oneof(numberText, fc.constant('_'), fc.constant('-3')), { maxLength: 12 })), { maxLength: 3 }), fc.array(fc.tuple(fc.constantFrom('anomaly', 'normal'), fc.array(numberText, { maxLength: 3 })), { maxLength: 3 }))
      .map(([t, cols, expects]) => `test ${t ?? '"t"'} {\n${cols.map(([c, vs]) => `    ${c} = [${vs.join(', ')}]`).join('\n')}\n${expects.map(([o, at]) => `    expect ${o}${at.length ? ` at ${at.join(', ')}` : ''}`).join('\n')}\n}`),
  },
  { weight: 1, arbitrary: doubling },
  { weight: 1, arbitrary: letChain },
  { weight: 1, arbitrary: fc.constantFrom('dataset "data.csv"', 'dataset "nope.csv" { series = sku }', 'dataset "data.csv" { split = 50/30/30 }', 'dataset { }') },
);

const dataset = fc.oneof(
  { weight: 8, arbitrary: fc.constant('dataset "data.csv" {\n    series = sku\n    time = week\n    label = is_anomaly\n    reason = reason\n}\n') },
  { weight: 1, arbitrary: fc.constant('dataset "data.csv" { series = sku time = week }\n') },
  { weight: 1, arbitrary: fc.constant('') },
);

/** Cuts the text short, as while typing, or sprinkles odd characters into it. */
function damage(text: string): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 5, arbitrary: fc.constant(text) },
    { weight: 2, arbitrary: fc.nat(text.length).map((n) => text.slice(0, n)) },
    { weight: 1, arbitrary: fc.tuple(fc.nat(text.length), oddText).map(([at, s]) => text.slice(0, at) + s + text.slice(at)) },
  );
}

/** Grammar-aware rule files. */
export const ruleFile: fc.Arbitrary<string> = fc
  .tuple(dataset, fc.array(decl, { maxLength: 10 }))
  .map(([d, ds]) => `${d}${ds.join('\n')}\n`)
  .chain(damage);

const fragment = fc.oneof(
  fc.constantFrom('(', ')', ' and ', ' or ', 'not ', '>=', '<', '=', ',', '"', '`', '{', '}', '[', ']', 'rule ', 'let ', 'when ', 'mean(', 'lag(oos_ratio, ', '_', '\n', '#', '-', '1e309', '1e10', 'NaN', 'offset = ', 'expect ', 'dataset "x.csv" {', 'test "t" {'),
  oddText,
  expr,
);
const edit = fc.record({ at: fc.nat(), del: fc.nat({ max: 40 }), ins: fc.array(fragment, { maxLength: 3 }), copy: fc.boolean() });

/** Random edits of a rule file: deletions, insertions, a copied stretch pasted elsewhere. */
export function mutations(base: string): fc.Arbitrary<string> {
  return fc.array(edit, { minLength: 1, maxLength: 6 }).map((edits) => {
    let t = base;
    for (const e of edits) {
      const at = e.at % (t.length + 1);
      const ins = e.copy ? t.slice(at, at + e.del * 4) : e.ins.join('');
      t = t.slice(0, at) + ins + t.slice(at + (e.copy ? 0 : e.del));
    }
    return t;
  });
}

/** Half grammar-aware files, half mutations of `example`. */
export function fuzzInputs(example: string): fc.Arbitrary<string> {
  return fc.oneof(ruleFile, mutations(example));
}
