// The ARL language server: documents, settings and one provider per feature. Transport-agnostic:
// main.ts (IPC or stdio), `arl lsp` and the tests each hand it a connection.
import {
  CodeLensRefreshRequest,
  type CancellationToken,
  ErrorCodes,
  ResponseError,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  TextDocumentSyncKind,
  TextDocuments,
  type Connection,
  type InitializeResult,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Issue } from '../../../grammar/src/issues';
import { parse } from '../../../grammar/src/parse';
import type { Analysis } from '../engine/analyze';
import type { ScoreSplit } from '../engine/metrics';
import { toDiagnostics } from './diagnostics';
import { makeHandler, makeNotificationHandler, type Context } from './handler';
import {
  FileStatusNotification,
  LabelPlanRequest,
  LabelProgressNotification,
  LabelPromptRequest,
  LabelSeriesRequest,
  LlmPromptRequest,
  ReviewDecideRequest,
  ReviewQueueRequest,
  ReviewSeriesRequest,
  SuggestCategoriesRequest,
  type SuggestCategoriesParams,
  type ReviewDecision,
  MetricsRequest,
  PreviewRequest,
  RecordAttemptRequest,
  RecordUndoRequest,
  RefineLlmRequest,
  SeriesLocationRequest,
  SweepRequest,
  WorkspaceTrustNotification,
  type FileStatus,
  type LabelParams,
  type PreviewRequestParams,
  type RecordAttemptParams,
  type RecordUndoParams,
  type RefineLlmParams,
  type SeriesLocationParams,
  type SweepParams,
} from './protocol';
import { behaviourIssues } from './providers/behaviour';
import { quickFixes } from './providers/codeActions';
import { refineActions } from './providers/refineActions';
import { RefineService } from './refine';
import { completions } from './providers/completion';
import { formatting } from './providers/formatting';
import { hover } from './providers/hover';
import { labelPlan, labelPrompt, labelSeries } from './providers/labels';
import { reviewDecide, reviewQueue, reviewSeries } from './providers/review';
import { suggestCategories } from './providers/categories';
import { llmPrompt, recordAttempt, recordUndo, refineWithLlm } from './providers/llm';
import { codeLenses, LensMemory } from './providers/lenses';
import { metrics } from './providers/metrics';
import { preview } from './providers/preview';
import { definition, prepareRename, references, rename } from './providers/navigation';
import { semanticLegend, semanticTokens } from './providers/semanticTokens';
import { signatureHelp } from './providers/signature';
import { documentSymbols, foldingRanges } from './providers/symbols';
import { datasetPathCompletions, realRoots } from './providers/paths';
import { seriesLocation } from './providers/seriesLocation';
import { sweep, sweepActions } from './providers/sweep';
import { Trust, restrictedMessage } from './trust';
import { URI } from './uri';
import { sidecarLocation } from '../labels/sidecar';
import { Workspace } from './workspace';

export interface Settings {
  debounceMs: number;
  lensSplit: ScoreSplit;
  maxGap?: number;
  /** `arl.data.allowedRoots`: folders outside the workspace datasets may be read from. */
  allowedRoots?: string[];
}

/** initializationOptions: the settings, and whether the workspace is trusted (default true). */
export type InitOptions = Partial<Settings> & { trusted?: boolean };

const splits: ScoreSplit[] = ['train', 'validation', 'test', 'all'];

/** How the server was started: `bundleDir` holds the bundles beside it (dist/), for worker threads. */
export interface ServerOptions {
  bundleDir?: string;
}

/**
 * Runs `fn` once the answers of this turn are on their way and the messages already received are
 * handled: vscode-jsonrpc writes through a lock that waits a turn of the event loop and handles a
 * message per turn, and a client in this process (the tests, the benchmarks) reads through two
 * more turns. A few turns of an idle event loop: microseconds.
 */
function afterAnswers(fn: () => void, turns = 4): void {
  if (turns === 0) fn();
  else setImmediate(() => afterAnswers(fn, turns - 1));
}

