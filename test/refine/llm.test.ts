// The LLM proposer against a scripted stand-in of the Messages API, through the real SDK: good
// answers, an invalid rule then its fix, odd answers, rate limits, server errors, time-outs and
// cancellation. Each ends with a clear message and a readable trajectory.
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { draftWithLlm } from '../../server/src/refine/draft';
import { learn, llmProposer, type LearnResult } from '../../server/src/refine/learn';
import { proposeWithLlm, type LlmOptions } from '../../server/src/refine/llm';
import { buildRefinePrompt, promptText } from '../../server/src/refine/prompt';
import { appendAttempt, readTrajectory, trajectoryPath, type TrajectoryRead } from '../../server/src/refine/trajectory';
import { startFakeAnthropic, textAnswer, toolAnswer, type FakeAnthropic, type Step } from '../support/fake-anthropic';
import { syntheticContext, syntheticDir } from './synthetic';

const key = 'sk-ant-test-0123456789-secret';
const good = 'rule r "R" when x >= 42.5 and y >= 5';
let fake: FakeAnthropic;

beforeEach(async () => {
  fake = await startFakeAnthropic();
});
afterEach(async () => {
  await fake.close();
});

function llm(extra: Partial<LlmOptions> = {}): LlmOptions {
  return { apiKey: key, baseURL: fake.url, model: 'test-model', maxRetries: 0, timeout: 5000, ...extra };
}

/** One `arl learn`-style run on rule r with the scripted answers; its result and trajectory. */
async function run(steps: Step[], extra: Partial<LlmOptions> = {}, iterations = 1, signal?: AbortSignal): Promise<{ res: LearnResult; t: TrajectoryRead; file: string }> {
  const s = syntheticDir('rule r "R" when x >= 35 and y >= 5');
  const { ctx } = await syntheticContext(s);
  fake.script(...steps);
  const res = await learn(ctx, {
    rules: ['r'],
    proposer: llmProposer(llm(extra)),
    iterations,
    patience: 5,
    signal,
    ruleFile: s.arl,
    record: (a) => appendAttempt(s.arl, a),
  });
  const t = await readTrajectory(s.arl);
  // Intact: every line reads back, and the key is nowhere in it.
  expect(t.skipped).toBe(0);
  expect(readFileSync(trajectoryPath(s.arl), 'utf8')).not.toContain(key);
  return { res, t, file: s.arl };
}

