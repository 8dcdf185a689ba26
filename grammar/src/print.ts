// Tree to text: prints expressions and declarations so that parsing the text gives the same tree
// (spans aside). Parentheses written in the source (`paren` nodes) are kept; where a tree built
// in code needs parentheses for precedence, the printer adds them.
import type * as A from './ast';
import { writeName } from './lexer';

/** Binding strength, loosest first, as in parser.ts. */
const Level = { Or: 1, And: 2, Not: 3, Compare: 4, Add: 5, Mul: 6, Unary: 7, Primary: 8 } as const;
type Level = number;

const binaryLevel: Record<A.BinaryOp, Level> = {
  or: Level.Or,
  and: Level.And,
  '<': Level.Compare,
  '<=': Level.Compare,
  '>': Level.Compare,
  '>=': Level.Compare,
  '==': Level.Compare,
  '!=': Level.Compare,
  in: Level.Compare,
  'not in': Level.Compare,
  '+': Level.Add,
  '-': Level.Add,
  '*': Level.Mul,
  '/': Level.Mul,
};

/** How tightly an expression binds (1: `or` ... 8: a name, number, call or parenthesis). */
export function precedence(e: A.Expr): number {
  return level(e);
}

/**
 * How tightly an expression must bind to stand as `child` of `parent` without parentheses
 * (parent absent: at the top, in parentheses or as a call argument, where anything goes).
 */
export function requiredPrecedence(parent: A.Expr | undefined, child: A.Expr): number {
  if (!parent) return 0;
  if (parent.kind === 'binary') return parent.left === child ? binaryLevel[parent.op] : binaryLevel[parent.op] + 1;
  if (parent.kind === 'unary') return parent.op === 'not' ? Level.Not : Level.Unary;
  return 0;
}

function level(e: A.Expr): Level {
  switch (e.kind) {
    case 'number':
      return e.value < 0 || Object.is(e.value, -0) ? Level.Unary : Level.Primary;
    case 'unary':
      return e.op === 'not' ? Level.Not : Level.Unary;
    case 'binary':
      return binaryLevel[e.op];
    default:
      return Level.Primary;
  }
}

/** A number as ARL writes it; the sign is not part of a literal (a negative number prints as `-` and the number). */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`ARL has no literal for ${v}`);
  return String(Math.abs(v));
}

function numberText(e: A.NumberExpr): string {
  const abs = e.text && Number(e.text) === Math.abs(e.value) ? e.text : formatNumber(e.value);
  return e.value < 0 || Object.is(e.value, -0) ? `-${abs}` : abs;
}

/** Prints `e`, in parentheses when it binds more loosely than `min`. */
function sub(e: A.Expr, min: Level): string {
  const s = printExpr(e);
  return level(e) < min ? `(${s})` : s;
}

/** The expression as ARL text, on one line. Throws on `error` nodes (a tree with syntax errors). */
export function printExpr(e: A.Expr): string {
  switch (e.kind) {
    case 'number':
      return numberText(e);
    case 'bool':
      return e.value ? 'true' : 'false';
    case 'name':
      return writeName(e.name);
    case 'paren':
      return `(${printExpr(e.expr)})`;
    case 'unary':
      return e.op === 'not' ? `not ${sub(e.arg, Level.Not)}` : `-${sub(e.arg, Level.Unary)}`;
    case 'binary': {
      const l = binaryLevel[e.op];
      return `${sub(e.left, l)} ${e.op} ${sub(e.right, l + 1)}`;
    }
    case 'call':
      return `${writeName(e.callee.name)}(${e.args.map((a) => (a.name ? `${writeName(a.name.name)} = ` : '') + printExpr(a.value)).join(', ')})`;
    case 'string':
      return printString(e.value);
    case 'list':
      return `[${e.items.map(printExpr).join(', ')}]`;
    case 'error':
      throw new Error('cannot print an expression with errors');
  }
}

function printString(s: string): string {
  return JSON.stringify(s);
}

/** The header of a rule or exclude, up to and including `when`. */
export function printHeader(d: A.RuleDecl | A.ExcludeDecl): string {
  if (!d.name) throw new Error(`cannot print a ${d.kind} without a name`);
  let s = `${d.kind} ${writeName(d.name.name)}`;
  if (d.title) s += ` ${printString(d.title.value)}`;
  if (d.kind === 'rule' && d.severity) s += ` severity ${d.severity.name}`;
  if (d.kind === 'rule' && d.category) s += ` category ${printString(d.category.value)}`;
  return `${s} when`;
}

/** A let, rule or exclude declaration as ARL text, on one line. */
export function printDecl(d: A.LetDecl | A.RuleDecl | A.ExcludeDecl): string {
  if (!d.expr) throw new Error(`cannot print a ${d.kind} without its expression`);
  if (d.kind === 'let') {
    if (!d.name) throw new Error('cannot print a let without a name');
    return `let ${writeName(d.name.name)} = ${printExpr(d.expr)}`;
  }
  return `${printHeader(d)} ${printExpr(d.expr)}`;
}
