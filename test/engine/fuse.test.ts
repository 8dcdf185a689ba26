// Fused element-wise loops compute exactly what operator-by-operator evaluation computes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { check } from '../../grammar/src/check';
import { parse } from '../../grammar/src/parse';
import { Evaluator, FeatureCache } from '../../server/src/engine/evaluate';
import { schemaOf } from '../../server/src/engine/frame';
import { evaluateFusedMany } from '../../server/src/engine/fuse';
import { compile } from '../../server/src/engine/plan';
import { trueBits, unknownBits } from '../../server/src/engine/points';
import { cond, evalExpr, frameOf } from '../core/helpers';

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

  it('gives the same values when parts of earlier loops are kept and read as leaves', () => {
    // An evaluator kept across edits: each expression of the sequence shares parts with the ones before.
    const edits = fc.array(fc.tuple(boolExpr(2), boolExpr(2), boolExpr(2), fc.constantFrom('and', 'or'), fc.constantFrom('and', 'or')), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(fc.array(fc.tuple(cell, cell), { minLength: 1, maxLength: 12 }), edits, fc.array(fc.nat(3), { minLength: 6, maxLength: 6 }), (s1, parts, picks) => {
        const frame = frameOf({ x: { a: s1.map((p) => p[0]), b: s1.map((p) => p[1]) } });
        const kept = new Evaluator(frame, new FeatureCache());
        kept.reuseInner = true;
        for (let k = 0; k < picks.length; k++) {
          const [x, y, z, op1, op2] = parts[picks[k] % parts.length];
          const [, , w] = parts[(picks[k] + 1) % parts.length];
          const expr = k % 2 ? `(${x} ${op1} ${y}) ${op2} ${z}` : `(${x} ${op1} ${w}) ${op2} ${z}`;
          const slow = new Evaluator(frame, new FeatureCache());
          slow.noFusion = true;
          expect(Array.from(evalExpr(frame, expr, kept))).toEqual(Array.from(evalExpr(frame, expr, slow)));
        }
      }),
      { numRuns: 200 },
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

  it('made once per list of trees, the loops stay right for another list with the same first tree and on other frames (blocks)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(cell, cell), { minLength: 1, maxLength: 12 }),
        fc.array(fc.tuple(cell, cell), { minLength: 1, maxLength: 7 }),
        fc.array(fc.oneof(numExpr(3), boolExpr(3)), { minLength: 2, maxLength: 12 }),
        fc.array(fc.array(fc.nat(11), { minLength: 0, maxLength: 6 }), { minLength: 1, maxLength: 4 }),
        (s1, s2, exprs, lists) => {
          const f1 = frameOf({ x: { a: s1.map((p) => p[0]), b: s1.map((p) => p[1]) } });
          const f2 = frameOf({ y: { a: s2.map((p) => p[0]), b: s2.map((p) => p[1]) } });
          const program = compile(check(parse(exprs.map((e, k) => `let v${k} = ${e}\n`).join('')), schemaOf(f1)));
          const trees = exprs.map((_, k) => program.lets.get(`v${k}`)!).filter((n) => ['neg', 'not', 'arith', 'cmp', 'logic'].includes(n.op));
          if (!trees.length) return;
          // Lists that all begin with the same tree, run one after another on both frames.
          for (const picks of lists) {
            const roots = [trees[0], ...picks.map((k) => trees[k % trees.length])];
            for (const frame of [f1, f2, f1]) {
              const alone = new Evaluator(frame, new FeatureCache());
              const together = new Evaluator(frame, new FeatureCache());
              const got = evaluateFusedMany(roots, frame, (leaf) => together.values(leaf) as Float64Array | Uint8Array | number);
              expect(got.length).toBe(roots.length);
              roots.forEach((root, k) => expect(Array.from(got[k])).toEqual(Array.from(alone.column(root))));
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('computes only the edited part of a rule once the rest was met before', () => {
    const frame = frameOf({ x: { a: [1, 5, 9, 2, 8], b: [3, 3, 7, 1, 9] } });
    const ev = new Evaluator(frame, new FeatureCache());
    ev.reuseInner = true;
    const rest = '(a / lag(b, 1) > 1 and b >= 3)';
    const restKey = compile(check(parse(`let r = ${rest}\n`), schemaOf(frame))).lets.get('r')!.key;
    evalExpr(frame, `a >= 8 or ${rest}`, ev);
    expect(ev.cache.has(restKey)).toBe(false);
    // The first edit computes the rest on its own (once, cached), then the edited loop around it.
    evalExpr(frame, `a >= 7 or ${rest}`, ev);
    expect(ev.cache.has(restKey)).toBe(true);
    const before = ev.computed;
    // The next edits read it: one loop each, nothing else computed.
    expect(cond(frame, `a >= 6 or ${rest}`, ev)).toBe(cond(frame, `a >= 6 or ${rest}`));
    expect(ev.computed).toBe(before + 1);
  });

  it('gives the same values when thresholds are edited one after another (computed at the points they can change)', () => {
    const value = fc.oneof({ weight: 60, arbitrary: fc.integer({ min: 0, max: 99 }) }, { weight: 1, arbitrary: fc.constantFrom(null, 1e300, -1e300) });
    const rules = ['a >= T or (b / lag(a, 1) > 2 and a >= 50)', '(a < T) and not (b == 3)', 'T <= a or b > 90', 'a != T or b < 10', 'a == T', 'a > T and a < T + 30'];
    let used = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(value, value), { minLength: 300, maxLength: 300 }), fc.constantFrom(...rules), fc.integer({ min: 0, max: 99 }), fc.array(fc.constantFrom(-3, -1, -0.5, 0, 0.5, 1, 2, 7), { minLength: 1, maxLength: 8 }), (rows, rule, start, steps) => {
        const frame = frameOf({ x: { a: rows.slice(0, 150).map((r) => r[0]), b: rows.slice(0, 150).map((r) => r[1]) }, y: { a: rows.slice(150).map((r) => r[0]), b: rows.slice(150).map((r) => r[1]) } });
        const kept = new Evaluator(frame, new FeatureCache());
        kept.reuseInner = true;
        let t = start;
        for (const step of [0, ...steps]) {
          t += step;
          const expr = rule.replaceAll('T', String(t));
          const slow = new Evaluator(frame, new FeatureCache());
          slow.noFusion = true;
          const v = evalExpr(frame, expr, kept) as Uint8Array;
          expect(Array.from(v), expr).toEqual(Array.from(evalExpr(frame, expr, slow)));
          // Its bit sets, made from the ones before where the values were (points.ts), as made from the values.
          expect(Array.from(trueBits(v)), expr).toEqual(Array.from(trueBits(v.slice())));
          expect(Array.from(unknownBits(v)), expr).toEqual(Array.from(unknownBits(v.slice())));
        }
        used += kept.deltas.used;
      }),
      { numRuns: 200 },
    );
    // Most edits were computed at the points they could change.
    expect(used).toBeGreaterThan(100);
  });
});
