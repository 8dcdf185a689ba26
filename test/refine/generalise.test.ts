// What makes learned rules carry beyond the data they were fitted on: the one-standard-error choice
// (select.ts, within the search best on validation), bounded cuts on standard scores (space.ts),
// thresholds refitted on train and validation (refit.ts), and sessions judged where their label is
// (engine/sessions.ts).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rng } from '../../examples/stockout/generate';
import { check } from '../../grammar/src/check';
import { parse } from '../../grammar/src/parse';
import { analyze } from '../../server/src/engine/analyze';
import { DatasetStore } from '../../server/src/engine/store';
import { contextFromAnalysis, evaluate, fileFlagsOf, holdsUp } from '../../server/src/refine/context';
import { discover } from '../../server/src/refine/discover';
import { polish, rounder } from '../../server/src/refine/polish';
import { refit } from '../../server/src/refine/refit';
import { learn, offlineProposer } from '../../server/src/refine/learn';
import type { Attempt } from '../../server/src/refine/trajectory';
import { chooseVersion, oneStandardError, pairedSE } from '../../server/src/refine/select';
import { fileFeatures } from '../../server/src/refine/features';
import { proposeOffline } from '../../server/src/refine/offline';
import { spaceFor, zCutLimit } from '../../server/src/refine/space';
import { csvContext, syntheticContext, syntheticDir } from './synthetic';
import { tempDir } from '../support/tmp';

const contextOf = csvContext;

/** 900 one-point series, split by a column; anomalies where x >= 50 (and, with `extra`, at x in [20, 20.6) on validation). */
function pointsCsv(extra = false): string {
  const r = rng(5);
  let out = 'id,t,x,label,fold\n';
  const folds = ['train', 'validation', 'test'];
  for (let s = 0; s < 900; s++) {
    const fold = folds[s % 3];
    const x = Math.round(r() * 1000) / 10;
    const y = x >= 50 || (extra && fold === 'validation' && x >= 20 && x < 20.6) ? 1 : 0;
    out += `s${s},0,${x},${y},${fold}\n`;
  }
  return out;
}
const block = 'dataset "data.csv" {\n  series = id\n  time = t\n  label = label\n  split = column fold\n  objective = point_f1\n}\n';

describe('the one-standard-error choice', () => {
  it('takes the simplest version that validation cannot tell from the best', async () => {
    const ctx = await contextOf(pointsCsv(true), block);
    const simple = `${block}rule r when x >= 50\n`;
    // Catches the few extra anomalies too: a little better on validation, at the price of a rule.
    const complex = `${block}rule r when x >= 50\nrule s when x >= 20 and x < 20.6\n`;
    const evs = [simple, complex].map((t) => evaluate(ctx, t));
    expect(evs[1].figures('validation').objective).toBeGreaterThan(evs[0].figures('validation').objective);
    const se = pairedSE(ctx.scoring.objective.objective, evs[1].fileFlags(), [evs[0].fileFlags()], ctx.scoring.events('validation'))[0];
    expect(se).toBeGreaterThan(evs[1].figures('validation').objective - evs[0].figures('validation').objective);
    const c = oneStandardError(ctx, [complex, simple], (t) => evaluate(ctx, t));
    expect(c.item).toBe(simple);
    expect(c.best).toBeCloseTo(evs[1].figures('validation').objective, 12);
  });

  it('among several searches, first takes the one best on validation: another search\'s simpler version is not taken', async () => {
    const ctx = await contextOf(pointsCsv(true), block);
    const start = { run: -1, text: `${block}rule r when x >= 95\n` };
    const complex = { run: 0, text: `${block}rule r when x >= 50\nrule s when x >= 20 and x < 20.6\n` };
    const simple = { run: 1, text: `${block}rule r when x >= 50\n` };
    const evOf = (v: { text: string }) => evaluate(ctx, v.text);
    // Pooled, the simpler version of the other search wins (validation cannot tell them apart).
    expect(oneStandardError(ctx, [start, complex, simple], evOf).item).toBe(simple);
    const c = chooseVersion(ctx, [start, complex, simple], evOf);
    expect(c.item).toBe(complex);
    expect(c.index).toBe(1);
    // Within one search, the one-standard-error rule still takes the simpler version.
    expect(chooseVersion(ctx, [start, complex, { ...simple, run: 0 }], evOf).item.text).toBe(simple.text);
  });

  it('takes the best when the difference is beyond the standard error', async () => {
    const ctx = await contextOf(pointsCsv(), block);
    const simple = `${block}rule r when x >= 90\n`;
    const best = `${block}rule r when x >= 50 and x >= 0\n`;
    const c = oneStandardError(ctx, [simple, best], (t) => evaluate(ctx, t));
    expect(c.item).toBe(best);
    expect(c.value).toBe(1);
  });

  it('gives a standard error of 0 to versions that flag the same points', async () => {
    const ctx = await contextOf(pointsCsv(), block);
    const a = evaluate(ctx, `${block}rule r when x >= 60\n`).fileFlags();
    expect(pairedSE({ kind: 'event_f1' }, a, [a, Uint8Array.from(a)], ctx.scoring.events('validation'))).toEqual([0, 0]);
  });
});

