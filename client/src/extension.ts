// The VS Code side: starts the language server over IPC, shows the active file's F1 in the status
// bar, and hosts the commands and panels. Everything about rules lives in the server.
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { ClientCommands, FileStatusNotification, MetricsRequest, WorkspaceTrustNotification, type FileStatus, type PreviewRuleArgs, type ScoreSplit, type SweepArgs } from '../../server/src/lsp/protocol';
import { plural } from '../../grammar/src/plural';
import { LabelCommands } from './labels';
import { LlmCommands, secretKey } from './llm';
import { PreviewPanels } from './previewPanel';
import { ReviewPanels } from './reviewPanel';
import { StatusBar } from './statusBar';
import { SweepPanels } from './sweepPanel';
import { TrajectoryPanels } from './trajectoryPanel';
import { UndoTracker } from './undoTracker';

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('ARL', { log: true });
  context.subscriptions.push(output);
  const serverModule = context.asAbsolutePath('dist/server.cjs');
  // The server's environment carries the API key (from secret storage) in trusted workspaces only.
  const env: NodeJS.ProcessEnv = { ...process.env };
  const setKeyEnv = async () => {
    const key = vscode.workspace.isTrusted ? await context.secrets.get(secretKey) : undefined;
    if (key) env.ANTHROPIC_API_KEY = key;
    else if (!vscode.workspace.isTrusted) delete env.ANTHROPIC_API_KEY;
    else if (process.env.ANTHROPIC_API_KEY) env.ANTHROPIC_API_KEY = process.env.ANTHROPIC_API_KEY;
    else delete env.ANTHROPIC_API_KEY;
  };
  await setKeyEnv();
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc, options: { env } },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { env, execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'arl' },
      { scheme: 'untitled', language: 'arl' },
    ],
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.{csv,tsv,txt,parquet,parq,pq}') },
    // Read at every (re)start: trust decides whether the server reads data and writes files.
    initializationOptions: () => {
      const config = vscode.workspace.getConfiguration('arl');
      return {
        debounceMs: config.get('evaluation.debounceMs'),
        lensSplit: config.get('lens.split'),
        maxGap: config.get('refine.maxGap'),
        allowedRoots: config.get('data.allowedRoots'),
        trusted: vscode.workspace.isTrusted,
      };
    },
    outputChannel: output,
    middleware: {
      // No LLM actions in untrusted workspaces.
      async provideCodeActions(document, range, ctx, token, next) {
        const actions = await next(document, range, ctx, token);
        if (vscode.workspace.isTrusted || !actions) return actions;
        return actions.filter((a) => !('command' in a && (a.command as vscode.Command | undefined)?.command === ClientCommands.refineWithLlm));
      },
      // The lens tooltip (LSP 3.18's Command.tooltip) rides in the command's first argument. The
      // labels lens opens the review queue; in an untrusted workspace there are no labels to review.
      async provideCodeLenses(document, token, next) {
        const lenses = (await next(document, token))?.filter((l) => vscode.workspace.isTrusted || l.command?.command !== ClientCommands.reviewLabels);
        for (const l of lenses ?? []) {
          const tip = (l.command?.arguments?.[0] as { tooltip?: unknown } | undefined)?.tooltip;
          if (l.command && typeof tip === 'string') l.command.tooltip = tip;
        }
        return lenses;
      },
    },
  };
  client = new LanguageClient('arl', 'ARL Language Server', serverOptions, clientOptions);
  const current = () => client!;

  const status = new StatusBar();
  const previews = new PreviewPanels(context, client, output);
  const sweeps = new SweepPanels(context, client, output);
  const trajectories = new TrajectoryPanels(context, output);
  const undo = new UndoTracker(current, output);
  const llm = new LlmCommands(
    context,
    current,
    async () => {
      await setKeyEnv();
      await client?.restart();
    },
    output,
    (uri, a) => undo.applied(uri, a),
  );
  const labels = new LabelCommands(context, current, output, (url) => llm.agreeToBaseUrl(url));
  const reviews = new ReviewPanels(context, current, output);
  context.subscriptions.push(status, previews, sweeps, trajectories, undo, reviews, ...llm.register(), ...labels.register());
  context.subscriptions.push(
    client.onNotification(FileStatusNotification, (s: FileStatus) => {
      status.update(s);
      if (s.state !== 'loading') {
        previews.changed(s.uri);
        sweeps.changed(s.uri);
        reviews.changed(s.uri);
      }
    }),
    vscode.window.onDidChangeActiveTextEditor((e) => status.show(e?.document.uri.toString())),
    vscode.workspace.onDidGrantWorkspaceTrust(async () => {
      await client?.sendNotification(WorkspaceTrustNotification, { trusted: true });
      // The key is in the server's environment: a restart hands it over.
      await setKeyEnv();
      if (env.ANTHROPIC_API_KEY) await client?.restart();
    }),
    vscode.commands.registerCommand('arl.previewRule', (args?: PreviewRuleArgs | vscode.Uri) => previews.show(args)),
    vscode.commands.registerCommand('arl.sweepThreshold', (args?: SweepArgs) => sweeps.show(args)),
    vscode.commands.registerCommand('arl.showTrajectory', (args?: { uri?: string; rule?: string } | vscode.Uri) =>
      trajectories.show(args instanceof vscode.Uri ? { uri: args.toString() } : args),
    ),
    vscode.commands.registerCommand('arl.reviewLabels', (args?: { uri?: string } | vscode.Uri) => reviews.show(args instanceof vscode.Uri ? { uri: args.toString() } : args)),
    vscode.commands.registerCommand('arl.restartServer', async () => {
      await client?.restart();
      output.info('Language server restarted.');
    }),
    vscode.commands.registerCommand('arl.showMetrics', () => showMetrics(output)),
    vscode.commands.registerCommand('arl.selectLensSplit', async () => {
      const pick = await vscode.window.showQuickPick(['train', 'validation', 'test', 'all'], { placeHolder: 'Split the lenses show (tuning reads train and validation only)' });
      if (pick) await vscode.workspace.getConfiguration('arl').update('lens.split', pick, vscode.ConfigurationTarget.Workspace);
    }),
  );
  await client.start();
  status.show(vscode.window.activeTextEditor?.document.uri.toString());
}

