// Completion: declarations at the start of a line, dataset settings and columns, severities,
// functions (as snippets), columns, lets, named parameters and logic words in expressions.
import { CompletionItemKind, InsertTextFormat, type CompletionItem } from 'vscode-languageserver';
import { severities } from '../../../../grammar/src/ast';
import { functionDoc, functions, functionsByName, signatureLabel } from '../../../../grammar/src/functions';
import { writeName } from '../../../../grammar/src/lexer';
import type { ParseResult } from '../../../../grammar/src/parse';
import type { Analysis } from '../../engine/analyze';
import { cursorContext } from './context';
import { stringAt } from './paths';

const declarations: { label: string; snippet: string; detail: string }[] = [
  { label: 'dataset', snippet: 'dataset "${1:data.csv}" {\n    series = ${2:id}\n    time   = ${3:time}\n    label  = ${4:is_anomaly}\n}', detail: 'the labelled data the rules are scored on' },
  { label: 'let', snippet: 'let ${1:name} = ${2:mean(${3:x}, ${4:4})}', detail: 'a named expression' },
  { label: 'rule', snippet: 'rule ${1:name} "${2:Title}" when\n    ${3:condition}', detail: 'flags points where the condition holds' },
  { label: 'exclude', snippet: 'exclude ${1:name} when ${2:condition}', detail: 'never flag points where the condition holds' },
  { label: 'test', snippet: 'test "${1:what it checks}" {\n    ${2:x} = [${3:0, 0, 0, 15}]\n    expect ${4|anomaly,normal|}\n}', detail: 'a small series and what the rules must say' },
];
const datasetKeys = [
  { label: 'series', detail: 'column naming each series' },
  { label: 'time', detail: 'column that orders points' },
  { label: 'label', detail: 'column with 1 anomaly, 0 normal, blank unlabelled' },
  { label: 'reason', detail: 'column with the labeller’s explanation (text)' },
  { label: 'split', detail: 'train/validation/test shares, e.g. 60/20/20' },
];

export function completions(parsed: ParseResult, offset: number, a: Analysis | undefined): CompletionItem[] {
  // Inside a title or a test name there is nothing to complete (the dataset path is paths.ts's).
  if (stringAt(parsed, offset)) return [];
  const ctx = cursorContext(parsed, offset);
  const prev = ctx.prev?.tokenType.name;
  const columns = (a?.data?.frame.columnInfo ?? []).filter((c) => c.numeric);
  const roleCols = new Set(Object.values(a?.check.dataset.columns ?? {}));
  if (prev === 'Severity') return severities.map((s, i) => ({ label: s, kind: CompletionItemKind.EnumMember, sortText: String(i) }));
  if (prev === 'Expect') return ['anomaly', 'normal'].map((s) => ({ label: s, kind: CompletionItemKind.Keyword }));
  if (ctx.block === 'dataset') {
    if (prev === 'Equals') return (a?.data?.frame.columnInfo ?? []).map((c) => ({ label: writeName(c.name), kind: CompletionItemKind.Field, detail: c.numeric ? 'number' : 'text' }));
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
    items.push({ label: writeName(c.name), kind: CompletionItemKind.Field, detail: 'column', sortText: `2${c.name}` });
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
  for (const w of ['and', 'or', 'not', 'true', 'false']) items.push({ label: w, kind: CompletionItemKind.Keyword, sortText: `4${w}` });
  if (!ctx.inExpr && (prev === 'Identifier' || prev === 'StringLiteral')) items.push({ label: 'when', kind: CompletionItemKind.Keyword, sortText: '00' }, { label: 'severity', kind: CompletionItemKind.Keyword, sortText: '01' });
  return items;
}
