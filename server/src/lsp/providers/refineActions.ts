// Code actions on a rule: the offline proposals (titles carry the verified effect on train and
// validation), each also as a preview (VS Code's refactor preview: the diff, with the file's and the
// rule's F1 before -> after, applied only on confirmation), "Refine with LLM" and a link to the
// trajectory. Applying one is one undoable edit.
import { CodeActionKind, CodeActionTriggerKind, type CancellationToken, type CodeAction, type CodeActionParams } from 'vscode-languageserver';
import { LineIndex } from '../../../../grammar/src/issues';
import type { Analysis } from '../../engine/analyze';
import { evaluate, f1Of, type RuleFigures, type TuneSplit } from '../../refine/context';
import { figuresText, type Proposal } from '../../refine/proposal';
import { ClientCommands } from '../protocol';
import type { RefineService } from '../refine';

/** The file's objective and the rule's F1, on train and validation, before -> after. */
function previewFigures(a: Analysis, refine: RefineService, rule: string, p: Proposal): string {
  const ctx = refine.context(a);
  const ruleF1 = (text: string): Record<TuneSplit, RuleFigures> | undefined => {
    const ev = evaluate(ctx, text);
    const k = ev.program.rules.findIndex((r) => r.name === rule);
    return k < 0 ? undefined : { train: ev.ruleFigures('train')[k], validation: ev.ruleFigures('validation')[k] };
  };
  const before = ruleF1(a.parse.text);
  const after = ruleF1(p.text);
  const own = before && after ? `; rule \`${rule}\` F1: train ${f1Of(before.train).toFixed(2)} -> ${f1Of(after.train).toFixed(2)}, validation ${f1Of(before.validation).toFixed(2)} -> ${f1Of(after.validation).toFixed(2)}` : '';
  return `${figuresText(ctx.scoring.objective.label, p.before, p.after)}${own}`;
}

export async function refineActions(
  a: Analysis,
  params: CodeActionParams,
  refine: RefineService,
  token: CancellationToken,
  /** The document's version, when the client shows change annotations (the previews need them). */
  previews?: { version: number },
  /** Whether the document is still the version asked about. */
  current: () => boolean = () => false,
): Promise<CodeAction[]> {
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
  // VS Code cancels an open menu's request when diagnostics arrive (they re-trigger the lightbulb):
  // the search then goes on, so the next request (or the lightbulb's) has it. An edit stops it.
  const sub = token.onCancellationRequested(() => !current() && controller.abort());
  try {
    const known = refine.known(a, rule);
    const result = automatic ? known.proposals : await refine.proposals(a, rule, controller.signal);
    const proposals = result?.proposals ?? [];
    const record = (p: Proposal) => ({
      title: 'Record the attempt',
      command: ClientCommands.recordAttempt,
      arguments: [{ uri, rule, proposer: 'offline', kind: p.kind, title: p.title, before: a.parse.text.slice(p.edit.start, p.edit.end), after: p.edit.newText, figuresBefore: p.before, figuresAfter: p.after }],
    });
    const actions: CodeAction[] = proposals.map((p, i) => ({
      title: p.title,
      kind: CodeActionKind.QuickFix,
      diagnostics,
      isPreferred: i === 0 || undefined,
      edit: { changes: { [uri]: [{ range: index.range(p.edit.start, p.edit.end), newText: p.edit.newText }] } },
      command: record(p),
    }));
    // The previews need change annotations (LSP 3.16), and are worked out when the menu opens.
    if (!automatic && previews) {
      for (const p of proposals) {
        // The title without its figures (the preview gives them, with the rule's).
        const title = p.title.replace(/ \(file [^:()]+: train [^()]*\)$/, '');
        actions.push({
          title: `Preview: ${title}`,
          kind: CodeActionKind.RefactorRewrite,
          edit: {
            documentChanges: [{ textDocument: { uri, version: previews.version }, edits: [{ range: index.range(p.edit.start, p.edit.end), newText: p.edit.newText, annotationId: 'proposal' }] }],
            changeAnnotations: { proposal: { label: `${rule}: ${title}`, description: previewFigures(a, refine, rule, p), needsConfirmation: true } },
          },
          command: record(p),
        });
      }
    }
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
