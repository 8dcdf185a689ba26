// `arl learn`, `arl draft` and `arl history` as users run them: the bundled binary, spawned.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeStockoutCsv } from '../../examples/stockout/generate';
import { parse } from '../../grammar/src/parse';
import { arl, arlBin } from '../support/cli';
import { startFakeAnthropic, toolAnswer, type FakeAnthropic } from '../support/fake-anthropic';
import { figures } from '../../server/src/refine/context';
import { appendAttempt, makeAttempt, makeEditRecord } from '../../server/src/refine/trajectory';
import { syntheticDir } from './synthetic';
import { tempDir } from '../support/tmp';

/** The stock-out rules with thresholds far off and a conjunct missing from `pressure`. */
const weakStart = `# Weekly out-of-stock ratio: a deliberately weak start for learning.
dataset "stockout.csv" {
  series = sku
  time   = week
  label  = is_anomaly
  reason = reason
  split  = 60/20/20
}

let recent = median(oos_ratio, 4, offset = 1) # typical level of the 4 weeks before this one
let z = zscore(oos_ratio, 52)                 # this week vs the 52 before it

rule critical "Critical Stock-Out Crisis" when
    oos_ratio >= 60 or (oos_ratio / lag(oos_ratio, 1) > 4 and oos_ratio >= 30)

rule pressure "Moderate Stock Pressure" severity medium when
    (oos_ratio >= 20) or (recent < 10 and oos_ratio >= 30)

rule escalating "Escalating Stock-Out Emergency" when
    rising(oos_ratio, 3) and oos_ratio >= 20

# A sharp fall is the shelf being restocked: never an anomaly.
exclude drop when oos_ratio < 0.5 * lag(oos_ratio, 1)
`;

let dataDir: string;

beforeAll(async () => {
  if (!existsSync(arlBin)) execFileSync(process.execPath, ['esbuild.mjs'], { cwd: fileURLToPath(new URL('../..', import.meta.url)) });
  dataDir = tempDir('arl-learn-');
  await writeStockoutCsv(join(dataDir, 'stockout.csv'), { products: 10000 });
});

/**
 * A folder with the weak rules and a link to the full stock-out data, which lies outside it: the
 * commands that read the data name its folder with --allow-outside.
 */
function weakDir(): string {
  const dir = tempDir('arl-learn-');
  symlinkSync(join(dataDir, 'stockout.csv'), join(dir, 'stockout.csv'));
  writeFileSync(join(dir, 'stockout.arl'), weakStart);
  return dir;
}

/** The declarations that are neither rules nor lets: the dataset block, excludes, tests. */
function outsideRules(text: string): string[] {
  return parse(text)
    .file.decls.filter((d) => d.kind !== 'rule' && d.kind !== 'let')
    .map((d) => text.slice(d.start, d.end));
}

const lets = (text: string) => parse(text).file.lets.map((l) => text.slice(l.start, l.end));

