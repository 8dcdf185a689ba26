// Document symbols (outline), folding ranges.
import { FoldingRangeKind, SymbolKind, type DocumentSymbol, type FoldingRange } from 'vscode-languageserver';
import { LineIndex } from '../../../../grammar/src/issues';
import type { ParseResult } from '../../../../grammar/src/parse';

export function documentSymbols(parsed: ParseResult): DocumentSymbol[] {
  const index = new LineIndex(parsed.text);
  const out: DocumentSymbol[] = [];
  for (const d of parsed.file.decls) {
    const range = index.range(d.start, d.end);
    const sel = (s: { start: number; end: number } | undefined) => (s ? index.range(s.start, s.end) : index.range(d.keyword.start, d.keyword.end));
    switch (d.kind) {
      case 'dataset':
        // VS Code rejects an empty name: `dataset ""` is what the editor shows after typing a quote.
        out.push({ name: d.path?.value || 'dataset', detail: 'dataset', kind: SymbolKind.File, range, selectionRange: sel(d.path) });
        break;
      case 'let':
        if (d.name?.name) out.push({ name: d.name.name, detail: 'let', kind: SymbolKind.Variable, range, selectionRange: sel(d.name) });
        break;
      case 'rule':
      case 'exclude':
        if (d.name?.name) out.push({ name: d.name.name, detail: d.title?.value || d.kind, kind: d.kind === 'rule' ? SymbolKind.Event : SymbolKind.Null, range, selectionRange: sel(d.name) });
        break;
      case 'test':
        out.push({ name: d.title?.value || 'test', detail: 'test', kind: SymbolKind.Method, range, selectionRange: sel(d.title) });
        break;
    }
  }
  return out;
}

export function foldingRanges(parsed: ParseResult): FoldingRange[] {
  const index = new LineIndex(parsed.text);
  const out: FoldingRange[] = [];
  for (const d of parsed.file.decls) {
    const a = index.position(d.start).line;
    const b = index.position(d.end).line;
    if (b > a) out.push({ startLine: a, endLine: d.kind === 'dataset' || d.kind === 'test' ? b - 1 : b });
  }
  // Runs of comment lines.
  let runStart = -1;
  let last = -2;
  for (const c of parsed.comments) {
    const line = index.position(c.startOffset).line;
    const own = parsed.text.slice(index.lineStart(line), c.startOffset).trim() === '';
    if (own && line === last + 1) {
      last = line;
      continue;
    }
    if (runStart >= 0 && last > runStart) out.push({ startLine: runStart, endLine: last, kind: FoldingRangeKind.Comment });
    runStart = own ? line : -1;
    last = own ? line : -2;
  }
  if (runStart >= 0 && last > runStart) out.push({ startLine: runStart, endLine: last, kind: FoldingRangeKind.Comment });
  return out;
}
