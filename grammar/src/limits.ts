// Limits on what a rule file may ask for, so that a hostile or generated file costs bounded time
// and memory (docs/language.md, "Limits"; the reasons are in docs/decisions.md).
import type * as A from './ast';

export const limits = {
  /** Parentheses, calls and prefix `not` / `-` inside each other, as written. */
  nesting: 32,
  /** Levels of the expression tree, lets expanded (a chain of n `and` terms is n deep). */
  depth: 500,
  /** Operations (tree nodes) in one declaration, as written. */
  declarationSize: 10_000,
  /** Operations in all lets, rules and excludes of a file: each let is computed once. */
  fileSize: 200_000,
  /** Largest window, step or offset (`w`, `k`, `offset`). */
  window: 1_000_000,
} as const;

/** 200000 -> "200,000". */
export function count(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A sub-expression as the generic walk sees it: any object with a kind and a span. */
function isExpr(v: unknown): v is A.Expr {
  return typeof v === 'object' && v !== null && typeof (v as A.Expr).kind === 'string' && typeof (v as A.Expr).start === 'number';
}

/**
 * The expressions directly below `e`. Generic (fields holding expressions, arrays of them, or
 * arguments `{ value }`), so new kinds of expression are measured without changes here.
 */
export function children(e: A.Expr): A.Expr[] {
  return known(e) ?? byFields(e);
}

/** The kinds known here, directly (the common case, and fast). */
function known(e: A.Expr): A.Expr[] | undefined {
  switch (e.kind) {
    case 'number':
    case 'bool':
    case 'name':
    case 'error':
      return [];
    case 'unary':
      return [e.arg];
    case 'binary':
      return [e.left, e.right];
    case 'paren':
      return [e.expr];
    case 'call':
      return e.args.map((a) => a.value);
    default:
      return undefined;
  }
}

/** Any other kind: the fields holding expressions, arrays of them, or arguments `{ value }`. */
function byFields(e: object): A.Expr[] {
  const out: A.Expr[] = [];
  for (const [key, v] of Object.entries(e) as [string, unknown][]) {
    if (key === 'callee' || key === 'opSpan') continue;
    if (isExpr(v)) out.push(v);
    else if (Array.isArray(v)) {
      for (const item of v) {
        if (isExpr(item)) out.push(item);
        else if (typeof item === 'object' && item !== null && isExpr((item as A.Arg).value)) out.push((item as A.Arg).value);
      }
    }
  }
  return out;
}

export interface Measure {
  /** Nodes of the tree. */
  size: number;
  /** Levels of the tree (a leaf is 1). */
  depth: number;
  /** Names used, with the depth at which each occurs (the root is at 0), in source order. */
  names: { expr: A.NameExpr; at: number }[];
}

/** Size, depth and names of an expression, without recursion (the tree may be thousands deep). */
export function measure(root: A.Expr): Measure {
  const m: Measure = { size: 0, depth: 0, names: [] };
  const exprs: A.Expr[] = [root];
  const depths: number[] = [0];
  while (exprs.length) {
    const e = exprs.pop()!;
    const at = depths.pop()!;
    m.size++;
    if (at + 1 > m.depth) m.depth = at + 1;
    if (e.kind === 'name') m.names.push({ expr: e, at });
    const cs = children(e);
    for (let i = cs.length - 1; i >= 0; i--) {
      exprs.push(cs[i]);
      depths.push(at + 1);
    }
  }
  return m;
}
