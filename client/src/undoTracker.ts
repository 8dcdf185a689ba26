// Records in the trajectory when the user undoes or redoes an applied proposal, so the trajectory
// (and its panel) shows the file as it is, not edits the user took back.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { RecordUndoRequest } from '../../server/src/lsp/protocol';
import { undoRedo, type Applied } from './undoRecords';

export class UndoTracker implements vscode.Disposable {
  private readonly byUri = new Map<string, Applied[]>();
  private readonly sub: vscode.Disposable;

  constructor(
    private readonly client: () => LanguageClient,
    private readonly output: vscode.LogOutputChannel,
  ) {
    this.sub = vscode.workspace.onDidChangeTextDocument((e) => this.changed(e));
  }

  /** A proposal was applied and recorded as attempt `id`. */
  applied(uri: string, a: Omit<Applied, 'undone'>): void {
    const list = this.byUri.get(uri) ?? [];
    list.push({ ...a, undone: false });
    this.byUri.set(uri, list.slice(-50));
  }

  private changed(e: vscode.TextDocumentChangeEvent): void {
    const uri = e.document.uri.toString();
    const list = this.byUri.get(uri);
    if (!list || !e.contentChanges.length) return;
    const action = e.reason === vscode.TextDocumentChangeReason.Undo ? 'undo' : e.reason === vscode.TextDocumentChangeReason.Redo ? 'redo' : undefined;
    if (!action) return;
    for (const a of undoRedo(list, e.document.getText(), action)) {
      this.client()
        .sendRequest(RecordUndoRequest, { uri, attempt: a.id, rule: a.rule, action })
        .then(undefined, (err: Error) => this.output.warn(`Could not record the ${action}: ${err.message}`));
    }
  }

  dispose(): void {
    this.sub.dispose();
  }
}
