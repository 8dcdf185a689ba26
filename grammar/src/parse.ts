// Text to tree. Never throws: returns the tree with whatever could be read, and the errors.
import type { CstElement, CstNode, IRecognitionException, IToken } from 'chevrotain';
import * as A from './ast';
import { capDepth, guardNesting, isCutOut } from './guard';
import { issue, type Issue } from './issues';
import * as T from './lexer';
import { arlParser } from './parser';

export interface ParseResult {
  text: string;
  file: A.ArlFile;
  issues: Issue[];
  /** Significant tokens (no comments, no white space), in order. */
  tokens: IToken[];
  comments: IToken[];
}

const starts = new Set(T.declarationStarts);

export function parse(text: string): ParseResult {
  const issues: Issue[] = [];
  const lexed = T.arlLexer.tokenize(text);
  for (const e of lexed.errors) {
    const raw = text.substr(e.offset, e.length);
    // Control and non-ASCII characters are shown by code point, so the message stays readable.
    const ch = /^[\x21-\x7e]+$/.test(raw) ? raw : [...raw].slice(0, 4).map((c) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`).join(' ') + (raw.length > 4 ? ' ...' : '');
    issues.push(
      issue('lex-error', 'error', `Unexpected character${ch.length > 1 ? 's' : ''} '${ch}': ARL does not use ${ch.length > 1 ? 'them' : 'it'}. Remove ${ch.length > 1 ? 'them' : 'it'}.`, {
        start: e.offset,
        end: e.offset + e.length,
      }),
    );
  }
  const tokens = lexed.tokens.map((t): IToken => {
    if (t.tokenType !== T.UnterminatedString) return t;
    issues.push(issue('unterminated-string', 'error', 'This string has no closing quote: add `"` at its end.', span(t)));
    return { ...t, image: t.image + '"', tokenType: T.StringLiteral, tokenTypeIdx: T.StringLiteral.tokenTypeIdx! };
  });
  const comments = (lexed.groups.comments ?? []) as IToken[];

  const file: A.ArlFile = { decls: [], lets: [], rules: [], excludes: [], tests: [] };
  const parser = arlParser();
  let i = 0;
  if (tokens.length > 0 && !starts.has(tokens[0].tokenType)) {
    let j = 0;
    while (j < tokens.length && !starts.has(tokens[j].tokenType)) j++;
    issues.push(
      issue(
        'syntax',
        'error',
        `Expected a declaration ('dataset', 'let', 'rule', 'exclude' or 'test') but found '${tokens[0].image}'.`,
        { start: tokens[0].startOffset, end: tokens[j - 1].endOffset! + 1 },
      ),
    );
    i = j;
  }
  while (i < tokens.length) {
    let j = i + 1;
    while (j < tokens.length && !starts.has(tokens[j].tokenType)) j++;
    const segment = guardNesting(tokens.slice(i, j), issues);
    parser.input = segment;
    const cst = parser.declaration();
    for (const e of parser.errors) issues.push(syntaxIssue(e, segment, text));
    const decl = new Builder(issues, segment).declaration(cst);
    if (decl) addDecl(file, capDepth(decl, issues));
    i = j;
  }
  return { text, file, issues, tokens, comments };
}

function addDecl(file: A.ArlFile, decl: A.Decl): void {
  file.decls.push(decl);
  switch (decl.kind) {
    case 'dataset':
      file.dataset ??= decl;
      break;
    case 'let':
      file.lets.push(decl);
      break;
    case 'rule':
      file.rules.push(decl);
      break;
    case 'exclude':
      file.excludes.push(decl);
      break;
    case 'test':
      file.tests.push(decl);
      break;
  }
}

