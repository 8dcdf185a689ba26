// The label review panel beside the rules: the queue from the server, one point at a time; each key
// press is saved at once to the label file (as a person's label) through the server.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { ReviewDecideRequest, ReviewQueueRequest, ReviewSeriesRequest } from '../../server/src/lsp/protocol';
import { makeNonce, panelHtml } from '../../webviews/src/html';
import { isMessage, type FromReview, type ToReview } from '../../webviews/src/protocol';

export class ReviewPanels implements vscode.Disposable {
  private readonly panels = new Map<string, vscode.WebviewPanel>();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly client: () => LanguageClient,
    private readonly output: vscode.LogOutputChannel,
  ) {}

  async show(args?: { uri?: string }): Promise<void> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('ARL reads no data and writes no label in an untrusted workspace. Trust this folder to review labels.');
      return;
    }
    const editor = vscode.window.activeTextEditor;
    const uri = args?.uri ?? (editor?.document.languageId === 'arl' ? editor.document.uri.toString() : undefined);
    if (!uri) return void vscode.window.showInformationMessage('Open an .arl file to review the labels of its dataset.');
    const open = this.panels.get(uri);
    if (open) return open.reveal(vscode.ViewColumn.Beside, false);
    const dir = vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webviews');
    const name = uri.slice(uri.lastIndexOf('/') + 1);
    const panel = vscode.window.createWebviewPanel('arl.review', `Review labels: ${decodeURIComponent(name)}`, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false }, {
      enableScripts: true,
      localResourceRoots: [dir],
    });
    panel.webview.html = panelHtml({
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(dir, 'review.main.js')).toString(),
      cspSource: panel.webview.cspSource,
      nonce: makeNonce(),
      title: 'ARL label review',
    });
    this.panels.set(uri, panel);
    panel.onDidDispose(() => this.panels.delete(uri));
    const post = (m: ToReview) => void panel.webview.postMessage(m);
    panel.webview.onDidReceiveMessage(async (m: unknown) => {
      if (!isMessage<FromReview>(m)) return;
      try {
        if (m.type === 'ready') await this.sendQueue(uri);
        else if (m.type === 'requestSeries') {
          const data = await this.client()
            .sendRequest(ReviewSeriesRequest, { uri, series: m.series, time: m.time })
            .catch((e: Error) => post({ type: 'seriesError', requestId: m.requestId, message: e.message }));
          if (data) post({ type: 'series', requestId: m.requestId, data });
        } else if (m.type === 'decide') {
          await this.client()
            .sendRequest(ReviewDecideRequest, { uri, series: m.series, time: m.time, label: m.label })
            .then(() => post({ type: 'saved', series: m.series, time: m.time, label: m.label }))
            .catch((e: Error) => post({ type: 'saveError', message: e.message }));
        } else if (m.type === 'error') this.output.error(`Review: ${m.message}`);
      } catch (e) {
        this.output.error(`Review: ${(e as Error).message}`);
      }
    });
  }

  private async sendQueue(uri: string): Promise<void> {
    const panel = this.panels.get(uri);
    if (!panel) return;
    const q = await this.client().sendRequest(ReviewQueueRequest, { uri });
    if ('error' in q) {
      void vscode.window.showWarningMessage(`ARL: ${q.error.message}`);
      return;
    }
    void panel.webview.postMessage({ type: 'queue', data: q } satisfies ToReview);
  }

  /** After each analysis of a document: its panel gets the queue again. */
  changed(uri: string): void {
    if (this.panels.has(uri)) void this.sendQueue(uri).catch((e: Error) => this.output.warn(`Review: ${e.message}`));
  }

  dispose(): void {
    for (const p of this.panels.values()) p.dispose();
  }
}