describe('arl learn on the stock-out example (10,000 products)', () => {
  it('reaches F1 0.9 on test from a weak start, changing only the rules (and lets no rule uses any more)', async () => {
    const dir = weakDir();
    const t0 = performance.now();
    const r = await arl(['learn', 'stockout.arl', '--all', '--proposer', 'offline', '--candidates', '2', '--allow-outside', dataDir], { cwd: dir });
    const seconds = (performance.now() - t0) / 1000;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const learned = readFileSync(join(dir, 'stockout.arl'), 'utf8');
    expect(outsideRules(learned)).toEqual(outsideRules(weakStart));
    expect(lets(weakStart)).toEqual(expect.arrayContaining(lets(learned)));
    expect(learned).not.toBe(weakStart);
    expect(r.stdout).toMatch(/^split\s+P before\s+R before\s+F1 before\s+P after\s+R after\s+F1 after$/m);
    expect(r.stdout).toMatch(/^Learned 3 rules of stockout\.arl with the offline proposer: 2 searches, [\d.]+ s\.$/m);
    expect(r.stdout).toMatch(/^test \(read once, for this report\)/m);
    expect(r.stdout).toMatch(/^search\s+iterations\s+changes kept\s+train point F1\s+validation point F1\s+stopped$/m);
    expect(r.stdout).toMatch(/^[12] \(chosen\)\s+\d+\s+\d+\s+0\.\d{3}\s+0\.\d{3}\s+/m);
    expect(r.stdout).toContain('Objective: point F1. Test was read once, for this table, after learning.');
    expect(r.stdout).toMatch(/Chosen on validation: search [12]\./);
    expect(r.stdout).toContain('Wrote stockout.arl.');

    const test = JSON.parse((await arl(['eval', 'stockout.arl', '--split', 'test', '--json', '--allow-outside', dataDir], { cwd: dir })).stdout);
    expect(test.scores.file.f1).toBeGreaterThanOrEqual(0.9);
    console.log(`arl learn (${seconds.toFixed(1)} s):\n${r.stdout}\n\n${learned.split('\n').filter((l) => l.startsWith('    ')).join('\n')}`);

    const history = await arl(['history', 'stockout.arl'], { cwd: dir });
    expect(history.code).toBe(0);
    expect(history.stdout).toMatch(/\d+ attempts, \d+ accepted \(\.arl\/stockout\.arl\.trajectory\.jsonl\)\./);
    // Each attempt names its search, and its edit in context.
    expect(history.stdout).toMatch(/ L1\.1 /);
    expect(history.stdout).toMatch(/ L1\.2 /);
    expect(history.stdout).toMatch(/^L1: arl learn started /m);
    expect(history.stdout).toMatch(/>= \[\d+(\.\d+)? -> \d+(\.\d+)?\]/);
    const json = JSON.parse((await arl(['history', 'stockout.arl', '--rule', 'pressure', '--json'], { cwd: dir })).stdout);
    expect(json.length).toBeGreaterThan(0);
    expect(json.every((a: { rule: string }) => a.rule === 'pressure')).toBe(true);
    expect(json.some((a: { accepted: boolean }) => a.accepted)).toBe(true);
  }, 300_000); // a bound, not a pause: two searches on 530,000 points can take minutes on a loaded 2-core machine

  it('keeps the best rules so far on Ctrl-C', async () => {
    const dir = weakDir();
    const child = spawn(process.execPath, [arlBin, 'learn', 'stockout.arl', '--all', '--iterations', '50', '--patience', '50', '--allow-outside', dataDir], { cwd: dir });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const traj = join(dir, '.arl', 'stockout.arl.trajectory.jsonl');
    // Once learning has recorded a few attempts, interrupt it.
    while (!existsSync(traj) || readFileSync(traj, 'utf8').split('\n').length < 5) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    expect(stdout).toContain('cancelled (Ctrl-C)');
    expect(stdout).toContain('Wrote stockout.arl.');
    expect(readFileSync(join(dir, 'stockout.arl'), 'utf8')).not.toBe(weakStart);
  });
});

