// One vote: the labelling prompt sent to one model through the Messages API, the answer read from
// the `label_point` tool call. The client, deadline, retries and warnings are the refinement's
// (refine/llm.ts, refine/retry.ts). Failures come back as messages, never as exceptions.
import type Anthropic from '@anthropic-ai/sdk';
import { loadedSdk } from '../refine/sdk';
import { describeLlmError, toolRequests, type LlmErrorCode, type LlmFailure, type LlmOptions, type Tokens } from '../refine/llm';
import { labelContent, type LabelPrompt } from './prompt';

export interface Vote {
  anomalous: boolean;
  reason: string;
  /** The anomaly's start and end times, as the model wrote them (when it gave them). */
  start?: string;
  end?: string;
}

export type VoteFailureCode = LlmErrorCode | 'refused' | 'image';

export interface VoteResult {
  vote?: Vote;
  error?: Omit<LlmFailure, 'code'> & { code: VoteFailureCode };
  tokens: Tokens;
}

/** The tool input as a vote, or why it is not one. */
export function readVote(content: Anthropic.ContentBlock[]): { vote: Vote } | { code: VoteFailureCode; why: string } {
  const call = content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use' && b.name === 'label_point');
  if (!call) return { code: 'no-tool-call', why: 'the answer did not call the `label_point` tool' };
  const input = call.input as { anomalous?: unknown; reason?: unknown; where?: { start?: unknown; end?: unknown } } | null;
  if (typeof input?.anomalous !== 'boolean') return { code: 'malformed', why: '`anomalous` must be true or false' };
  const text = (v: unknown, max: number) => (typeof v === 'string' ? v.replace(/\s+/g, ' ').trim().slice(0, max) : undefined);
  const vote: Vote = { anomalous: input.anomalous, reason: text(input.reason, 500) ?? '' };
  const start = text(input.where?.start, 40);
  const end = text(input.where?.end, 40);
  if (input.anomalous && start) {
    vote.start = start;
    if (end && end !== start) vote.end = end;
  }
  return { vote };
}

export async function askVote(prompt: LabelPrompt, opts: LlmOptions): Promise<VoteResult> {
  const tokens: Tokens = { input: 0, output: 0 };
  if (opts.signal?.aborted) return { tokens, error: { code: 'cancelled', message: 'The request to the model was cancelled.' } };
  const timeout = opts.timeout ?? 120000;
  const request = toolRequests(opts, 1024);
  let res: Anthropic.Message;
  try {
    res = await request({ system: prompt.system, messages: [{ role: 'user', content: labelContent(prompt) }], tools: [prompt.tool], tool_choice: { type: 'tool', name: prompt.tool.name } });
  } catch (e) {
    const Sdk = loadedSdk();
    if (Sdk && e instanceof Sdk.BadRequestError && /image/i.test(e.message)) {
      return { tokens, error: { code: 'image', message: `The model could not read the plot: ${e.apiMessage ?? e.message}. Check the series has values to draw.` } };
    }
    return { tokens, error: describeLlmError(e, timeout) };
  }
  tokens.input += res.usage?.input_tokens ?? 0;
  tokens.output += res.usage?.output_tokens ?? 0;
  if ((res.stop_reason as string) === 'refusal') {
    return { tokens, error: { code: 'refused', message: 'The model declined to label this point (a refusal). It goes to review.' } };
  }
  const read = readVote(res.content ?? []);
  if ('vote' in read) return { tokens, vote: read.vote };
  return { tokens, error: { code: read.code, message: `The model's answer could not be used: ${read.why}.` } };
}
