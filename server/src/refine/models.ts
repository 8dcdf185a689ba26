// The Anthropic models ARL knows: the one default (read by the CLI, the server and the extension's
// setting) and the list offered when choosing. A test keeps both in step with the installed SDK:
// the list is the SDK's model list without the models it marks deprecated.

export const defaultModel = 'claude-sonnet-5-5';

/** Whether a base URL is Anthropic's own API (any other gets a notice: the key goes there). */
export function isDefaultBaseUrl(url: string | undefined): boolean {
  return !url || url.replace(/\/+$/, '') === 'https://api.anthropic.com';
}

/** Current models of the installed @anthropic-ai/sdk, newest families first. */
export const knownModels: readonly string[] = [
  'claude-sonnet-5-5',
  'claude-opus-5-5',
  'claude-haiku-5-5',
  'claude-fable-5-2',
  'claude-mythos-5-2',
  'claude-fable-5-1',
  'claude-mythos-5-1',
  'claude-sonnet-5',
  'claude-opus-5',
  'claude-fable-5',
  'claude-mythos-5',
  'claude-opus-4-8',
  'claude-opus-4-7',
  'claude-opus-4-6',
  'claude-sonnet-4-6',
  'claude-haiku-4-5',
  'claude-haiku-4-5-20251001',
];

/** Something the SDK warned about while sending a request. */
export type LlmWarning =
  | { kind: 'deprecated-model'; model: string; endOfLife: string }
  | { kind: 'sdk'; message: string };

const deprecation = /The model '([^']+)' is deprecated and will reach end-of-life on ([^\n]+?)\.?\s*(?:\n|$)/;

/** Reads one of the SDK's console warnings. */
export function readSdkWarning(text: string): LlmWarning {
  const m = deprecation.exec(text);
  if (m) return { kind: 'deprecated-model', model: m[1], endOfLife: m[2].trim() };
  return { kind: 'sdk', message: text.replace(/\s+/g, ' ').trim().slice(0, 300) };
}

/**
 * One line for people; `setting` names where the model is chosen (`--model`, or the editor's
 * `arl.llm.model` setting).
 */
export function describeWarning(w: LlmWarning, setting: string): string {
  if (w.kind === 'sdk') return `the Anthropic SDK warns: ${w.message}`;
  const next = w.model === defaultModel ? '' : ` (the default is ${defaultModel})`;
  return `the model ${w.model} is deprecated and reaches end of life on ${w.endOfLife}: choose a current model with ${setting}${next}.`;
}

/** A stable key, to say each warning once. */
export function warningKey(w: LlmWarning): string {
  return w.kind === 'sdk' ? `sdk:${w.message}` : `deprecated:${w.model}`;
}
