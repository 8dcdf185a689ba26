// The formatter: normalises spacing and indentation, keeps line breaks (at most one blank line),
// comments and the order of everything. Files with syntax errors are left alone.
import type { IToken } from 'chevrotain';
import { parse } from './parse';

const declWords = new Set(['Dataset', 'Let', 'Rule', 'Exclude', 'Test']);
const opens = new Set(['LParen', 'LBracket']);
const closes = new Set(['RParen', 'RBracket']);
const indentUnit = '    ';

interface Line {
  tokens: IToken[];
  comment?: IToken;
}

/** The formatted text, or undefined when the file has syntax errors. */
export function format(text: string): string | undefined {
  const parsed = parse(text);
  // parse() reports syntax only: any error means the file is not formatted.
  if (parsed.issues.some((i) => i.severity === 'error')) return undefined;
  const all = [...parsed.tokens, ...parsed.comments].sort((a, b) => a.startOffset - b.startOffset);
  // Group tokens by source line, remembering blank lines between them.
  const lines: (Line | 'blank')[] = [];
  let prevLine = 0;
  let cur: Line | undefined;
  for (const t of all) {
    const line = t.startLine ?? 1;
    if (!cur || line !== prevLine) {
      if (cur && line > prevLine + 1) lines.push('blank');
      cur = { tokens: [] };
      lines.push(cur);
      prevLine = line;
    }
    if (t.tokenType.name === 'Comment') cur.comment = t;
    else cur.tokens.push(t);
    prevLine = t.endLine ?? line;
  }
  const out: { code: string; comment?: string; indent: string }[] = [];
  let braces = 0;
  let parens = 0;
  let inDataset = false;
  let pendingDataset = false;
  const pendingComments: { comment: string }[] = [];
  for (const l of lines) {
    if (l === 'blank') {
      if (out.length && out[out.length - 1].code !== '' ) out.push({ code: '', indent: '' });
      else if (out.length && out[out.length - 1].comment) out.push({ code: '', indent: '' });
      continue;
    }
    const first = l.tokens[0];
    let indent = '';
    if (first) {
      const startsDecl = declWords.has(first.tokenType.name);
      const closing = first.tokenType.name === 'RBrace';
      if (braces > 0 && !closing) indent = indentUnit.repeat(braces + (parens > 0 ? 1 : 0));
      else if (!startsDecl && !closing) indent = indentUnit.repeat(1 + Math.max(0, parens - (closes.has(first.tokenType.name) ? 1 : 0)));
    }
    const code: string[] = [];
    let prev: IToken | undefined;
    for (const t of l.tokens) {
      const name = t.tokenType.name;
      if (name === 'Dataset') pendingDataset = true;
      if (name === 'LBrace') {
        braces++;
        if (pendingDataset) inDataset = true;
        pendingDataset = false;
      }
      if (name === 'RBrace') {
        braces = Math.max(0, braces - 1);
        inDataset = false;
      }
      if (opens.has(name)) parens++;
      if (closes.has(name)) parens = Math.max(0, parens - 1);
      if (prev && spaceBetween(prev, t, inDataset, code)) code.push(' ');
      code.push(t.image);
      prev = t;
    }
    // Comment-only lines take the indentation of the next code line (fixed below).
    out.push({ code: code.join(''), comment: l.comment?.image, indent: first ? indent : '\u0000' });
    void pendingComments;
  }
  // Indent comment-only lines like the code line after them.
  for (let i = out.length - 1, next = ''; i >= 0; i--) {
    if (out[i].indent === '\u0000') out[i].indent = out[i].code === '' && out[i].comment ? next : '';
    else if (out[i].code !== '') next = out[i].indent;
  }
  alignDatasetEquals(out);
  // Align trailing comments of consecutive lines.
  const rendered: string[] = [];
  let i = 0;
  while (i < out.length) {
    if (out[i].code && out[i].comment) {
      let j = i;
      while (j < out.length && out[j].code && out[j].comment) j++;
      const width = Math.max(...out.slice(i, j).map((o) => o.indent.length + o.code.length));
      for (let k = i; k < j; k++) rendered.push((out[k].indent + out[k].code).padEnd(width) + ' ' + out[k].comment);
      i = j;
      continue;
    }
    const o = out[i];
    rendered.push(o.code ? o.indent + o.code + (o.comment ? ' ' + o.comment : '') : o.comment ? o.indent + o.comment : '');
    i++;
  }
  while (rendered.length && rendered[rendered.length - 1] === '') rendered.pop();
  while (rendered.length && rendered[0] === '') rendered.shift();
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  return rendered.length ? rendered.join(eol) + eol : '';
}

function spaceBetween(a: IToken, b: IToken, inDataset: boolean, code: string[]): boolean {
  const x = a.tokenType.name;
  const y = b.tokenType.name;
  if (y === 'Comma' || closes.has(y)) return false;
  if (opens.has(x)) return false;
  if (y === 'LParen' && (x === 'Identifier' || x === 'QuotedIdentifier')) return false;
  if (inDataset && (x === 'Slash' || y === 'Slash')) return false;
  if (x === 'Minus' && isUnary(code)) return false;
  return true;
}

/** Whether the `-` just written is a sign (nothing to subtract from before it). */
function isUnary(code: string[]): boolean {
  // code ends with '-', possibly preceded by a space and the previous token.
  let k = code.length - 2;
  while (k >= 0 && code[k] === ' ') k--;
  if (k < 0) return true;
  const p = code[k];
  return /^(\(|\[|,|=|==|!=|<|<=|>|>=|\+|-|\*|\/|when|and|or|not|in)$/.test(p);
}

/** `series = sku` / `time   = week`: aligns the `=` of dataset settings. */
function alignDatasetEquals(out: { code: string; indent: string }[]): void {
  let i = 0;
  while (i < out.length) {
    if (!out[i].code.startsWith('dataset')) {
      i++;
      continue;
    }
    const props: number[] = [];
    let j = i + 1;
    for (; j < out.length && !out[j].code.startsWith('}'); j++) if (/^[A-Za-z_`][^=]* = /.test(out[j].code)) props.push(j);
    const width = Math.max(0, ...props.map((k) => out[k].code.indexOf(' = ')));
    for (const k of props) {
      const at = out[k].code.indexOf(' = ');
      out[k].code = out[k].code.slice(0, at).padEnd(width) + out[k].code.slice(at);
    }
    i = j;
  }
}