describe('LLM proposer', () => {
  it('sends the exact prompt, with the tool, temperature 0 and the key, and scores the rules it gets back', async () => {
    const s = syntheticDir('rule r "R" when x >= 35 and y >= 5');
    const { ctx } = await syntheticContext(s);
    fake.script(toolAnswer([good, 'rule r "R" when x >= 50 and y >= 5']));
    const res = await proposeWithLlm(ctx, 'r', llm());
    expect(res.error).toBeUndefined();
    expect(res.proposals[0].ruleText).toBe(good);
    expect([...res.proposals, ...res.rejected].map((p) => p.ruleText).sort()).toEqual([good, 'rule r "R" when x >= 50 and y >= 5']);
    expect(res.proposals[0].title).toMatch(/^LLM: x >= 42\.5 and y >= 5 \(file point F1: train 0\.\d\d -> 1\.00, validation 0\.\d\d -> 1\.00\)$/);
    expect(res.tokens).toEqual({ input: 1200, output: 80 });
    expect(res.rationale).toBe('Tighter thresholds.');

    const [req] = fake.received;
    const prompt = buildRefinePrompt(ctx, 'r');
    expect(req.body.system).toBe(prompt.system);
    expect(req.body.messages).toEqual([{ role: 'user', content: prompt.user }]);
    expect(req.body.temperature).toBe(0);
    expect(req.body.model).toBe('test-model');
    expect(req.body.tools?.map((t) => t.name)).toEqual(['propose_rules']);
    expect(req.body.tool_choice).toEqual({ type: 'tool', name: 'propose_rules' });
    expect(String(req.headers['x-api-key'] ?? req.headers.authorization)).toContain(key);
    // What "Show LLM Prompt" displays.
    const shown = promptText(prompt);
    expect(shown).toContain('# Improve the rule `r`');
    expect(shown).toContain('| `x` | anomalies |');
    expect(shown).toContain('over-aggressive');
    expect(shown).toContain('"name": "propose_rules"');
    expect(shown).not.toContain(key);
  });

  it('learns from a good answer, and shows earlier attempts in the next prompt', async () => {
    const { res, t } = await run([toolAnswer(['rule r "R" when x >= 40 and y >= 5']), toolAnswer([good])], {}, 2);
    expect(res.accepted).toBe(2);
    expect(res.text).toContain(good);
    expect(res.tokens).toEqual({ input: 2400, output: 160 });
    expect(t.attempts.map((a) => [a.accepted, a.after])).toEqual([
      [true, 'rule r "R" when x >= 40 and y >= 5'],
      [true, good],
    ]);
    expect(t.attempts[0]).toMatchObject({ proposer: 'anthropic', model: 'test-model', tokens: { input: 1200, output: 80 } });
    const second = fake.received[1].body.messages[0].content as string;
    expect(second).toMatch(/- accepted \(train point F1 0\.\d{3} -> 0\.\d{3} \(\+0\.\d{3} with the complexity cost\), validation 0\.\d{3} -> 0\.\d{3}; train F1 .*; by anthropic\): `rule r "R" when x >= 40 and y >= 5`/);
  });

  it('sends an invalid rule back once with the checker messages, and takes the fix', async () => {
    const { res, t } = await run([toolAnswer(['rule r "R" when xx >= 42.5 and y >= 5']), toolAnswer([good])]);
    expect(fake.received).toHaveLength(2);
    const repair = fake.received[1].body.messages;
    expect(repair.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    const [result] = repair[2].content as { type: string; is_error: boolean; content: string }[];
    expect(result.type).toBe('tool_result');
    expect(result.is_error).toBe(true);
    expect(result.content).toContain('rule r "R" when xx >= 42.5 and y >= 5');
    expect(result.content).toMatch(/1:17: Unknown name `xx`: did you mean `x`\?/);
    expect(res.accepted).toBe(1);
    expect(res.tokens).toEqual({ input: 2400, output: 160 });
    expect(t.attempts.map((a) => [a.accepted, a.after])).toEqual([
      [true, good],
      [false, 'rule r "R" when xx >= 42.5 and y >= 5'],
    ]);
    expect(t.attempts[1].reason).toMatch(/^invalid: 1:17: Unknown name `xx`/);
  });

  it('reports a rule still invalid after the repair round, and records it', async () => {
    const { res, t } = await run([toolAnswer(['rule q when x > 1']), toolAnswer(['rule r when x > '])]);
    expect(res.accepted).toBe(0);
    expect(t.attempts.map((a) => [a.accepted, a.after])).toEqual([
      [false, 'rule q when x > 1'],
      [false, 'rule r when x >'],
    ]);
    expect(t.attempts[0].reason).toBe('invalid: The rule must keep its name `r`, not `q`.');
    expect(t.attempts[1].reason).toMatch(/^invalid: 1:\d+: Expected/);
  });

  it('gives a clear message for malformed tool input', async () => {
    const { res, t } = await run([toolAnswer('not a list'), toolAnswer([1, 2])]);
    expect(res.errors).toEqual(["The model's answer could not be used: The tool input did not match its schema: `rules` must be a list of strings, each one ARL rule declaration."]);
    expect(res.changed).toBe(false);
    expect(t.attempts).toHaveLength(1);
    expect(t.attempts[0]).toMatchObject({ accepted: false, after: t.attempts[0].before });
    expect(t.attempts[0].reason).toMatch(/^error: The model's answer could not be used/);
  });

  it('gives a clear message when the model does not call the tool', async () => {
    const { res } = await run([textAnswer('Here are some ideas.'), textAnswer('Still thinking.')]);
    expect(res.errors[0]).toMatch(/did not call the `propose_rules` tool/);
    expect(fake.received[1].body.messages[2]).toEqual({ role: 'user', content: 'The answer did not call the `propose_rules` tool. Answer by calling it.' });
  });

  it('reports a rate limit with its retry-after', async () => {
    const { res, t } = await run([{ kind: 'error', status: 429, type: 'rate_limit_error', message: 'slow down', headers: { 'retry-after': '7' } }]);
    expect(res.errors).toEqual(['Rate limited by the API (429): try again in about 7 seconds.']);
    expect(t.attempts[0].reason).toBe('error: Rate limited by the API (429): try again in about 7 seconds.');
  });

  it('waits for retry-after and retries when retries are allowed', async () => {
    const { res } = await run([{ kind: 'error', status: 429, type: 'rate_limit_error', message: 'slow down', headers: { 'retry-after': '0.05' } }, toolAnswer([good])], { maxRetries: 1 });
    expect(fake.received).toHaveLength(2);
    expect(res.errors).toEqual([]);
    expect(res.accepted).toBe(1);
  });

  it('ends at once on a retry-after beyond the cap, saying when to try again, and records the attempt', async () => {
    // Retries allowed, the default cap (60 s): an hour is not waited for.
    const { res, t } = await run([{ kind: 'error', status: 429, type: 'rate_limit_error', message: 'slow down', headers: { 'retry-after': '3600' } }], { maxRetries: 2 });
    expect(fake.received).toHaveLength(1);
    expect(res.errors).toEqual(['Rate limited by the API (429): try again in about an hour.']);
    expect(t.attempts.map((a) => [a.accepted, a.reason])).toEqual([[false, 'error: Rate limited by the API (429): try again in about an hour.']]);
  });

  it('does not start a wait for retry-after that would end past the deadline', async () => {
    const { res } = await run([{ kind: 'error', status: 429, type: 'rate_limit_error', message: 'slow down', headers: { 'retry-after': '30' } }], { maxRetries: 2, timeout: 2000 });
    expect(fake.received).toHaveLength(1);
    expect(res.errors).toEqual(['Rate limited by the API (429): try again in about 30 seconds.']);
  });

  it('retries server errors with back-off, up to maxRetries', async () => {
    const err = { kind: 'error' as const, status: 500, type: 'api_error', message: 'Internal server error' };
    const ok = await run([err, err, toolAnswer([good])], { maxRetries: 2, backoff: 1 });
    expect(fake.received).toHaveLength(3);
    expect(ok.res.errors).toEqual([]);
    expect(ok.res.accepted).toBe(1);
    const gaveUp = await run([err, err, err, err], { maxRetries: 2, backoff: 1 });
    expect(fake.received).toHaveLength(6);
    expect(gaveUp.res.errors).toEqual(['The API failed (500): Internal server error. Try again later.']);
  });

  it('ends a server that never answers within the stated time, retries included', async () => {
    const { res, t } = await run([{ kind: 'hang' }, { kind: 'hang' }, { kind: 'hang' }], { timeout: 300, maxRetries: 5, backoff: 1 });
    // The first request had the whole budget; no retry started after it.
    expect(fake.received).toHaveLength(1);
    expect(res.errors).toEqual(['The model did not answer in time (0.3 s). Try again, or allow more time.']);
    expect(res.durationMs).toBeGreaterThanOrEqual(300);
    expect(t.attempts[0].reason).toMatch(/^error: The model did not answer in time \(0\.3 s\)/);
  });

  it('ends an answer whose body never comes, at the stated time', async () => {
    const { res } = await run([{ kind: 'stall' }], { timeout: 300 });
    expect(fake.received).toHaveLength(1);
    expect(res.errors).toEqual(['The model did not answer in time (0.3 s). Try again, or allow more time.']);
  });

  it('reports a server error', async () => {
    const { res, t } = await run([{ kind: 'error', status: 500, type: 'api_error', message: 'Internal server error' }]);
    expect(res.errors).toEqual(['The API failed (500): Internal server error. Try again later.']);
    expect(t.attempts).toHaveLength(1);
  });

  it('reports a time-out', async () => {
    const { res, t } = await run([{ kind: 'hang' }], { timeout: 300 });
    expect(res.errors).toEqual(['The model did not answer in time (0.3 s). Try again, or allow more time.']);
    expect(t.attempts[0].reason).toMatch(/^error: The model did not answer in time/);
  });

  it('stops when cancelled mid-request, keeping the trajectory', async () => {
    const controller = new AbortController();
    void fake.waitForRequests(1).then(() => controller.abort());
    const { res, t } = await run([{ kind: 'hang' }], {}, 3, controller.signal);
    expect(res.cancelled).toBe(true);
    expect(res.errors).toEqual(['The request to the model was cancelled.']);
    expect(res.runs[0].stoppedBy).toBe('cancelled');
    expect(fake.received).toHaveLength(1);
    expect(t.attempts.map((a) => a.reason)).toEqual(['error: The request to the model was cancelled.']);
  });

  it('sends the request again without temperature when the model no longer takes it', async () => {
    const s = syntheticDir('rule r "R" when x >= 35 and y >= 5');
    const { ctx } = await syntheticContext(s);
    fake.script({ kind: 'error', status: 400, type: 'invalid_request_error', message: '`temperature` is deprecated for this model.' }, toolAnswer([good]));
    const res = await proposeWithLlm(ctx, 'r', llm());
    expect(res.error).toBeUndefined();
    expect(fake.received.map((r) => r.body.temperature)).toEqual([0, undefined]);
    expect(res.proposals).toHaveLength(1);
  });

  it('drafts rules from the statistics and the labellers\' reasons', async () => {
    const s = syntheticDir('rule r when x >= 59 and y >= 9');
    const { ctx } = await syntheticContext(s);
    fake.script(toolAnswer(['rule hot "Hot" when x >= 42.5 and y >= 5', 'rule r when x > 1', 'rule wide when x >= 0']), toolAnswer([]));
    const res = await draftWithLlm(ctx, { ...llm(), count: 3 });
    const user = fake.received[0].body.messages[0].content as string;
    expect(user).toContain('# Draft anomaly rules from labelled data');
    expect(user).toContain('## Why the labellers called points anomalies');
    expect(user).toMatch(/- x at [\d.]+ with y at [\d.]+/);
    expect(user).toContain('| `zscore(x, 11)` | anomalies |');
    expect(user).toContain('(not `r`)');
    // The clash goes back once; the second answer has nothing new.
    expect(fake.received).toHaveLength(2);
    expect(res.error).toBeUndefined();
    expect(res.rules.map((r) => r.name)).toEqual(['hot']);
    expect(res.rejected.map((r) => r.reason)).toEqual([
      'invalid: The file already has a declaration named `r`: choose a new name.',
      expect.stringMatching(/^too small a gain: train point F1 1\.000 -> 0\.\d{3}, 0\.006 more complex: -0\.\d{3} < 0\.002$/),
    ]);
    expect(res.appended).toBe('\n# Drafted from the labelled data by test-model; refine with `arl learn`.\nrule hot "Hot" when x >= 42.5 and y >= 5\n');
    expect(res.after.train.f1).toBe(1);
  });
});