function syntaxIssue(e: IRecognitionException, segment: IToken[], text: string): Issue {
  let tok: IToken | undefined = e.token;
  let range: A.Span;
  if (!tok || tok.tokenType.name === 'EOF' || Number.isNaN(tok.startOffset)) {
    // At the end of a declaration: point just after its last token.
    const prev = (e as IRecognitionException & { previousToken?: IToken }).previousToken;
    const last = prev && !Number.isNaN(prev.startOffset) ? prev : segment[segment.length - 1];
    const end = last ? last.endOffset! + 1 : text.length;
    range = { start: end, end };
    tok = undefined;
  } else {
    range = span(tok);
  }
  return issue('syntax', 'error', e.message, range);
}

function span(t: IToken): A.Span {
  return { start: t.startOffset, end: t.endOffset! + 1 };
}

function real(t: IToken | undefined): t is IToken {
  return !!t && !t.isInsertedInRecovery && !Number.isNaN(t.startOffset);
}

function isNode(e: CstElement): e is CstNode {
  return (e as CstNode).children !== undefined;
}

/** Widens `s` to every real token under `c`. */
function extend(c: CstNode, s: A.Span): void {
  for (const key in c.children) {
    for (const e of c.children[key]) {
      if (isNode(e)) extend(e, s);
      else if (real(e)) {
        if (e.startOffset < s.start) s.start = e.startOffset;
        if (e.endOffset! + 1 > s.end) s.end = e.endOffset! + 1;
      }
    }
  }
}

/** Builds the AST from the concrete tree, tolerating what recovery left out. */
class Builder {
  constructor(
    private readonly issues: Issue[],
    private readonly segment: IToken[],
  ) {}

  private tok(n: CstNode | undefined, name: string, i = 0): IToken | undefined {
    const t = n?.children[name]?.[i];
    return t && !isNode(t) && real(t) ? t : undefined;
  }

  private toks(n: CstNode, name: string): IToken[] {
    return ((n.children[name] ?? []) as IToken[]).filter((t) => !isNode(t) && real(t));
  }

  private node(n: CstNode | undefined, name: string, i = 0): CstNode | undefined {
    const c = n?.children[name]?.[i];
    return c && isNode(c) ? c : undefined;
  }

  private nodes(n: CstNode, name: string): CstNode[] {
    return ((n.children[name] ?? []) as CstElement[]).filter(isNode);
  }

  /** Span of every real token under `n`, or a zero-width span at `fallback`. */
  private spanOf(n: CstNode | undefined, fallback: number): A.Span {
    if (!n) return { start: fallback, end: fallback };
    // The declaration's span is asked for twice: remember the last one.
    if (this.lastSpan?.node !== n) {
      const s = { start: Infinity, end: -Infinity };
      extend(n, s);
      this.lastSpan = { node: n, span: s };
    }
    const s = this.lastSpan.span;
    return s.start === Infinity ? { start: fallback, end: fallback } : { start: s.start, end: s.end };
  }
  private lastSpan?: { node: CstNode; span: A.Span };

  private ident(t: IToken | undefined): A.Ident | undefined {
    return t ? { name: T.identName(t), ...span(t) } : undefined;
  }

  private str(t: IToken | undefined): A.StringLit | undefined {
    if (!t) return undefined;
    let value: string;
    try {
      value = JSON.parse(t.image);
    } catch {
      value = t.image.slice(1, -1);
    }
    return { value, ...span(t) };
  }

  private get segmentEnd(): number {
    const last = this.segment[this.segment.length - 1];
    return last ? last.endOffset! + 1 : 0;
  }

