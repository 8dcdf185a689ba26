// Code actions on a rule: the offline proposals (titles carry the verified effect on train and
// validation), "Refine with LLM" and a link to the trajectory. Applying one is one undoable edit.
import { CodeActionKind, CodeActionTriggerKind, type CancellationToken, type CodeAction, type CodeActionParams } from 'vscode-languageserver';
import { LineIndex } from '../../../../grammar/src/issues';
import type { Analysis } from '../../engine/analyze';
import { ClientCommands } from '../protocol';
import type { RefineService } from '../refine';

export async function refineActions(a: Analysis, params: CodeActionParams, refine: RefineService, token: CancellationToken): Promise<CodeAction[]> {
  const index = new LineIndex(a.parse.text);
  const offset = index.offset(params.range.start);
  const decl = a.parse.file.rules.find((r) => r.start <= offset && offset <= r.end);
  const rule = decl?.name?.name;
  if (!rule || !refine.canRefine(a, rule)) return [];
  const uri = params.textDocument.uri;
  const diagnostics = params.context.diagnostics.filter((d) => d.code === 'behaviour' && (d.data as { rule?: string } | undefined)?.rule === rule);
  // The editor asks on its own at every cursor move (for the lightbulb): then only what is known
  // is offered, and the search runs when the user opens the menu.
  const automatic = params.context.triggerKind === CodeActionTriggerKind.Automatic;
  const controller = new AbortController();
  const sub = token.onCancellationRequested(() => controller.abort());
  try {
    const known = refine.known(a, rule);
    const result = automatic ? known.proposals : await refine.proposals(a, rule, controller.signal);
    const actions: CodeAction[] = (result?.proposals ?? []).map((p, i) => ({
      title: p.title,
      kind: CodeActionKind.QuickFix,
      diagnostics,
      isPreferred: i === 0 || undefined,
      edit: { changes: { [uri]: [{ range: index.range(p.edit.start, p.edit.end), newText: p.edit.newText }] } },
      command: { title: 'Record the attempt', command: ClientCommands.recordAttempt, arguments: [{ uri, rule, proposer: 'offline', kind: p.kind, title: p.title, before: a.parse.text.slice(p.edit.start, p.edit.end), after: p.edit.newText, figuresBefore: p.before, figuresAfter: p.after }] },
    }));
    const b = automatic ? known.behaviour : refine.behaviour(a, rule);
    actions.push({
      title: `Refine with LLM${b ? ` (${b.summary.replace(/^([a-z-]+): /, '$1: ')})` : ''}`,
      kind: CodeActionKind.RefactorRewrite,
      command: { title: 'Refine with LLM', command: ClientCommands.refineWithLlm, arguments: [{ uri, rule }] },
    });
    actions.push({
      title: 'Show refinement trajectory',
      kind: CodeActionKind.Empty,
      command: { title: 'Show refinement trajectory', command: ClientCommands.showTrajectory, arguments: [{ uri, rule }] },
    });
    return actions;
  } finally {
    sub.dispose();
  }
}
