// "ARL: Label Series with LLM" (the plan and its cost first, then a cancellable progress
// notification) and "ARL: Show Labelling Prompt" (the plot and the text, before anything is sent).
// Off in untrusted workspaces; the key is the one "Refine with LLM" uses (secret storage).
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { LabelPlanRequest, LabelProgressNotification, LabelPromptRequest, LabelSeriesRequest, SuggestCategoriesRequest, type LabelParams } from '../../server/src/lsp/protocol';
import { defaultModel } from '../../server/src/refine/models';
import { secretKey } from './llm';

function labelSettings(uri: string, series?: string[]): LabelParams {
  const c = vscode.workspace.getConfiguration('arl');
  const model = c.get<string>('llm.model', defaultModel) || defaultModel;
  const models = c.get<string[]>('label.models', []).filter((m) => typeof m === 'string' && m.trim());
  return {
    uri,
    models: models.length ? models : [model],
    votes: c.get<number>('label.votes', 3),
    maxRequests: c.get<number>('label.maxRequests', 300),
    baseUrl: c.get<string>('llm.baseUrl', '') || undefined,
    series,
  };
}

function activeArl(args?: { uri?: string }): string | undefined {
  if (args?.uri) return args.uri;
  const editor = vscode.window.activeTextEditor;
  return editor?.document.languageId === 'arl' ? editor.document.uri.toString() : undefined;
}

const n = (x: number) => x.toLocaleString('en-US');