describe('cuts on standard scores', () => {
  it('stop at the Chebyshev bound: a flat window that makes robust_z explode gives no cut', async () => {
    // Series flat at 10 with one-unit steps now and then; anomalies are the steps.
    const r = rng(9);
    let csv = 'id,t,v,label\n';
    for (let s = 0; s < 6; s++) for (let t = 0; t < 1200; t++) {
      const step = t > 300 && r() < 0.01;
      csv += `s${s},${t},${step ? 11 : 10 + (t % 97 === 0 ? 0.001 : 0)},${step ? 1 : 0}\n`;
    }
    const ctx = await contextOf(csv, 'dataset "data.csv" {\n  series = id\n  time = t\n  label = label\n  split = time 60/20/20\n}\n');
    const space = spaceFor(ctx);
    const z = space.literals.filter((l) => l.feature.z);
    expect(z.length).toBeGreaterThan(0);
    expect(z.filter((l) => Math.abs(l.cut) > zCutLimit).map((l) => l.text)).toEqual([]);
    expect(space.literals.some((l) => /robust_z/.test(l.text))).toBe(true);
  });
});

/** A normal draw (Box-Muller) from a uniform generator. */
const gauss = (r: () => number) => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());

/**
 * Six series of noise; anomalies are windows of 60 points where the level of `g` shifts by 1.5
 * standard deviations (lost in any one point's noise, plain in the mean of a few). With `quirk`,
 * `q` is 5 at every train anomaly and noise elsewhere: a perfect fit to train that says nothing
 * about validation.
 */
function shiftsCsv(quirk: boolean): string {
  const r = rng(17);
  let out = 'id,t,g,q,label\n';
  for (let s = 0; s < 6; s++) {
    const n = 3000;
    const shifted = new Uint8Array(n);
    for (let k = 0; k < 8; k++) {
      const a = 200 + Math.floor(r() * (n - 300));
      shifted.fill(1, a, a + 60);
    }
    for (let t = 0; t < n; t++) {
      const y = shifted[t];
      const q = quirk && y && t < 0.6 * n ? 5 : Math.round(r() * 100) / 100;
      out += `s${s},${t},${(gauss(r) + 1.5 * y).toFixed(3)},${q},${y}\n`;
    }
  }
  return out;
}
const shiftsBlock = 'dataset "data.csv" {\n  series = id\n  time = t\n  label = label\n  split = time 60/20/20\n  objective = point_f1\n}\n';

