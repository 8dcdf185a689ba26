// The threshold sweep panel (one at a time, beside the editor): the server's `arl/sweep` of the
// comparison at a position, sent again after every analysis of the document while the comparison
// is still there; "Apply" writes the chosen value in place of the threshold (one undoable edit).
import * as vscode from 'vscode';
import { ResponseError, type LanguageClient } from 'vscode-languageclient/node';
import { SweepRequest, type SweepArgs, type SweepResult } from '../../server/src/lsp/protocol';
import { thresholdText } from '../../server/src/refine/sweep';
import { makeNonce, panelHtml } from '../../webviews/src/html';
import { isMessage, type FromSweep, type ToSweep } from '../../webviews/src/protocol';
import { PanelChannel } from './panelChannel';

interface Entry {
  panel: vscode.WebviewPanel;
  channel: PanelChannel<ToSweep>;
  uri: string;
  /** The comparison's start, moved along with edits above it. */
  position: vscode.Position;
  data?: SweepResult;
  /** Requests are numbered; only the latest answer is sent. */
  asked: number;
}

export class SweepPanels implements vscode.Disposable {
  private entry?: Entry;
  private readonly subs: vscode.Disposable[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly client: LanguageClient,
    private readonly output: vscode.LogOutputChannel,
  ) {
    this.subs.push(vscode.workspace.onDidChangeTextDocument((e) => this.moved(e)));
  }

  /** The code action (args), or the palette: the comparison under the cursor. */
  async show(args?: SweepArgs): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    const target = args ?? (editor?.document.languageId === 'arl' ? { uri: editor.document.uri.toString(), position: editor.selection.active } : undefined);
    if (!target) {
      void vscode.window.showInformationMessage('Put the cursor on a comparison of a rule, like `oos_ratio >= 80`, to sweep its threshold.');
      return;
    }
    const position = new vscode.Position(target.position.line, target.position.character);
    if (!this.entry) this.entry = this.create(target.uri, position);
    else {
      this.entry.uri = target.uri;
      this.entry.position = position;
      this.entry.data = undefined;
      this.entry.panel.reveal(vscode.ViewColumn.Beside, true);
    }
    await this.request();
  }

  /** A new analysis of `uri`: the sweep again, on the new text. */
  changed(uri: string): void {
    if (this.entry?.uri === uri) void this.request();
  }

  dispose(): void {
    this.entry?.panel.dispose();
    for (const s of this.subs) s.dispose();
  }

  private create(uri: string, position: vscode.Position): Entry {
    const dir = vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webviews');
    const panel = vscode.window.createWebviewPanel('arl.sweep', 'Threshold sweep', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, { enableScripts: true, localResourceRoots: [dir] });
    panel.iconPath = vscode.Uri.joinPath(this.context.extensionUri, 'client', 'images', 'icon.png');
    panel.webview.html = panelHtml({
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(dir, 'sweep.main.js')).toString(),
      cspSource: panel.webview.cspSource,
      nonce: makeNonce(),
      title: 'ARL threshold sweep',
    });
    const entry: Entry = { panel, channel: new PanelChannel<ToSweep>((m) => void panel.webview.postMessage(m)), uri, position, asked: 0 };
    panel.onDidDispose(() => {
      if (this.entry === entry) this.entry = undefined;
    });
    panel.onDidChangeViewState((e) => !e.webviewPanel.visible && entry.channel.closed());
    panel.webview.onDidReceiveMessage((m: unknown) => {
      if (isMessage<FromSweep>(m)) void this.receive(entry, m);
    });
    return entry;
  }

  private async request(): Promise<void> {
    const e = this.entry;
    if (!e) return;
    const n = ++e.asked;
    try {
      const data = await this.client.sendRequest(SweepRequest, { uri: e.uri, position: { line: e.position.line, character: e.position.character } });
      if (n !== e.asked || this.entry !== e) return;
      e.data = data;
      e.panel.title = `Sweep: ${data.rule} · ${data.comparison.replace(/\s+/g, ' ')}`;
      e.channel.post({ type: 'sweep', data });
    } catch (err) {
      if (n !== e.asked || this.entry !== e) return;
      const message = err instanceof ResponseError || err instanceof Error ? err.message : String(err);
      e.channel.post({ type: 'sweepError', message });
    }
  }

  private async receive(e: Entry, m: FromSweep): Promise<void> {
    switch (m.type) {
      case 'ready':
        // What waited, or the latest sweep for a page shown again.
        e.channel.opened((pending) => (pending.length ? pending.slice(-1) : e.data ? [{ type: 'sweep', data: e.data }] : []));
        break;
      case 'apply':
        await this.apply(e, m.value, m.version);
        break;
      case 'error':
        this.output.error(`Sweep: ${m.message}`);
        break;
    }
  }

  private async apply(e: Entry, value: number, version: number): Promise<void> {
    const d = e.data;
    const doc = vscode.workspace.textDocuments.find((x) => x.uri.toString() === e.uri);
    const r = d?.literal.range;
    const range = r && new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
    if (!d || !doc || !range || doc.version !== version || doc.getText(range) !== d.literal.text) {
      e.channel.post({ type: 'applied', value, ok: false, message: 'The file changed since this sweep: it is being updated; pick the value again.' });
      void this.request();
      return;
    }
    const edit = new vscode.WorkspaceEdit();
    edit.replace(doc.uri, range, thresholdText(value));
    const ok = await vscode.workspace.applyEdit(edit);
    e.channel.post({ type: 'applied', value, ok, message: ok ? undefined : 'VS Code did not apply the edit.' });
  }

  /** Keeps the comparison's position through edits above it. */
  private moved(ev: vscode.TextDocumentChangeEvent): void {
    const e = this.entry;
    if (!e || ev.document.uri.toString() !== e.uri) return;
    let p = e.position;
    // Changes come in reverse document order; each is applied to the text as it was.
    for (const c of ev.contentChanges) {
      if (c.range.end.isAfter(p)) continue;
      const added = c.text.split('\n');
      const lines = added.length - 1 - (c.range.end.line - c.range.start.line);
      if (c.range.end.line === p.line) {
        const tail = p.character - c.range.end.character;
        const col = (added.length > 1 ? 0 : c.range.start.character) + added[added.length - 1].length + tail;
        p = new vscode.Position(p.line + lines, col);
      } else p = p.translate(lines, 0);
    }
    e.position = p;
  }
}
