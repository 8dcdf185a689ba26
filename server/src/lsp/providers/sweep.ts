// The threshold sweep: a code action on a comparison with a number opens it; `arl/sweep` computes
// it (server/src/refine/sweep.ts) on the document's analysis.
import { CodeActionKind, ResponseError, type CodeAction, type CodeActionParams } from 'vscode-languageserver';
import * as A from '../../../../grammar/src/ast';
import { LineIndex } from '../../../../grammar/src/issues';
import type { Analysis } from '../../engine/analyze';
import { RefineError } from '../../refine/context';
import { insideCall, thresholdOf } from '../../refine/edit';
import { sweepThreshold } from '../../refine/sweep';
import { ClientCommands, type SweepArgs, type SweepParams, type SweepResult } from '../protocol';
import type { RefineService } from '../refine';

/** Error code of a sweep that cannot be made (the message says why). */
export const sweepErrorCode = -32002;

/** "Sweep the threshold of `oos_ratio >= 80`" on a comparison of a rule that can be evaluated. */
export function sweepActions(a: Analysis, params: CodeActionParams, refine: RefineService): CodeAction[] {
  const index = new LineIndex(a.parse.text);
  const offset = index.offset(params.range.start);
  const rule = a.parse.file.rules.find((r) => r.start <= offset && offset <= r.end);
  if (!rule?.expr || !rule.name || !refine.canRefine(a, rule.name.name)) return [];
  let cmp: A.Expr | undefined;
  A.walkExpr(rule.expr, (e) => {
    if (e.start > offset || offset > e.end) return;
    const t = thresholdOf(e);
    if (t && t.op !== '==' && t.op !== '!=' && !insideCall(rule.expr!, e) && (!cmp || e.end - e.start < cmp.end - cmp.start)) cmp = e;
  });
  if (!cmp) return [];
  const text = a.parse.text.slice(cmp.start, cmp.end).replace(/\s+/g, ' ');
  const args: SweepArgs = { uri: params.textDocument.uri, position: index.position(cmp.start) };
  return [
    {
      title: `Sweep the threshold of \`${text}\` (P/R/F1 and alerts per week)`,
      kind: CodeActionKind.Empty,
      command: { title: 'Sweep the threshold', command: ClientCommands.sweepThreshold, arguments: [args] },
    },
  ];
}

export function sweep(a: Analysis, p: SweepParams, version: number, refine: RefineService): SweepResult {
  const index = new LineIndex(a.parse.text);
  try {
    const ctx = refine.context(a);
    const s = sweepThreshold(ctx, index.offset(p.position));
    return { ...s, uri: p.uri, version, literal: { range: index.range(s.literal.start, s.literal.end), text: s.literal.text } };
  } catch (e) {
    if (e instanceof RefineError) throw new ResponseError(sweepErrorCode, e.message);
    throw e;
  }
}