describe('discovery on real-data shapes', () => {
  it('finds a level shift that no single point shows: the level of the last points against the history', async () => {
    const ctx = await contextOf(shiftsCsv(false), shiftsBlock);
    const d = discover(ctx, { maxRules: 2 });
    expect(d.rules.length).toBeGreaterThan(0);
    expect(d.rules[0].ruleText).toMatch(/zscore\(mean\(g, \d+\), all/);
    const v = evaluate(ctx, d.text).figures('validation').objective;
    expect(v).toBeGreaterThan(0.7);
    // What a threshold on the point itself can do, at its best cut on validation: far less.
    let pointBest = 0;
    for (let c = 0.5; c <= 4; c += 0.25) pointBest = Math.max(pointBest, evaluate(ctx, `${shiftsBlock}rule r when g >= ${c}\n`).figures('validation').objective);
    expect(v).toBeGreaterThan(pointBest + 0.2);
  });

  it('judges every feature\'s best rule on validation, so one that fits train by a quirk does not crowd out one that carries', async () => {
    const ctx = await contextOf(shiftsCsv(true), shiftsBlock);
    const train = (t: string) => evaluate(ctx, `${shiftsBlock}rule r when ${t}\n`).figures('train').objective;
    expect(train('q >= 5')).toBe(1);
    const d = discover(ctx, { maxRules: 1 });
    expect(d.rules.map((r) => r.ruleText)).toEqual([expect.stringMatching(/\bg\b/)]);
    expect(d.rules[0].ruleText).not.toMatch(/\bq\b/);
    expect(evaluate(ctx, d.text).figures('validation').objective).toBeGreaterThan(0.7);
  });

  it('ranks candidates by how they hold up on both splits together: a lucky fit to one split is not enough', async () => {
    const ctx = await contextOf(pointsCsv(), block);
    const t = ctx.scoring.flagAll('train');
    const v = ctx.scoring.flagAll('validation');
    // Barely above flagging everything on train, far above it on validation (a chance fit among many).
    const lucky = holdsUp(ctx, { train: 1.2 * t, validation: 1.9 * v });
    // Well above it on both.
    const steady = holdsUp(ctx, { train: 2.4 * t, validation: 1.2 * v });
    expect(steady).toBeGreaterThan(lucky);
    expect(holdsUp(ctx, { train: 3 * t, validation: 0 })).toBe(0);
  });
});

describe('the proposer keeps the space\'s limits', () => {
  it('never cuts a standard score past the Chebyshev bound, in a new condition or a tuned threshold', async () => {
    // Steps of 2 on a level of 10: anomalies in noisy stretches (z about 7), normal in flat ones,
    // where the spread's floor makes z about 200: a cut near 100 would separate them by flatness.
    const r = rng(23);
    let csv = 'id,t,v,label\n';
    for (let s = 0; s < 6; s++) for (let t = 0; t < 1500; t++) {
      const noisy = Math.floor(t / 150) % 2 === 0;
      const step = t % 150 > 40 && r() < 0.03;
      const v = (noisy ? 10 + 0.3 * gauss(r) : 10) + (step ? 2 : 0);
      csv += `s${s},${t},${v.toFixed(4)},${step && noisy ? 1 : 0}\n`;
    }
    const head = 'dataset "data.csv" {\n  series = id\n  time = t\n  label = label\n  split = time 60/20/20\n  objective = point_f1\n}\nlet z = zscore(v, 20)\n';
    const bound = (text: string) => [...text.matchAll(/z (?:<|>=) (-?[\d.]+)/g)].map((m) => Math.abs(Number(m[1])));
    for (const rule of ['rule r when v > 11', 'rule r when v > 11 and z < 20']) {
      const ctx = await contextOf(csv, head + rule + '\n');
      const p = await proposeOffline(ctx, 'r', { limit: 50 });
      const tried = [...p.proposals, ...p.rejected].map((c) => c.ruleText);
      expect(tried.flatMap(bound).filter((c) => c > zCutLimit)).toEqual([]);
      // Cuts within the bound are still offered.
      if (rule.includes('z <')) expect(tried.some((t) => /z (<|>=) \d/.test(t))).toBe(true);
    }
  });

  it('never offers a column\'s own units by another name when its series differ in scale', async () => {
    const r = rng(29);
    const csvOf = (scale: number) => {
      let csv = 'id,t,x,label\n';
      for (let s = 0; s < 4; s++) for (let t = 0; t < 400; t++) csv += `s${s},${t},${((s % 2 ? scale : 1) * (10 + r())).toFixed(3)},${r() < 0.05 ? 1 : 0}\n`;
      return csv;
    };
    const text = `${shiftsBlock}rule r when zscore(mean(x, 5), all) > 2\n`;
    const texts = async (scale: number) => {
      const ctx = await contextOf(csvOf(scale), text);
      return fileFeatures(evaluate(ctx, text)).map((f) => f.text);
    };
    // Series at 10 and at 10,000: `mean(x, 5) < 5000` would say which series, not what happened.
    expect(await texts(1000)).toEqual(['zscore(mean(x, 5), all)']);
    expect(await texts(1)).toEqual(['x', 'zscore(mean(x, 5), all)', 'mean(x, 5)']);
  });
});

describe('refitting thresholds', () => {
  it('moves a threshold to where train and validation together put it, and leaves the rest', async () => {
    const ctx = await contextOf(pointsCsv(), block);
    const text = `${block}rule r when x >= 70 and x < 1000\n`;
    const r = refit(ctx, text);
    expect(r.moved.map((m) => [m.rule, m.from])).toEqual([['r', 70]]);
    expect(Math.abs(r.moved[0].to - 50)).toBeLessThan(2.5);
    expect(r.after).toBeGreaterThan(r.before + 0.1);
    expect(r.text).toMatch(/^rule r when x >= [\d.]+ and x < 1000$/m);
    // Nothing left to gain: nothing moves.
    expect(refit(ctx, r.text).moved).toEqual([]);
  });

  it('is the default in learn for point F1, and each move is recorded as an accepted change', async () => {
    // Train's anomalies are x >= 50, validation's x >= 40: the search tunes on train, the refit on both.
    const r0 = rng(3);
    let csv = 'id,t,x,label,fold\n';
    for (let s = 0; s < 900; s++) {
      const x = Math.round(r0() * 1000) / 10;
      const fold = ['train', 'validation', 'test'][s % 3];
      csv += `s${s},0,${x},${x >= (fold === 'train' ? 50 : 40) ? 1 : 0},${fold}\n`;
    }
    const ctx = await contextOf(csv, `${block}rule r when x >= 70\n`);
    const attempts: Attempt[] = [];
    const r = await learn(ctx, { proposer: offlineProposer(), iterations: 3, record: (a) => void attempts.push(a) });
    const moves = attempts.filter((a) => a.analysis === 'refit');
    expect(moves.length).toBe(r.refit!.moved.length);
    expect(moves[0]).toMatchObject({ accepted: true, kind: 'threshold', title: expect.stringMatching(/^Refit 5\d(\.\d+)? -> (39\.\d+|40(\.\d+)?)$/) });
    expect(r.text).toMatch(/^rule r when x >= (39\.\d+|40(\.\d+)?)$/m);
    // Without it, the train optimum stays.
    const kept = await learn(ctx, { proposer: offlineProposer(), iterations: 3, refit: false });
    expect(kept.text).toMatch(/^rule r when x >= 5\d(\.\d+)?$/m);
  });

  it('for point F1, finds the exact cut in a tail, where quantiles of the values have none', async () => {
    // x is uniform on 0-100 in steps of 0.1; anomalies are x >= 99, 1% of the points.
    const r0 = rng(11);
    let csv = 'id,t,x,label,fold\n';
    for (let s = 0; s < 900; s++) {
      const x = Math.round(r0() * 1000) / 10;
      csv += `s${s},0,${x},${x >= 99 ? 1 : 0},${['train', 'validation', 'test'][s % 3]}\n`;
    }
    const ctx = await contextOf(csv, block);
    const r = refit(ctx, `${block}rule r when x >= 95\n`);
    const to = r.moved.at(-1)!.to;
    expect(to).toBeGreaterThan(98.9);
    expect(to).toBeLessThanOrEqual(99);
    expect(r.after).toBe(1);
  });
});

describe('rounding thresholds', () => {
  it('offers numbers with fewer significant digits near a threshold, roundest first', () => {
    expect(rounder(11.4)).toEqual([10, 11, 12, 11.5]);
    expect(rounder(46)).toEqual([50, 40, 45]);
    expect(rounder(-0.63)).toEqual([-0.6, -0.7, -0.65]);
    expect(rounder(5)).toEqual([]);
    expect(rounder(0)).toEqual([]);
  });

  it('rounds where train and validation together score the same, and nowhere else', async () => {
    // Values have one decimal: 42.47 and 42.5 flag the same points, and so do 4.97 and 5.
    const s = syntheticDir('rule r "R" when x >= 42.47 and y >= 4.97');
    const { ctx } = await syntheticContext(s);
    const p = polish(ctx, ctx.text);
    expect(p.moved.map((m) => [m.rule, m.from, m.to])).toEqual([
      ['r', 42.47, 42.5],
      ['r', 4.97, 5],
    ]);
    expect(p.text).toMatch(/^rule r "R" when x >= 42\.5 and y >= 5$/m);
    expect(evaluate(ctx, p.text).split()).toEqual(evaluate(ctx, ctx.text).split());
    // 42.5 and 5 are the exact answer: every rounder number scores lower.
    expect(polish(ctx, p.text).moved).toEqual([]);
  });
});

/**
 * Sessions of 6 to 20 events, labelled on their last row: anomalous when E9 occurs, or when the
 * session holds fewer than 3 E2 (it ended early), which is only known at its end.
 */
function sessionsCsv(): string {
  const r = rng(21);
  let out = 'block,seq,event,label\n';
  for (let s = 0; s < 600; s++) {
    const n = 6 + Math.floor(r() * 15);
    const e9 = r() < 0.1;
    const short = r() < 0.15;
    const events: string[] = [];
    for (let t = 0; t < n; t++) events.push(t < 3 && !short ? 'E2' : `E${1 + Math.floor(r() * 7)}`.replace('E2', 'E3'));
    if (e9) events[Math.floor(r() * n)] = 'E9';
    events.forEach((e, t) => (out += `b${s},${t},${e},${t === n - 1 ? (e9 || short ? 1 : 0) : ''}\n`));
  }
  return out;
}
const sessionBlock = 'dataset "data.csv" {\n  series = block\n  time = seq\n  label = label\n  labels = sessions\n}\n';

describe('sessions (`labels = sessions`)', () => {
  it('are what the dataset block says: `labels = sessions`, else points; a wrong word is an error that suggests one', async () => {
    expect((await contextOf(sessionsCsv(), sessionBlock)).sessions).toBe(true);
    expect((await contextOf(sessionsCsv(), sessionBlock.replace('  labels = sessions\n', ''))).sessions).toBe(false);
    const c = check(parse(sessionBlock.replace('= sessions', '= session')));
    expect(c.issues.map((i) => [i.code, i.message])).toEqual([
      ['bad-labels', '`labels` takes `points` (a label judges its point) or `sessions` (each series is a session, judged at its last row): did you mean `sessions`?'],
    ]);
    expect(check(parse(sessionBlock)).dataset.labels).toBe('sessions');
  });

  it('judge rules at each session\'s last row: no alert mid-session, and the session figures are the point figures', async () => {
    const dir = tempDir('arl-sessions-');
    writeFileSync(join(dir, 'data.csv'), sessionsCsv());
    const path = join(dir, 'rules.arl');
    // A session that ended early is only known at its end: as a plain rule it holds on the first rows of every session.
    const text = `${sessionBlock}rule short when count(event == "E2", all) < 3\nrule e9 when ever(event == "E9")\n`;
    const store = new DatasetStore();
    const a = await analyze(text, path, { store });
    const frame = a.data!.frame;
    const last = new Set<number>();
    for (let s = 1; s < frame.seriesStart.length; s++) last.add(frame.seriesStart[s] - 1);
    for (const r of a.ruleFlags) for (let i = 0; i < frame.length; i++) if (!last.has(i)) expect(r.flags![i]).toBe(0);
    // A session flagged when any of its rows is: the same count as the flagged last rows.
    const any = (flags: Uint8Array) => frame.seriesIds.filter((_, s) => flags.subarray(frame.seriesStart[s], frame.seriesStart[s + 1]).includes(1)).length;
    const short = a.ruleFlags[0].flags!;
    expect(any(short)).toBe([...last].filter((i) => short[i] === 1).length);
    expect(any(short)).toBeLessThan(frame.seriesIds.length / 3);
    // The labels planted these two rules: judged at the end, they are exact.
    expect(a.scores('train')!.file.f1).toBe(1);
    // Without the setting, the same rule alerts on the first row of every session.
    const plain = await analyze(text.replace('  labels = sessions\n', ''), path, { store });
    expect(any(plain.ruleFlags[0].flags!)).toBe(frame.seriesIds.length);
    // Refinement sees the same flags, and discovery finds both rules.
    const ctx = contextFromAnalysis(a);
    expect(evaluate(ctx, text).fileFlags()).toEqual(fileFlagsOf({ rules: a.ruleFlags, excludes: [] }, frame.length));
    const d = discover(await contextOf(sessionsCsv(), sessionBlock), { maxRules: 8 });
    expect(d.text).toMatch(/ever\(event == "E9"\)/);
    expect(d.text).toMatch(/count\(event == "E2", all\) < 3/);
  });
});
