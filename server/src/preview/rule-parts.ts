// What a plot shows of a rule's text: the columns it names and the thresholds it compares with.
import * as A from '../../../grammar/src/ast';
import type { Analysis } from '../engine/analyze';
import type { CompiledDecl } from '../engine/plan';
import type { Threshold } from './types';

const flipped: Record<A.CompareOp, A.CompareOp> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '==': '==', '!=': '!=' };

/** Columns the rules name, directly or through lets, in order of appearance; never a role column. */
export function ruleColumns(analysis: Analysis, rules: CompiledDecl[]): string[] {
  const frame = analysis.data?.frame;
  if (!frame) return [];
  const roles = new Set(Object.values(analysis.check.dataset.columns));
  const lets = analysis.check.lets;
  const out: string[] = [];
  const seenLets = new Set<string>();
  const visit = (e: A.Expr | undefined) =>
    A.walkExpr(e, (x) => {
      if (x.kind !== 'name') return;
      const l = lets.get(x.name);
      if (l) {
        if (!seenLets.has(x.name)) seenLets.add(x.name), visit(l.expr);
      } else if (frame.columns.has(x.name) && !roles.has(x.name) && !out.includes(x.name)) out.push(x.name);
    });
  for (const r of rules) visit(r.decl.expr);
  if (!out.length) {
    // A rule naming no column (`rule r when true`): show the first numeric column.
    const first = frame.columnInfo.find((c) => c.numeric && frame.columns.has(c.name) && !roles.has(c.name));
    if (first) out.push(first.name);
  }
  return out;
}

/**
 * Comparisons of a column or a let with a constant, written `name op value`: `oos_ratio >= 80`
 * gives a line at 80 on oos_ratio. Columns count when in `columns`; lets when named `letName`
 * (or any let, with `anyLet`).
 */
export function previewThresholds(analysis: Analysis, rules: CompiledDecl[], columns: string[], letName?: string, anyLet = false): Threshold[] {
  const lets = analysis.check.lets;
  const out: Threshold[] = [];
  for (const r of rules) {
    A.walkExpr(r.decl.expr, (e) => {
      if (e.kind !== 'binary' || !(e.op in flipped)) return;
      const op = e.op as A.CompareOp;
      const l = A.unparen(e.left);
      const rt = A.unparen(e.right);
      const lv = constant(l);
      const rv = constant(rt);
      const [name, value, o] = l.kind === 'name' && rv !== undefined ? [l.name, rv, op] : rt.kind === 'name' && lv !== undefined ? [rt.name, lv, flipped[op]] : [];
      if (name === undefined || value === undefined || o === undefined) return;
      const axis = lets.has(name) ? (anyLet || name === letName ? 'let' : undefined) : columns.includes(name) ? 'metric' : undefined;
      if (!axis) return;
      if (!out.some((t) => t.rule === r.name && t.name === name && t.op === o && t.value === value)) out.push({ rule: r.name, name, op: o, value, axis });
    });
  }
  return out;
}

/** A literal number, possibly negated. */
function constant(e: A.Expr): number | undefined {
  if (e.kind === 'number') return e.value;
  if (e.kind === 'unary' && e.op === '-') {
    const v = constant(A.unparen(e.arg));
    return v === undefined ? undefined : -v;
  }
  return undefined;
}
