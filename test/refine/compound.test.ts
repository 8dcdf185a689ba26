// Compound moves: a condition that pays only once the threshold beside it moves is added with that
// threshold tuned again, as one change; and a useless condition does not ride on a threshold's gain.
import { describe, expect, it } from 'vitest';
import { rng } from '../../examples/stockout/generate';
import { proposeOffline } from '../../server/src/refine/offline';
import { csvContext } from './synthetic';

const block = 'dataset "data.csv" {\n  series = id\n  time = t\n  label = label\n  split = column fold\n}\n';
const folds = ['train', 'validation', 'test'];
const tenth = (v: number) => Math.round(v * 10) / 10;

/**
 * One labelled point per series. Anomalies: x >= 50 (any y), or x from 20 to 50 with y >= 5.
 * Between 20 and 50 the normal points (y < 5) outnumber the anomalies four to one: on x alone
 * the best threshold is 50, `y >= 5` added there loses the anomalies above 50 with a low y, and
 * only with `y >= 5` is 20 the best threshold.
 */
function twoStepCsv(): string {
  const r = rng(11);
  let out = 'id,t,x,y,label,fold\n';
  for (let s = 0; s < 1500; s++) {
    const u = r();
    const [x, y] = u < 0.15 ? [50 + r() * 10, r() * 10] : u < 0.25 ? [20 + r() * 30, 5 + r() * 5] : u < 0.65 ? [20 + r() * 30, r() * 4.9] : [r() * 20, r() * 10];
    const label = x >= 50 || (x >= 20 && y >= 5) ? 1 : 0;
    out += `s${s},0,${tenth(x)},${tenth(y)},${label},${folds[s % 3]}\n`;
  }
  return out;
}

/** Anomalies exactly where x >= 40; y is noise. */
function oneCutCsv(): string {
  const r = rng(5);
  let out = 'id,t,x,y,label,fold\n';
  for (let s = 0; s < 900; s++) {
    const x = tenth(r() * 60);
    out += `s${s},0,${x},${tenth(r() * 10)},${x >= 40 ? 1 : 0},${folds[s % 3]}\n`;
  }
  return out;
}

describe('compound moves', () => {
  it('adds a condition with the threshold beside it moved, where the condition alone loses', async () => {
    const ctx = await csvContext(twoStepCsv(), `${block}rule r when x >= 45\n`);
    const res = await proposeOffline(ctx, 'r', { limit: 50 });
    const joint = res.proposals.find((p) => /\by >= /.test(p.ruleText));
    expect(joint, res.proposals.map((p) => p.title).join('\n')).toBeDefined();
    expect(joint!.title).toMatch(/^Add `y >= [\d.]+` and tune 45 -> /);
    const x = Number(/x >= ([\d.]+)/.exec(joint!.ruleText)![1]);
    expect(x).toBeGreaterThanOrEqual(19);
    expect(x).toBeLessThanOrEqual(21);
    // Better on train than any one move, and the condition alone is rejected.
    const single = res.proposals.filter((p) => !p.title.includes(' and tune '));
    expect(joint!.after.train.f1).toBeGreaterThan(Math.max(...single.map((p) => p.after.train.f1)) + 0.05);
    const alone = res.rejected.find((r) => /^Add `y >= [\d.]+`$/.test(r.title));
    expect(alone?.reason).toMatch(/too small a gain/);
  });

  it('does not let a useless condition ride on a threshold\'s gain', async () => {
    const ctx = await csvContext(oneCutCsv(), `${block}rule r when x >= 20\n`);
    const res = await proposeOffline(ctx, 'r', { limit: 50 });
    expect(res.proposals.some((p) => p.kind === 'threshold' && p.after.train.f1 === 1)).toBe(true);
    expect(res.proposals.filter((p) => p.title.includes(' and tune ')).map((p) => p.title)).toEqual([]);
  });
});
