// The LLM proposer, through Anthropic's Messages API. The model answers by calling the
// `propose_rules` tool; its rules are ARL text, read and checked like a person's edit (one repair
// round with the checker's messages), then scored like any other candidate. Nothing it writes is
// run. Failures (rate limits, server errors, time-outs, cancellation, odd answers) come back as
// messages, never as exceptions. The API key is never logged or recorded. Retries are ARL's
// (retry.ts): the whole exchange ends within `timeout`, and a long retry-after ends it at once.
import type Anthropic from '@anthropic-ai/sdk';
import { anthropic, loadedSdk } from './sdk';
import { evaluate, type Evaluation, type RefineContext } from './context';
import { checkRuleText, short } from './edit';
import { byMerit, isProposal, judge, type Proposal, type Rejected } from './proposal';
import { readSdkWarning, type LlmWarning } from './models';
import { buildRefinePrompt, type LlmPrompt } from './prompt';
import { DeadlineError, humanWait, retryAfterMs, withRetries } from './retry';
import type { ProposeResult } from './offline';
import type { Attempt } from './trajectory';

export interface LlmOptions {
  apiKey: string;
  /** Another endpoint (a proxy, a test server); ANTHROPIC_BASE_URL is read when absent. */
  baseURL?: string;
  model: string;
  signal?: AbortSignal;
  /** Retries of rate-limited and failed requests (default 2), with jittered back-off. */
  maxRetries?: number;
  /**
   * The longest the whole exchange may take, in ms, retries and the repair round included
   * (default 120000): each request gets the time left, and the exchange ends then.
   */
  timeout?: number;
  /** The longest retry-after honoured, in ms (default 60000); a longer one ends the exchange at once. */
  maxRetryAfter?: number;
  /** The first back-off between retries, in ms (default 500), doubled at each retry. */
  backoff?: number;
  /** Longest answer, in tokens (default 4096). */
  maxTokens?: number;
  /**
   * Sampling temperature (default 0, for repeatable answers; null: not sent). Models that no longer
   * take the setting answer 400; the request is then sent again without it.
   */
  temperature?: number | null;
  /**
   * Called with what the SDK warns about (a deprecated model, ...) instead of letting it print to
   * the console; each front end says it in its own words.
   */
  onWarning?: (w: LlmWarning) => void;
}

export type LlmErrorCode =
  | 'rate-limited'
  | 'overloaded'
  | 'server'
  | 'timeout'
  | 'cancelled'
  | 'auth'
  | 'bad-request'
  | 'connection'
  | 'malformed'
  | 'no-tool-call'
  | 'error';

export interface LlmFailure {
  code: LlmErrorCode;
  message: string;
  /** Seconds to wait, when the API said so. */
  retryAfter?: number;
}

export interface Tokens {
  input: number;
  output: number;
}

export interface RulesAnswer {
  rationale: string;
  /** Rules that passed `validate`, in the order given. */
  valid: string[];
  /** Rules that were not valid (in either round), with the checker's messages. */
  invalid: { text: string; errors: string[] }[];
  tokens: Tokens;
  /** Requests made (1, or 2 with a repair round). */
  rounds: number;
  durationMs: number;
  error?: LlmFailure;
}

/** Reads an API error as a message for people. */
export function describeLlmError(e: unknown, timeoutMs?: number): LlmFailure {
  // Without the SDK read, no error is one of its errors.
  const Anthropic = loadedSdk();
  if (Anthropic && e instanceof Anthropic.APIUserAbortError) return { code: 'cancelled', message: 'The request to the model was cancelled.' };
  if (e instanceof DeadlineError || (Anthropic && e instanceof Anthropic.APIConnectionTimeoutError)) {
    const ms = e instanceof DeadlineError ? e.ms : timeoutMs;
    return { code: 'timeout', message: `The model did not answer in time${ms ? ` (${Number((ms / 1000).toFixed(1))} s)` : ''}. Try again, or allow more time.` };
  }
  if (Anthropic && e instanceof Anthropic.APIConnectionError) return { code: 'connection', message: `Cannot reach the model's API: ${e.message}. Check the network and ANTHROPIC_BASE_URL.` };
  if (Anthropic && e instanceof Anthropic.APIError) {
    const detail = e.apiMessage ?? e.message;
    const status = e.status;
    if (status === 429) {
      const ms = retryAfterMs(e.headers);
      const retryAfter = ms === undefined ? undefined : ms / 1000;
      return { code: 'rate-limited', retryAfter, message: `Rate limited by the API (429): try again ${ms === undefined ? 'later' : `in ${humanWait(ms)}`}.` };
    }
    if (status === 401 || status === 403) return { code: 'auth', message: `The API refused the key (${status}): ${detail}. Check ANTHROPIC_API_KEY.` };
    if (status === 529) return { code: 'overloaded', message: `The API is overloaded (529). Try again later.` };
    if (status !== undefined && status >= 500) return { code: 'server', message: `The API failed (${status}): ${detail}. Try again later.` };
    if (status === 404) return { code: 'bad-request', message: `The API does not know this model or endpoint (404): ${detail}. Check --model.` };
    return { code: 'bad-request', message: `The API rejected the request (${status ?? 'no status'}): ${detail}.` };
  }
  return { code: 'error', message: `The request to the model failed: ${(e as Error)?.message ?? String(e)}.` };
}

