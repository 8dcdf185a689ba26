// Behavioural analysis on data whose answer is known (anomaly: x >= 42.5 and y >= 5).
import { describe, expect, it } from 'vitest';
import { analyzeFile, analyzeRule, behaviourMarkdown } from '../../server/src/refine/behaviour';
import { syntheticContext, syntheticDir } from './synthetic';

async function ctxOf(rules: string) {
  return (await syntheticContext(syntheticDir(rules, { series: 3000 }))).ctx;
}

describe('behaviour of a rule', () => {
  it('calls a rule that fires too often over-aggressive, with the false positives and what sets them apart', async () => {
    const ctx = await ctxOf('rule r when x >= 42.5');
    const b = analyzeRule(ctx, 'r');
    expect(b.kind).toBe('over-aggressive');
    expect(b.summary).toMatch(/^over-aggressive: \d+ false positives, (most|\d+%) with y < 5$/);
    expect(b.train.fp).toBeGreaterThan(0);
    expect(b.falsePositives.length).toBeGreaterThan(0);
    const fp = b.falsePositives[0];
    expect(fp.anomaly).toBe(false);
    expect(fp.text).toMatch(/^x = [\d.]+ \(needs >= 42\.5\)$/);
    expect(fp.values[0]).toMatchObject({ expr: 'x', needs: '>= 42.5', holds: true });
    expect(fp.recent[0].column).toBe('x');
    expect(fp.recent[0].values).toHaveLength(6);
    expect(fp.series).toMatch(/^s\d+$/);
    expect(fp.reason).toMatch(/ordinary/);
  });

  it('calls a rule that misses anomalies it nearly catches over-conservative, naming the blocking conjunct', async () => {
    const ctx = await ctxOf('rule r when x >= 50 and y >= 5');
    const b = analyzeRule(ctx, 'r');
    expect(b.kind).toBe('over-conservative');
    expect(b.blockers[0].conjunct).toBe('x >= 50');
    expect(b.summary).toBe(`over-conservative: ${b.nearMisses} missed anomalies within reach, ${b.blockers[0].count} blocked by \`x >= 50\``);
    const m = b.missed[0];
    expect(m.anomaly).toBe(true);
    expect(m.blockedBy).toBe('x >= 50');
    expect(m.values.find((v) => v.expr === 'x')).toMatchObject({ needs: '>= 50', holds: false });
    expect(m.text).toMatch(/^x = [\d.]+ \(needs >= 50\), y = [\d.]+ \(needs >= 5\)$/);
  });

  it('finds dead, redundant, overfit and balanced rules', async () => {
    const ctx = await ctxOf('rule best when x >= 42.5 and y >= 5\nrule inner when x >= 45 and y >= 6\nrule never when x > 1000');
    expect(analyzeRule(ctx, 'never').kind).toBe('dead');
    expect(analyzeRule(ctx, 'never').summary).toMatch(/^dead: never fires on train \(\d+ labelled points\)$/);
    const inner = analyzeRule(ctx, 'inner');
    expect(inner.kind).toBe('redundant');
    expect(inner.coveredBy).toEqual(['best']);
    expect(inner.summary).toBe(`redundant: all ${inner.train.tp} of its hits are also caught by \`best\``);
    expect(analyzeRule(ctx, 'best').kind).toBe('balanced');
    expect(analyzeRule(ctx, 'best', { overfitGap: -1 }).kinds).toContain('overfit');
  });

  it('calls a precise rule that leaves most anomalies to the other rules narrow, not balanced', async () => {
    const ctx = await ctxOf('rule top when x >= 55 and y >= 5\nrule rest when x >= 42.5 and x < 55 and y >= 5');
    const b = analyzeRule(ctx, 'top');
    expect(b.train.recall).toBeLessThan(0.5);
    expect(b.train.precision).toBe(1);
    expect(b.kind).toBe('narrow');
    expect(b.summary).toBe(
      `narrow: precision 1.00 but recall ${b.train.recall.toFixed(2)}: it catches ${b.train.tp} of ${b.train.tp + b.train.fn} anomalies; other rules catch ${b.train.fn} of the ${b.train.fn} it misses`,
    );
    const best = analyzeRule(await ctxOf('rule best when x >= 42.5 and y >= 5'), 'best');
    expect(best.kind).toBe('balanced');
    expect(best.summary).toMatch(/^balanced: precision 1\.00, recall 1\.00 \(\d+ hits, 0 false positives, 0 anomalies missed within reach\)$/);
  });

  it('reads the whole file, with the rule nearest to each miss', async () => {
    const ctx = await ctxOf('rule a when x >= 50 and y >= 5\nrule b when x >= 42.5 and y >= 8\nexclude e when y > 9.9');
    const f = analyzeFile(ctx);
    expect(f.rules.map((r) => r.rule)).toEqual(['a', 'b']);
    expect(f.kind).toBe('over-conservative');
    expect(f.summary).toMatch(/^over-conservative: \d+ of \d+ anomalies missed/);
    expect(f.missed.length).toBeGreaterThan(0);
    for (const m of f.missed) {
      expect(m.anomaly).toBe(true);
      expect(['a', 'b', 'exclude e']).toContain(m.blockedIn);
    }
    const md = behaviourMarkdown(f);
    expect(md).toMatch(/^\*\*This file\*\*: over-conservative/);
    expect(md).toContain('| train |');
    expect(md).toContain('| validation |');
    expect(md).not.toContain('| test |');
    expect(md).toContain('**Missed anomalies (train)**');
    expect(behaviourMarkdown(f.rules[0])).toMatch(/^\*\*`a`\*\*: /);
  });

  it('refuses an unknown rule with the names there are', async () => {
    const ctx = await ctxOf('rule a when x >= 50');
    expect(() => analyzeRule(ctx, 'zz')).toThrow('No rule `zz` in this file; its rules: a.');
  });
});
