// An in-process language server and a client talking to it over real JSON-RPC streams.
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  InitializeRequest,
  InitializedNotification,
  DidOpenTextDocumentNotification,
  DidChangeTextDocumentNotification,
  PublishDiagnosticsNotification,
  CodeLensRequest,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type ClientCapabilities,
  type Message,
  type InitializeParams,
} from 'vscode-languageserver-protocol/node';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from '../../server/src/lsp/server';
import type { Workspace } from '../../server/src/lsp/workspace';

export interface TestClient {
  conn: ProtocolConnection;
  workspace: Workspace;
  open(uri: string, text: string): Promise<PublishDiagnosticsParams>;
  change(uri: string, text: string): Promise<PublishDiagnosticsParams>;
  /** The next diagnostics published for `uri` (with a version >= `version` when given). */
  diagnostics(uri: string, version?: number): Promise<PublishDiagnosticsParams>;
  /** Every diagnostics notification received, in order. */
  published: PublishDiagnosticsParams[];
  /** Every message the server sent, in the order it sent them. */
  sent: Message[];
  close(): void;
}

export async function startTestServer(capabilities: ClientCapabilities = {}, initializationOptions: object = { debounceMs: 0 }, init: Partial<InitializeParams> = {}): Promise<TestClient> {
  const up = new PassThrough();
  const down = new PassThrough();
  const writer = new StreamMessageWriter(up);
  const sent: Message[] = [];
  const write = writer.write.bind(writer);
  writer.write = (m: Message) => (sent.push(m), write(m));
  const serverConn = createConnection(ProposedFeatures.all, new StreamMessageReader(down), writer);
  // The bundles vitest's global setup builds (dist/): large CSV files are read by two threads.
  const { workspace } = startServer(serverConn, { bundleDir: fileURLToPath(new URL('../../dist', import.meta.url)) });
  const conn = createProtocolConnection(new StreamMessageReader(up), new StreamMessageWriter(down));
  const waiting: { uri: string; version?: number; resolve: (p: PublishDiagnosticsParams) => void }[] = [];
  const published: PublishDiagnosticsParams[] = [];
  conn.onNotification(PublishDiagnosticsNotification.type, (p) => {
    published.push(p);
    for (let i = 0; i < waiting.length; i++) {
      const w = waiting[i];
      if (w.uri === p.uri && (w.version === undefined || (p.version ?? 0) >= w.version)) {
        waiting.splice(i--, 1);
        w.resolve(p);
      }
    }
  });
  conn.onRequest('workspace/configuration', () => [{}]);
  conn.onRequest('client/registerCapability', () => null);
  conn.onRequest('workspace/codeLens/refresh', () => null);
  conn.listen();
  await conn.sendRequest(InitializeRequest.type, { processId: null, rootUri: null, capabilities, initializationOptions, ...init });
  await conn.sendNotification(InitializedNotification.type, {});
  const versions = new Map<string, number>();
  const diagnostics = (uri: string, version?: number) => new Promise<PublishDiagnosticsParams>((resolve) => waiting.push({ uri, version, resolve }));
  return {
    conn,
    workspace,
    diagnostics,
    published,
    sent,
    async open(uri, text) {
      versions.set(uri, 1);
      const d = diagnostics(uri, 1);
      await conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'arl', version: 1, text } });
      return d;
    },
    async change(uri, text) {
      const v = (versions.get(uri) ?? 1) + 1;
      versions.set(uri, v);
      const d = diagnostics(uri, v);
      await conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: v }, contentChanges: [{ text }] });
      return d;
    },
    close() {
      // The server publishes an analysis' diagnostics a few turns after its lenses (server.ts):
      // the connections close once what it is sending is sent, not with a write half done.
      const turns = (n: number): unknown => (n ? setImmediate(() => turns(n - 1)) : (conn.dispose(), serverConn.dispose(), up.destroy(), down.destroy()));
      turns(12);
    },
  };
}

/**
 * Holds every analysis of the workspace at its dataset until released: `first` and `second`
 * resolve when the first and the second analysis have reached it (a newer edit overtaking one).
 */
export function holdDatasets(workspace: Workspace): { first: Promise<void>; second: Promise<void>; release: () => void } {
  const store = workspace.store;
  const get = store.get.bind(store);
  const started: (() => void)[] = [];
  const first = new Promise<void>((r) => started.push(r));
  const second = new Promise<void>((r) => started.push(r));
  let release!: () => void;
  const open = new Promise<void>((r) => (release = r));
  store.get = async (...args: Parameters<typeof get>) => {
    started.shift()?.();
    await open;
    return get(...args);
  };
  return { first, second, release };
}

/** A document's lenses as comparable rows: line, title and arguments. */
export async function lensRows(client: TestClient, uri: string): Promise<[number, string | undefined, string][]> {
  const lenses = (await client.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri } })) ?? [];
  return lenses.map((l) => [l.range.start.line, l.command?.title, JSON.stringify(l.command?.arguments)]);
}
