// Guards that keep parsing within the stack: expressions nested or chained beyond the limits are
// reported and replaced by an error node, so no later stage (checker, hover, formatter, engine)
// ever walks a tree deeper than `limits.depth`.
import { tokenMatcher, type IToken, type TokenType } from 'chevrotain';
import type * as A from './ast';
import { issue, type Issue } from './issues';
import * as T from './lexer';
import { count, limits, measure } from './limits';

const opens = new Set<TokenType>([T.LParen, T.LBracket]);
const closes = new Set<TokenType>([T.RParen, T.RBracket]);
const resets = new Set<TokenType>([T.And, T.Or, T.Comma]);
const guarded = new Set<TokenType>([T.Let, T.Rule, T.Exclude]);

/** Tokens after which a `-` is binary (subtraction), not a sign. */
function endsOperand(t: IToken | undefined): boolean {
  if (!t) return false;
  return tokenMatcher(t, T.Identifier) || closes.has(t.tokenType) || [T.NumberLiteral, T.True, T.False, T.StringLiteral].includes(t.tokenType);
}

/** The placeholder standing for an expression cut out for being nested too deep. */
export function isCutOut(t: IToken): boolean {
  return t.image === '' && tokenMatcher(t, T.Identifier);
}

/**
 * The parser recurses once per parenthesis, call and prefix `not` / `-`; past `limits.nesting`
 * levels the innermost part (up to the next `and`, `or`, `,` or closing bracket) is replaced by a
 * placeholder the AST builder turns into an error node, and an error is reported on it.
 */
export function guardNesting(segment: IToken[], issues: Issue[]): IToken[] {
  if (!segment.length || !guarded.has(segment[0].tokenType)) return segment;
  const out: IToken[] = [];
  const stack: { not: number; minus: number; open: TokenType }[] = [];
  let outer = 0;
  let not = 0;
  let minus = 0;
  for (let k = 0; k < segment.length; k++) {
    const t = segment[k];
    const type = t.tokenType;
    const prev = segment[k - 1];
    let deeper = false;
    if (opens.has(type)) {
      stack.push({ not, minus, open: type });
      outer += not + minus + 1;
      not = minus = 0;
      deeper = true;
    } else if (closes.has(type)) {
      const s = stack.pop();
      if (s) {
        outer -= s.not + s.minus + 1;
        ({ not, minus } = s);
      }
    } else if (type === T.Not) {
      not++;
      deeper = true;
    } else if (type === T.Minus && !endsOperand(prev)) {
      minus++;
      deeper = true;
    } else if (resets.has(type)) {
      not = minus = 0;
    } else if (!endsOperand(t)) {
      minus = 0;
    }
    if (!deeper || outer + not + minus <= limits.nesting) {
      out.push(t);
      continue;
    }
    // Undo this token, cut out the part it starts, and go on after it.
    if (opens.has(type)) {
      const s = stack.pop()!;
      outer -= s.not + s.minus + 1;
      ({ not, minus } = s);
    } else if (type === T.Not) not--;
    else minus--;
    const call = opens.has(type) && tokenMatcher(prev, T.Identifier) && out[out.length - 1] === prev;
    if (call) out.pop();
    const from = call ? k - 1 : k;
    const end = cutEnd(segment, k);
    const first = segment[from];
    const last = segment[end - 1];
    issues.push(
      issue(
        'nesting-limit',
        'error',
        `This is nested more than ${limits.nesting} levels deep (parentheses, calls and \`not\` or \`-\` inside each other); ARL reads at most ${limits.nesting}. Remove redundant parentheses and signs, or name inner parts with \`let\`.`,
        { start: first.startOffset, end: last.endOffset! + 1 },
      ),
    );
    out.push({ ...first, image: '', tokenType: T.Identifier, tokenTypeIdx: T.Identifier.tokenTypeIdx!, endOffset: last.endOffset, endLine: last.endLine, endColumn: last.endColumn });
    k = end - 1;
  }
  // The parser's recovery from many brackets left open at the end costs far more stack than
  // parsing them: past a few, they are closed here and reported once, as the parser would.
  if (stack.length > maxUnclosed) {
    const last = out[out.length - 1];
    const end = last.endOffset! + 1;
    issues.push(issue('syntax', 'error', `Expected ')' but found the end of the declaration: ${stack.length} brackets are still open.`, { start: end, end }));
    for (let i = stack.length - 1; i >= 0; i--) {
      const close = stack[i].open === T.LBracket ? T.RBracket : T.RParen;
      out.push({ ...last, image: close === T.RParen ? ')' : ']', tokenType: close, tokenTypeIdx: close.tokenTypeIdx!, startOffset: NaN, endOffset: NaN, isInsertedInRecovery: true });
    }
  }
  return out;
}

/** Brackets left open at the end of a declaration that the parser is left to recover from. */
const maxUnclosed = 8;

/** Where the part starting at token k ends (exclusive): the operand of a sign, the bracket and
 * what it holds, or for `not` everything up to the next `and`, `or`, `,` or closing bracket. */
function cutEnd(segment: IToken[], k: number): number {
  let i = k;
  if (segment[k].tokenType === T.Minus) {
    while (i < segment.length && segment[i].tokenType === T.Minus) i++;
    if (i < segment.length && !opens.has(segment[i].tokenType)) {
      if (!tokenMatcher(segment[i], T.Identifier) || !opens.has(segment[i + 1]?.tokenType)) return i + 1;
      i++;
    }
  }
  const bracketed = opens.has(segment[i]?.tokenType);
  for (let level = 0; i < segment.length; i++) {
    const u = segment[i].tokenType;
    if (opens.has(u)) level++;
    else if (closes.has(u)) {
      if (level === 0) break;
      if (--level === 0 && bracketed) return i + 1;
    } else if (level === 0 && resets.has(u)) break;
  }
  return i;
}

/**
 * An expression whose tree is deeper than `limits.depth` (a chain of thousands of `and` or `+`
 * terms) is reported and replaced by an error node covering it.
 */
export function capDepth(decl: A.Decl, issues: Issue[]): A.Decl {
  if (decl.kind !== 'let' && decl.kind !== 'rule' && decl.kind !== 'exclude') return decl;
  if (!decl.expr) return decl;
  const depth = measure(decl.expr).depth;
  if (depth <= limits.depth) return decl;
  const { start, end } = decl.expr;
  issues.push(
    issue(
      'depth-limit',
      'error',
      `This expression is ${count(depth)} levels deep; ARL reads at most ${limits.depth} (a chain of n \`and\`, \`or\` or \`+\` terms is n levels). Split it into lets of fewer terms, e.g. \`let part1 = ...\`, and combine them.`,
      { start, end },
    ),
  );
  return { ...decl, expr: { kind: 'error', start, end } };
}
