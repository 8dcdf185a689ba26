// Semantic tokens for what a TextMate grammar cannot know: which names are functions, columns,
// lets, rules and named parameters.
import { SemanticTokensBuilder, type SemanticTokens, type SemanticTokensLegend } from 'vscode-languageserver';
import type { CheckResult } from '../../../../grammar/src/check';
import { LineIndex } from '../../../../grammar/src/issues';

const types = ['function', 'property', 'variable', 'class', 'parameter', 'enumMember'] as const;
const modifiers = ['declaration', 'readonly'] as const;
export const semanticLegend: SemanticTokensLegend = { tokenTypes: [...types], tokenModifiers: [...modifiers] };

// A column pattern stays a string (the TextMate scope): it is not given a semantic type.
const typeOf = { function: 0, column: 1, let: 2, rule: 3, param: 4, category: 5, group: undefined } as const;

export function semanticTokens(checked: CheckResult): SemanticTokens {
  const index = new LineIndex(checked.parse.text);
  const b = new SemanticTokensBuilder();
  const refs = [...checked.references].sort((x, y) => x.start - y.start);
  for (const r of refs) {
    const p = index.position(r.start);
    const end = index.position(r.end);
    const type = typeOf[r.symbol.kind];
    if (end.line !== p.line || type === undefined) continue;
    let mods = r.symbol.kind === 'let' ? 2 : 0;
    if (r.declaration) mods |= 1;
    b.push(p.line, p.character, r.end - r.start, type, mods);
  }
  return b.build();
}