  declaration(cst: CstNode): A.Decl | undefined {
    const d =
      this.node(cst, 'datasetDecl') ??
      this.node(cst, 'letDecl') ??
      this.node(cst, 'ruleDecl') ??
      this.node(cst, 'excludeDecl') ??
      this.node(cst, 'testDecl');
    if (!d) return undefined;
    const first = this.segment[0];
    const sp = { start: first.startOffset, end: this.spanOf(d, this.segmentEnd).end };
    const keyword = span(first);
    switch (d.name) {
      case 'datasetDecl':
        return {
          kind: 'dataset',
          keyword,
          ...sp,
          path: this.str(this.tok(d, 'StringLiteral')),
          props: this.nodes(d, 'datasetProp').flatMap((p) => this.datasetProp(p) ?? []),
        };
      case 'letDecl':
        return { kind: 'let', keyword, ...sp, name: this.ident(this.tok(d, 'Identifier')), expr: this.optExpr(d, 'expression') };
      case 'ruleDecl':
        return {
          kind: 'rule',
          keyword,
          ...sp,
          name: this.ident(this.tok(d, 'Identifier')),
          title: this.str(this.tok(d, 'StringLiteral')),
          severity: this.ident(this.tok(d, 'level')),
          category: this.str(this.tok(d, 'group')),
          when: this.whenSpan(d),
          expr: this.optExpr(d, 'expression'),
        };
      case 'excludeDecl':
        return {
          kind: 'exclude',
          keyword,
          ...sp,
          name: this.ident(this.tok(d, 'Identifier')),
          title: this.str(this.tok(d, 'StringLiteral')),
          when: this.whenSpan(d),
          expr: this.optExpr(d, 'expression'),
        };
      case 'testDecl':
        return this.testDecl(d, keyword, sp);
    }
    return undefined;
  }

  private whenSpan(d: CstNode): A.Span | undefined {
    const t = this.tok(d, 'When');
    return t ? span(t) : undefined;
  }

  private optExpr(d: CstNode, name: string): A.Expr | undefined {
    const n = this.node(d, name);
    if (!n) return undefined;
    const e = this.expression(n, this.spanOf(d, this.segmentEnd).end);
    return e.kind === 'error' && e.start === e.end ? undefined : e;
  }

  private datasetProp(p: CstNode): A.DatasetProp | undefined {
    const key = this.ident(this.tok(p, 'Identifier'));
    if (!key) return undefined;
    const value = this.datasetValue(this.node(p, 'datasetValue'));
    return { key, value, start: key.start, end: value?.end ?? key.end };
  }

  private datasetValue(v: CstNode | undefined): A.DatasetValue | undefined {
    if (!v) return undefined;
    const s = this.tok(v, 'StringLiteral');
    const id = this.tok(v, 'Identifier');
    const nums = this.toks(v, 'NumberLiteral');
    if (s) return { kind: 'string', value: this.str(s)!.value, ...span(s) };
    const close = this.tok(v, 'RParen');
    if (id && close) return { kind: 'call', name: T.identName(id), args: nums.map((n) => Number(n.image)), start: id.startOffset, end: close.endOffset! + 1 };
    if (id) {
      const word = { kind: 'name' as const, name: T.identName(id), ...span(id) };
      const arg = this.node(v, 'datasetArg');
      if (!arg) return word;
      const value = this.datasetValue(arg);
      return { kind: 'qualified', word: { name: word.name, start: word.start, end: word.end }, value, start: word.start, end: value?.end ?? word.end };
    }
    if (nums.length === 1) return { kind: 'number', value: Number(nums[0].image), ...span(nums[0]) };
    if (nums.length > 1)
      return {
        kind: 'split',
        parts: nums.map((n) => Number(n.image)),
        start: nums[0].startOffset,
        end: nums[nums.length - 1].endOffset! + 1,
      };
    return undefined;
  }