export function startServer(connection: Connection, options: ServerOptions = {}): { workspace: Workspace } {
  const documents = new TextDocuments(TextDocument);
  const settings: Settings = { debounceMs: 150, lensSplit: 'train' };
  let pullConfig = false;
  let lensRefresh = false;
  let watchRegistration = false;
  let hasFolders = false;

  const workspace = new Workspace((uri) => documents.get(uri), {
    analyzed(doc, a) {
      if (lensRefresh) connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
      const { uri, version } = doc;
      scheduleBehaviours(uri, version, a);
      // The lenses waiting for this analysis are answered first, then the diagnostics, whose checks
      // on the flags are made when first read (afterAnswers).
      afterAnswers(() => {
        try {
          // Closed meanwhile (its diagnostics were cleared), or edited (the next analysis publishes).
          if (documents.get(uri)?.version === version) {
            // A connection closed meanwhile has no one to tell.
            connection.sendDiagnostics({ uri, version, diagnostics: toDiagnostics(a.issues, a.parse.text) }).catch(() => undefined);
            connection.sendNotification(FileStatusNotification, status(uri, a)).catch(() => undefined);
          }
        } catch (e) {
          try {
            connection.console.error(`arl: publishing the analysis of ${uri} failed: ${(e as Error).stack ?? e}`);
          } catch {
            // The connection is closed: there is no one to tell.
          }
        }
      });
    },
    loading(doc) {
      connection.sendNotification(FileStatusNotification, { uri: doc.uri, state: 'loading', split: settings.lensSplit });
    },
    error(doc, e) {
      connection.console.error(`arl: analysing ${doc.uri} failed: ${(e as Error).stack ?? e}`);
    },
  });

  const csvWorker = options.bundleDir && join(options.bundleDir, 'csvworker.cjs');
  if (csvWorker && existsSync(csvWorker)) workspace.csvWorker = csvWorker;
  const evalWorker = options.bundleDir && join(options.bundleDir, 'evalworker.cjs');
  if (evalWorker && existsSync(evalWorker)) workspace.evalWorker = evalWorker;
  const refine = new RefineService();
  const lensMemory = new LensMemory();
  /** The client shows change annotations (proposal previews). */
  let annotations = false;
  const trust = new Trust();
  workspace.policy = (path) => trust.analyzeOptions(path);

  /**
   * Behaviour findings as information diagnostics. They take a few hundred ms per rule, so they
   * wait until typing pauses, run one rule at a time, and stop as soon as the text changes.
   */
  const behaviourTimers = new Map<string, NodeJS.Timeout>();
  function scheduleBehaviours(uri: string, version: number, a: Analysis): void {
    clearTimeout(behaviourTimers.get(uri));
    const current = () => documents.get(uri)?.version === version;
    behaviourTimers.set(
      uri,
      setTimeout(async () => {
        behaviourTimers.delete(uri);
        const found: Issue[] = [];
        try {
          for (const r of a.program.rules) {
            await new Promise((res) => setImmediate(res));
            if (!current()) return;
            found.push(...behaviourIssues(a, refine, r.name));
          }
        } catch (e) {
          connection.console.error(`arl: behavioural analysis failed: ${(e as Error).stack ?? e}`);
        }
        try {
          if (found.length && current()) await connection.sendDiagnostics({ uri, version, diagnostics: toDiagnostics([...a.issues, ...found], a.parse.text) });
        } catch {
          // The connection closed while the analysis ran: there is no one to tell.
        }
      }, Math.max(settings.debounceMs, 600)),
    );
  }

  function status(uri: string, a: Analysis): FileStatus {
    const split = settings.lensSplit;
    if (a.restricted && !a.issues.some((i) => i.severity === 'error')) return { uri, state: 'restricted', split, message: restrictedMessage };
    if (a.issues.some((i) => i.severity === 'error' && i.code !== 'dataset-error' && i.code !== 'missing-column')) {
      return { uri, state: 'errors', split, message: 'The file has errors.' };
    }
    if (a.dataError) return { uri, state: 'data-error', split, message: a.dataError.message };
    const s = a.scores(split);
    if (!s) return { uri, state: 'no-dataset', split };
    return { uri, state: 'ok', split, f1: Number.isFinite(s.file.f1) ? s.file.f1 : undefined };
  }

  async function loadSettings(initial?: Partial<Settings>): Promise<void> {
    let raw: { evaluation?: { debounceMs?: number }; lens?: { split?: string }; refine?: { maxGap?: number }; data?: { allowedRoots?: unknown } } | undefined;
    if (pullConfig) raw = await connection.workspace.getConfiguration('arl').catch(() => undefined);
    const roots = raw?.data?.allowedRoots ?? initial?.allowedRoots;
    if (roots !== undefined) trust.setAllowedRoots(roots);
    const debounce = raw?.evaluation?.debounceMs ?? initial?.debounceMs;
    const split = raw?.lens?.split ?? initial?.lensSplit;
    if (typeof debounce === 'number' && debounce >= 0) settings.debounceMs = debounce;
    if (typeof split === 'string' && splits.includes(split as ScoreSplit)) settings.lensSplit = split as ScoreSplit;
    const gap = raw?.refine?.maxGap ?? initial?.maxGap;
    if (typeof gap === 'number' && gap >= 0) refine.maxGap = gap;
    workspace.debounceMs = settings.debounceMs;
  }

  connection.onInitialize((params): InitializeResult => {
    const caps = params.capabilities;
    pullConfig = !!caps.workspace?.configuration;
    lensRefresh = !!caps.workspace?.codeLens?.refreshSupport;
    watchRegistration = !!caps.workspace?.didChangeWatchedFiles?.dynamicRegistration;
    hasFolders = !!caps.workspace?.workspaceFolders;
    const init = (params.initializationOptions ?? {}) as InitOptions;
    annotations = !!caps.workspace?.workspaceEdit?.changeAnnotationSupport && !!caps.workspace.workspaceEdit.documentChanges;
    trust.trusted = init.trusted !== false;
    trust.setFolders(params.workspaceFolders ? params.workspaceFolders.map((f) => f.uri) : [params.rootUri]);
    void loadSettings(init);
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        codeLensProvider: { resolveProvider: false },
        hoverProvider: true,
        completionProvider: { triggerCharacters: ['(', ',', ' ', '=', '"', '/'], resolveProvider: false },
        signatureHelpProvider: { triggerCharacters: ['(', ','], retriggerCharacters: [' '] },
        definitionProvider: true,
        referencesProvider: true,
        renameProvider: { prepareProvider: true },
        documentSymbolProvider: true,
        documentFormattingProvider: true,
        foldingRangeProvider: true,
        semanticTokensProvider: { legend: semanticLegend, full: true },
        codeActionProvider: { codeActionKinds: ['quickfix', 'refactor.rewrite'] },
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: 'arl-language-server', version: '0.1.0' },
    };
  });

  connection.onInitialized(() => {
    if (hasFolders) {
      connection.workspace.onDidChangeWorkspaceFolders(
        notify('didChangeWorkspaceFolders', async () => {
          trust.setFolders(((await connection.workspace.getWorkspaceFolders()) ?? []).map((f) => f.uri));
          workspace.refreshAll();
        }),
      );
    }
    if (pullConfig) connection.client.register(DidChangeConfigurationNotification.type, undefined).catch(() => undefined);
    if (watchRegistration) {
      connection.client
        .register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/*.{csv,tsv,txt,parquet,parq,pq}' }] })
        .catch(() => undefined);
    }
    void loadSettings().then(() => workspace.refreshAll());
  });

  const notify = makeNotificationHandler(connection);
  connection.onDidChangeConfiguration(
    notify('didChangeConfiguration', async (change) => {
      // `params` may be omitted or null (it is legal): then the settings are pulled, if they can be.
      const s = (change?.settings as { arl?: { evaluation?: { debounceMs?: number }; lens?: { split?: string }; data?: { allowedRoots?: string[] } } } | undefined)?.arl;
      await loadSettings(s ? { debounceMs: s.evaluation?.debounceMs, lensSplit: s.lens?.split as ScoreSplit, allowedRoots: s.data?.allowedRoots } : undefined);
      workspace.refreshAll();
    }),
  );

  connection.onDidChangeWatchedFiles(
    notify('didChangeWatchedFiles', (p) => {
      for (const c of p?.changes ?? []) {
        const path = typeof c?.uri === 'string' ? URI.toPath(c.uri) : undefined;
        if (path) workspace.datasetChanged(path);
      }
    }),
  );

  connection.onNotification(
    WorkspaceTrustNotification,
    notify('workspaceTrust', (p) => {
      // Anything but a boolean is not a statement about trust: ignored.
      if (typeof p?.trusted !== 'boolean' || p.trusted === trust.trusted) return;
      trust.trusted = p.trusted;
      workspace.refreshAll();
    }),
  );

  documents.onDidChangeContent((e) => workspace.changed(e.document));
  documents.onDidClose((e) => {
    workspace.closed(e.document.uri);
    // Its behavioural analysis is not run (nor its analysis held until then).
    clearTimeout(behaviourTimers.get(e.document.uri));
    behaviourTimers.delete(e.document.uri);
    connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  const handle = makeHandler(connection, documents, workspace);
  connection.onCodeLens(handle('codeLens', [], async (p, c) => codeLenses(await c.analysis(), p.textDocument.uri, settings.lensSplit, lensMemory)));
  connection.onHover(handle('hover', null, async (p, c) => hover(await c.analysis(), p.position, settings.lensSplit, refine)));
  connection.onCompletion(
    handle('completion', [], async (p, c) => {
      const parsed = parse(c.doc.getText());
      const offset = c.doc.offsetAt(p.position);
      const path = URI.toPath(c.doc.uri);
      // Untrusted: no folder is listed. Otherwise the rule file's workspace (its folder outside one).
      const paths = trust.trusted ? await datasetPathCompletions(parsed, offset, path, await realRoots(trust.workspaceOf(path))) : undefined;
      return paths ?? completions(parsed, offset, workspace.latest(c.doc.uri));
    }),
  );
  connection.onSignatureHelp(handle('signatureHelp', null, (p, c) => signatureHelp(parse(c.doc.getText()), c.doc.offsetAt(p.position))));
  connection.onDefinition(handle('definition', null, async (p, c) => definition(await c.analysis(), p.textDocument.uri, p.position)));
  connection.onReferences(handle('references', [], async (p, c) => references(await c.analysis(), p.textDocument.uri, p.position, p.context.includeDeclaration)));
  connection.onPrepareRename(handle('prepareRename', null, async (p, c) => prepareRename(await c.analysis(), p.position)));
  connection.onRenameRequest(handle('rename', null, async (p, c) => rename(await c.analysis(), p.textDocument.uri, p.position, p.newName)));
  connection.onDocumentSymbol(handle('documentSymbol', [], (_p, c) => documentSymbols(parse(c.doc.getText()))));
  connection.onFoldingRanges(handle('foldingRange', [], (_p, c) => foldingRanges(parse(c.doc.getText()))));
  connection.onDocumentFormatting(handle('formatting', [], (_p, c) => formatting(c.doc.getText())));
  connection.languages.semanticTokens.on(handle('semanticTokens', { data: [] }, async (_p, c) => semanticTokens((await c.analysis()).check)));
  connection.onCodeAction(
    handle('codeAction', [], async (p, c) => {
      const a = await c.analysis();
      const version = c.doc.version;
      const current = () => documents.get(c.doc.uri)?.version === version;
      return [...quickFixes(p, c.doc.getText()), ...(await refineActions(a, p, refine, c.token, annotations ? { version } : undefined, current)), ...sweepActions(a, p, refine)];
    }),
  );
  // The last review decision written or being written, per rule file.
  const decided = new Map<string, Promise<unknown>>();
  // Requests that name their document by `uri` go through the same wrapper.
  const notOpen = Symbol('not open');
  const byUri = <P extends { uri: string }, R>(name: string, fn: (p: P, c: Context) => Promise<R>) => {
    const h = handle<P & { textDocument: { uri: string } }, R | typeof notOpen>(name, notOpen, (p, c) => fn(p, c));
    return async (p: P, token: CancellationToken): Promise<R> => {
      const r = await h({ ...p, textDocument: { uri: (p as P | null)?.uri } } as P & { textDocument: { uri: string } }, token);
      if (r === notOpen) throw new ResponseError(ErrorCodes.InvalidRequest, `${p.uri} is not open.`);
      if (r instanceof ResponseError) throw r;
      return r;
    };
  };
  connection.onRequest(MetricsRequest, byUri('metrics', async (p: { uri: string; split: ScoreSplit }, c) => metrics(await c.analysis(), p.uri, p.split)));
  connection.onRequest(PreviewRequest, byUri('preview', async (p: PreviewRequestParams, c) => preview(await c.analysis(), p)));
  connection.onRequest(
    RefineLlmRequest,
    byUri('refineWithLlm', async (p: RefineLlmParams, c) => {
      const controller = new AbortController();
      const sub = c.token.onCancellationRequested(() => controller.abort());
      try {
        return await refineWithLlm(await c.analysis(), p, refine, controller.signal, trust);
      } finally {
        sub.dispose();
      }
    }),
  );
  connection.onRequest(LlmPromptRequest, byUri('llmPrompt', async (p: { uri: string; rule: string; model: string }, c) => ({ text: await llmPrompt(await c.analysis(), p.rule, p.model, refine, trust) })));
  connection.onRequest(LabelPlanRequest, byUri('labelPlan', async (p: LabelParams, c) => labelPlan(await c.analysis(), p, trust)));
  connection.onRequest(LabelPromptRequest, byUri('labelPrompt', async (p: LabelParams, c) => labelPrompt(await c.analysis(), p, trust)));
  connection.onRequest(
    LabelSeriesRequest,
    byUri('labelSeries', async (p: LabelParams, c) => {
      const controller = new AbortController();
      const sub = c.token.onCancellationRequested(() => controller.abort());
      try {
        const a = await c.analysis();
        const r = await labelSeries(a, p, trust, controller.signal, (done, total, message) => void connection.sendNotification(LabelProgressNotification, { uri: p.uri, done, total, message }));
        // The lenses count the new labels: the files of this dataset are analysed again.
        if (a.datasetPath && r.requests) workspace.datasetChanged(sidecarLocation(a.datasetPath).path);
        return r;
      } finally {
        sub.dispose();
      }
    }),
  );
  connection.onRequest(
    SuggestCategoriesRequest,
    byUri('suggestCategories', async (p: SuggestCategoriesParams, c) => {
      const controller = new AbortController();
      const sub = c.token.onCancellationRequested(() => controller.abort());
      try {
        return await suggestCategories(await c.analysis(), p, trust, controller.signal);
      } finally {
        sub.dispose();
      }
    }),
  );
  connection.onRequest(ReviewQueueRequest, byUri('reviewQueue', async (_p: { uri: string }, c) => reviewQueue(await c.analysis(), trust)));
  connection.onRequest(ReviewSeriesRequest, byUri('reviewSeries', async (p: { uri: string; series: string; time: string }, c) => reviewSeries(await c.analysis(), p, trust)));
  connection.onRequest(
    ReviewDecideRequest,
    byUri('reviewDecide', (p: ReviewDecision, c) => {
      // Decisions on one file are written in the order they came, each after the one before.
      const write = (decided.get(p.uri) ?? Promise.resolve())
        .catch(() => undefined)
        .then(async () => {
          const a = await c.analysis();
          const r = await reviewDecide(a, p, trust);
          // Saved: the lenses and the queue count it after the next analysis.
          workspace.datasetChanged(sidecarLocation(a.datasetPath!).path);
          return r;
        });
      decided.set(p.uri, write);
      // The last one done, nothing waits on it: let it go.
      void write.finally(() => decided.get(p.uri) === write && decided.delete(p.uri)).catch(() => undefined);
      return write;
    }),
  );
  connection.onRequest(RecordAttemptRequest, byUri('recordAttempt', async (p: RecordAttemptParams, c) => recordAttempt(await c.analysis(), p, refine, trust)));

  // Editor: the threshold sweep, a series' first row in its CSV, undo and redo of applied proposals.
  connection.onRequest(SweepRequest, byUri('sweep', async (p: SweepParams, c) => sweep(await c.analysis(), p, c.doc.version, refine)));
  connection.onRequest(SeriesLocationRequest, byUri('seriesLocation', async (p: SeriesLocationParams, c) => seriesLocation(await c.analysis(), p.series)));
  connection.onRequest(RecordUndoRequest, byUri('recordUndo', async (p: RecordUndoParams, c) => recordUndo(await c.analysis(), p, trust)));
  documents.onDidClose((e) => lensMemory.forget(e.document.uri));

  documents.listen(connection);
  connection.listen();
  return { workspace };
}
