// parse() and check() never throw, whatever the text, and every issue lies within the text.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { check, type Schema } from '../../grammar/src/check';
import { functions } from '../../grammar/src/functions';
import { LineIndex } from '../../grammar/src/issues';
import { reservedWords } from '../../grammar/src/lexer';
import { parse } from '../../grammar/src/parse';
import { compile } from '../../server/src/engine/plan';

const schema: Schema = {
  columns: [
    { name: 'x', numeric: true },
    { name: 'y', numeric: true },
    { name: 'odd name', numeric: true },
    { name: 'sku', numeric: false, note: 'a text column' },
    { name: 'event', numeric: false, categories: ['E1', 'E11', 'E28'] },
    { name: 'm1', numeric: true },
    { name: 'm2', numeric: true },
  ],
  maxSeriesLength: 6,
};

const vocabulary = [
  ...reservedWords,
  'severity', 'expect', 'anomaly', 'normal', 'at', 'low', 'critical',
  'series', 'time', 'label', 'reason', 'split',
  'x', 'y', 'z', 'sku', '_', 'offset', 'w', 'k', 'q', '`odd name`', '`', '``',
  'in', 'not in', 'event', '"E11"', '"E2"', '"m*"', 'columns("m*")', '[m1, m2]', 'all', 'min_count', 'min_count = 2',
  '"title"', '"data.csv"', '"unterminated', '"esc\\"aped"',
  '0', '1', '3', '2.5', '.5', '1e3', '1e', '60/20/20', '99999999999999999999',
  ...functions.map((f) => f.name),
  '(', ')', '{', '}', '[', ']', ',', '=', '==', '!=', '<', '<=', '>', '>=', '+', '-', '*', '/',
  '#', '# comment', '$', '@', ';', '\u00e9', '\uFEFF',
];
const separators = [' ', '', '\n', '\r\n', '\t', '  '];

/** A random sequence of the language's words and symbols, glued by random white space. */
const tokenSoup = fc
  .array(fc.tuple(fc.constantFrom(...vocabulary), fc.constantFrom(...separators)), { maxLength: 60 })
  .map((parts) => parts.map(([w, s]) => w + s).join(''));

/** Declarations assembled from plausible pieces, so that deep parts of the grammar are reached. */
const declarationSoup = fc
  .array(
    fc.tuple(
      fc.constantFrom('rule r when', 'rule r2 "T" severity high when', 'let a =', 'let b =', 'exclude e when', 'test "t" {', 'dataset "d.csv" {', ''),
      fc.array(fc.constantFrom(...vocabulary), { maxLength: 12 }),
    ),
    { maxLength: 8 },
  )
  .map((decls) => decls.map(([head, body]) => `${head} ${body.join(' ')}`).join('\n'));

/** A plain assertion: expect() is too slow for the thousands of issues checked here. */
function ensure(ok: boolean, what: string, text: string): void {
  if (!ok) throw new Error(`${what} in ${JSON.stringify(text)}`);
}

function checkAll(text: string): void {
  const parsed = parse(text);
  const results = [check(parsed), check(parsed, schema)];
  const li = new LineIndex(text);
  for (const c of results) {
    for (const i of [...parsed.issues, ...c.issues]) {
      const where = `${i.code} [${i.start}, ${i.end}) "${i.message}"`;
      ensure(Number.isInteger(i.start) && Number.isInteger(i.end), `non-integer range ${where}`, text);
      ensure(0 <= i.start && i.start <= i.end && i.end <= text.length, `range outside the text ${where}`, text);
      ensure(i.message.length > 0, `empty message ${where}`, text);
      ensure(li.offset(li.position(i.start)) === i.start || text[i.start - 1] === '\r', `position round trip ${where}`, text);
    }
    // The plan is built from what checked; broken declarations are left out, never thrown on.
    compile(c);
  }
  // Declarations are in order, inside the text, and do not overlap.
  let last = 0;
  for (const d of parsed.file.decls) {
    ensure(d.start >= last && d.end >= d.start && d.end <= text.length, `declaration span [${d.start}, ${d.end})`, text);
    last = d.end;
  }
}

describe('parse and check never throw', () => {
  it('on arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 120 }), checkAll), { numRuns: 1500 });
  });

  it('on random soups of ARL tokens', () => {
    fc.assert(fc.property(tokenSoup, checkAll), { numRuns: 2500 });
  });

  it('on random declarations', () => {
    fc.assert(fc.property(declarationSoup, checkAll), { numRuns: 2000 });
  });

  it('on every prefix of the example file (as while typing)', () => {
    const text = `dataset "d.csv" { series = sku  split = 60/20/20 }
let recent = median(x, 4, offset = 1)
rule big "Big" severity high when x >= 80 or (x / lag(x, 1) > 10 and y >= 50)
rule up when rising(x, 3) and not (recent < 3)
exclude drop when x < 0.5 * lag(x)
test "t" {
  x = [0, _, -1, 15]
  expect anomaly at 3
}
`;
    for (let n = 0; n <= text.length; n++) checkAll(text.slice(0, n));
  });

  it('a valid file with one character removed still parses without throwing, and keeps its other rules', () => {
    const text = 'rule a when x > 1\nrule b when mean(y, 3) < 2\nrule c when x == 3';
    fc.assert(
      fc.property(fc.integer({ min: 0, max: text.length - 1 }), (k) => {
        const t = text.slice(0, k) + text.slice(k + 1);
        checkAll(t);
        const rules = parse(t).file.rules.map((r) => r.name?.name);
        // Damage is confined to the declaration it is in.
        const line = text.slice(0, k).split('\n').length - 1;
        for (const [i, name] of ['a', 'b', 'c'].entries()) if (i !== line) expect(rules).toContain(name);
      }),
      { numRuns: 200 },
    );
  });
});