export class LabelCommands {
  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly client: () => LanguageClient,
    private readonly output: vscode.LogOutputChannel,
    /** Asks once before sending the key to a base URL the workspace's settings set. */
    private readonly agreeToBaseUrl: (baseUrl: string | undefined) => Promise<boolean>,
  ) {}

  register(): vscode.Disposable[] {
    return [
      vscode.commands.registerCommand('arl.labelSeries', (args?: { uri?: string; series?: string[] }) => this.label(args)),
      vscode.commands.registerCommand('arl.showLabellingPrompt', (args?: { uri?: string; series?: string[] }) => this.showPrompt(args)),
      vscode.commands.registerCommand('arl.suggestCategories', (args?: { uri?: string }) => this.suggestCategories(args)),
    ];
  }

  /** Proposals shown as a diff of the whole file; applied as one undoable edit only on accept. */
  private async suggestCategories(args?: { uri?: string }): Promise<void> {
    const uri = activeArl(args);
    if (!uri) return void vscode.window.showInformationMessage('Open an .arl file to name its rules.');
    const c = vscode.workspace.getConfiguration('arl');
    const model = c.get<string>('llm.model', defaultModel) || defaultModel;
    const offline = { label: 'Offline', description: 'titles and groups from the conditions', proposer: 'offline' as const };
    const llm = { label: 'With the LLM', description: `${model} reads the rules and how they fire`, proposer: 'anthropic' as const };
    const pick = vscode.workspace.isTrusted ? await vscode.window.showQuickPick([llm, offline], { placeHolder: 'Who proposes the categories?' }) : offline;
    if (!pick) return;
    const baseUrl = c.get<string>('llm.baseUrl', '') || undefined;
    if (pick.proposer === 'anthropic' && !(await this.agreeToBaseUrl(baseUrl))) return;
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
    const version = doc.version;
    const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'ARL: naming the rules', cancellable: true }, (_p, token) =>
      this.client().sendRequest(SuggestCategoriesRequest, { uri, proposer: pick.proposer, model, baseUrl }, token),
    );
    for (const p of r.problems) this.output.warn(`Categories: ignored from the model's answer: ${p}`);
    if (r.error || r.text === undefined) return void vscode.window.showErrorMessage(`ARL: ${r.error?.message ?? 'no categories'}`);
    if (r.text === doc.getText()) return void vscode.window.showInformationMessage('ARL: the rules already have these names.');
    const proposed = await vscode.workspace.openTextDocument({ language: 'arl', content: r.text });
    await vscode.commands.executeCommand('vscode.diff', doc.uri, proposed.uri, 'Suggested categories (rule headers only)');
    const apply = await vscode.window.showInformationMessage(`ARL: apply titles and categories to ${r.proposals.length} rule${r.proposals.length === 1 ? '' : 's'}? Detection logic does not change.`, 'Apply');
    if (apply !== 'Apply') return;
    if (doc.version !== version) return void vscode.window.showWarningMessage('The file changed meanwhile; suggest again.');
    const edit = new vscode.WorkspaceEdit();
    edit.replace(doc.uri, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), r.text);
    await vscode.workspace.applyEdit(edit);
  }

  private async label(args?: { uri?: string; series?: string[] }): Promise<void> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('ARL sends nothing to an LLM in an untrusted workspace. Trust this folder to label series with an LLM.');
      return;
    }
    const uri = activeArl(args);
    if (!uri) return void vscode.window.showInformationMessage('Open an .arl file whose dataset you want to label.');
    if (!(await this.context.secrets.get(secretKey)) && !process.env.ANTHROPIC_API_KEY) {
      const pick = await vscode.window.showWarningMessage('No Anthropic API key yet.', 'Set API Key');
      if (pick) await vscode.commands.executeCommand('arl.setApiKey');
      return;
    }
    const params = labelSettings(uri, args?.series);
    if (!(await this.agreeToBaseUrl(params.baseUrl))) return;
    const plan = await this.client().sendRequest(LabelPlanRequest, params);
    if ('error' in plan) return void vscode.window.showErrorMessage(`ARL: ${plan.error.message}`);
    for (const p of plan.problems) this.output.warn(p);
    if (!plan.points) return void vscode.window.showInformationMessage('ARL: nothing to label: every point chosen has a label or an LLM decision already.');
    const capped = plan.capped ? ` (${n(plan.capped)} more left for later by arl.label.maxRequests)` : '';
    const go = 'Send';
    const pick = await vscode.window.showInformationMessage(
      `ARL: label ${n(plan.points)} point${plan.points === 1 ? '' : 's'}${capped} with ${params.models.join(', ')}, ${params.votes} vote${params.votes === 1 ? '' : 's'} each: ${n(plan.requests)} requests, about ${n(plan.tokens.input)} input and ${n(plan.tokens.output)} output tokens (estimated).`,
      { modal: true },
      go,
      'Show Prompt',
    );
    if (pick === 'Show Prompt') return this.showPrompt({ uri, series: args?.series });
    if (pick !== go) return;
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'ARL: labelling', cancellable: true },
      async (progress, token) => {
        let last = 0;
        const sub = this.client().onNotification(LabelProgressNotification, (m) => {
          if (m.uri !== uri) return;
          progress.report({ message: `${m.done}/${m.total} ${m.message}`, increment: ((m.done - last) / m.total) * 100 });
          last = m.done;
          this.output.info(`label ${m.done}/${m.total}: ${m.message}`);
        });
        try {
          return await this.client().sendRequest(LabelSeriesRequest, params, token);
        } finally {
          sub.dispose();
        }
      },
    ).then(undefined, (e: Error) => {
      if (!/cancel/i.test(e.message)) void vscode.window.showErrorMessage(`ARL: labelling failed: ${e.message}`);
      return undefined;
    });
    if (!result) return;
    if (result.error) return void vscode.window.showErrorMessage(`ARL: ${result.error.message}`);
    const summary = `${result.accepted} accepted, ${result.review} to review, ${result.failed} failed; ${n(result.requests)} requests, ${n(result.tokens.input)} + ${n(result.tokens.output)} tokens.`;
    const end = result.stopped ? `${result.stopped} ` : result.cancelled ? 'Cancelled; the points decided are kept. ' : '';
    const review = await vscode.window.showInformationMessage(`ARL: ${end}${summary}`, 'Review Labels');
    if (review) await vscode.commands.executeCommand('arl.reviewLabels', { uri });
  }

  private async showPrompt(args?: { uri?: string; series?: string[] }): Promise<void> {
    const uri = activeArl(args);
    if (!uri) return;
    const r = await this.client().sendRequest(LabelPromptRequest, labelSettings(uri, args?.series));
    const image = r.image ? `\n\n![The plot sent for series ${r.series} at ${r.time}](data:image/png;base64,${r.image})\n` : '';
    const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: `# Labelling prompt\n\n${r.text.replace(/\n## /g, '\n### ')}${image}` });
    await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside });
    if (image) await vscode.commands.executeCommand('markdown.showPreview', doc.uri);
  }
}
