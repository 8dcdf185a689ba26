// The printer round-trips: parsing printed text gives the same tree (spans aside).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type * as A from '../../grammar/src/ast';
import { parse } from '../../grammar/src/parse';
import { printDecl, printExpr } from '../../grammar/src/print';

const z = { start: 0, end: 0 };

/** The tree without positions, source spellings or parse-state flags. */
function strip(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(strip);
  if (x && typeof x === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) if (!['start', 'end', 'opSpan', 'text', 'closed', 'keyword', 'when'].includes(k)) out[k] = strip(v);
    return out;
  }
  return x;
}

/** All parentheses removed: the structure precedence alone must give. */
function unparenDeep(e: A.Expr): A.Expr {
  switch (e.kind) {
    case 'paren':
      return unparenDeep(e.expr);
    case 'unary':
      return { ...e, arg: unparenDeep(e.arg) };
    case 'binary':
      return { ...e, left: unparenDeep(e.left), right: unparenDeep(e.right) };
    case 'call':
      return { ...e, args: e.args.map((a) => ({ ...a, value: unparenDeep(a.value) })) };
    case 'list':
      return { ...e, items: e.items.map(unparenDeep) };
    default:
      return e;
  }
}

function parseExpr(text: string): A.Expr {
  const p = parse(`let v = ${text}`);
  expect(p.issues).toEqual([]);
  return p.file.lets[0].expr!;
}

const names = fc.constantFrom('x', 'oos_ratio', 'z', 'severity', 'normal', 'at', 'odd name', 'and', 'true', 'week-1', '_x1');
const numbers = fc.oneof(fc.integer({ min: 0, max: 100000 }), fc.double({ min: 0, max: 1e25, noNaN: true, noDefaultInfinity: true }));
const ops: A.BinaryOp[] = ['or', 'and', '<', '<=', '>', '>=', '==', '!=', '+', '-', '*', '/'];

const { expr } = fc.letrec<{ expr: A.Expr }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    numbers.map((value): A.Expr => ({ kind: 'number', value, text: String(value), ...z })),
    fc.boolean().map((value): A.Expr => ({ kind: 'bool', value, ...z })),
    names.map((name): A.Expr => ({ kind: 'name', name, ...z })),
    fc.record({ op: fc.constantFrom<'-' | 'not'>('-', 'not'), arg: tie('expr') }).map((u): A.Expr => ({ kind: 'unary', ...u, ...z })),
    fc.record({ op: fc.constantFrom(...ops), left: tie('expr'), right: tie('expr') }).map((b): A.Expr => ({ kind: 'binary', ...b, opSpan: z, ...z })),
    fc
      .record({
        callee: fc.constantFrom('zscore', 'median', 'lag', 'f'),
        args: fc.array(fc.record({ name: fc.option(fc.constantFrom('offset', 'w'), { nil: undefined }), value: tie('expr') }), { maxLength: 3 }),
      })
      .map(
        (c): A.Expr => ({
          kind: 'call',
          callee: { name: c.callee, ...z },
          args: c.args.map((a) => ({ name: a.name === undefined ? undefined : { name: a.name, ...z }, value: a.value, ...z })),
          closed: true,
          ...z,
        }),
      ),
    tie('expr').map((e): A.Expr => ({ kind: 'paren', expr: e, ...z })),
  ),
}));

