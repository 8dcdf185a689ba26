// Where the cursor is, read from the tokens before it: inside a dataset or test block, after
// `severity`, inside a call (which argument), or at the start of a declaration.
import type { IToken } from 'chevrotain';
import type { ParseResult } from '../../../../grammar/src/parse';

export interface OpenCall {
  name: string;
  /** Zero-based argument index at the cursor. */
  arg: number;
  /** The argument is being written as `name = ...`. */
  named?: string;
  /** Names already given as named arguments. */
  namedGiven: string[];
}

export interface CursorContext {
  block?: 'dataset' | 'test';
  /** The token just before the cursor (or before the word being typed). */
  prev?: IToken;
  /** The word being typed, up to the cursor. */
  prefix: string;
  prefixStart: number;
  call?: OpenCall;
  /** Nothing but the word being typed on this line, at column 0. */
  lineStart: boolean;
  /** Inside a declaration after its `when` (or a let after `=`). */
  inExpr: boolean;
}

export function cursorContext(parsed: ParseResult, offset: number): CursorContext {
  const text = parsed.text;
  let prefixStart = offset;
  while (prefixStart > 0 && /[A-Za-z0-9_]/.test(text[prefixStart - 1])) prefixStart--;
  const prefix = text.slice(prefixStart, offset);
  const before = parsed.tokens.filter((t) => t.endOffset! < prefixStart);
  let block: CursorContext['block'];
  const calls: (OpenCall | 'paren')[] = [];
  let inExpr = false;
  for (let i = 0; i < before.length; i++) {
    const t = before[i];
    const n = t.tokenType.name;
    if (n === 'Dataset' || n === 'Let' || n === 'Rule' || n === 'Exclude' || n === 'Test') {
      calls.length = 0;
      block = undefined;
      inExpr = false;
      if (n === 'Dataset') block = 'dataset';
      if (n === 'Test') block = 'test';
    } else if (n === 'RBrace') block = undefined;
    else if (n === 'When') inExpr = true;
    else if (n === 'Equals' && i >= 2 && before[i - 2].tokenType.name === 'Let') inExpr = true;
    else if (n === 'LParen') {
      const p = before[i - 1];
      calls.push(p && (p.tokenType.name === 'Identifier' || p.tokenType.name === 'QuotedIdentifier') ? { name: p.image, arg: 0, namedGiven: [] } : 'paren');
    } else if (n === 'RParen') calls.pop();
    else if (n === 'Comma') {
      const top = calls[calls.length - 1];
      if (top && top !== 'paren') {
        if (top.named) top.namedGiven.push(top.named);
        top.arg++;
        top.named = undefined;
      }
    } else if (n === 'Equals') {
      const top = calls[calls.length - 1];
      const p = before[i - 1];
      const pp = before[i - 2];
      if (top && top !== 'paren' && p && pp && (pp.tokenType.name === 'Comma' || pp.tokenType.name === 'LParen')) top.named = p.image;
    }
  }
  const open = [...calls].reverse().find((c): c is OpenCall => c !== 'paren');
  const lineBegin = text.lastIndexOf('\n', prefixStart - 1) + 1;
  return {
    block,
    prev: before[before.length - 1],
    prefix,
    prefixStart,
    call: open,
    lineStart: lineBegin === prefixStart,
    inExpr,
  };
}
