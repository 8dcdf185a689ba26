// The default model and the model list follow the installed SDK: the next end of life of the
// default fails here, in CI, before it reaches users.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { askForRules } from '../../server/src/refine/llm';
import { defaultModel, describeWarning, knownModels, readSdkWarning, type LlmWarning } from '../../server/src/refine/models';
import type { LlmPrompt } from '../../server/src/refine/prompt';
import { startFakeAnthropic, toolAnswer, type FakeAnthropic } from '../support/fake-anthropic';

const require = createRequire(import.meta.url);
const sdkDir = dirname(require.resolve('@anthropic-ai/sdk'));
/** The SDK's own deprecation table (not exported, so read from its file). */
const deprecated: Record<string, string> = require(join(sdkDir, 'internal/data/deprecated-models.js')).DEPRECATED_MODELS;
/** The SDK's model list: the `Model` type of the Messages API. */
function sdkModels(): string[] {
  const d = readFileSync(join(sdkDir, 'resources/messages/messages.d.ts'), 'utf8');
  const union = /export type Model = ([^;]+);/.exec(d);
  if (!union) throw new Error('the SDK no longer declares `type Model`');
  return [...union[1].matchAll(/'([^']+)'/g)].map((m) => m[1]);
}
const manifest = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8'));
const modelSetting = manifest.contributes.configuration.properties['arl.llm.model'];

describe('the default model', () => {
  it('is a current model of the installed SDK, not one it deprecates', () => {
    expect(Object.keys(deprecated).length).toBeGreaterThan(0);
    expect(sdkModels()).toContain(defaultModel);
    expect(deprecated[defaultModel], `${defaultModel} reaches end of life on ${deprecated[defaultModel]}: choose a newer default in server/src/refine/models.ts`).toBeUndefined();
  });

  it('is the one default of the setting, and the setting offers the SDK current models', () => {
    expect(modelSetting.default).toBe(defaultModel);
    expect(modelSetting.type).toBe('string');
    expect(modelSetting.enum).toBeUndefined(); // any model name stays accepted
    const current = sdkModels().filter((m) => !(m in deprecated));
    expect([...knownModels].sort()).toEqual([...current].sort());
    expect(modelSetting.examples).toEqual([...knownModels]);
    expect(knownModels[0]).toBe(defaultModel);
  });
});

describe('SDK warnings', () => {
  let fake: FakeAnthropic;
  beforeAll(async () => {
    fake = await startFakeAnthropic();
  });
  afterAll(async () => {
    await fake.close();
  });

  const prompt: LlmPrompt = {
    system: 'system',
    user: 'user',
    tool: { name: 'propose_rules', description: 'd', input_schema: { type: 'object', properties: {} } },
  } as LlmPrompt;

  it('reach onWarning, not the console, with the model and its end of life', async () => {
    const spy = vi.spyOn(console, 'warn');
    const seen: LlmWarning[] = [];
    const old = Object.keys(deprecated).find((m) => sdkModels().includes(m))!;
    fake.script(toolAnswer(['rule r when x > 1']));
    const r = await askForRules(prompt, { apiKey: 'sk-test', baseURL: fake.url, model: old, onWarning: (w) => seen.push(w) }, () => []);
    expect(r.error).toBeUndefined();
    expect(seen).toEqual([{ kind: 'deprecated-model', model: old, endOfLife: deprecated[old] }]);
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
    expect(describeWarning(seen[0], '--model')).toBe(`the model ${old} is deprecated and reaches end of life on ${deprecated[old]}: choose a current model with --model (the default is ${defaultModel}).`);
  });

  it('are quiet for the default model', async () => {
    const seen: LlmWarning[] = [];
    fake.script(toolAnswer(['rule r when x > 1']));
    await askForRules(prompt, { apiKey: 'sk-test', baseURL: fake.url, model: defaultModel, onWarning: (w) => seen.push(w) }, () => []);
    expect(seen).toEqual([]);
  });

  it('read other SDK messages as they are, in one line', () => {
    expect(readSdkWarning('Something\n  odd happened')).toEqual({ kind: 'sdk', message: 'Something odd happened' });
  });
});