// With the syntax for categories, groups and sessions: strings, lists, `in`, `not in`, and the
// contextual words `in` and `all` used as names.
const { dataExpr } = fc.letrec<{ dataExpr: A.Expr }>((tie) => ({
  dataExpr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.integer({ min: 0, max: 99 }).map((value): A.Expr => ({ kind: 'number', value, text: String(value), ...z })),
    fc.constantFrom('x', 'event', 'in', 'all', 'not in', 'm 1').map((name): A.Expr => ({ kind: 'name', name, ...z })),
    fc.string({ maxLength: 6 }).map((value): A.Expr => ({ kind: 'string', value, ...z })),
    fc.array(tie('dataExpr'), { maxLength: 3 }).map((items): A.Expr => ({ kind: 'list', items, closed: true, ...z })),
    fc.record({ op: fc.constantFrom<'-' | 'not'>('-', 'not'), arg: tie('dataExpr') }).map((u): A.Expr => ({ kind: 'unary', ...u, ...z })),
    fc
      .record({ op: fc.constantFrom<A.BinaryOp>('in', 'not in', '==', '!=', 'and', 'or', '+', '<'), left: tie('dataExpr'), right: tie('dataExpr') })
      .map((b): A.Expr => ({ kind: 'binary', ...b, opSpan: z, ...z })),
    fc
      .record({ callee: fc.constantFrom('columns', 'any', 'count', 'before'), args: fc.array(fc.record({ name: fc.option(fc.constantFrom('min_count'), { nil: undefined }), value: tie('dataExpr') }), { maxLength: 3 }) })
      .map(
        (c): A.Expr => ({
          kind: 'call',
          callee: { name: c.callee, ...z },
          args: c.args.map((a) => ({ name: a.name === undefined ? undefined : { name: a.name, ...z }, value: a.value, ...z })),
          closed: true,
          ...z,
        }),
      ),
    tie('dataExpr').map((e): A.Expr => ({ kind: 'paren', expr: e, ...z })),
  ),
}));

describe('printer', () => {
  it('prints strings, lists and `in` so that parsing gives the same tree', () => {
    fc.assert(
      fc.property(dataExpr, (e) => {
        const text = printExpr(e);
        expect(strip(unparenDeep(parseExpr(text))), text).toEqual(strip(unparenDeep(e)));
      }),
      { numRuns: 500 },
    );
    expect(printExpr(parseExpr('event not in ["E1", "a\\"b"] and any(columns("m*") > 0.9)'))).toBe('event not in ["E1", "a\\"b"] and any(columns("m*") > 0.9)');
    expect(printExpr(parseExpr('mean(x, all, min_count = 3) > lag(`in`, 1)'))).toBe('mean(x, all, min_count = 3) > lag(in, 1)');
  });

  it('prints any tree so that precedence gives back its structure', () => {
    fc.assert(
      fc.property(expr, (e) => {
        expect(strip(unparenDeep(parseExpr(printExpr(e))))).toEqual(strip(unparenDeep(e)));
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips parsed trees exactly, parentheses included', () => {
    fc.assert(
      fc.property(expr, (e) => {
        const parsed = parseExpr(printExpr(e));
        const again = parseExpr(printExpr(parsed));
        expect(strip(again)).toEqual(strip(parsed));
        expect(printExpr(again)).toBe(printExpr(parsed));
      }),
      { numRuns: 500 },
    );
  });

  it('keeps numbers as written', () => {
    expect(printExpr(parseExpr('x >= 35.0 and y < .5'))).toBe('x >= 35.0 and y < .5');
    expect(printExpr(parseExpr('(a or b) and not (c > -2)'))).toBe('(a or b) and not (c > -2)');
  });

  it('round-trips declarations', () => {
    fc.assert(
      fc.property(
        names,
        fc.option(fc.string(), { nil: undefined }),
        fc.option(fc.constantFrom('low', 'medium', 'high', 'critical'), { nil: undefined }),
        fc.constantFrom<'rule' | 'exclude' | 'let'>('rule', 'exclude', 'let'),
        expr,
        (name, title, severity, kind, e) => {
          const decl =
            kind === 'let'
              ? ({ kind, name: { name, ...z }, expr: e, keyword: z, ...z } as A.LetDecl)
              : ({ kind, name: { name, ...z }, title: title === undefined ? undefined : { value: title, ...z }, severity: kind === 'rule' && severity ? { name: severity, ...z } : undefined, expr: e, keyword: z, when: z, ...z } as A.RuleDecl);
          const text = printDecl(decl);
          const p = parse(text);
          expect(p.issues).toEqual([]);
          expect(p.file.decls).toHaveLength(1);
          const got = p.file.decls[0] as A.RuleDecl;
          expect(got.kind).toBe(kind);
          expect(got.name?.name).toBe(name);
          if (kind !== 'let') expect(got.title?.value).toBe(title);
          if (kind === 'rule') expect(got.severity?.name).toBe(severity);
          expect(strip(unparenDeep(got.expr!))).toEqual(strip(unparenDeep(e)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses trees with errors', () => {
    expect(() => printExpr({ kind: 'error', ...z })).toThrow(/errors/);
  });
});
