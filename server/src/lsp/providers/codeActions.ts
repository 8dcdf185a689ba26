// Code actions: quick-fixes carried on diagnostics (did you mean, remove an unused let), read
// from `diagnostic.data` as the core issue model put them there.
import { CodeActionKind, type CodeAction, type CodeActionParams, type Diagnostic } from 'vscode-languageserver';
import { LineIndex, type IssueData } from '../../../../grammar/src/issues';
import { diagnosticSource } from '../diagnostics';

export function quickFixes(params: CodeActionParams, text: string): CodeAction[] {
  const index = new LineIndex(text);
  const uri = params.textDocument.uri;
  const out: CodeAction[] = [];
  for (const d of params.context.diagnostics) {
    if (d.source !== diagnosticSource || !d.data) continue;
    const data = d.data as IssueData;
    data.replacements?.forEach((r, i) => {
      out.push(action(`Change to \`${r}\``, d, { [uri]: [{ range: d.range, newText: r }] }, i === 0));
    });
    for (const f of data.fixes ?? []) {
      out.push(action(f.title, d, { [uri]: f.edits.map((e) => ({ range: index.range(e.start, e.end), newText: e.newText })) }, false));
    }
  }
  return out;
}

function action(title: string, d: Diagnostic, changes: Record<string, { range: Diagnostic['range']; newText: string }[]>, preferred: boolean): CodeAction {
  return { title, kind: CodeActionKind.QuickFix, diagnostics: [d], edit: { changes }, isPreferred: preferred || undefined };
}
