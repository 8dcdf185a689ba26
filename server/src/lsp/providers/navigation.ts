// Go to definition, find references and rename, for lets and rules (and columns: references only).
import { ResponseError, ErrorCodes, type Location, type Position, type Range, type WorkspaceEdit } from 'vscode-languageserver';
import type { Reference } from '../../../../grammar/src/check';
import { LineIndex } from '../../../../grammar/src/issues';
import { isPlainIdentifier, writeName } from '../../../../grammar/src/lexer';
import type { Analysis } from '../../engine/analyze';

function refAt(a: Analysis, offset: number): Reference | undefined {
  return a.check.references.find((r) => r.start <= offset && offset <= r.end);
}

function sameSymbol(a: Reference, b: Reference): boolean {
  return a.symbol.kind === b.symbol.kind && a.symbol.name === b.symbol.name;
}

export function definition(a: Analysis, uri: string, pos: Position): Location | null {
  const index = new LineIndex(a.parse.text);
  const ref = refAt(a, index.offset(pos));
  if (!ref) return null;
  const decl = a.check.references.find((r) => r.declaration && sameSymbol(r, ref));
  if (decl) return { uri, range: index.range(decl.start, decl.end) };
  // A column is defined in the dataset: go to the dataset block.
  if (ref.symbol.kind === 'column' && a.parse.file.dataset) {
    const d = a.parse.file.dataset;
    return { uri, range: index.range(d.path?.start ?? d.keyword.start, d.path?.end ?? d.keyword.end) };
  }
  return null;
}

export function references(a: Analysis, uri: string, pos: Position, includeDeclaration: boolean): Location[] {
  const index = new LineIndex(a.parse.text);
  const ref = refAt(a, index.offset(pos));
  if (!ref || ref.symbol.kind === 'function' || ref.symbol.kind === 'param') return [];
  return a.check.references
    .filter((r) => sameSymbol(r, ref) && (includeDeclaration || !r.declaration))
    .map((r) => ({ uri, range: index.range(r.start, r.end) }));
}

export function prepareRename(a: Analysis, pos: Position): { range: Range; placeholder: string } | null {
  const index = new LineIndex(a.parse.text);
  const ref = refAt(a, index.offset(pos));
  if (!ref) return null;
  if (ref.symbol.kind !== 'let' && ref.symbol.kind !== 'rule') {
    const what = ref.symbol.kind === 'column' ? 'a column of the dataset; rename it in the CSV header' : `a ${ref.symbol.kind}`;
    throw new ResponseError(ErrorCodes.InvalidRequest, `\`${ref.symbol.name}\` is ${what}: only lets and rules can be renamed here.`);
  }
  return { range: index.range(ref.start, ref.end), placeholder: ref.symbol.name };
}

export function rename(a: Analysis, uri: string, pos: Position, newName: string): WorkspaceEdit | null {
  const index = new LineIndex(a.parse.text);
  const ref = refAt(a, index.offset(pos));
  if (!ref) return null;
  prepareRename(a, pos);
  const name = newName.startsWith('`') && newName.endsWith('`') ? newName.slice(1, -1) : newName;
  if (!name || (!isPlainIdentifier(name) && !newName.startsWith('`'))) {
    throw new ResponseError(ErrorCodes.InvalidParams, `\`${newName}\` is not a name ARL accepts: use letters, digits and _, not starting with a digit, and not a reserved word.`);
  }
  const taken = a.check.references.some((r) => r.declaration && r.symbol.name === name && !sameSymbol(r, ref)) || a.data?.frame.columns.has(name);
  if (taken) throw new ResponseError(ErrorCodes.InvalidParams, `\`${name}\` is already used in this file or dataset; pick another name.`);
  const edits = a.check.references.filter((r) => sameSymbol(r, ref)).map((r) => ({ range: index.range(r.start, r.end), newText: writeName(name) }));
  return { changes: { [uri]: edits } };
}
