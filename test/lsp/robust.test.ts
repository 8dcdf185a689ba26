// Half-typed and mangled files: every request still answers (no internal errors, no hang).
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CodeActionRequest,
  CodeLensRequest,
  CompletionRequest,
  DefinitionRequest,
  DocumentFormattingRequest,
  DocumentSymbolRequest,
  FoldingRangeRequest,
  HoverRequest,
  ReferencesRequest,
  SemanticTokensRequest,
  SignatureHelpRequest,
} from 'vscode-languageserver-protocol/node';
import { exampleDir, type ExampleDir } from '../support/example';
import { startTestServer, type TestClient } from '../support/lsp';

let ex: ExampleDir;
let client: TestClient;
let uri: string;
let text: string;

beforeAll(async () => {
  ex = await exampleDir(300);
  uri = pathToFileURL(ex.arl).href;
  text = readFileSync(ex.arl, 'utf8');
  client = await startTestServer();
  await client.open(uri, text);
});

afterAll(() => client?.close());

function position(t: string, offset: number) {
  const before = t.slice(0, offset).split('\n');
  return { line: before.length - 1, character: before[before.length - 1].length };
}

// Edits a real file the way typing and pasting do: deletions, insertions of language fragments.
const fragment = fc.constantFrom('(', ')', ' and ', ' or ', 'not ', '>=', '<', '=', ',', '"', '`', '{', '}', '[', ']', 'rule ', 'let ', 'when ', 'mean(', 'lag(oos_ratio, ', '_', '\n', '#', '-', '1e309', 'NaN', 'offset = ', 'expect ', 'dataset "x.csv" {');
const edit = fc.record({ at: fc.nat(), del: fc.nat({ max: 12 }), ins: fc.array(fragment, { maxLength: 3 }) });

describe('language server on broken text', () => {
  it('answers every request without an internal error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 4 }), fc.nat(), async (edits, probe) => {
        let t = text;
        for (const e of edits) {
          const at = e.at % (t.length + 1);
          t = t.slice(0, at) + e.ins.join('') + t.slice(at + e.del);
        }
        await client.change(uri, t);
        const pos = position(t, probe % (t.length + 1));
        const doc = { textDocument: { uri } };
        const results = await Promise.allSettled([
          client.conn.sendRequest(CodeLensRequest.type, doc),
          client.conn.sendRequest(HoverRequest.type, { ...doc, position: pos }),
          client.conn.sendRequest(CompletionRequest.type, { ...doc, position: pos }),
          client.conn.sendRequest(SignatureHelpRequest.type, { ...doc, position: pos }),
          client.conn.sendRequest(DefinitionRequest.type, { ...doc, position: pos }),
          client.conn.sendRequest(ReferencesRequest.type, { ...doc, position: pos, context: { includeDeclaration: true } }),
          client.conn.sendRequest(DocumentSymbolRequest.type, doc),
          client.conn.sendRequest(FoldingRangeRequest.type, doc),
          client.conn.sendRequest(SemanticTokensRequest.type, doc),
          client.conn.sendRequest(DocumentFormattingRequest.type, { ...doc, options: { tabSize: 4, insertSpaces: true } }),
          client.conn.sendRequest(CodeActionRequest.type, { ...doc, range: { start: pos, end: pos }, context: { diagnostics: [] } }),
        ]);
        const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => String((r.reason as Error).message));
        expect(failures, `after edits ${JSON.stringify(edits)}`).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });
});
