// Completion of the dataset path: data files and folders relative to the .arl file, never outside
// the workspace (or, without one, outside the .arl file's folder). A rule file is untrusted input:
// `dataset "../../` lists nothing beyond those roots.
import { promises as fs } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { CompletionItemKind, type CompletionItem, type Range } from 'vscode-languageserver';
import type { IToken } from 'chevrotain';
import { LineIndex } from '../../../../grammar/src/issues';
import type { ParseResult } from '../../../../grammar/src/parse';

const dataFile = /\.(csv|tsv|txt)$/i;
const maxItems = 500;

/** The string token the cursor is in (after its opening quote, up to its closing one). */
export function stringAt(parsed: ParseResult, offset: number): IToken | undefined {
  return parsed.tokens.find((t) => {
    const n = t.tokenType.name;
    if (n !== 'StringLiteral' && n !== 'UnterminatedString') return false;
    // An unterminated string reaches the parser closed (with its `"` added), so ask the text.
    const closed = t.endOffset! > t.startOffset && parsed.text[t.endOffset!] === '"';
    const end = t.endOffset! + 1 - (closed ? 1 : 0);
    return t.startOffset < offset && offset <= end;
  });
}

function inside(root: string, p: string): boolean {
  const r = relative(root, p);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
}

/**
 * Items for the dataset path at `offset`, or undefined when the cursor is not in that string.
 * `roots`: the workspace folders (real paths); empty: the .arl file's folder.
 */
export async function datasetPathCompletions(parsed: ParseResult, offset: number, file: string | undefined, roots: string[]): Promise<CompletionItem[] | undefined> {
  const tok = stringAt(parsed, offset);
  if (!tok) return undefined;
  const i = parsed.tokens.indexOf(tok);
  if (parsed.tokens[i - 1]?.tokenType.name !== 'Dataset') return undefined;
  if (!file) return [];
  const typed = parsed.text.slice(tok.startOffset + 1, offset).replace(/\\(.)/g, '$1');
  const slash = typed.lastIndexOf('/');
  const folderPart = slash >= 0 ? typed.slice(0, slash + 1) : '';
  const base = dirname(file);
  let folder: string;
  try {
    folder = await fs.realpath(resolve(base, folderPart || '.'));
  } catch {
    return [];
  }
  const allowed = roots.length ? roots : [await fs.realpath(base).catch(() => base)];
  if (!allowed.some((r) => inside(r, folder))) return [];
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(folder, { withFileTypes: true });
  } catch {
    return [];
  }
  const index = new LineIndex(parsed.text);
  const start = tok.startOffset + 1 + parsed.text.slice(tok.startOffset + 1, offset).lastIndexOf('/') + 1;
  const range: Range = index.range(Math.max(start, tok.startOffset + 1), offset);
  const items: CompletionItem[] = [];
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (items.length >= maxItems) break;
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    let isDir = e.isDirectory();
    let isFile = e.isFile();
    if (e.isSymbolicLink()) {
      // A link counts only when it stays inside the allowed roots.
      const target = await fs.realpath(resolve(folder, e.name)).catch(() => undefined);
      if (!target || !allowed.some((r) => inside(r, target))) continue;
      const st = await fs.stat(target).catch(() => undefined);
      isDir = !!st?.isDirectory();
      isFile = !!st?.isFile();
    }
    if (isDir) {
      items.push({ label: `${e.name}/`, kind: CompletionItemKind.Folder, textEdit: { range, newText: `${e.name}/` }, sortText: `1${e.name}`, command: { title: '', command: 'editor.action.triggerSuggest' } });
    } else if (isFile && dataFile.test(e.name)) {
      items.push({ label: e.name, kind: CompletionItemKind.File, detail: folderPart + e.name, textEdit: { range, newText: e.name }, sortText: `0${e.name}` });
    }
  }
  return items;
}

/** Real paths of the workspace folders (file URIs), for datasetPathCompletions. */
export async function realRoots(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) out.push(await fs.realpath(p).catch(() => p));
  return out.map((p) => (p.endsWith(sep) && p.length > 1 ? p.slice(0, -1) : p));
}
