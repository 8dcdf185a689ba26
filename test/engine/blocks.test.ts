// A one-shot run evaluates block by block of whole series: the same flags, point by point, as
// column by column over the whole frame, for every family of functions.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { analyze } from '../../server/src/engine/analyze';
import { nodesOf, seriesBlocks } from '../../server/src/engine/blocks';
import { packTrue, packUnknown, trueBits, unknownBits } from '../../server/src/engine/points';
import type { ScoreSplit } from '../../server/src/engine/metrics';
import { StartedWorkers } from '../../server/src/engine/parallel';
import { DatasetStore } from '../../server/src/engine/store';

const dir = mkdtempSync(join(tmpdir(), 'arl-blocks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Series of lengths 1 to 40, with blanks, repeats and a category column. */
function csv(seed: number): string {
  let r = seed;
  const rnd = () => ((r = (r * 1103515245 + 12345) % 2147483648) / 2147483648);
  const rows = ['id,t,x,y,ev,label'];
  for (let s = 0; s < 60; s++) {
    const len = 1 + Math.floor(rnd() * 40);
    for (let t = 0; t < len; t++) {
      const x = rnd() < 0.1 ? '' : String(Math.floor(rnd() * 20) - 3);
      const y = rnd() < 0.1 ? '' : (rnd() * 10).toFixed(2);
      const ev = rnd() < 0.2 ? '' : ['A', 'B', 'C'][Math.floor(rnd() * 3)];
      const label = rnd() < 0.5 ? '' : rnd() < 0.2 ? '1' : '0';
      rows.push(`s${s},${t},${x},${y},${ev},${label}`);
    }
  }
  return rows.join('\n') + '\n';
}

const rules = `
dataset "data.csv" { series = id  time = t  label = label }
let m = median(x, 4, offset = 1)
rule windows when x > 2 * m or zscore(x, 8) > 1.5 or robust_z(y, 6) < -1 or rank(x, 5) > 0.9 or slope(y, 4) > 1
rule running when mean(x, all) < x - 3 or quantile(y, 7, 0.8) < y or std(x, 5) > 4 or ewma(y, 3, offset = 1) > y
rule steps when (rising(x, 2) and not falling(y, 1)) or persist(x > 5, 2) or count(x > 4, 3) >= 2 or pct_change(y) > 0.5
rule sequences when ever(ev == "A") and since(ev == "B") > 2 or before(ev == "C", x > 8) or last(y) > 9 or first(ev) == "C"
rule kinds when ev in ["A", "B"] and coalesce(lag(x, 2), 0) > 4 or is_missing(y) and greatest(x, y) > 6
exclude quiet when x == 0 and sum(x, 3, offset = 1) == 0
`;

// Bundled by the test setup (test/support/build.ts), as the CLI runs it.
const script = fileURLToPath(new URL('../../dist/evalworker.cjs', import.meta.url));

async function flags(oneShot: boolean, blockPoints?: number, workers?: number) {
  const a = await analyze(rules, join(dir, 'rules.arl'), { store: new DatasetStore(), oneShot, blockPoints, workers: workers ? { script, count: workers } : undefined });
  expect(a.issues.filter((i) => i.severity === 'error')).toEqual([]);
  const all = [...a.ruleFlags, ...a.excludeFlags];
  // The bit sets scoring reads (made block by block) are those of the flags.
  for (const f of all) {
    expect(Array.from(trueBits(f.flags!))).toEqual(Array.from(packTrue(f.flags!)));
    expect(Array.from(unknownBits(f.flags!))).toEqual(Array.from(packUnknown(f.flags!)));
  }
  return all.map((f) => Array.from(f.flags!));
}

describe('evaluation by blocks of series', () => {
  it('gives the flags of column-by-column evaluation', async () => {
    for (const seed of [1, 2, 3, 4]) {
      writeFileSync(join(dir, 'data.csv'), csv(seed));
      const whole = await flags(false);
      for (const points of [1, 7, 50]) expect(await flags(true, points)).toEqual(whole);
    }
  });

  it('gives them on worker threads too', async () => {
    for (const seed of [5, 6]) {
      writeFileSync(join(dir, 'data.csv'), csv(seed));
      const whole = await flags(false);
      for (const workers of [1, 2]) expect(await flags(true, 20, workers)).toEqual(whole);
    }
  });

  it('takes back the blocks of a worker that stops', async () => {
    writeFileSync(join(dir, 'data.csv'), csv(8));
    const whole = await flags(false);
    // A worker that ends on its first block, as one killed or out of memory would.
    const dying = join(dir, 'dying.cjs');
    writeFileSync(dying, "require('node:worker_threads').parentPort.on('message', (m) => { if (!('roots' in m)) process.exit(1); });\n");
    const a = await analyze(rules, join(dir, 'rules.arl'), { store: new DatasetStore(), oneShot: true, blockPoints: 20, workers: { script: dying, count: 2 } });
    expect([...a.ruleFlags, ...a.excludeFlags].map((f) => Array.from(f.flags!))).toEqual(whole);
  });

  it('gives them with workers started before the data is read, one of them stopping at once', async () => {
    writeFileSync(join(dir, 'data.csv'), csv(9));
    const whole = await flags(false);
    const exiting = join(dir, 'exiting.cjs');
    writeFileSync(exiting, 'process.exit(1);\n');
    for (const worker of [script, exiting]) {
      const a = await analyze(rules, join(dir, 'rules.arl'), { store: new DatasetStore(), oneShot: true, blockPoints: 20, workers: { script: worker, count: 2, early: 0 } });
      expect([...a.ruleFlags, ...a.excludeFlags].map((f) => Array.from(f.flags!))).toEqual(whole);
    }
  });

  it('hands over workers started early that still run, and ends the others', async () => {
    const exiting = join(dir, 'exiting.cjs');
    writeFileSync(exiting, 'process.exit(1);\n');
    const gone = new StartedWorkers(exiting, 2);
    await vi.waitFor(() => expect(gone.running).toBe(0));
    expect(gone.take(2)).toEqual([]);
    const live = new StartedWorkers(script, 2);
    const [w] = live.take(1);
    const exited = new Promise((r) => w.on('exit', r));
    expect(live.running).toBe(1);
    live.stop();
    expect(live.running).toBe(0);
    await w.terminate();
    await exited;
  });

  it('stops at the time limit with workers running: a diagnostic, no flags', async () => {
    writeFileSync(join(dir, 'data.csv'), csv(7));
    const a = await analyze(rules, join(dir, 'rules.arl'), { store: new DatasetStore(), oneShot: true, blockPoints: 20, workers: { script, count: 1 }, budget: { ms: -1, bytes: 1e12, work: 1e15 } });
    const stopped = a.issues.filter((i) => i.code === 'budget-exceeded');
    expect(stopped).toHaveLength(1);
    expect(stopped[0].message).toContain('Evaluation stopped at the exclude `quiet`');
    expect([...a.ruleFlags, ...a.excludeFlags].every((f) => f.flags === undefined)).toBe(true);
  });

  it('scores each block where it is evaluated: the same scores and warnings, and no flag column kept', async () => {
    // Rules that never fire, fire on every labelled point, or repeat another: every firing warning.
    const warned = `${rules}rule again when (rising(x, 2) and not falling(y, 1)) or persist(x > 5, 2) or count(x > 4, 3) >= 2 or pct_change(y) > 0.5
rule never when x > 1000
rule always when x > -1000 or is_missing(x)
rule broken when nosuch > 1
exclude nothing when y > 1000
`;
    for (const [seed, tolerance, objective] of [
      [21, 0, ''],
      [22, 2, 'objective = event_f1'],
      [23, 1, 'split = time 50/25/25'],
    ] as const) {
      writeFileSync(join(dir, 'data.csv'), csv(seed));
      const text = warned.replace('label = label }', `label = label tolerance = ${tolerance} ${objective} }`);
      const whole = await analyze(text, join(dir, 'rules.arl'), { store: new DatasetStore() });
      const runs: [number, ScoreSplit[]][] = [
        [0, ['all']],
        [1, ['validation', 'train']],
        [2, ['test']],
      ];
      for (const [workers, splits] of runs) {
        const a = await analyze(text, join(dir, 'rules.arl'), { store: new DatasetStore(), oneShot: true, blockPoints: 25, workers: workers ? { script, count: workers } : undefined, scoreSplits: splits });
        expect(a.issues).toEqual(whole.issues);
        expect(a.issues.map((i) => i.code)).toEqual(expect.arrayContaining(['never-fires', 'always-fires', 'redundant-rule', 'unknown-name']));
        expect(a.issues.filter((i) => i.severity === 'error').map((i) => i.code)).toEqual(['unknown-name']);
        for (const split of splits) expect(JSON.stringify(a.scores(split))).toBe(JSON.stringify(whole.scores(split)));
        expect([...a.ruleFlags, ...a.excludeFlags].every((f) => f.flags === undefined)).toBe(true);
        // Only the splits asked for were scored.
        expect(() => a.scores(splits.includes('all') ? 'test' : 'all')).toThrow(/not scored/);
      }
    }
  });

  it('cuts blocks between series, each series whole', () => {
    const starts = Int32Array.from([0, 3, 4, 10, 30, 31]);
    expect(seriesBlocks(starts, 5)).toEqual([0, 2, 3, 4, 5]);
    expect(seriesBlocks(starts, 100)).toEqual([0, 5]);
    expect(seriesBlocks(Int32Array.from([0]), 5)).toEqual([]);
  });
});

describe('an evaluator kept across edits, filled by blocks', () => {
  const file = join(dir, 'rules.arl');
  // A rule whose threshold, edited, is computed where it changes from the first edit on.
  const text = `${rules}rule climb when rising(y, 3) and y > 7\n`;
  // The first analysis by blocks on a worker and this thread, or column by column.
  const first = (store: DatasetStore, byBlocks: boolean, checkCancelled?: () => void) =>
    analyze(text, file, { store, fillByBlocks: byBlocks, blockPoints: 20, workers: { script, count: byBlocks ? 1 : 0 }, checkCancelled });
  const flagsOf = (a: Awaited<ReturnType<typeof analyze>>) => [...a.ruleFlags, ...a.excludeFlags].map((f) => Array.from(f.flags!));
  const edits = [
    text.replace('y > 7', 'y > 7.5'),
    text.replace('last(y) > 9', 'last(y) > 9.5'),
    text.replace('last(y) > 9', 'last(y) > 9.8'),
    text.replace('x > 2 * m', 'x > 3 * m'),
    text.replace('zscore(x, 8)', 'zscore(x, 9)'),
    text,
  ];

  it('holds the features and flags column-by-column evaluation computes, and edits compute as after it', async () => {
    writeFileSync(join(dir, 'data.csv'), csv(11));
    const columns = new DatasetStore();
    const blocks = new DatasetStore();
    const c = await first(columns, false);
    const b = await first(blocks, true);
    expect(flagsOf(b)).toEqual(flagsOf(c));
    const cev = c.data!.evaluator;
    const bev = b.data!.evaluator;
    // Nothing was computed column by column: the blocks' values were taken in, every function call's among them.
    expect(bev.computed).toBe(0);
    const calls = [...b.program.rules, ...b.program.excludes].flatMap((d) => nodesOf([d.node!])).filter((n) => n.op === 'call' && n.kind !== 'category');
    expect(calls.length).toBeGreaterThan(10);
    for (const n of calls) expect(bev.cache.has(n.key), n.key).toBe(true);
    for (const n of calls) expect(Array.from(bev.values(n) as Float64Array)).toEqual(Array.from(cev.values(n) as Float64Array));
    const before = cev.computed;
    for (const t of edits) {
      const ca = await analyze(t, file, { store: columns, fillByBlocks: false });
      const ba = await analyze(t, file, { store: blocks, fillByBlocks: true, blockPoints: 20, workers: { script, count: 1 } });
      expect(flagsOf(ba)).toEqual(flagsOf(ca));
    }
    // The same columns computed again, and the same thresholds computed only where they could change.
    expect(bev.computed).toBe(cev.computed - before);
    expect(bev.deltas.used).toBe(cev.deltas.used);
    expect(bev.deltas.used).toBeGreaterThan(0);
  });

  it('fills it from a frame read from the frame cache too', async () => {
    writeFileSync(join(dir, 'data.csv'), csv(13));
    const cached = mkdtempSync(join(tmpdir(), 'arl-blocks-cache-'));
    try {
      // The first store writes the cache; the second reads its frame from there.
      const columns = await analyze(text, file, { store: new DatasetStore(), cacheRoot: cached });
      expect(columns.data!.cache).toBe('written');
      const b = await analyze(text, file, { store: new DatasetStore(), cacheRoot: cached, fillByBlocks: true, blockPoints: 20, workers: { script, count: 1 } });
      expect(b.data!.cache).toBe('read');
      expect(b.data!.evaluator.computed).toBe(0);
      expect(flagsOf(b)).toEqual(flagsOf(columns));
    } finally {
      rmSync(cached, { recursive: true, force: true });
    }
  });

  it('keeps nothing of a first analysis a newer edit abandons part way through its blocks', async () => {
    writeFileSync(join(dir, 'data.csv'), csv(12));
    const store = new DatasetStore();
    let checks = 0;
    // Abandoned at the third check between blocks.
    const cancel = () => {
      if (new Error().stack!.includes('evaluateBlocks') && ++checks === 3) throw new Error('a newer edit');
    };
    await expect(first(store, true, cancel)).rejects.toThrow('a newer edit');
    expect(checks).toBe(3);
    const again = await first(store, true);
    expect(again.data!.evaluator.computed).toBe(0);
    expect(flagsOf(again)).toEqual(flagsOf(await first(new DatasetStore(), false)));
  });
});