  private testDecl(d: CstNode, keyword: A.Span, sp: A.Span): A.TestDecl {
    const test: A.TestDecl = {
      kind: 'test',
      keyword,
      ...sp,
      title: this.str(this.tok(d, 'StringLiteral')),
      columns: [],
      expects: [],
    };
    for (const item of this.nodes(d, 'testItem')) {
      const ex = this.node(item, 'testExpect');
      const col = this.node(item, 'testColumn');
      if (ex) {
        const kw = this.tok(ex, 'Anomaly') ?? this.tok(ex, 'Normal');
        if (!kw) continue;
        const at = this.toks(ex, 'NumberLiteral');
        const s = this.spanOf(ex, kw.startOffset);
        test.expects.push({
          outcome: kw.tokenType === T.Anomaly ? 'anomaly' : 'normal',
          at: at.map((t) => Number(t.image)),
          atSpans: at.map(span),
          ...s,
        });
      } else if (col) {
        const name = this.ident(this.tok(col, 'Identifier'));
        if (!name) continue;
        const values: number[] = [];
        const valueSpans: A.Span[] = [];
        const texts: (string | undefined)[] = [];
        for (const v of this.nodes(col, 'testValue')) {
          const num = this.tok(v, 'NumberLiteral');
          const id = this.tok(v, 'Identifier');
          const s = this.tok(v, 'StringLiteral');
          texts[values.length] = undefined;
          if (s) {
            texts[values.length] = this.str(s)!.value;
            values.push(Number.NaN);
            valueSpans.push(span(s));
          } else if (num) {
            const neg = this.tok(v, 'Minus');
            values.push(neg ? -Number(num.image) : Number(num.image));
            valueSpans.push({ start: (neg ?? num).startOffset, end: num.endOffset! + 1 });
          } else if (id) {
            if (id.image !== '_') {
              this.issues.push(issue('syntax', 'error', `Expected a number, a string or '_' (a missing value) but found '${id.image}'.`, span(id)));
            }
            values.push(Number.NaN);
            valueSpans.push(span(id));
          }
        }
        const hasText = texts.some((t) => t !== undefined);
        test.columns.push({ name, values, valueSpans, ...(hasText ? { texts } : {}), ...this.spanOf(col, name.start) });
      }
    }
    return test;
  }

  // Expressions.

  private expression(n: CstNode, fallback: number): A.Expr {
    const inner = this.node(n, 'orExpr');
    return inner ? this.binaryChain(inner, fallback) : this.error(n, fallback);
  }

  private error(n: CstNode | undefined, fallback: number): A.ErrorExpr {
    return { kind: 'error', ...this.spanOf(n, fallback) };
  }

  private static readonly chains: Record<string, { child: string; ops: string[] }> = {
    orExpr: { child: 'andExpr', ops: ['Or'] },
    andExpr: { child: 'notExpr', ops: ['And'] },
    cmpExpr: { child: 'addExpr', ops: ['op'] },
    addExpr: { child: 'mulExpr', ops: ['op'] },
    mulExpr: { child: 'unaryExpr', ops: ['op'] },
  };

  /** Left-associative operator chains: operand (op operand)*. */
  private binaryChain(n: CstNode, fallback: number): A.Expr {
    const chain = Builder.chains[n.name];
    if (!chain) return this.unary(n, fallback);
    const operands = this.nodes(n, chain.child);
    const ops = chain.ops.length === 1 ? this.toks(n, chain.ops[0]) : chain.ops.flatMap((o) => this.toks(n, o)).sort((a, b) => a.startOffset - b.startOffset);
    const sub = (c: CstNode | undefined, fb: number): A.Expr =>
      c ? (Builder.chains[c.name] ? this.binaryChain(c, fb) : this.unary(c, fb)) : { kind: 'error', start: fb, end: fb };
    let left = sub(operands[0], fallback);
    // `not in`: the `not` token just before an `in` belongs to the operator.
    const nots = n.name === 'cmpExpr' ? this.toks(n, 'notIn') : [];
    ops.forEach((op, i) => {
      const opEnd = op.endOffset! + 1;
      const right = sub(operands[i + 1], opEnd);
      const not = op.tokenType === T.In ? nots.find((t) => this.segment[this.segment.indexOf(t) + 1] === op) : undefined;
      const opStart = not ? not.startOffset : op.startOffset;
      left = {
        kind: 'binary',
        op: (op.tokenType === T.Or ? 'or' : op.tokenType === T.And ? 'and' : op.tokenType === T.In ? (not ? 'not in' : 'in') : op.image) as A.BinaryOp,
        left,
        right,
        opSpan: { start: opStart, end: opEnd },
        start: Math.min(left.start, opStart),
        end: Math.max(right.end, opEnd),
      };
    });
    return left;
  }

