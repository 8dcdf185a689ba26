// Fused element-wise loops compute exactly what operator-by-operator evaluation computes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { check } from '../../grammar/src/check';
import { parse } from '../../grammar/src/parse';
import { Evaluator, FeatureCache } from '../../server/src/engine/evaluate';
import { schemaOf } from '../../server/src/engine/frame';
import { evaluateFusedMany } from '../../server/src/engine/fuse';
import { compile } from '../../server/src/engine/plan';
import { evalExpr, frameOf } from '../core/helpers';

const cell = fc.oneof(fc.constant(null), fc.constant(0), fc.integer({ min: -5, max: 5 }), fc.double({ min: -10, max: 10, noNaN: true }));
const numExpr: fc.Memo<string> = fc.memo((d) =>
  d <= 1
    ? fc.oneof(fc.constantFrom('a', 'b', 'lag(a, 1)', 'mean(b, 2)'), fc.integer({ min: -3, max: 3 }).map(String), fc.constantFrom('0', '0.5'))
    : fc.oneof(
        numExpr(d - 1),
        fc.tuple(numExpr(d - 1), fc.constantFrom('+', '-', '*', '/'), numExpr(d - 1)).map(([x, op, y]) => `(${x} ${op} ${y})`),
        numExpr(d - 1).map((x) => `-(${x})`),
      ),
);
const boolExpr: fc.Memo<string> = fc.memo((d) =>
  d <= 1
    ? fc.tuple(numExpr(2), fc.constantFrom('<', '<=', '>', '>=', '==', '!='), numExpr(2)).map(([x, op, y]) => `(${x} ${op} ${y})`)
    : fc.oneof(
        boolExpr(d - 1),
        fc.tuple(boolExpr(d - 1), fc.constantFrom('and', 'or'), boolExpr(d - 1)).map(([x, op, y]) => `(${x} ${op} ${y})`),
        boolExpr(d - 1).map((x) => `not (${x})`),
        fc.constantFrom('true', 'false', 'rising(a, 2)'),
      ),
);

describe('fused evaluation', () => {
  it('equals operator-by-operator evaluation on random expressions and data', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(cell, cell), { minLength: 1, maxLength: 12 }), fc.array(fc.tuple(cell, cell), { minLength: 1, maxLength: 6 }), fc.oneof(numExpr(3), boolExpr(3)), (s1, s2, expr) => {
        const frame = frameOf({
          x: { a: s1.map((p) => p[0]), b: s1.map((p) => p[1]) },
          y: { a: s2.map((p) => p[0]), b: s2.map((p) => p[1]) },
        });
        const slow = new Evaluator(frame, new FeatureCache());
        slow.noFusion = true;
        const fast = new Evaluator(frame, new FeatureCache());
        expect(Array.from(evalExpr(frame, expr, fast))).toEqual(Array.from(evalExpr(frame, expr, slow)));
      }),
      { numRuns: 300 },
    );
  });

  it('equals it when a shared operand sits where `and` / `or` may skip it', () => {
    // The same sub-expression twice is one plan node: computed once per point, before any skip.
    const shared = fc.tuple(boolExpr(2), boolExpr(2), boolExpr(2), fc.constantFrom('and', 'or')).map(([x, y, z, op]) => `((${y} ${op} (${x})) or (not (${x}) and ${z}))`);
    fc.assert(
      fc.property(fc.array(fc.tuple(cell, cell), { minLength: 1, maxLength: 12 }), shared, (s1, expr) => {
        const frame = frameOf({ x: { a: s1.map((p) => p[0]), b: s1.map((p) => p[1]) } });
        const slow = new Evaluator(frame, new FeatureCache());
        slow.noFusion = true;
        const fast = new Evaluator(frame, new FeatureCache());
        expect(Array.from(evalExpr(frame, expr, fast))).toEqual(Array.from(evalExpr(frame, expr, slow)));
      }),
      { numRuns: 300 },
    );
  });

  it('several trees in one loop (the declarations of a block) give the values of each tree alone, shared parts and groups past the operator limit included', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(cell, cell), { minLength: 1, maxLength: 12 }), fc.array(fc.oneof(numExpr(3), boolExpr(3)), { minLength: 1, maxLength: 40 }), (s1, exprs) => {
        const frame = frameOf({ x: { a: s1.map((p) => p[0]), b: s1.map((p) => p[1]) } });
        // Each expression a let; some repeated, so trees share nodes.
        const text = exprs.map((e, k) => `let v${k} = ${k % 5 === 4 ? exprs[k - 1] : e}\n`).join('');
        const program = compile(check(parse(text), schemaOf(frame)));
        const roots = exprs.map((_, k) => program.lets.get(`v${k}`)!).filter((n) => ['neg', 'not', 'arith', 'cmp', 'logic'].includes(n.op));
        const alone = new Evaluator(frame, new FeatureCache());
        const together = new Evaluator(frame, new FeatureCache());
        const got = evaluateFusedMany(roots, frame, (leaf) => together.values(leaf) as Float64Array | Uint8Array | number);
        roots.forEach((root, k) => expect(Array.from(got[k])).toEqual(Array.from(alone.column(root))));
      }),
      { numRuns: 200 },
    );
  });
});
