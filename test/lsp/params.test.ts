// Odd but legal traffic to `arl lsp` over stdio, written as raw JSON-RPC frames: params omitted,
// null, of the wrong type, naming rules the file does not have. Every request answers
// InvalidParams (-32602), never an internal error, and the server stays up.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StreamMessageReader, type Message } from 'vscode-languageserver-protocol/node';
import { arlBin } from '../support/cli';
import { exampleDir, type ExampleDir } from '../support/example';

interface Reply {
  id: number;
  result?: unknown;
  error?: { code: number; message: string; data?: { code?: string } };
}

let ex: ExampleDir;
let uri: string;
let child: ChildProcess;
let exited: Promise<number | null>;
let nextId = 1;
const waiting = new Map<number, (r: Reply) => void>();
const diagnostics = new Map<string, () => void>();

function frame(msg: object): void {
  const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', ...msg }), 'utf8');
  child.stdin!.write(`Content-Length: ${body.length}\r\n\r\n`);
  child.stdin!.write(body);
}

/** Sends a request (`params` exactly as given; `omit` leaves the member out) and waits for its answer. */
function request(method: string, params?: unknown, omit = false): Promise<Reply> {
  const id = nextId++;
  const answer = new Promise<Reply>((resolve) => waiting.set(id, resolve));
  frame(omit ? { id, method } : { id, method, params });
  return Promise.race([answer, exited.then((code) => Promise.reject(new Error(`the server exited (${code}) before answering ${method}`)))]);
}

function notify(method: string, params?: unknown, omit = false): void {
  frame(omit ? { method } : { method, params });
}

beforeAll(async () => {
  ex = await exampleDir(60);
  uri = pathToFileURL(ex.arl).href;
  child = spawn(process.execPath, [arlBin, 'lsp', '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  exited = new Promise((resolve) => child.on('exit', resolve));
  const reader = new StreamMessageReader(child.stdout!);
  reader.listen((m: Message) => {
    const msg = m as Message & { id?: number; method?: string; params?: { uri?: string } };
    if (msg.method === 'textDocument/publishDiagnostics') diagnostics.get(msg.params?.uri ?? '')?.();
    else if (msg.method && msg.id !== undefined) frame({ id: msg.id, result: msg.method === 'workspace/configuration' ? [{}] : null });
    else if (msg.id !== undefined) waiting.get(msg.id)?.(msg as unknown as Reply);
  });
  const init = await request('initialize', { processId: null, rootUri: null, capabilities: {} });
  expect(init.error).toBeUndefined();
  notify('initialized', {});
  const published = new Promise<void>((resolve) => diagnostics.set(uri, resolve));
  notify('textDocument/didOpen', { textDocument: { uri, languageId: 'arl', version: 1, text: readFileSync(ex.arl, 'utf8') } });
  await published;
});

afterAll(() => {
  child?.kill();
});

async function alive(): Promise<void> {
  const m = await request('arl/metrics', { uri, split: 'train' });
  expect(m.error).toBeUndefined();
  expect((m.result as { dataset: { points: number } }).dataset.points).toBeGreaterThan(0);
  expect(child.exitCode).toBeNull();
}

describe('language server robustness', () => {
  it('survives configuration and file notifications with params omitted or null', async () => {
    notify('workspace/didChangeConfiguration', undefined, true);
    notify('workspace/didChangeConfiguration', null);
    notify('workspace/didChangeConfiguration', { settings: null });
    notify('workspace/didChangeWatchedFiles', null);
    notify('workspace/didChangeWatchedFiles', { changes: [null, { uri: 7 }] });
    notify('arl/workspaceTrust', null);
    notify('textDocument/didOpen', null);
    notify('textDocument/didChange', { textDocument: null, contentChanges: null });
    await alive();
  });

  it('answers InvalidParams to custom requests with missing, null or mistyped params', async () => {
    const bad: [string, unknown, RegExp][] = [
      ['arl/metrics', null, /must name a document/],
      ['arl/metrics', {}, /must name a document/],
      ['arl/metrics', { uri: 5, split: 'train' }, /must name a document/],
      ['arl/metrics', { uri, split: 'bogus' }, /`split` must be one of train, validation, test, all, not string "bogus"/],
      ['arl/preview', { uri, rule: 7, split: 'train' }, /`rule` must be a string, not number 7/],
      ['arl/preview', { uri, rule: null, split: 'train', maxPoints: 'many' }, /`maxPoints` must be a number above 0/],
      ['arl/refineLlm', { uri, rule: null, model: 'm' }, /`rule` must be a string, not null/],
      ['arl/llmPrompt', { uri, rule: 'critical' }, /`model` must be a string, not missing/],
      ['arl/recordAttempt', { uri, rule: 'critical', proposer: 'x', title: 't', before: 1, after: 'b' }, /`before` must be a string/],
      ['textDocument/hover', { textDocument: { uri }, position: null }, /`position` must be an object, not null/],
      ['textDocument/completion', { textDocument: { uri }, position: { line: -1, character: 0 } }, /`position\.line` must be a whole number >= 0/],
      ['textDocument/definition', { textDocument: { uri }, position: { line: 'a', character: 0 } }, /`position\.line` must be a whole number/],
      ['textDocument/codeAction', { textDocument: { uri }, range: null, context: { diagnostics: [] } }, /`range` must be an object, not null/],
      ['textDocument/rename', { textDocument: { uri }, position: { line: 0, character: 0 } }, /`newName` must be a string, not missing/],
      ['textDocument/hover', { position: { line: 0, character: 0 } }, /must name a document/],
    ];
    for (const [method, params, message] of bad) {
      const r = await request(method, params);
      expect(r.error, `${method} ${JSON.stringify(params)}`).toMatchObject({ code: -32602 });
      expect(r.error!.message, method).toMatch(message);
    }
    const omitted = await request('arl/metrics', undefined, true);
    expect(omitted.error?.code).toBe(-32602);
    await alive();
  });

  it('answers InvalidParams, with the rules it has, to a rule the file does not have', async () => {
    for (const method of ['arl/preview', 'arl/refineLlm', 'arl/llmPrompt', 'arl/recordAttempt']) {
      const r = await request(method, { uri, rule: 'nope', split: 'train', model: 'm', proposer: 'x', title: 't', before: 'a', after: 'b' });
      expect(r.error, method).toMatchObject({ code: -32602, data: { code: 'unknown-rule' } });
      expect(r.error!.message).toMatch(/no rule `nope` in this file; its rules: critical, pressure, escalating/);
    }
    // The preview of the whole file (rule null) is still fine.
    const whole = await request('arl/preview', { uri, rule: null, split: 'train' });
    expect(whole.error).toBeUndefined();
    await alive();
  });
});