/** The SDK's own log lines (warnings and errors) go to `onWarning`; nothing reaches the console. */
export function sdkLogger(onWarning: LlmOptions['onWarning']) {
  const say = (...args: unknown[]) => onWarning?.(readSdkWarning(args.map(String).join(' ')));
  const quiet = () => undefined;
  return { error: say, warn: say, info: quiet, debug: quiet };
}

/**
 * Runs `send` with console.warn taken over: the SDK prints its deprecation notices with
 * console.warn, synchronously, before the request leaves; they go to `onWarning` instead.
 */
export function withSdkWarnings<T>(send: () => T, onWarning: LlmOptions['onWarning']): T {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => onWarning?.(readSdkWarning(args.map(String).join(' ')));
  try {
    return send();
  } finally {
    console.warn = warn;
  }
}

type Block = Anthropic.ContentBlock;

/** The tool call's input, if the answer has a well-formed one. */
function readToolAnswer(content: Block[]): { ok: true; id: string; rationale: string; rules: string[] } | { ok: false; id?: string; why: string; code: LlmErrorCode } {
  const call = content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use' && b.name === 'propose_rules');
  if (!call) return { ok: false, code: 'no-tool-call', why: 'The answer did not call the `propose_rules` tool. Answer by calling it.' };
  const input = call.input as { rationale?: unknown; rules?: unknown } | null;
  const rules = input?.rules;
  if (!Array.isArray(rules) || !rules.every((r) => typeof r === 'string')) {
    return { ok: false, id: call.id, code: 'malformed', why: 'The tool input did not match its schema: `rules` must be a list of strings, each one ARL rule declaration.' };
  }
  return { ok: true, id: call.id, rationale: typeof input?.rationale === 'string' ? input.rationale : '', rules };
}

/** Code fences around a rule are taken off; anything else is left for the checker to judge. */
function unfence(s: string): string {
  const m = /^\s*```[a-zA-Z]*\s*\n([\s\S]*?)\n\s*```\s*$/.exec(s);
  return (m ? m[1] : s).trim();
}

function echo(content: Block[]): Anthropic.ContentBlockParam[] {
  return content.flatMap((b): Anthropic.ContentBlockParam[] =>
    b.type === 'text' ? [{ type: 'text', text: b.text }] : b.type === 'tool_use' ? [{ type: 'tool_use', id: b.id, name: b.name, input: b.input }] : [],
  );
}

/**
 * Sends tool requests for `opts.model` within `opts.timeout` (one deadline for all of them; the SDK
 * does not retry: withRetries does, within the deadline). A model that refuses `temperature` is
 * asked again without it, and not given it after.
 */
export function toolRequests(opts: LlmOptions, maxTokens: number): (params: Omit<Anthropic.MessageCreateParamsNonStreaming, 'model' | 'max_tokens'>) => Promise<Anthropic.Message> {
  const timeout = opts.timeout ?? 120000;
  const policy = { maxRetries: opts.maxRetries ?? 2, maxRetryAfterMs: opts.maxRetryAfter ?? 60000, backoffMs: opts.backoff ?? 500, deadline: performance.now() + timeout, signal: opts.signal };
  // Made at the first request (the SDK is read then).
  let client: Promise<Anthropic> | undefined;
  let temperature = opts.temperature === undefined ? 0 : opts.temperature;
  const once = async (params: Omit<Anthropic.MessageCreateParamsNonStreaming, 'model' | 'max_tokens'>) => {
    const full: Anthropic.MessageCreateParamsNonStreaming = { model: opts.model, max_tokens: opts.maxTokens ?? maxTokens, ...params };
    // Not in the SDK's types any more, still taken by the models that have it.
    const body = temperature === null ? full : ({ ...full, temperature } as Anthropic.MessageCreateParamsNonStreaming);
    const c = await (client ??= anthropic().then((Sdk) => new Sdk({ apiKey: opts.apiKey, baseURL: opts.baseURL, maxRetries: 0, timeout, logger: sdkLogger(opts.onWarning) })));
    return withRetries((signal, left) => withSdkWarnings(() => c.messages.create(body, { signal, timeout: left }), opts.onWarning), policy, timeout);
  };
  return async (params) => {
    try {
      return await once(params);
    } catch (e) {
      const Sdk = loadedSdk();
      if (!(temperature !== null && Sdk && e instanceof Sdk.BadRequestError && /temperature/i.test(e.message))) throw e;
      temperature = null;
      return once(params);
    }
  };
}

