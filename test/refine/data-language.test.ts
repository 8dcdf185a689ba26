// Refinement on rules with categories and column groups: the analysis, the offline proposer and
// the LLM prompt read them without failing, and the prompt tells the model about them.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../server/src/engine/analyze';
import { Evaluator, FeatureCache } from '../../server/src/engine/evaluate';
import { DatasetStore, scoringOf, type DataSession } from '../../server/src/engine/store';
import { analyzeRule, buildRefinePrompt, contextFromAnalysis, proposeOffline } from '../../server/src/refine';
import { mixedFrameOf, tempDir } from '../core/helpers';

/** 200 sessions of events; failures hold E11 and end with E28, some normal ones end with E28 too. */
function sessionData(): DataSession {
  const blocks: Record<string, { seq: number[]; event: string[]; bytes: number[]; label: (number | null)[] }> = {};
  for (let b = 0; b < 200; b++) {
    const failed = b % 5 === 0;
    const event = ['E1', 'E2', 'E5', 'E3', ...(failed ? ['E11'] : b % 3 === 0 ? ['E7'] : []), 'E5', b % 2 === 0 || failed ? 'E28' : 'E4'];
    const n = event.length;
    blocks[`blk_${b}`] = { seq: event.map((_, i) => i), event, bytes: event.map((_, i) => (i * 7 + b) % 11), label: event.map((_, i) => (i === n - 1 ? (failed ? 1 : 0) : null)) };
  }
  const frame = mixedFrameOf(blocks);
  return {
    frame,
    evaluator: new Evaluator(frame, new FeatureCache()),
    loadMs: 0,
    cache: 'off',
    prefetch: () => true,
    damaged: () => false,
    scoring: scoringOf(frame),
  };
}

describe('refinement with categories and groups', () => {
  it('analyses and proposes for a category rule, and the prompt lists the category column', async () => {
    const store = new DatasetStore();
    const session = sessionData();
    store.get = async () => ({ ok: true, session, fresh: true });
    const text = 'dataset "s.csv" { series = id  time = t  label = label }\n\nrule failure when event == "E28" and ever(event in ["E7", "E11"]) and count(event == "E5", all) >= 2 and max(bytes, all) > 1\n';
    const a = await analyze(text, join(tempDir(), 's.arl'), { store });
    expect(a.issues.filter((i) => i.severity === 'error')).toEqual([]);
    const ctx = contextFromAnalysis(a);
    const b = analyzeRule(ctx, 'failure');
    expect(b.kind).toBe('over-aggressive');
    expect(b.falsePositives.length).toBeGreaterThan(0);
    // The search edits thresholds, windows and conjuncts of such a rule, and judges each edit.
    const r = await proposeOffline(ctx, 'failure');
    expect(r.tried).toBeGreaterThan(5);
    expect(r.rejected.length + r.proposals.length).toBeGreaterThan(0);
    const prompt = buildRefinePrompt(ctx, 'failure');
    expect(prompt.user).toContain('Category column `event`: 8 values, most frequent first: "E5", "E1", "E2", "E3", "E28", "E4", "E7", "E11".');
    expect(prompt.system).toContain('`event == "E11"`');
    expect(prompt.system).toContain('count_true(robust_z(columns("m*"), 60) > 6) >= 3');
  });

  it('analyses and proposes for a rule over a column group', async () => {
    const dir = tempDir();
    const rows = ['id,t,a1,a2,a3,label'];
    for (let s = 0; s < 60; s++) {
      for (let t = 0; t < 12; t++) {
        const hit = t === 11 && s % 4 === 0;
        rows.push(`s${s},${t},${hit ? 9 : (t + s) % 3},${(t * s) % 4},${hit ? 8 : 1},${t === 11 ? (hit ? 1 : 0) : ''}`);
      }
    }
    writeFileSync(join(dir, 'g.csv'), rows.join('\n') + '\n');
    const text = 'dataset "g.csv" { series = id  time = t  label = label }\n\nrule wide when count_true(columns("a*") > 2) >= 1\n';
    const path = join(dir, 'g.arl');
    writeFileSync(path, text);
    const a = await analyze(text, path, { store: new DatasetStore() });
    expect(a.issues.filter((i) => i.severity === 'error')).toEqual([]);
    const ctx = contextFromAnalysis(a);
    expect(analyzeRule(ctx, 'wide').kind).toBe('over-aggressive');
    const r = await proposeOffline(ctx, 'wide');
    expect(r.proposals[0].after.train.f1).toBeGreaterThan(r.before.train.f1);
    expect(r.proposals[0].ruleText).toContain('columns("a*")');
  });
});
