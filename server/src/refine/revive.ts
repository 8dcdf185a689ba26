// What a rule has lost on the way: the disjuncts and conditions its earlier versions had and its
// current version has not, compared by shape (thresholds aside, `and` in any order). The offline
// proposer offers them back, with their thresholds tuned again for the file as it is now: a
// condition dropped while the other rules were still weak may pay once they are strong.
import * as A from '../../../grammar/src/ast';
import { parse } from '../../../grammar/src/parse';
import { printExpr } from '../../../grammar/src/print';
import { chain, insideCall, thresholdOf } from './edit';

/** The numbers compared with (thresholds read at the point itself) of an expression. */
function thresholdLiterals(root: A.Expr): Set<A.Expr> {
  const out = new Set<A.Expr>();
  A.walkExpr(root, (e) => {
    const t = thresholdOf(e);
    if (t && !insideCall(root, e)) out.add(t.flipped ? t.cmp.left : t.cmp.right);
  });
  return out;
}

/** An expression's shape: its text with thresholds as `#`, parentheses and the order of `and` aside. */
export function shapeOf(e: A.Expr): string {
  const masked = thresholdLiterals(e);
  const go = (x: A.Expr): string => {
    if (masked.has(x)) return '#';
    if (x.kind === 'paren') return go(x.expr);
    if (x.kind === 'binary' && x.op === 'and') return `(${chain(x, 'and').map(go).sort().join(' and ')})`;
    if (x.kind === 'binary' && x.op === 'or') return `(${chain(x, 'or').map(go).join(' or ')})`;
    if (x.kind === 'binary') return `${go(x.left)} ${x.op} ${go(x.right)}`;
    if (x.kind === 'unary') return `${x.op} ${go(x.arg)}`;
    return printExpr(x);
  };
  return go(e);
}

/** The conditions of an expression: the operands of its `and` chains, inside each disjunct. */
function conditions(e: A.Expr): A.Expr[] {
  return chain(e, 'or').flatMap((d) => chain(d, 'and'));
}

export interface Lost {
  /** Disjuncts of earlier versions that the rule has no more, each in its latest version. */
  disjuncts: A.Expr[];
  /** Conditions of earlier versions that no disjunct of the rule has any more. */
  conditions: A.Expr[];
}

/** What `current` has lost of `past` (rule declarations' texts, oldest first). */
export function lostParts(current: A.Expr, past: string[]): Lost {
  const haveD = new Set(chain(current, 'or').map(shapeOf));
  const haveC = new Set(conditions(current).map(shapeOf));
  const out: Lost = { disjuncts: [], conditions: [] };
  for (const text of [...past].reverse()) {
    const decl = parse(text).file.rules[0];
    if (!decl?.expr) continue;
    for (const d of chain(decl.expr, 'or')) {
      const s = shapeOf(d);
      if (!haveD.has(s)) (haveD.add(s), out.disjuncts.push(d));
    }
    for (const c of conditions(decl.expr)) {
      const s = shapeOf(c);
      if (!haveC.has(s)) (haveC.add(s), out.conditions.push(c));
    }
  }
  return out;
}
