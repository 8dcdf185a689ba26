// A proposal is re-read in the whole file after the edit: one that would change or remove another
// declaration (a trailing `#` comment swallowing the next declaration on its line) is refused.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { evaluate } from '../../server/src/refine/context';
import { checkAddedRule, otherDeclarationsKept } from '../../server/src/refine/edit';
import { proposeWithLlm } from '../../server/src/refine/llm';
import { isProposal, judge } from '../../server/src/refine/proposal';
import { startFakeAnthropic, toolAnswer, type FakeAnthropic } from '../support/fake-anthropic';
import { syntheticContext, syntheticDir } from './synthetic';

// Two declarations on one line: legal ARL, and the case a trailing comment breaks.
const rules = 'rule r "R" when x >= 35 and y >= 5 exclude quiet when y < 0.5';

describe('proposals keep the rest of the file', () => {
  it('refuses a rule ending in a comment that would swallow the next declaration on its line', async () => {
    const s = syntheticDir(rules);
    const { ctx } = await syntheticContext(s);
    const base = evaluate(ctx, ctx.text);
    expect(base.parse.file.excludes.map((e) => e.name?.name)).toEqual(['quiet']);
    const r = judge(ctx, base, 'r', { kind: 'llm', title: 'LLM', ruleText: 'rule r "R" when x >= 42.5 and y >= 5 # tighter' });
    expect(isProposal(r)).toBe(false);
    expect(r).toMatchObject({ reason: expect.stringContaining('It would change or remove `exclude quiet`, elsewhere in the file') });
    // Without the comment the same rule is offered, and the exclude is still there.
    const ok = judge(ctx, base, 'r', { kind: 'llm', title: 'LLM', ruleText: 'rule r "R" when x >= 42.5 and y >= 5' });
    expect(isProposal(ok)).toBe(true);
    if (isProposal(ok)) expect(ok.text).toContain('exclude quiet when y < 0.5');
  });

  it('compares declaration texts, not counts', () => {
    const before = 'let a = x\nrule r when a > 1\nrule s when y > 2\n';
    // Same number of declarations, but `s` became another rule.
    const at = before.indexOf('rule r');
    expect(otherDeclarationsKept(before, 'let a = x\nrule r when a > 2\nrule s when y > 3\n', at, 'rule r when a > 2', at)).toEqual([
      'It would change or remove `rule s`, elsewhere in the file: leave the rest of the file as it is (a trailing `#` comment hides what follows it on its line).',
    ]);
    expect(otherDeclarationsKept(before, 'let a = x\nrule r when a > 2\nrule s when y > 2\n', at, 'rule r when a > 2', at)).toEqual([]);
  });

  it('takes a trailing comment where nothing follows it on its line', async () => {
    const s = syntheticDir('rule r "R" when x >= 35 and y >= 5');
    const { ctx } = await syntheticContext(s);
    const base = evaluate(ctx, ctx.text);
    const c = checkAddedRule(ctx, base, 'rule q when x >= 50 # high');
    expect(c.ok ? [] : c.errors).toEqual([]);
    expect(isProposal(judge(ctx, base, 'r', { kind: 'llm', title: 'LLM', ruleText: 'rule r "R" when x >= 42.5 and y >= 5 # tighter' }))).toBe(true);
  });

  describe('from the LLM', () => {
    let fake: FakeAnthropic;
    beforeEach(async () => {
      fake = await startFakeAnthropic();
    });
    afterEach(async () => {
      await fake.close();
    });

    it('rejects the commented rule with the reason, and offers the clean one', async () => {
      const s = syntheticDir(rules);
      const { ctx } = await syntheticContext(s);
      fake.script(toolAnswer(['rule r "R" when x >= 42.5 and y >= 5 # tighter']), toolAnswer(['rule r "R" when x >= 42.5 and y >= 5']));
      const res = await proposeWithLlm(ctx, 'r', { apiKey: 'sk-test', baseURL: fake.url, model: 'test-model', maxRetries: 0, timeout: 5000 });
      expect(res.error).toBeUndefined();
      // The checker's message went back to the model in the repair round.
      expect(JSON.stringify(fake.received[1].body.messages)).toContain('It would change or remove `exclude quiet`');
      expect(res.rejected.map((x) => x.ruleText)).toEqual(['rule r "R" when x >= 42.5 and y >= 5 # tighter']);
      expect(res.proposals.map((p) => p.ruleText)).toEqual(['rule r "R" when x >= 42.5 and y >= 5']);
      expect(res.proposals[0].text).toContain('exclude quiet when y < 0.5');
    });
  });
});
