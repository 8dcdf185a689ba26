// The anomaly preview panel, one per rule file, beside the editor. The page asks for data through
// typed messages; the host forwards them to the server's `arl/preview` request. Messages wait
// until the page says `ready` (PanelChannel): the lens that opened the panel goes in its `init`.
import * as vscode from 'vscode';
import { ResponseError, type LanguageClient } from 'vscode-languageclient/node';
import { PreviewRequest, SeriesLocationRequest, type PreviewRuleArgs } from '../../server/src/lsp/protocol';
import { makeNonce, panelHtml } from '../../webviews/src/html';
import { isMessage, type FromPreview, type ToPreview } from '../../webviews/src/protocol';
import { PanelChannel, previewGreeting } from './panelChannel';

interface Entry {
  panel: vscode.WebviewPanel;
  channel: PanelChannel<ToPreview>;
}

export class PreviewPanels implements vscode.Disposable {
  private readonly panels = new Map<string, Entry>();

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
    let entry = this.panels.get(uri);
    if (entry) entry.panel.reveal(vscode.ViewColumn.Beside, true);
    else entry = this.create(uri);
    entry.channel.post({ type: 'show', rule: rule ?? null });
  }

  /** A new analysis of `uri`: its panel asks again, keeping the selected series. */
  changed(uri: string): void {
    const e = this.panels.get(uri);
    // A page that is not up yet asks anyway once it is.
    if (e?.channel.ready) e.channel.post({ type: 'changed' });
  }

  dispose(): void {
    for (const e of this.panels.values()) e.panel.dispose();
  }

  private async ruleAtCursor(editor: vscode.TextEditor): Promise<string | undefined> {
    const symbols = (await vscode.commands.executeCommand<vscode.DocumentSymbol[]>('vscode.executeDocumentSymbolProvider', editor.document.uri)) ?? [];
    const at = editor.selection.active;
    return symbols.find((s) => s.kind === vscode.SymbolKind.Event && s.range.contains(at))?.name;
  }

  private create(uri: string): Entry {
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
    const entry: Entry = { panel, channel: new PanelChannel<ToPreview>((m) => void panel.webview.postMessage(m)) };
    this.panels.set(uri, entry);
    panel.onDidDispose(() => this.panels.delete(uri));
    // A hidden panel's page is unloaded; it says ready again when shown.
    panel.onDidChangeViewState((e) => !e.webviewPanel.visible && entry.channel.closed());
    panel.webview.onDidReceiveMessage((m: unknown) => {
      if (isMessage<FromPreview>(m)) void this.receive(uri, entry, m);
    });
    return entry;
  }

  private async receive(uri: string, entry: Entry, m: FromPreview): Promise<void> {
    const post = (msg: ToPreview) => entry.channel.post(msg);
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
      case 'openCsv':
        await this.openCsv(uri, m.series);
        break;
      case 'error':
        this.output.error(`Preview: ${m.message}`);
        break;
      case 'ready':
        entry.channel.opened(previewGreeting);
        break;
    }
  }

  /** Opens the dataset at the series' first row. */
  private async openCsv(uri: string, series: string): Promise<void> {
    try {
      const loc = await this.client.sendRequest(SeriesLocationRequest, { uri, series });
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(loc.path));
      const at = new vscode.Position(Math.max(0, loc.line - 1), 0);
      await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One, selection: new vscode.Range(at, at), preserveFocus: false });
    } catch (e) {
      void vscode.window.showWarningMessage(`ARL: cannot open the series \`${series}\` in its CSV: ${(e as Error).message}`);
    }
  }
}