  /** notExpr and unaryExpr: prefix operator or the next level down. */
  private unary(n: CstNode, fallback: number): A.Expr {
    if (n.name === 'notExpr' || n.name === 'unaryExpr') {
      const opTok = this.tok(n, n.name === 'notExpr' ? 'Not' : 'Minus');
      const innerName = n.name === 'notExpr' ? 'notExpr' : 'unaryExpr';
      if (opTok) {
        const inner = this.node(n, innerName);
        const arg = inner ? this.unary(inner, opTok.endOffset! + 1) : this.error(undefined, opTok.endOffset! + 1);
        return { kind: 'unary', op: n.name === 'notExpr' ? 'not' : '-', arg, start: opTok.startOffset, end: Math.max(arg.end, opTok.endOffset! + 1) };
      }
      const next = this.node(n, n.name === 'notExpr' ? 'cmpExpr' : 'primary');
      if (!next) return this.error(n, fallback);
      return next.name === 'primary' ? this.primary(next, fallback) : this.binaryChain(next, fallback);
    }
    return this.error(n, fallback);
  }

  private primary(n: CstNode, fallback: number): A.Expr {
    const num = this.tok(n, 'NumberLiteral');
    if (num) return { kind: 'number', value: Number(num.image), text: num.image, ...span(num) };
    const t = this.tok(n, 'True') ?? this.tok(n, 'False');
    if (t) return { kind: 'bool', value: t.tokenType === T.True, ...span(t) };
    const str = this.tok(n, 'StringLiteral');
    if (str) return { kind: 'string', value: this.str(str)!.value, ...span(str) };
    const list = this.node(n, 'listExpr');
    if (list) return this.list(list, fallback);
    const con = this.node(n, 'callOrName');
    if (con) return this.callOrName(con, fallback);
    const lp = this.tok(n, 'LParen');
    if (lp) {
      const inner = this.node(n, 'expression');
      const expr = inner ? this.expression(inner, lp.endOffset! + 1) : this.error(undefined, lp.endOffset! + 1);
      const rp = this.tok(n, 'RParen');
      return { kind: 'paren', expr, start: lp.startOffset, end: rp ? rp.endOffset! + 1 : expr.end };
    }
    return this.error(n, fallback);
  }

  private list(n: CstNode, fallback: number): A.Expr {
    const lb = this.tok(n, 'LBracket');
    if (!lb) return this.error(n, fallback);
    const rb = this.tok(n, 'RBracket');
    let pos = lb.endOffset! + 1;
    const items = this.nodes(n, 'expression').map((x) => {
      const e = this.expression(x, pos);
      pos = Math.max(pos, e.end);
      return e;
    });
    return { kind: 'list', items, closed: !!rb, start: lb.startOffset, end: rb ? rb.endOffset! + 1 : pos };
  }

  private callOrName(n: CstNode, fallback: number): A.Expr {
    const id = this.tok(n, 'Identifier');
    if (!id) return this.error(n, fallback);
    if (isCutOut(id)) return { kind: 'error', start: id.startOffset, end: id.endOffset! + 1 };
    const callee = this.ident(id)!;
    const lp = this.tok(n, 'LParen');
    if (!lp) return { kind: 'name', name: callee.name, start: callee.start, end: callee.end };
    const rp = this.tok(n, 'RParen');
    const args: A.Arg[] = [];
    let pos = lp.endOffset! + 1;
    for (const a of this.nodes(n, 'arg')) {
      const argName = this.ident(this.tok(a, 'argName'));
      const ex = this.node(a, 'expression');
      const value = ex ? this.expression(ex, argName ? argName.end : pos) : this.error(undefined, pos);
      const s = this.spanOf(a, pos);
      args.push({ name: argName, value, start: s.start, end: s.end });
      pos = s.end;
    }
    const end = rp ? rp.endOffset! + 1 : Math.max(pos, this.spanOf(n, pos).end);
    return { kind: 'call', callee, args, closed: !!rp, start: callee.start, end };
  }
}
