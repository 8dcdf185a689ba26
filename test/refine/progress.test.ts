// `arl learn` on a terminal: a status line that names the search, the iteration and the best so
// far on train and validation (on the file's objective), rewritten at every step and every
// second; nothing on a pipe.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { learnReporter, statusLine } from '../../server/src/cli/learnProgress';
import { figures } from '../../server/src/refine/context';
import type { LearnProgress } from '../../server/src/refine/learn';

function tty(isTTY = true) {
  const out: string[] = [];
  return { out, stream: Object.assign({ write: (s: string) => (out.push(s), true) }, { isTTY, columns: 200 }) as unknown as NodeJS.WritableStream & { isTTY: boolean } };
}

const p: LearnProgress = { restart: 1, restarts: 3, iteration: 4, iterations: 10, rule: 'pressure', objective: 'point F1', trainObjective: 0.8712, validationObjective: 0.8421, trainF1: 0.8712, best: { train: 0.905, validation: 0.881, search: 1 }, fraction: 0.4 };

afterEach(() => vi.useRealTimers());

describe('learn progress', () => {
  it('names the search, the iteration, the rule, and the best so far on train and validation', () => {
    expect(statusLine(p, 12.4)).toBe('search 2/3 · iteration 4/10 · rule pressure · now point F1 train 0.871 val 0.842 · best train 0.905 val 0.881 · 12 s');
  });

  it('writes at once, at every step, every second while a step runs, and a line per search', () => {
    vi.useFakeTimers();
    let now = 0;
    const { out, stream } = tty();
    const r = learnReporter(stream, 3, () => now);
    expect(out.join('')).toContain('learning · 0 s');
    r.onProgress(p);
    expect(out.at(-1)).toContain('search 2/3 · iteration 4/10');
    const n = out.length;
    now = 1000;
    vi.advanceTimersByTime(1000);
    expect(out.length).toBe(n + 1);
    expect(out.at(-1)).toContain('· 1 s');
    r.onSearchDone({ restart: 1, text: '', iterations: 6, accepted: 5, figures: { train: figures(90, 10, 100, 1000), validation: figures(40, 5, 45, 400) }, stoppedBy: 'patience' }, 3);
    expect(out.join('')).toContain('search 2/3: 6 iterations, 5 changes kept, point F1 train 0.900 validation 0.889, no gain for 3 iterations\n');
    r.done();
    const after = out.length;
    vi.advanceTimersByTime(5000);
    expect(out.length).toBe(after);
  });

  it('is silent when stderr is not a terminal', () => {
    const { out, stream } = tty(false);
    const r = learnReporter(stream, 3);
    r.onProgress(p);
    r.done();
    expect(out).toEqual([]);
  });
});
