// The LLM commands: the API key in VS Code's secret storage (handed to the server process in its
// environment, never written to disk or sent in a message), "Refine with LLM" with a cancellable
// progress notification, and "Show LLM Prompt". Off in untrusted workspaces.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { LlmPromptRequest, RecordAttemptRequest, RefineLlmRequest, type OfferedProposal } from '../../server/src/lsp/protocol';

export const secretKey = 'arl.anthropicApiKey';

interface RuleArgs {
  uri: string;
  rule: string;
}

function settings() {
  const c = vscode.workspace.getConfiguration('arl');
  return { model: c.get<string>('llm.model', 'claude-sonnet-4-5'), baseUrl: c.get<string>('llm.baseUrl', '') || undefined };
}

/** The rule under the cursor of the active .arl editor. */
async function ruleHere(): Promise<RuleArgs | undefined> {
  const editor = vscode.window.activeTextEditor;
  if (editor?.document.languageId !== 'arl') return undefined;
  const symbols = (await vscode.commands.executeCommand<vscode.DocumentSymbol[]>('vscode.executeDocumentSymbolProvider', editor.document.uri)) ?? [];
  const rules = symbols.filter((s) => s.kind === vscode.SymbolKind.Event);
  const here = rules.find((s) => s.range.contains(editor.selection.active));
  const name = here?.name ?? (await vscode.window.showQuickPick(rules.map((r) => r.name), { placeHolder: 'Which rule?' }));
  return name ? { uri: editor.document.uri.toString(), rule: name } : undefined;
}

export class LlmCommands {
  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly client: () => LanguageClient,
    /** Restarts the server with the new key in its environment. */
    private readonly keyChanged: () => Promise<void>,
    private readonly output: vscode.LogOutputChannel,
    /** An applied proposal was recorded as attempt `id` (for undo and redo). */
    private readonly recorded: (uri: string, a: { id: string; rule: string; before: string; after: string }) => void = () => undefined,
  ) {}

  register(): vscode.Disposable[] {
    return [
      vscode.commands.registerCommand('arl.setApiKey', () => this.setKey()),
      vscode.commands.registerCommand('arl.clearApiKey', () => this.clearKey()),
      vscode.commands.registerCommand('arl.refineWithLlm', (args?: RuleArgs) => this.refine(args)),
      vscode.commands.registerCommand('arl.showLlmPrompt', (args?: RuleArgs) => this.showPrompt(args)),
      vscode.commands.registerCommand('arl.recordAttempt', (args: RuleArgs & { proposer: string; title: string; before: string; after: string }) => this.record(args)),
    ];
  }

  /** Appends an applied proposal to the trajectory, and follows its undo and redo. */
  private async record(args: RuleArgs & { proposer: string; title: string; before: string; after: string }): Promise<void> {
    try {
      const r = await this.client().sendRequest(RecordAttemptRequest, { uri: args.uri, rule: args.rule, proposer: args.proposer, title: args.title, before: args.before, after: args.after });
      if (r) this.recorded(args.uri, { id: r.id, rule: args.rule, before: args.before, after: args.after });
    } catch (e) {
      this.output.warn(`Could not record the attempt: ${(e as Error).message}`);
    }
  }

  private async setKey(): Promise<void> {
    const key = await vscode.window.showInputBox({ prompt: 'Anthropic API key (kept in VS Code secret storage)', password: true, ignoreFocusOut: true, placeHolder: 'sk-ant-...' });
    if (!key) return;
    await this.context.secrets.store(secretKey, key.trim());
    await this.keyChanged();
    void vscode.window.showInformationMessage('ARL: API key saved in secret storage.');
  }

  private async clearKey(): Promise<void> {
    await this.context.secrets.delete(secretKey);
    await this.keyChanged();
    void vscode.window.showInformationMessage('ARL: API key removed.');
  }

  private async refine(args?: RuleArgs): Promise<void> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('ARL sends nothing to an LLM in an untrusted workspace. Trust this folder to use "Refine with LLM".');
      return;
    }
    const target = args ?? (await ruleHere());
    if (!target) return;
    if (!(await this.context.secrets.get(secretKey)) && !process.env.ANTHROPIC_API_KEY) {
      const pick = await vscode.window.showWarningMessage('No Anthropic API key yet.', 'Set API Key');
      if (pick) await vscode.commands.executeCommand('arl.setApiKey');
      return;
    }
    const { model, baseUrl } = settings();
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `ARL: asking ${model} to refine \`${target.rule}\``, cancellable: true },
      (_progress, token) => this.client().sendRequest(RefineLlmRequest, { uri: target.uri, rule: target.rule, model, baseUrl }, token),
    ).then(undefined, (e: Error) => {
      if (!/cancel/i.test(e.message)) void vscode.window.showErrorMessage(`ARL: refinement failed: ${e.message}`);
      return undefined;
    });
    if (!result) return;
    if (result.error) {
      void vscode.window.showErrorMessage(`ARL: ${result.error.message}`);
      return;
    }
    this.output.info(`LLM refinement of ${target.rule}: ${result.proposals.length} offered, ${result.rejected.length} rejected, ${result.tokens.input} + ${result.tokens.output} tokens. ${result.rationale}`);
    for (const r of result.rejected) this.output.info(`  rejected ${r.title}: ${r.reason}`);
    if (!result.proposals.length) {
      const pick = await vscode.window.showInformationMessage(`No proposal improved \`${target.rule}\` on train within the validation gap (${result.rejected.length} rejected).`, 'Show Trajectory');
      if (pick) await vscode.commands.executeCommand('arl.showTrajectory', target);
      return;
    }
    const items = result.proposals.map((p) => ({ label: p.title, detail: p.newText.replace(/\s+/g, ' '), p }));
    const chosen = await vscode.window.showQuickPick(items, { placeHolder: result.rationale || 'Apply a proposal (one undoable edit)', matchOnDetail: true });
    if (chosen) await this.apply(target.uri, chosen.p);
  }

  private async apply(uri: string, p: OfferedProposal): Promise<void> {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
    const range = new vscode.Range(p.range.start.line, p.range.start.character, p.range.end.line, p.range.end.character);
    if (doc.getText(range) !== p.before) {
      void vscode.window.showWarningMessage('The rule changed while the LLM was answering; ask again.');
      return;
    }
    const edit = new vscode.WorkspaceEdit();
    edit.replace(doc.uri, range, p.newText);
    if (await vscode.workspace.applyEdit(edit)) await this.record({ uri, rule: p.rule, proposer: 'anthropic', title: p.title, before: p.before, after: p.newText });
  }

  private async showPrompt(args?: RuleArgs): Promise<void> {
    const target = args ?? (await ruleHere());
    if (!target) return;
    const { text } = await this.client().sendRequest(LlmPromptRequest, { uri: target.uri, rule: target.rule, model: settings().model });
    const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: text });
    await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside });
  }
}
