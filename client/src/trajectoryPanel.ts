// The refinement trajectory panel: every attempt on a rule file, read from its trajectory file and
// sent again whenever the file grows (a refinement in the editor or an `arl learn` run).
import * as vscode from 'vscode';
import { readTrajectory, trajectoryPath, type Attempt } from '../../server/src/refine/trajectory';
import { makeNonce, panelHtml } from '../../webviews/src/html';
import { isMessage, type FromTrajectory, type ToTrajectory, type TrajectoryAttempt } from '../../webviews/src/protocol';

function toAttempt(a: Attempt): TrajectoryAttempt {
  const figures = (f: Attempt['train']['before']) => ({ precision: f.precision, recall: f.recall, f1: f.f1, ...(f.objective === undefined ? {} : { objective: f.objective }) });
  return {
    id: a.id,
    time: a.time,
    rule: a.rule,
    proposer: a.model ? `${a.proposer} (${a.model})` : a.proposer,
    before: a.before,
    after: a.after,
    analysis: [a.title, a.analysis].filter(Boolean).join('\n\n'),
    ...(a.objectiveName ? { objectiveName: a.objectiveName } : {}),
    train: { before: figures(a.train.before), after: figures(a.train.after) },
    validation: { before: figures(a.validation.before), after: figures(a.validation.after) },
    accepted: a.accepted,
    ...(a.undone ? { undone: a.undone } : {}),
    reason: a.reason,
  };
}

export class TrajectoryPanels implements vscode.Disposable {
  private readonly panels = new Map<string, { panel: vscode.WebviewPanel; watcher: vscode.FileSystemWatcher; attempts: Attempt[] }>();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly output: vscode.LogOutputChannel,
  ) {}

  async show(args?: { uri?: string; rule?: string }): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    const uri = args?.uri ? vscode.Uri.parse(args.uri) : editor?.document.languageId === 'arl' ? editor.document.uri : undefined;
    if (!uri || uri.scheme !== 'file') {
      void vscode.window.showInformationMessage('Open a saved .arl file to see its refinement trajectory.');
      return;
    }
    const file = uri.fsPath;
    const open = this.panels.get(file);
    if (open) {
      open.panel.reveal(vscode.ViewColumn.Beside, true);
      return;
    }
    const dir = vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webviews');
    const panel = vscode.window.createWebviewPanel('arl.trajectory', `Trajectory: ${file.slice(file.lastIndexOf('/') + 1)}`, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
      enableScripts: true,
      localResourceRoots: [dir],
    });
    panel.webview.html = panelHtml({
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(dir, 'trajectory.main.js')).toString(),
      cspSource: panel.webview.cspSource,
      nonce: makeNonce(),
      title: 'ARL refinement trajectory',
    });
    const traj = vscode.Uri.file(trajectoryPath(file));
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.joinPath(traj, '..'), traj.path.slice(traj.path.lastIndexOf('/') + 1)));
    const entry = { panel, watcher, attempts: [] as Attempt[] };
    this.panels.set(file, entry);
    const send = async () => {
      // A trajectory that is a link or a special file is refused: say why.
      const r = await readTrajectory(file).catch((e: Error) => void vscode.window.showWarningMessage(`ARL: ${e.message}`));
      if (!r) return;
      entry.attempts = r.attempts;
      if (r.skipped) this.output.warn(`${r.path}: ${r.skipped} unreadable line(s) skipped.`);
      void panel.webview.postMessage({ type: 'trajectory', data: { file: r.path, attempts: r.attempts.map(toAttempt) } } satisfies ToTrajectory);
    };
    watcher.onDidChange(send);
    watcher.onDidCreate(send);
    panel.onDidDispose(() => {
      watcher.dispose();
      this.panels.delete(file);
    });
    panel.webview.onDidReceiveMessage(async (m: unknown) => {
      if (!isMessage<FromTrajectory>(m)) return;
      if (m.type === 'ready') await send();
      else if (m.type === 'error') this.output.error(`Trajectory: ${m.message}`);
      else if (m.type === 'openAttempt') await this.openDiff(entry.attempts.find((a) => a.id === m.attemptId));
    });
  }

  private async openDiff(a: Attempt | undefined): Promise<void> {
    if (!a) return;
    const left = await vscode.workspace.openTextDocument({ language: 'arl', content: a.before });
    const right = await vscode.workspace.openTextDocument({ language: 'arl', content: a.after });
    await vscode.commands.executeCommand('vscode.diff', left.uri, right.uri, `${a.rule}: ${a.title ?? a.proposer} (${a.undone ? 'accepted, then undone' : a.accepted ? 'accepted' : 'rejected'})`);
  }

  dispose(): void {
    for (const e of this.panels.values()) e.panel.dispose();
  }
}
