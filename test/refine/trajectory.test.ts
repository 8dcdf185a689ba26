// The trajectory file: append-only JSON lines that survive a crash mid-write.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { figures, type SplitFigures } from '../../server/src/refine/context';
import { appendAttempt, makeAttempt, makeEditRecord, readTrajectory, trajectoryPath } from '../../server/src/refine/trajectory';
import { tempDir } from '../support/tmp';

const split: SplitFigures = { train: figures(8, 2, 10, 100), validation: figures(3, 1, 5, 40) };

function attempt(ruleFile: string, rule: string, accepted: boolean) {
  return makeAttempt(ruleFile, {
    rule,
    proposer: 'offline',
    before: `rule ${rule} when x >= 35`,
    after: `rule ${rule} when x >= 42`,
    analysis: 'over-aggressive: 2 false positives',
    figuresBefore: split,
    figuresAfter: accepted ? split : undefined,
    accepted,
    reason: accepted ? 'train F1 0.80 -> 0.86' : 'invalid: 1:20: Unknown name `xx`.',
    durationMs: 12,
  });
}

describe('trajectory', () => {
  it('lives in .arl beside the rule file', () => {
    expect(trajectoryPath('/a/b/stock.arl')).toBe('/a/b/.arl/stock.arl.trajectory.jsonl');
  });

  it('appends one line per attempt and reads them back, filtered by rule', async () => {
    const file = join(tempDir('arl-traj-'), 'rules.arl');
    const a = attempt(file, 'r', true);
    await appendAttempt(file, a);
    await appendAttempt(file, attempt(file, 'q', false));
    const lines = readFileSync(trajectoryPath(file), 'utf8').split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    const all = await readTrajectory(file);
    expect(all.attempts.map((x) => x.rule)).toEqual(['r', 'q']);
    expect(all.skipped).toBe(0);
    expect(all.attempts[0]).toEqual(a);
    expect(all.attempts[0].train.after.f1).toBeCloseTo(0.8);
    expect(all.attempts[1].train.after).toEqual({ precision: null, recall: null, f1: null });
    expect((await readTrajectory(file, { rule: 'q' })).attempts.map((x) => x.accepted)).toEqual([false]);
  });

  it('skips a torn last line, and the next append starts on a line of its own', async () => {
    const file = join(tempDir('arl-traj-'), 'rules.arl');
    await appendAttempt(file, attempt(file, 'r', true));
    const torn = JSON.stringify(attempt(file, 'r', false)).slice(0, 57);
    appendFileSync(trajectoryPath(file), torn);
    let t = await readTrajectory(file);
    expect(t.attempts).toHaveLength(1);
    expect(t.skipped).toBe(1);
    await appendAttempt(file, attempt(file, 'q', true));
    t = await readTrajectory(file);
    expect(t.attempts.map((x) => x.rule)).toEqual(['r', 'q']);
    expect(t.skipped).toBe(1);
  });

  it('skips any line that is not an attempt', async () => {
    const file = join(tempDir('arl-traj-'), 'rules.arl');
    await appendAttempt(file, attempt(file, 'r', true));
    appendFileSync(trajectoryPath(file), '\n{"hello": 1}\nnot json\n[]\n\n');
    await appendAttempt(file, attempt(file, 'r', false));
    const t = await readTrajectory(file);
    expect(t.attempts).toHaveLength(2);
    expect(t.skipped).toBe(3);
  });

  it('marks an applied attempt undone after an undo record, and applied again after a redo', async () => {
    const file = join(tempDir('arl-traj-'), 'rules.arl');
    const a = attempt(file, 'r', true);
    const b = attempt(file, 'q', true);
    await appendAttempt(file, a);
    await appendAttempt(file, b);
    const undo = makeEditRecord(file, 'undo', a);
    await appendAttempt(file, undo);
    let t = await readTrajectory(file);
    expect(t.skipped).toBe(0);
    expect(t.attempts.map((x) => [x.rule, x.undone])).toEqual([
      ['r', undo.time],
      ['q', undefined],
    ]);
    await appendAttempt(file, makeEditRecord(file, 'redo', a));
    t = await readTrajectory(file);
    expect(t.attempts.map((x) => x.undone)).toEqual([undefined, undefined]);
    // The attempt lines themselves are never rewritten.
    expect(readFileSync(trajectoryPath(file), 'utf8').split('\n')[0]).toBe(JSON.stringify(a));
    // A record naming no attempt is skipped, like any unreadable line.
    await appendAttempt(file, { ...makeEditRecord(file, 'undo', a), attempt: 'nope' });
    expect((await readTrajectory(file)).skipped).toBe(1);
  });

  it('reads nothing, without error, when there is no file yet', async () => {
    const file = join(tempDir('arl-traj-'), 'rules.arl');
    writeFileSync(file, '');
    expect(await readTrajectory(file)).toEqual({ path: trajectoryPath(file), attempts: [], skipped: 0 });
  });
});
