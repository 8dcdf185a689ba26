// The one place where core issues become LSP diagnostics. Quick-fixes read `data` back.
import { DiagnosticSeverity, DiagnosticTag, type Diagnostic } from 'vscode-languageserver';
import { LineIndex, type Issue } from '../../../grammar/src/issues';

const severity: Record<Issue['severity'], DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export const diagnosticSource = 'arl';

export function toDiagnostic(i: Issue, index: LineIndex): Diagnostic {
  const d: Diagnostic = {
    range: index.range(i.start, i.end),
    severity: severity[i.severity],
    code: i.code,
    source: diagnosticSource,
    message: i.message,
  };
  if (i.tags?.length) d.tags = i.tags.map((t) => (t === 'unnecessary' ? DiagnosticTag.Unnecessary : DiagnosticTag.Deprecated));
  if (i.data) d.data = i.data;
  return d;
}

export function toDiagnostics(issues: Issue[], text: string): Diagnostic[] {
  const index = new LineIndex(text);
  return issues.map((i) => toDiagnostic(i, index));
}