async function showMetrics(output: vscode.LogOutputChannel): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!client || editor?.document.languageId !== 'arl') {
    void vscode.window.showInformationMessage('Open an .arl file to see its metrics.');
    return;
  }
  const split = (await vscode.window.showQuickPick(['train', 'validation', 'test', 'all'], { placeHolder: 'Metrics on which split?' })) as ScoreSplit | undefined;
  if (!split) return;
  const m = await client.sendRequest(MetricsRequest, { uri: editor.document.uri.toString(), split });
  if (!m) {
    void vscode.window.showWarningMessage('No metrics: the file names no labelled dataset, or it has errors.');
    return;
  }
  const f = (x: number | null) => (x === null || !Number.isFinite(x) ? '–' : x.toFixed(3));
  output.info(`${editor.document.fileName} on ${split}: ${plural(m.dataset.series, 'series', 'series')}, ${m.dataset.labelled} labelled, ${plural(m.dataset.anomalies, 'anomaly', 'anomalies')}`);
  for (const r of m.rules) output.info(`  ${r.name}: P ${f(r.precision)} R ${f(r.recall)} F1 ${f(r.f1)} TP ${r.tp} FP ${r.fp} FN ${r.fn}`);
  output.info(`  file: P ${f(m.file.precision)} R ${f(m.file.recall)} F1 ${f(m.file.f1)}`);
  output.info(`  ${m.objective.label} (objective): file ${f(m.file.objective)}, flag every point ${f(m.baselines.all.objective)}, flag nothing ${f(m.baselines.none.objective)}`);
  output.show(true);
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
