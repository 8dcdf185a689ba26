// The one wrapper every request handler goes through: finds the document and its analysis,
// honours cancellation, and turns failures into ResponseErrors instead of crashing the server.
import { ErrorCodes, LSPErrorCodes, ResponseError, type CancellationToken, type Connection, type TextDocuments } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Analysis } from '../engine/analyze';
import type { Workspace } from './workspace';

export interface Context {
  doc: TextDocument;
  token: CancellationToken;
  /** The analysis of the document's current text (waits for it). */
  analysis(): Promise<Analysis>;
}

export function makeHandler(connection: Connection, documents: TextDocuments<TextDocument>, workspace: Workspace) {
  return function handle<P extends { textDocument: { uri: string } }, R>(
    name: string,
    empty: R,
    fn: (params: P, ctx: Context) => R | Promise<R>,
  ): (params: P, token: CancellationToken) => Promise<R | ResponseError<void>> {
    return async (params, token) => {
      const doc = documents.get(params.textDocument.uri);
      if (!doc) return empty;
      const ctx: Context = {
        doc,
        token,
        analysis: async () => {
          const a = await workspace.analysis(doc.uri);
          if (!a) throw new ResponseError(LSPErrorCodes.ContentModified, 'The document was closed.');
          if (token.isCancellationRequested) throw new ResponseError(LSPErrorCodes.RequestCancelled, 'Cancelled.');
          return a;
        },
      };
      try {
        if (token.isCancellationRequested) return new ResponseError(LSPErrorCodes.RequestCancelled, 'Cancelled.');
        return await fn(params, ctx);
      } catch (e) {
        if (e instanceof ResponseError) return e;
        connection.console.error(`arl: ${name} failed: ${(e as Error).stack ?? e}`);
        return new ResponseError(ErrorCodes.InternalError, `ARL ${name} failed: ${(e as Error).message}`);
      }
    };
  };
}
