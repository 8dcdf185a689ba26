// Completion: declarations at the start of a line, dataset settings and columns, severities,
// a category column's values and column patterns inside strings,
// functions (as snippets), columns, lets, named parameters and logic words in expressions.
import { CompletionItemKind, InsertTextFormat, type CompletionItem } from 'vscode-languageserver';
import { severities } from '../../../../grammar/src/ast';
import { check, paramAt } from '../../../../grammar/src/check';
import { functionDoc, functions, functionsByName, signatureLabel } from '../../../../grammar/src/functions';
import { LineIndex } from '../../../../grammar/src/issues';
import { writeName } from '../../../../grammar/src/lexer';
import { datasetSettingDocs, datasetValueDocs } from '../../../../grammar/src/settings';
import type { ParseResult } from '../../../../grammar/src/parse';
import type { Analysis } from '../../engine/analyze';
import { schemaOf } from '../../engine/frame';
import { cursorContext } from './context';

const declarations: { label: string; snippet: string; detail: string }[] = [
  { label: 'dataset', snippet: 'dataset "${1:data.csv}" {\n    series = ${2:id}\n    time   = ${3:time}\n    label  = ${4:is_anomaly}\n}', detail: 'the labelled data the rules are scored on' },
  { label: 'let', snippet: 'let ${1:name} = ${2:mean(${3:x}, ${4:4})}', detail: 'a named expression' },
  { label: 'rule', snippet: 'rule ${1:name} "${2:Title}" when\n    ${3:condition}', detail: 'flags points where the condition holds' },
  { label: 'exclude', snippet: 'exclude ${1:name} when ${2:condition}', detail: 'never flag points where the condition holds' },
  { label: 'test', snippet: 'test "${1:what it checks}" {\n    ${2:x} = [${3:0, 0, 0, 15}]\n    expect ${4|anomaly,normal|}\n}', detail: 'a small series and what the rules must say' },
];
const datasetKeys = datasetSettingDocs.map((s) => ({ label: s.name, detail: s.detail }));

export function completions(parsed: ParseResult, offset: number, a: Analysis | undefined): CompletionItem[] {
  // Inside a string: a category's values or column patterns; nothing in a title or a test name
  // (the dataset path is paths.ts's).
  const inString = stringCompletions(parsed, offset, a);
  if (inString) return inString;
  const ctx = cursorContext(parsed, offset);
  const prev = ctx.prev?.tokenType.name;
  const columns = (a?.data?.frame.columnInfo ?? []).filter((c) => c.numeric || c.categories);
  const roleCols = new Set(Object.values(a?.check.dataset.columns ?? {}));
  if (prev === 'Severity') return severities.map((s, i) => ({ label: s, kind: CompletionItemKind.EnumMember, sortText: String(i) }));
  if (prev === 'Expect') return ['anomaly', 'normal'].map((s) => ({ label: s, kind: CompletionItemKind.Keyword }));
  if (ctx.block === 'dataset') {
    const at = ctx.prev ? parsed.tokens.indexOf(ctx.prev) : -1;
    const key = (back: number) => (at >= back ? parsed.tokens[at - back] : undefined);
    const fields = () => (a?.data?.frame.columnInfo ?? []).map((c) => ({ label: writeName(c.name), kind: CompletionItemKind.Field, detail: c.numeric ? 'number' : 'text' }));
    // `split = column |`: the columns.
    if (prev === 'Identifier' && ctx.prev?.image === 'column' && key(1)?.tokenType.name === 'Equals' && key(2)?.image === 'split') return fields();
    if (prev === 'Equals') {
      const values = datasetValueDocs[key(1)?.image ?? ''];
      if (values) {
        return values.map((v, i) => ({
          label: v.label,
          kind: CompletionItemKind.EnumMember,
          detail: v.detail,
          insertText: v.snippet ?? v.insert ?? v.label,
          ...(v.snippet ? { insertTextFormat: InsertTextFormat.Snippet } : {}),
          sortText: String(i),
          ...(v.insert?.endsWith(' ') ? { command: { title: '', command: 'editor.action.triggerSuggest' } } : {}),
        }));
      }
      return fields();
    }
    return datasetKeys.map((k) => ({ label: k.label, kind: CompletionItemKind.Property, detail: k.detail, insertText: `${k.label} = `, command: { title: '', command: 'editor.action.triggerSuggest' } }));
  }
  if (ctx.block === 'test') {
    const items: CompletionItem[] = columns.filter((c) => !roleCols.has(c.name)).map((c) => ({ label: writeName(c.name), kind: CompletionItemKind.Field, insertText: `${writeName(c.name)} = [` }));
    items.push({ label: 'expect', kind: CompletionItemKind.Keyword, insertText: 'expect ${1|anomaly,normal|}', insertTextFormat: InsertTextFormat.Snippet });
    return items;
  }
  if (ctx.lineStart && !ctx.call) {
    return declarations.map((d, i) => ({ label: d.label, kind: CompletionItemKind.Keyword, detail: d.detail, insertText: d.snippet, insertTextFormat: InsertTextFormat.Snippet, sortText: `0${i}` }));
  }
  const items: CompletionItem[] = [];
  if (ctx.call && !ctx.call.named) {
    const spec = functionsByName.get(ctx.call.name);
    for (const p of spec?.params ?? []) {
      if (p.default === undefined || ctx.call.namedGiven.includes(p.name)) continue;
      items.push({ label: `${p.name} =`, kind: CompletionItemKind.Variable, detail: p.doc, insertText: `${p.name} = `, sortText: `0${p.name}` });
    }
  }
  for (const [name, decl] of a?.check.lets ?? []) {
    const body = decl.expr ? parsed.text.slice(decl.expr.start, decl.expr.end) : '';
    items.push({ label: name, kind: CompletionItemKind.Variable, detail: `let ${name} = ${body}`, sortText: `1${name}` });
  }
  for (const c of columns) {
    if (roleCols.has(c.name)) continue;
    items.push({ label: writeName(c.name), kind: CompletionItemKind.Field, detail: c.numeric ? 'column' : 'category column', sortText: `2${c.name}` });
  }
  const callSpec = ctx.call && functionsByName.get(ctx.call.name);
  if (callSpec && ctx.call && !ctx.call.named && !callSpec.variadic && paramAt(callSpec, ctx.call.arg)?.all) {
    items.push({ label: 'all', kind: CompletionItemKind.Keyword, detail: 'every point of the series so far', sortText: '00all' });
  }
  for (const f of functions) {
    items.push({
      label: f.name,
      kind: CompletionItemKind.Function,
      detail: signatureLabel(f),
      documentation: { kind: 'markdown', value: functionDoc(f) },
      insertText: `${f.name}($0)`,
      insertTextFormat: InsertTextFormat.Snippet,
      command: { title: 'Signature help', command: 'editor.action.triggerParameterHints' },
      sortText: `3${f.name}`,
    });
  }
  for (const w of ['and', 'or', 'not', 'true', 'false', 'in']) items.push({ label: w, kind: CompletionItemKind.Keyword, sortText: `4${w}` });
  if (!ctx.inExpr && (prev === 'Identifier' || prev === 'StringLiteral')) items.push({ label: 'when', kind: CompletionItemKind.Keyword, sortText: '00' }, { label: 'severity', kind: CompletionItemKind.Keyword, sortText: '01' }, { label: 'category', kind: CompletionItemKind.Keyword, sortText: '02', detail: 'the group of the rule\'s alerts: category "Stock-outs"', insertText: 'category "$1" ', insertTextFormat: InsertTextFormat.Snippet });
  return items;
}

