// Categories from an LLM: the rules and how they fire go out, a taxonomy comes back through the
// `propose_categories` tool; it is read as data (validateCategories), never run, and applied only
// to rule headers (applyCategories).
import type Anthropic from '@anthropic-ai/sdk';
import { anthropic } from './sdk';
import type { Analysis } from '../engine/analyze';
import { firingStats, validateCategories, type CategoryProposal } from './categories';
import { describeLlmError, sdkLogger, withSdkWarnings, type LlmFailure, type LlmOptions, type Tokens } from './llm';
import { withRetries } from './retry';

export const categoriesTool: Anthropic.Tool = {
  name: 'propose_categories',
  description: 'Give every rule a title, a one-line description and optionally a parent group, as a taxonomy of the anomalies the rules detect.',
  input_schema: {
    type: 'object',
    properties: {
      categories: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            rule: { type: 'string', description: 'the rule name, exactly as in the file' },
            title: { type: 'string', description: 'a short title in business words, at most 80 characters' },
            description: { type: 'string', description: 'one line: what kind of anomaly the rule flags' },
            group: { type: 'string', description: 'optional parent group shared by related rules' },
          },
          required: ['rule', 'title', 'description'],
        },
      },
    },
    required: ['categories'],
  },
};

export interface CategoriesPrompt {
  system: string;
  user: string;
}

export function buildCategoriesPrompt(a: Analysis, context: string): CategoriesPrompt {
  const stats = firingStats(a);
  const lines = stats.map(
    (s) =>
      `- rule \`${s.rule}\`${s.title ? ` (now titled "${s.title}")` : ''}, severity ${s.severity}: ${s.condition}\n  fires on ${s.fires.train} train, ${s.fires.validation} validation, ${s.fires.test} test points; on labelled train points ${s.trainTp} anomalies and ${s.trainFp} normal`,
  );
  return {
    system:
      'You name anomaly-detection rules for the analysts who receive their alerts. Read each rule and how it fires, find the detection principle (thresholds, ratios, changes against history, trends), and give a taxonomy: a title in business words, one line saying what kind of anomaly it flags, and a parent group shared by related rules. Do not change or restate the rules. Answer by calling the `propose_categories` tool.',
    user: [context ? `Business context:\n${context}\n` : '', `The rules:\n${lines.join('\n')}`].join('\n'),
  };
}

export interface CategoriesAnswer {
  proposals: CategoryProposal[];
  problems: string[];
  tokens: Tokens;
  error?: LlmFailure;
}

export async function askCategories(a: Analysis, context: string, opts: LlmOptions): Promise<CategoriesAnswer> {
  const tokens: Tokens = { input: 0, output: 0 };
  const prompt = buildCategoriesPrompt(a, context);
  const timeout = opts.timeout ?? 120000;
  const policy = { maxRetries: opts.maxRetries ?? 2, maxRetryAfterMs: opts.maxRetryAfter ?? 60000, backoffMs: opts.backoff ?? 500, deadline: performance.now() + timeout, signal: opts.signal };
  const Sdk = await anthropic();
  const client = new Sdk({ apiKey: opts.apiKey, baseURL: opts.baseURL, maxRetries: 0, timeout, logger: sdkLogger(opts.onWarning) });
  const body: Anthropic.MessageCreateParamsNonStreaming = {
    model: opts.model,
    max_tokens: opts.maxTokens ?? 2048,
    system: prompt.system,
    messages: [{ role: 'user', content: prompt.user }],
    tools: [categoriesTool],
    tool_choice: { type: 'tool', name: categoriesTool.name },
  };
  let res: Anthropic.Message;
  try {
    res = await withRetries((signal, left) => withSdkWarnings(() => client.messages.create(body, { signal, timeout: left }), opts.onWarning), policy, timeout);
  } catch (e) {
    return { proposals: [], problems: [], tokens, error: describeLlmError(e, timeout) };
  }
  tokens.input += res.usage?.input_tokens ?? 0;
  tokens.output += res.usage?.output_tokens ?? 0;
  const call = (res.content ?? []).find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use' && b.name === categoriesTool.name);
  if (!call) return { proposals: [], problems: [], tokens, error: { code: 'no-tool-call', message: "The model's answer could not be used: it did not call the `propose_categories` tool." } };
  const { ok, problems } = validateCategories((call.input as { categories?: unknown } | null)?.categories, a.program.rules.map((r) => r.name));
  return { proposals: ok, problems, tokens };
}
