// The status bar item: the active rule file's F1 on the lens split, or what stops it.
import * as vscode from 'vscode';
import type { FileStatus } from '../../server/src/lsp/protocol';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('arl.f1', vscode.StatusBarAlignment.Right, 100);
  private readonly byUri = new Map<string, FileStatus>();

  constructor() {
    this.item.name = 'ARL F1';
    this.item.command = 'arl.showMetrics';
  }

  update(s: FileStatus): void {
    this.byUri.set(s.uri, s);
    if (vscode.window.activeTextEditor?.document.uri.toString() === s.uri) this.show(s.uri);
  }

  show(uri: string | undefined): void {
    const s = uri ? this.byUri.get(uri) : undefined;
    if (!s) {
      this.item.hide();
      return;
    }
    const texts: Record<FileStatus['state'], string> = {
      ok: `$(pulse) F1 ${s.f1 === undefined ? '–' : s.f1.toFixed(3)}`,
      loading: '$(sync~spin) ARL: loading data',
      'no-dataset': '$(pulse) ARL: no dataset',
      'data-error': '$(warning) ARL: dataset error',
      errors: '$(error) ARL: errors',
      restricted: '$(shield) ARL: restricted mode',
    };
    this.item.text = texts[s.state];
    this.item.command = s.state === 'restricted' ? 'workbench.trust.manage' : 'arl.showMetrics';
    this.item.tooltip = s.message ?? `File F1 on the ${s.split} split. Click for every split.`;
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