describe('arl learn, draft and history on small data', () => {
  let fake: FakeAnthropic;
  beforeAll(async () => {
    fake = await startFakeAnthropic();
  });
  afterAll(async () => {
    await fake.close();
  });

  it('asks for a rule or --all, and for an API key with the anthropic proposer', async () => {
    const s = syntheticDir('rule r when x >= 35 and y >= 5');
    const none = await arl(['learn', s.arl], { cwd: s.dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^arl learn: name the rules to learn with --rule R, or --all\./);
    const unknown = await arl(['learn', s.arl, '--rule', 'zz'], { cwd: s.dir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no rule `zz`');
    const noKey = await arl(['learn', s.arl, '--all', '--proposer', 'anthropic'], { cwd: s.dir, env: { ANTHROPIC_API_KEY: '' } });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toBe('arl learn: the anthropic proposer needs an API key: set ANTHROPIC_API_KEY (and ANTHROPIC_BASE_URL to use another endpoint), or use --proposer offline.\n');
  });

  it('learns with the anthropic proposer at ANTHROPIC_BASE_URL, writing to --out', async () => {
    const s = syntheticDir('rule r "R" when x >= 35 and y >= 5');
    fake.script(toolAnswer(['rule r "R" when x >= 42.5 and y >= 5']));
    const r = await arl(['learn', 'rules.arl', '--rule', 'r', '--proposer', 'anthropic', '--model', 'test-model', '--iterations', '1', '--out', 'out.arl'], {
      cwd: s.dir,
      env: { ANTHROPIC_API_KEY: 'sk-test-key', ANTHROPIC_BASE_URL: fake.url },
    });
    expect(r.stderr).toBe(`arl learn: note: requests and the API key go to ${fake.url} (set by ANTHROPIC_BASE_URL), not to Anthropic's API.\n`);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/1200 input \+ 80 output tokens/);
    expect(readFileSync(join(s.dir, 'out.arl'), 'utf8')).toContain('rule r "R" when x >= 42.5 and y >= 5');
    expect(readFileSync(s.arl, 'utf8')).toContain('rule r "R" when x >= 35 and y >= 5');
    const h = await arl(['history', 'rules.arl'], { cwd: s.dir });
    expect(h.stdout).toContain('anthropic (test-model)');
    expect(h.stdout).toContain('accepted');
  });

  it('says nothing of deprecation with the default model, and one line naming --model with a deprecated one', async () => {
    const s = syntheticDir('rule r "R" when x >= 35 and y >= 5');
    const env = { ANTHROPIC_API_KEY: 'sk-test-key', ANTHROPIC_BASE_URL: fake.url };
    fake.script(toolAnswer(['rule r "R" when x >= 42.5 and y >= 5']));
    const plain = await arl(['learn', 'rules.arl', '--rule', 'r', '--proposer', 'anthropic', '--iterations', '1', '--out', 'a.arl'], { cwd: s.dir, env });
    expect(plain.code).toBe(0);
    const note = `arl learn: note: requests and the API key go to ${fake.url} (set by ANTHROPIC_BASE_URL), not to Anthropic's API.`;
    expect(plain.stderr).toBe(`${note}\n`);
    const sent = fake.received.length;
    fake.script(toolAnswer(['rule r "R" when x >= 40 and y >= 5']), toolAnswer(['rule r "R" when x >= 41 and y >= 5']));
    const old = await arl(['learn', 'rules.arl', '--rule', 'r', '--proposer', 'anthropic', '--model', 'claude-sonnet-4-5', '--iterations', '2', '--patience', '2', '--out', 'b.arl'], { cwd: s.dir, env });
    expect(fake.received.length - sent).toBeGreaterThanOrEqual(2);
    expect(fake.received.at(-1)!.body.model).toBe('claude-sonnet-4-5');
    const lines = old.stderr.split('\n').filter(Boolean);
    expect(lines).toEqual([
      note,
      'arl learn: warning: the model claude-sonnet-4-5 is deprecated and reaches end of life on November 30th, 2026: choose a current model with --model (the default is claude-sonnet-5-5).',
    ]);
    expect(old.stdout).not.toMatch(/deprecated/i);
  });

  it('drafts starting rules that check and hold up, named and explained', async () => {
    const s = syntheticDir('');
    const r = await arl(['draft', 'rules.arl'], { cwd: s.dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Appended \d rules? to rules\.arl\./);
    expect(r.stdout).toContain('point F1 on train 0.000 -> 1.000, validation 0.000 -> 1.000.');
    const text = readFileSync(s.arl, 'utf8');
    expect(text).toContain('# Discovered from the labelled data (offline: sequential covering, pruned on validation)');
    // The planted rule of the synthetic data, x >= 42.5 and y >= 5, with a name and a title that say so.
    expect(text).toMatch(/# Flags a point as an anomaly when `x` is at least 42\.5 and `y` is at least 5\.\nrule high_x_and_high_y "High x and high y" when x >= 42\.5 and y >= 5\n/);
    expect(text).not.toMatch(/draft_\d/);
    const check = await arl(['eval', 'rules.arl', '--json'], { cwd: s.dir });
    expect(check.code).toBe(0);
    expect(JSON.parse(check.stdout).scores.file.f1).toBeGreaterThan(0.8);
  });

  it('learn --refit fits the chosen thresholds again on train and validation, and says validation is not held out', async () => {
    const s = syntheticDir('rule r "R" when x >= 30 and y >= 5');
    const r = await arl(['learn', 'rules.arl', '--rule', 'r', '--iterations', '1', '--refit', '--out', 'o.arl'], { cwd: s.dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Refitted on train and validation: \d+ thresholds? moved; the validation figures are not held out\.$/m);
    // The default for point F1 (this data's objective); --no-refit keeps the train optima.
    const d = await arl(['learn', 'rules.arl', '--rule', 'r', '--iterations', '1', '--out', 'd.arl'], { cwd: s.dir });
    expect(d.stdout).toMatch(/^Refitted on train and validation: /m);
    const n = await arl(['learn', 'rules.arl', '--rule', 'r', '--iterations', '1', '--no-refit', '--out', 'n.arl'], { cwd: s.dir });
    expect(n.code).toBe(0);
    expect(n.stdout).not.toMatch(/Refitted/);
    const both = await arl(['learn', 'rules.arl', '--rule', 'r', '--refit', '--no-refit'], { cwd: s.dir });
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--refit and --no-refit/);
  });

  it('learn rounds the thresholds of the rules it changed where that costs nothing, records each rounding, and leaves other rules alone', async () => {
    // y's values have one decimal: 4.97 and 5 flag the same points; so do 59.97 and 60 for x.
    const s = syntheticDir('rule r "R" when x >= 30 and y >= 4.97\nrule k "K" when x >= 59.97');
    const r = await arl(['learn', 'rules.arl', '--rule', 'r', '--iterations', '2', '--out', 'o.arl'], { cwd: s.dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Rounded on train and validation together: .*\br 4\.97 -> 5\b.*; the validation figures are not held out\.$/m);
    const out = readFileSync(join(s.dir, 'o.arl'), 'utf8');
    expect(out).toMatch(/^rule r "R" when x >= [\d.]+ and y >= 5$/m);
    expect(out).toMatch(/^rule k "K" when x >= 59\.97$/m);
    const h = await arl(['history', 'rules.arl'], { cwd: s.dir });
    expect(h.stdout).toMatch(/ r +offline +accepted .*\[4\.97 -> 5\]/);
  });

  it('shows which of two equal numbers an attempt changed, and undone attempts', async () => {
    const s = syntheticDir('rule r when x >= 30 or y >= 30');
    const figs = { train: figures(8, 2, 10, 100), validation: figures(3, 1, 5, 40) };
    const a = makeAttempt(s.arl, { rule: 'r', proposer: 'offline', title: 'Tune threshold 30 -> 11.6', before: 'rule r when x >= 30 or y >= 30', after: 'rule r when x >= 30 or y >= 11.6', analysis: '', figuresBefore: figs, figuresAfter: figs, accepted: true, reason: 'applied in the editor', durationMs: 0 });
    await appendAttempt(s.arl, a);
    await appendAttempt(s.arl, makeEditRecord(s.arl, 'undo', a));
    const r = await arl(['history', 'rules.arl'], { cwd: s.dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ editor +r +offline +undone +0\.80 -> 0\.80 +0\.67 -> 0\.67 +… or y >= \[30 -> 11\.6\]$/m);
    expect(r.stdout).toContain('1 attempt, 0 accepted, 1 undone in the editor (.arl/rules.arl.trajectory.jsonl).');
  });

  it('shows the file\'s objective, named in the header, or in each cell when the attempts measured different ones', async () => {
    const s = syntheticDir('rule r when x >= 30');
    const figs = { train: figures(8, 2, 10, 100, 0.61), validation: figures(3, 1, 5, 40, 0.52) };
    const after = { train: figures(8, 2, 10, 100, 0.7), validation: figures(3, 1, 5, 40, 0.55) };
    const attempt = (objectiveName?: string) => makeAttempt(s.arl, { rule: 'r', proposer: 'offline', objectiveName, before: 'rule r when x >= 30', after: 'rule r when x >= 31', analysis: '', figuresBefore: figs, figuresAfter: after, accepted: true, reason: 'ok', durationMs: 0 });
    await appendAttempt(s.arl, attempt('event F1'));
    let r = await arl(['history', 'rules.arl'], { cwd: s.dir });
    expect(r.stdout).toMatch(/ outcome +train event F1 +validation event F1 +change/);
    expect(r.stdout).toMatch(/ accepted +0\.61 -> 0\.70 +0\.52 -> 0\.55 +/);
    // A record from before the objective was recorded measured point F1.
    await appendAttempt(s.arl, attempt(undefined));
    r = await arl(['history', 'rules.arl'], { cwd: s.dir });
    expect(r.stdout).toMatch(/ outcome +train +validation +change/);
    expect(r.stdout).toMatch(/0\.61 -> 0\.70 event F1 +0\.52 -> 0\.55 event F1/);
    expect(r.stdout).toMatch(/0\.61 -> 0\.70 point F1 +0\.52 -> 0\.55 point F1/);
  });

  it('learn --all adds a discovered rule, with its comment, to a file without rules', async () => {
    const s = syntheticDir('');
    const r = await arl(['learn', 'rules.arl', '--all', '--iterations', '2'], { cwd: s.dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Added: `high_x_and_high_y`.');
    const text = readFileSync(s.arl, 'utf8');
    expect(text.endsWith('# Flags a point as an anomaly when `x` is at least 42.5 and `y` is at least 5.\nrule high_x_and_high_y "High x and high y" when x >= 42.5 and y >= 5\n')).toBe(true);
    const h = JSON.parse((await arl(['history', 'rules.arl', '--json'], { cwd: s.dir })).stdout);
    expect(h.some((a: { kind: string; accepted: boolean }) => a.kind === 'add-rule' && a.accepted)).toBe(true);
  });

  it('learn --all removes a rule that adds nothing, and the lets only it used; --rule never does', async () => {
    const rules = 'let strict = y >= 6\n\nrule good "Good" when x >= 42.5 and y >= 5\n\n# Narrower than good.\nrule dup when x >= 42.5 and strict\n';
    const s = syntheticDir(rules);
    const one = await arl(['learn', 'rules.arl', '--rule', 'dup'], { cwd: s.dir });
    expect(one.code).toBe(0);
    expect(one.stdout).toContain('No rule changed.');
    const r = await arl(['learn', 'rules.arl', '--all'], { cwd: s.dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Removed: `dup`.');
    const text = readFileSync(s.arl, 'utf8');
    expect(text).toContain('rule good "Good" when x >= 42.5 and y >= 5\n');
    expect(text).not.toMatch(/dup|strict|Narrower/);
    const h = JSON.parse((await arl(['history', 'rules.arl', '--json'], { cwd: s.dir })).stdout);
    const removal = h.find((a: { kind: string }) => a.kind === 'remove-rule');
    expect(removal).toMatchObject({ rule: 'dup', accepted: true });
    expect(removal.reason).toMatch(/^simpler at train point F1 1\.000/);
  });

  it('says so when there is no history yet', async () => {
    const s = syntheticDir('rule r when x >= 35');
    const r = await arl(['history', 'rules.arl'], { cwd: s.dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('No attempts recorded (.arl/rules.arl.trajectory.jsonl).\n');
  });
});
