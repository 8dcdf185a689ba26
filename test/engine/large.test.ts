// Files with very many rules: pairwise comparisons stop at a limit, and say so.
import { describe, expect, it } from 'vitest';
import { maxPairwiseRules } from '../../server/src/engine/metrics';
import { analyzeWith, csvOf } from '../core/helpers';

describe('a file with many rules', () => {
  it('scores every rule, counts unique catches, and skips pairwise checks past the limit', async () => {
    const series: Record<string, { x: number[]; label: number[] }> = {};
    for (let s = 0; s < 30; s++) series[`s${s}`] = { x: Array.from({ length: 20 }, (_, t) => (t * 7 + s) % 50), label: Array.from({ length: 20 }, (_, t) => (t === 19 ? 1 : 0)) };
    const n = maxPairwiseRules + 5;
    const rules = Array.from({ length: n }, (_, k) => `rule r${k} when x >= ${k % 50}`).join('\n');
    const a = await analyzeWith(csvOf(series), `dataset "data.csv" {\n    series = id\n    time = t\n    label = label\n}\n${rules}\n`);
    const s = a.scores('all')!;
    expect(s.rules).toHaveLength(n);
    expect(s.rules[0].overlap).toEqual({});
    expect(a.issues.some((i) => i.code === 'too-many-rules')).toBe(true);
    // x >= 0 catches every anomaly, so no rule catches one alone.
    expect(s.rules.every((r) => r.uniqueTp === 0)).toBe(true);
  });
});
