// The LLM commands: the API key in VS Code's secret storage (handed to the server process in its
// environment, never written to disk or sent in a message), "Refine with LLM" with a cancellable
// progress notification, and "Show LLM Prompt". Off in untrusted workspaces. A base URL set by the
// workspace's own settings is used only after the user agreed to send the key there.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { LlmPromptRequest, RecordAttemptRequest, RefineLlmRequest, type OfferedProposal } from '../../server/src/lsp/protocol';
import { defaultModel, describeWarning, isDefaultBaseUrl, knownModels, type LlmWarning } from '../../server/src/refine/models';

export const secretKey = 'arl.anthropicApiKey';

interface RuleArgs {
  uri: string;
  rule: string;
}

function settings() {
  const c = vscode.workspace.getConfiguration('arl');
  return { model: c.get<string>('llm.model', defaultModel) || defaultModel, baseUrl: c.get<string>('llm.baseUrl', '') || undefined };
}

/** A notification per SDK warning, naming the setting that picks the model. */
function showWarnings(warnings: LlmWarning[] | undefined): void {
  for (const w of warnings ?? []) {
    const text = describeWarning(w, 'the setting `arl.llm.model`');
    void vscode.window.showWarningMessage(`ARL: ${text[0].toUpperCase()}${text.slice(1)}`, 'Choose Model').then((pick) => {
      if (pick) void vscode.commands.executeCommand('arl.selectModel');
    });
  }
}

/** Picks `arl.llm.model` from the SDK's current models, or any other name. */
async function selectModel(): Promise<void> {
  const current = settings().model;
  const other = 'Other model...';
  const items: vscode.QuickPickItem[] = [
    ...knownModels.map((m) => ({ label: m, description: [m === defaultModel ? 'default' : '', m === current ? 'current' : ''].filter(Boolean).join(', ') })),
    { label: other, description: 'type a model name' },
  ];
  const pick = await vscode.window.showQuickPick(items, { placeHolder: `Anthropic model for "Refine with LLM" (now ${current})` });
  if (!pick) return;
  const model = pick.label === other ? (await vscode.window.showInputBox({ prompt: 'Anthropic model name', value: current }))?.trim() : pick.label;
  if (!model) return;
  const c = vscode.workspace.getConfiguration('arl');
  const inspect = c.inspect<string>('llm.model');
  const target = inspect?.workspaceValue !== undefined ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  await c.update('llm.model', model === defaultModel && target === vscode.ConfigurationTarget.Global ? undefined : model, target);
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
      vscode.commands.registerCommand('arl.selectModel', () => selectModel()),
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
    if (!(await this.agreeToBaseUrl(baseUrl))) return;
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `ARL: asking ${model} to refine \`${target.rule}\``, cancellable: true },
      (_progress, token) => this.client().sendRequest(RefineLlmRequest, { uri: target.uri, rule: target.rule, model, baseUrl }, token),
    ).then(undefined, (e: Error) => {
      if (!/cancel/i.test(e.message)) void vscode.window.showErrorMessage(`ARL: refinement failed: ${e.message}`);
      return undefined;
    });
    if (!result) return;
    showWarnings(result.warnings);
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

  /**
   * A base URL from the workspace's settings (not the user's) sends the key elsewhere: asked once
   * per URL and workspace, naming where it is set.
   */
  async agreeToBaseUrl(baseUrl: string | undefined): Promise<boolean> {
    if (isDefaultBaseUrl(baseUrl)) return true;
    const inspect = vscode.workspace.getConfiguration('arl').inspect<string>('llm.baseUrl');
    const where = inspect?.workspaceFolderValue ? "this folder's settings (.vscode/settings.json)" : inspect?.workspaceValue ? "this workspace's settings" : undefined;
    if (!where) return true;
    const agreed = this.context.workspaceState.get<string>('arl.agreedBaseUrl');
    if (agreed === baseUrl) return true;
    const send = 'Send There';
    const pick = await vscode.window.showWarningMessage(
      `ARL: ${where} set arl.llm.baseUrl to ${baseUrl}: the LLM commands would send rules, data summaries, plots of series and your API key there instead of to Anthropic's API.`,
      { modal: true },
      send,
    );
    if (pick !== send) return false;
    await this.context.workspaceState.update('arl.agreedBaseUrl', baseUrl);
    return true;
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
