// Whole-document formatting through the core formatter; nothing when the file has syntax errors.
import type { TextEdit } from 'vscode-languageserver';
import { format } from '../../../../grammar/src/format';
import { LineIndex } from '../../../../grammar/src/issues';

export function formatting(text: string): TextEdit[] {
  const out = format(text);
  if (out === undefined || out === text) return [];
  return [{ range: new LineIndex(text).range(0, text.length), newText: out }];
}
