// Signature help inside a call: the function's parameters, the one at the cursor highlighted.
import type { SignatureHelp } from 'vscode-languageserver';
import { functionsByName, paramLabel, signatureLabel } from '../../../../grammar/src/functions';
import type { ParseResult } from '../../../../grammar/src/parse';
import { cursorContext } from './context';

export function signatureHelp(parsed: ParseResult, offset: number): SignatureHelp | null {
  const call = cursorContext(parsed, offset).call;
  const spec = call && functionsByName.get(call.name);
  if (!call || !spec) return null;
  const label = signatureLabel(spec);
  // Parameter label offsets within the signature label.
  const params: { label: [number, number]; documentation: string }[] = [];
  let at = spec.name.length + 1;
  for (const p of spec.params) {
    const text = paramLabel(p);
    params.push({ label: [at, at + text.length], documentation: p.doc });
    at += text.length + 2;
  }
  let active = spec.variadic ? 0 : call.arg;
  if (call.named) active = spec.params.findIndex((p) => p.name === call.named);
  return {
    signatures: [{ label, documentation: { kind: 'markdown', value: spec.summary }, parameters: params }],
    activeSignature: 0,
    activeParameter: Math.max(0, Math.min(active, params.length - 1)),
  };
}
