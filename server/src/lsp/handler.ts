// The one wrapper every request handler goes through: checks the params against the request's
// schema (protocol.ts; InvalidParams when they do not fit), finds the document and its analysis,
// honours cancellation, and turns failures into ResponseErrors instead of crashing the server.
// Notifications get the same care: odd params are logged, never thrown.
import { ErrorCodes, LSPErrorCodes, ResponseError, type CancellationToken, type Connection, type TextDocuments } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { parse } from '../../../grammar/src/parse';
import type { Analysis } from '../engine/analyze';
import { clip } from '../io/access';
import { UnsafePathError } from '../io/safefs';
import { paramsSchemas, type ParamsSchema } from './protocol';
import type { Workspace } from './workspace';

export interface Context {
  doc: TextDocument;
  token: CancellationToken;
  /** The analysis of the document's current text (waits for it). */
  analysis(): Promise<Analysis>;
}

/** InvalidParams; `data` (e.g. `{ code: 'unknown-rule' }`) lets a client react without reading the message. */
function invalid(name: string, message: string, data?: object): ResponseError<void> {
  // Handlers are typed with void error data; the data still goes over the wire.
  return new ResponseError(ErrorCodes.InvalidParams, `Invalid params for ${name}: ${message}.`, data) as unknown as ResponseError<void>;
}

/** What is wrong with a request's params, or undefined. */
function checkParams(name: string, params: unknown, schema: ParamsSchema | undefined): ResponseError<void> | undefined {
  const uri = (params as { textDocument?: { uri?: unknown } } | null)?.textDocument?.uri;
  if (typeof uri !== 'string' || !uri) return invalid(name, '`params` must name a document (`textDocument.uri` or `uri`)');
  const wrong = schema?.check(params, 'params');
  return wrong ? invalid(name, wrong) : undefined;
}

/** The rule a request names must be declared in the document. */
function checkRule(name: string, params: unknown, schema: ParamsSchema | undefined, doc: TextDocument): ResponseError<void> | undefined {
  const rule = schema?.rule ? (params as Record<string, unknown>)[schema.rule] : undefined;
  if (typeof rule !== 'string') return undefined;
  const names = parse(doc.getText()).file.rules.flatMap((r) => (r.name ? [r.name.name] : []));
  if (names.includes(rule)) return undefined;
  return invalid(name, `no rule \`${clip(rule, 40)}\` in this file; its rules: ${clip(names.join(', '), 200) || 'none'}`, { code: 'unknown-rule' });
}

export function makeHandler(connection: Connection, documents: TextDocuments<TextDocument>, workspace: Workspace) {
  return function handle<P extends { textDocument: { uri: string } }, R>(
    name: string,
    empty: R,
    fn: (params: P, ctx: Context) => R | Promise<R>,
  ): (params: P, token: CancellationToken) => Promise<R | ResponseError<void>> {
    const schema = paramsSchemas[name];
    return async (params, token) => {
      const wrong = checkParams(name, params, schema);
      if (wrong) return wrong;
      const doc = documents.get(params.textDocument.uri);
      if (!doc) return empty;
      const unknown = checkRule(name, params, schema, doc);
      if (unknown) return unknown;
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
        if (e instanceof UnsafePathError) return new ResponseError(LSPErrorCodes.RequestFailed, e.message);
        connection.console.error(`arl: ${name} failed: ${(e as Error).stack ?? e}`);
        return new ResponseError(ErrorCodes.InternalError, `ARL ${name} failed: ${(e as Error).message}`);
      }
    };
  };
}

/** Notifications: a failure (odd params included) is logged; the server keeps running. */
export function makeNotificationHandler(connection: Connection) {
  return function notify<P>(name: string, fn: (params: P) => void | Promise<void>): (params: P) => Promise<void> {
    return async (params) => {
      try {
        await fn(params);
      } catch (e) {
        connection.console.error(`arl: ${name} failed: ${(e as Error).stack ?? e}`);
      }
    };
  };
}