/**
 * Inside a string of an expression: a category column's values (`event == "E|"`, `event in ["|`),
 * or column names and patterns (`columns("m|")`). The text is checked afresh against the loaded
 * dataset, so a string typed a moment ago is understood.
 */
function stringCompletions(parsed: ParseResult, offset: number, a: Analysis | undefined): CompletionItem[] | undefined {
  const open = (t: { startOffset: number }) => parsed.issues.some((i) => i.code === 'unterminated-string' && i.start === t.startOffset);
  // The text between the quotes: up to the closing quote, or to the end of an unterminated string.
  const contentEnd = (t: { startOffset: number; endOffset?: number }) => (open(t) ? t.endOffset! + 1 : t.endOffset!);
  const tok = parsed.tokens.find((t) => t.tokenType.name === 'StringLiteral' && t.startOffset < offset && offset <= contentEnd(t));
  if (!tok) return undefined;
  const frame = a?.data?.frame;
  if (!frame) return [];
  const sym = check(parsed, schemaOf(frame)).references.find((r) => r.start === tok.startOffset)?.symbol;
  if (!sym || (sym.kind !== 'category' && sym.kind !== 'group')) return [];
  const index = new LineIndex(parsed.text);
  const range = index.range(tok.startOffset + 1, contentEnd(tok));
  const edit = (text: string) => ({ range, newText: JSON.stringify(text).slice(1, -1) });
  if (sym.kind === 'group') {
    const roles = new Set(Object.values(a!.check.dataset.columns));
    const names = frame.columnInfo.filter((c) => (c.numeric || c.categories) && !roles.has(c.name)).map((c) => c.name);
    const prefixes = new Map<string, number>();
    for (const n of names) {
      const p = n.replace(/\d+$/, '');
      if (p !== n && p) prefixes.set(p, (prefixes.get(p) ?? 0) + 1);
    }
    const items: CompletionItem[] = [...prefixes].filter(([, k]) => k > 1).map(([p, k]) => ({ label: `${p}*`, kind: CompletionItemKind.Folder, detail: `${k} columns`, textEdit: edit(`${p}*`), sortText: `0${p}` }));
    for (const n of names) items.push({ label: n, kind: CompletionItemKind.Field, detail: 'column', textEdit: edit(n), sortText: `1${n}` });
    return items;
  }
  const items: CompletionItem[] = [];
  const seen = new Set<string>();
  for (const column of sym.columns) {
    const values = frame.columnInfo.find((c) => c.name === column)?.categories ?? [];
    values.forEach((v, i) => {
      if (seen.has(v)) return;
      seen.add(v);
      items.push({ label: v, kind: CompletionItemKind.EnumMember, detail: `category of ${column}`, textEdit: edit(v), filterText: v, sortText: String(i).padStart(5, '0') });
    });
  }
  return items;
}
