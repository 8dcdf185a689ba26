// "Refine with LLM" through the language server, with the real SDK talking to a fake Messages API.
import { existsSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancellationTokenSource } from 'vscode-languageserver-protocol/node';
import { defaultModel } from '../../server/src/refine/models';
import { trajectoryPath } from '../../server/src/refine/trajectory';
import { LlmPromptRequest, RefineLlmRequest } from '../../server/src/lsp/protocol';
import { exampleDir, type ExampleDir } from '../support/example';
import { startFakeAnthropic, toolAnswer, type FakeAnthropic } from '../support/fake-anthropic';
import { startTestServer, type TestClient } from '../support/lsp';

let ex: ExampleDir;
let fake: FakeAnthropic;
let client: TestClient;
let uri: string;
let weak: string;
const key = 'sk-ant-test-key-never-written';

beforeAll(async () => {
  ex = await exampleDir(1000);
  fake = await startFakeAnthropic();
  process.env.ANTHROPIC_API_KEY = key;
  uri = pathToFileURL(ex.arl).href;
  weak = readFileSync(ex.arl, 'utf8').replace('oos_ratio >= 45', 'oos_ratio >= 5');
  client = await startTestServer();
  await client.open(uri, weak);
});

afterAll(async () => {
  client?.close();
  await fake?.close();
  delete process.env.ANTHROPIC_API_KEY;
});

const lines = () => (existsSync(trajectoryPath(ex.arl)) ? readFileSync(trajectoryPath(ex.arl), 'utf8').trim().split('\n') : []);

describe('Refine with LLM in the editor', () => {
  it('offers verified proposals from the model and records every candidate, without the key', async () => {
    fake.script(toolAnswer(['rule escalating "Escalating Stock-Out Emergency" when\n    rising(oos_ratio, 3) and oos_ratio >= 45', 'rule escalating when oos_ratio >= 0']));
    const r = await client.conn.sendRequest(RefineLlmRequest, { uri, rule: 'escalating', model: 'claude-test', baseUrl: fake.url });
    expect(r.error).toBeUndefined();
    expect(r.proposals).toHaveLength(1);
    expect(r.proposals[0].title).toMatch(/\(file point F1: train [\d.]+ -> [\d.]+, validation [\d.]+ -> [\d.]+\)$/);
    expect(r.proposals[0].newText).toContain('oos_ratio >= 45');
    expect(r.rejected).toHaveLength(1);
    expect(r.tokens.input).toBeGreaterThan(0);
    // The request went out with the key in a header, the rule and its analysis in the prompt.
    const sent = fake.received[fake.received.length - 1];
    expect(sent.body.model).toBe('claude-test');
    expect(JSON.stringify(sent.body.messages)).toContain('escalating');
    expect(JSON.stringify(sent.headers)).toContain(key);
    const recorded = lines().map((l) => JSON.parse(l));
    expect(recorded.filter((a) => a.proposer === 'anthropic')).toHaveLength(2);
    expect(readFileSync(trajectoryPath(ex.arl), 'utf8')).not.toContain(key);
  });

  it('hands the SDK deprecation notice to the client once, as data to word (never on the console)', async () => {
    fake.script(toolAnswer(['rule escalating when oos_ratio >= 0']));
    const r = await client.conn.sendRequest(RefineLlmRequest, { uri, rule: 'escalating', model: 'claude-sonnet-4-5', baseUrl: fake.url });
    expect(r.warnings).toEqual([{ kind: 'deprecated-model', model: 'claude-sonnet-4-5', endOfLife: 'November 30th, 2026' }]);
    fake.script(toolAnswer(['rule escalating when oos_ratio >= 0']));
    const quiet = await client.conn.sendRequest(RefineLlmRequest, { uri, rule: 'escalating', model: defaultModel, baseUrl: fake.url });
    expect(quiet.warnings).toBeUndefined();
  });

  it('shows exactly the prompt it would send', async () => {
    const { text } = await client.conn.sendRequest(LlmPromptRequest, { uri, rule: 'escalating', model: 'claude-test' });
    expect(text).toContain('escalating');
    expect(text).toContain('propose_rules');
    expect(text).not.toContain(key);
  });

  it('stops when cancelled mid-request, leaving the trajectory intact', async () => {
    const before = lines().length;
    fake.script({ kind: 'hang' });
    const source = new CancellationTokenSource();
    const pending = client.conn.sendRequest(RefineLlmRequest, { uri, rule: 'escalating', model: 'claude-test', baseUrl: fake.url }, source.token);
    await fake.waitForRequests(fake.received.length + 1);
    source.cancel();
    const outcome = await pending.then(
      (r) => r.error?.code,
      (e: Error) => e.message,
    );
    expect(String(outcome)).toMatch(/cancel/i);
    expect(lines().length).toBe(before);
  });

  it('ends at once on a long retry-after, saying when to try again, and records the attempt', async () => {
    const before = lines().length;
    const sent = fake.received.length;
    fake.script({ kind: 'error', status: 429, type: 'rate_limit_error', message: 'slow down', headers: { 'retry-after': '3600' } });
    const r = await client.conn.sendRequest(RefineLlmRequest, { uri, rule: 'escalating', model: 'claude-test', baseUrl: fake.url });
    expect(fake.received.length - sent).toBe(1);
    expect(r.error).toEqual({ code: 'rate-limited', message: 'Rate limited by the API (429): try again in about an hour.' });
    const added = lines().slice(before).map((l) => JSON.parse(l));
    expect(added).toMatchObject([{ rule: 'escalating', proposer: 'anthropic', accepted: false, reason: 'error: Rate limited by the API (429): try again in about an hour.' }]);
  });

  it('reports a server error clearly', async () => {
    fake.script(...Array.from({ length: 4 }, () => ({ kind: 'error' as const, status: 500, type: 'api_error', message: 'Internal server error' })));
    const r = await client.conn.sendRequest(RefineLlmRequest, { uri, rule: 'escalating', model: 'claude-test', baseUrl: fake.url });
    expect(r.proposals).toEqual([]);
    expect(r.error?.message).toMatch(/server|500|try again/i);
  });
});