/**
 * Sends the prompt and reads the rules from the tool call. `validate` returns the checker's messages
 * for a rule text (empty when it is valid). Invalid rules, a malformed answer or a missing tool call
 * go back once with what was wrong.
 */
export async function askForRules(prompt: LlmPrompt, opts: LlmOptions, validate: (text: string) => string[]): Promise<RulesAnswer> {
  const t0 = performance.now();
  const out: RulesAnswer = { rationale: '', valid: [], invalid: [], tokens: { input: 0, output: 0 }, rounds: 0, durationMs: 0 };
  const done = (error?: LlmFailure) => ({ ...out, error, durationMs: performance.now() - t0 });
  if (opts.signal?.aborted) return done({ code: 'cancelled', message: 'The request to the model was cancelled.' });
  const timeout = opts.timeout ?? 120000;
  const messages: Anthropic.MessageParam[] = [{ role: 'user', content: prompt.user }];
  const request = toolRequests(opts, 4096);
  for (let round = 0; round < 2; round++) {
    let res: Anthropic.Message;
    try {
      res = await request({ system: prompt.system, messages, tools: [prompt.tool], tool_choice: { type: 'tool', name: prompt.tool.name } });
    } catch (e) {
      return done(describeLlmError(e, timeout));
    }
    out.rounds++;
    out.tokens.input += res.usage?.input_tokens ?? 0;
    out.tokens.output += res.usage?.output_tokens ?? 0;
    const answer = readToolAnswer(res.content ?? []);
    let feedback: string;
    let toolId: string | undefined;
    if (!answer.ok) {
      if (round === 1) return done({ code: answer.code, message: `The model's answer could not be used: ${answer.why}` });
      feedback = answer.why;
      toolId = answer.id;
    } else {
      out.rationale ||= answer.rationale;
      const wrong: { text: string; errors: string[] }[] = [];
      for (const raw of answer.rules) {
        const text = unfence(raw);
        const errors = validate(text);
        if (errors.length) wrong.push({ text, errors });
        else if (!out.valid.includes(text)) out.valid.push(text);
      }
      out.invalid.push(...wrong);
      if (!wrong.length || round === 1) return done();
      toolId = answer.id;
      feedback = [
        'These rules are not valid ARL here; send corrected versions (the valid ones are kept):',
        ...wrong.map((w) => `\n${w.text}\n${w.errors.map((e) => `  - ${e}`).join('\n')}`),
      ].join('\n');
    }
    messages.push({ role: 'assistant', content: echo(res.content ?? []) });
    messages.push({
      role: 'user',
      content: toolId ? [{ type: 'tool_result', tool_use_id: toolId, is_error: true, content: feedback }] : feedback,
    });
  }
  return done();
}

export interface LlmProposeOptions extends LlmOptions {
  /** Earlier attempts (from the trajectory): shown to the model so it does not repeat them. */
  history?: Attempt[];
  /** How many versions to ask for (default 3). */
  count?: number;
  /** Largest train-validation gap a proposal may leave (default: no limit). */
  maxGap?: number;
  /** Least gain on train, with the complexity cost (default 0.002). */
  minGain?: number;
  ev?: Evaluation;
}

export interface LlmProposeResult extends ProposeResult {
  rationale: string;
  tokens: Tokens;
  durationMs: number;
  /** Set when the exchange failed; proposals are then empty. */
  error?: LlmFailure;
}

/** Asks the model for better versions of rule `name`, and scores them like offline candidates. */
export async function proposeWithLlm(ctx: RefineContext, name: string, opts: LlmProposeOptions): Promise<LlmProposeResult> {
  const base = opts.ev ?? evaluate(ctx, ctx.text);
  const prompt = buildRefinePrompt(ctx, name, { ev: base, history: opts.history, count: opts.count });
  const answer = await askForRules(prompt, opts, (text) => {
    const c = checkRuleText(ctx, base, name, text);
    return c.ok ? [] : c.errors;
  });
  const proposals: Proposal[] = [];
  const rejected: Rejected[] = answer.invalid.map((w) => ({ rule: name, kind: 'llm', title: 'LLM proposal', ruleText: w.text, reason: `invalid: ${w.errors.join(' ')}`, errors: w.errors }));
  for (const text of answer.valid) {
    const cond = text.replace(/^[\s\S]*?\bwhen\b/, '').replace(/\s+/g, ' ').trim();
    const r = judge(ctx, base, name, { kind: 'llm', title: `LLM: ${short(cond, 50)}`, ruleText: text }, { maxGap: opts.maxGap, minGain: opts.minGain });
    if (isProposal(r)) proposals.push(r);
    else rejected.push(r);
  }
  proposals.sort(byMerit);
  return {
    rule: name,
    before: base.split(),
    proposals,
    rejected,
    tried: answer.valid.length + answer.invalid.length,
    cancelled: answer.error?.code === 'cancelled',
    rationale: answer.rationale,
    tokens: answer.tokens,
    durationMs: answer.durationMs,
    error: answer.error,
  };
}
