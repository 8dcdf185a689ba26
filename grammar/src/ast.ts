// The syntax tree. Every node carries its source span as character offsets [start, end).
// Parts that could not be parsed are `undefined` (declarations) or `error` nodes (expressions).

export interface Span {
  start: number;
  end: number;
}

export interface Ident extends Span {
  name: string;
}

export interface StringLit extends Span {
  value: string;
}

export type Expr = NumberExpr | BoolExpr | NameExpr | UnaryExpr | BinaryExpr | CallExpr | ParenExpr | ErrorExpr | StringExpr | ListExpr;

export interface NumberExpr extends Span {
  kind: 'number';
  value: number;
  text: string;
}
export interface BoolExpr extends Span {
  kind: 'bool';
  value: boolean;
}
export interface NameExpr extends Span {
  kind: 'name';
  name: string;
}
export interface UnaryExpr extends Span {
  kind: 'unary';
  op: '-' | 'not';
  arg: Expr;
}
export type ArithOp = '+' | '-' | '*' | '/';
export type CompareOp = '<' | '<=' | '>' | '>=' | '==' | '!=';
export type LogicOp = 'and' | 'or';
/** Membership in a list: `event in ["E11", "E28"]`, `event not in [...]`. */
export type InOp = 'in' | 'not in';
export type BinaryOp = ArithOp | CompareOp | LogicOp | InOp;
export interface BinaryExpr extends Span {
  kind: 'binary';
  op: BinaryOp;
  left: Expr;
  right: Expr;
  /** Span of the operator token. */
  opSpan: Span;
}
export interface Arg extends Span {
  name?: Ident;
  value: Expr;
}
export interface CallExpr extends Span {
  kind: 'call';
  callee: Ident;
  args: Arg[];
  /** False when the closing parenthesis is missing (half-typed call). */
  closed: boolean;
}
export interface ParenExpr extends Span {
  kind: 'paren';
  expr: Expr;
}
export interface ErrorExpr extends Span {
  kind: 'error';
}
/** A string in an expression: a category (`event == "E11"`) or a column pattern (`columns("m*")`). */
export interface StringExpr extends Span {
  kind: 'string';
  value: string;
}
/** `[a, b, c]`: a group of values, or the right side of `in`. */
export interface ListExpr extends Span {
  kind: 'list';
  items: Expr[];
  /** False when the closing bracket is missing. */
  closed: boolean;
}

export type DatasetValue =
  | { kind: 'name'; name: string; start: number; end: number }
  | { kind: 'string'; value: string; start: number; end: number }
  | { kind: 'split'; parts: number[]; start: number; end: number }
  | { kind: 'number'; value: number; start: number; end: number }
  /** `f_beta(2)` (objective). */
  | { kind: 'call'; name: string; args: number[]; start: number; end: number }
  /** A word and what it applies to: `time 60/20/20`, `column fold`. */
  | { kind: 'qualified'; word: Ident; value?: DatasetValue; start: number; end: number };

export interface DatasetProp extends Span {
  key: Ident;
  value?: DatasetValue;
}

export interface DatasetDecl extends Span {
  kind: 'dataset';
  keyword: Span;
  path?: StringLit;
  props: DatasetProp[];
}

export interface LetDecl extends Span {
  kind: 'let';
  keyword: Span;
  name?: Ident;
  expr?: Expr;
}

export type Severity = 'low' | 'medium' | 'high' | 'critical';
export const severities: Severity[] = ['low', 'medium', 'high', 'critical'];

export interface RuleDecl extends Span {
  kind: 'rule';
  keyword: Span;
  name?: Ident;
  title?: StringLit;
  severity?: Ident;
  /** `category "..."`: the group of the rule's alerts (a name for people; detection ignores it). */
  category?: StringLit;
  /** Span of the `when` keyword, if present. */
  when?: Span;
  expr?: Expr;
}

export interface ExcludeDecl extends Span {
  kind: 'exclude';
  keyword: Span;
  name?: Ident;
  title?: StringLit;
  when?: Span;
  expr?: Expr;
}

export interface TestColumn extends Span {
  name: Ident;
  /** NaN for a missing value written `_` (and for a string). */
  values: number[];
  valueSpans: Span[];
  /** A column of categories: the strings, undefined where `_` (or a number) is written. */
  texts?: (string | undefined)[];
}

export interface Expectation extends Span {
  outcome: 'anomaly' | 'normal';
  /** Zero-based positions; empty means the last point. */
  at: number[];
  atSpans: Span[];
}

export interface TestDecl extends Span {
  kind: 'test';
  keyword: Span;
  title?: StringLit;
  columns: TestColumn[];
  expects: Expectation[];
}

export type Decl = DatasetDecl | LetDecl | RuleDecl | ExcludeDecl | TestDecl;

export interface ArlFile {
  decls: Decl[];
  dataset?: DatasetDecl;
  lets: LetDecl[];
  rules: RuleDecl[];
  excludes: ExcludeDecl[];
  tests: TestDecl[];
}

/** Calls `visit` on `expr` and every expression below it, parents first. */
export function walkExpr(expr: Expr | undefined, visit: (e: Expr, parent?: Expr) => void, parent?: Expr): void {
  if (!expr) return;
  visit(expr, parent);
  switch (expr.kind) {
    case 'unary':
      walkExpr(expr.arg, visit, expr);
      break;
    case 'binary':
      walkExpr(expr.left, visit, expr);
      walkExpr(expr.right, visit, expr);
      break;
    case 'call':
      for (const a of expr.args) walkExpr(a.value, visit, expr);
      break;
    case 'paren':
      walkExpr(expr.expr, visit, expr);
      break;
    case 'list':
      for (const item of expr.items) walkExpr(item, visit, expr);
      break;
  }
}

/** Expressions owned by a declaration (lets, rules, excludes). */
export function declExpr(decl: Decl): Expr | undefined {
  return decl.kind === 'let' || decl.kind === 'rule' || decl.kind === 'exclude' ? decl.expr : undefined;
}

/** The innermost expression whose span contains `offset`. */
export function exprAt(expr: Expr | undefined, offset: number): Expr | undefined {
  let found: Expr | undefined;
  walkExpr(expr, (e) => {
    if (e.start <= offset && offset <= e.end) found = e;
  });
  return found;
}

/** Strips redundant parentheses. */
export function unparen(expr: Expr): Expr {
  while (expr.kind === 'paren') expr = expr.expr;
  return expr;
}
