// The anomaly preview panel, one per rule file, beside the editor. The page asks for data through
// typed messages; the host forwards them to the server's `arl/preview` request.
import * as vscode from 'vscode';
import { ResponseError, type LanguageClient } from 'vscode-languageclient/node';
import { PreviewRequest, type PreviewRuleArgs } from '../../server/src/lsp/protocol';
import { makeNonce, panelHtml } from '../../webviews/src/html';
import { isMessage, type FromPreview, type ToPreview } from '../../webviews/src/protocol';

export class PreviewPanels implements vscode.Disposable {
  private readonly panels = new Map<string, vscode.WebviewPanel>();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly client: LanguageClient,
    private readonly output: vscode.LogOutputChannel,
  ) {}

  /** The lens command and "ARL: Preview Anomalies". */
  async show(arg?: PreviewRuleArgs | vscode.Uri): Promise<void> {
    // From a lens: PreviewRuleArgs. From the editor title or context menu: the file's Uri.
    const args = arg instanceof vscode.Uri ? { uri: arg.toString() } : arg;
    const editor = vscode.window.activeTextEditor;
    const uri = args?.uri ?? (editor?.document.languageId === 'arl' ? editor.document.uri.toString() : undefined);
    if (!uri) {
      void vscode.window.showInformationMessage('Open an .arl file to preview its anomalies.');
      return;
    }
    let rule = args?.rule;
    // A lens names its rule (or none: the whole file); from the palette or a menu, the rule under the cursor.
    const fromLens = arg !== undefined && !(arg instanceof vscode.Uri);
    if (!fromLens && editor && editor.document.uri.toString() === uri) rule = await this.ruleAtCursor(editor);
    let panel = this.panels.get(uri);
    if (panel) panel.reveal(vscode.ViewColumn.Beside, true);
    else panel = this.create(uri);
    void panel.webview.postMessage({ type: 'show', rule: rule ?? null } satisfies ToPreview);
  }

  /** A new analysis of `uri`: its panel asks again, keeping the selected series. */
  changed(uri: string): void {
    void this.panels.get(uri)?.webview.postMessage({ type: 'changed' } satisfies ToPreview);
  }

  dispose(): void {
    for (const p of this.panels.values()) p.dispose();
  }

  private async ruleAtCursor(editor: vscode.TextEditor): Promise<string | undefined> {
    const symbols = (await vscode.commands.executeCommand<vscode.DocumentSymbol[]>('vscode.executeDocumentSymbolProvider', editor.document.uri)) ?? [];
    const at = editor.selection.active;
    return symbols.find((s) => s.kind === vscode.SymbolKind.Event && s.range.contains(at))?.name;
  }

  private create(uri: string): vscode.WebviewPanel {
    const dir = vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webviews');
    const name = uri.slice(uri.lastIndexOf('/') + 1);
    const panel = vscode.window.createWebviewPanel('arl.preview', `Anomalies: ${decodeURIComponent(name)}`, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
      enableScripts: true,
      localResourceRoots: [dir],
    });
    panel.iconPath = vscode.Uri.joinPath(this.context.extensionUri, 'client', 'images', 'icon.png');
    panel.webview.html = panelHtml({
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(dir, 'preview.main.js')).toString(),
      cspSource: panel.webview.cspSource,
      nonce: makeNonce(),
      title: 'ARL anomalies',
    });
    this.panels.set(uri, panel);
    panel.onDidDispose(() => this.panels.delete(uri));
    panel.webview.onDidReceiveMessage((m: unknown) => {
      if (isMessage<FromPreview>(m)) void this.receive(uri, panel, m);
    });
    return panel;
  }

  private async receive(uri: string, panel: vscode.WebviewPanel, m: FromPreview): Promise<void> {
    const post = (msg: ToPreview) => void panel.webview.postMessage(msg);
    switch (m.type) {
      case 'requestPreview':
        try {
          const maxPoints = m.params.maxPoints ?? vscode.workspace.getConfiguration('arl').get<number>('preview.maxPoints', 2000);
          const data = await this.client.sendRequest(PreviewRequest, { uri, ...m.params, maxPoints });
          post({ type: 'preview', requestId: m.requestId, data });
        } catch (e) {
          const code = e instanceof ResponseError ? (e.data as { code?: string } | undefined)?.code : undefined;
          post({ type: 'previewError', requestId: m.requestId, code, message: (e as Error).message });
        }
        break;
      case 'revealRule': {
        const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
        const at = doc.getText().search(new RegExp(`\\brule\\s+${m.rule.replace(/[^A-Za-z0-9_]/g, '')}\\b`));
        const editor = await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One, preserveFocus: false });
        if (at >= 0) {
          const pos = doc.positionAt(at);
          editor.selection = new vscode.Selection(pos, pos);
          editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
        }
        break;
      }
      case 'error':
        this.output.error(`Preview: ${m.message}`);
        break;
      case 'ready':
        break;
    }
  }
}
