// What `arl learn` shows on a terminal while it works: one status line, rewritten in place at every
// step and every second (so it never sits still), and a line of its own for each finished search.
// Silent when stderr is not a terminal (a pipe, a file, CI logs).
import type { LearnProgress, LearnRun, StopReason } from '../refine/learn';
import { objOf } from '../refine/context';

type Stream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

export interface LearnReporter {
  onProgress(p: LearnProgress): void;
  onSearchDone(run: LearnRun, searches: number): void;
  done(): void;
}

const f = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '-');

/** Why a search stopped, in words. */
export function stopText(s: StopReason, patience: number): string {
  switch (s) {
    case 'target':
      return 'reached the target (--target-f1)';
    case 'patience':
      return `no gain for ${patience} iteration${patience === 1 ? '' : 's'}`;
    case 'iterations':
      return 'ran every iteration';
    case 'cancelled':
      return 'cancelled (Ctrl-C)';
    case 'error':
      return 'stopped by a proposer error';
  }
}

export function statusLine(p: LearnProgress, seconds: number): string {
  return (
    `search ${p.restart + 1}/${p.restarts} · iteration ${p.iteration}/${p.iterations} · rule ${p.rule} · ` +
    `now ${p.objective} train ${f(p.trainObjective)} val ${f(p.validationObjective)} · best train ${f(p.best.train)} val ${f(p.best.validation)} · ${Math.round(seconds)} s`
  );
}

export function learnReporter(stream: Stream, patience: number, now: () => number = () => performance.now()): LearnReporter {
  if (!stream.isTTY) return { onProgress() {}, onSearchDone() {}, done() {} };
  const t0 = now();
  let last: LearnProgress | undefined;
  let shown = false;
  const draw = () => {
    const text = last ? statusLine(last, (now() - t0) / 1000) : `learning · ${Math.round((now() - t0) / 1000)} s`;
    const width = Math.max(20, (stream.columns ?? 100) - 1);
    stream.write(`\r\x1b[K${text.length > width ? text.slice(0, width - 1) + '…' : text}`);
    shown = true;
  };
  const clear = () => {
    if (shown) stream.write('\r\x1b[K');
    shown = false;
  };
  draw();
  const ticker = setInterval(draw, 1000);
  ticker.unref?.();
  return {
    onProgress(p) {
      last = p;
      draw();
    },
    onSearchDone(run, searches) {
      clear();
      stream.write(
        `search ${run.restart + 1}/${searches}: ${run.iterations} iteration${run.iterations === 1 ? '' : 's'}, ${run.accepted} change${run.accepted === 1 ? '' : 's'} kept, ` +
          `${last?.objective ?? 'objective'} train ${f(objOf(run.figures.train))} validation ${f(objOf(run.figures.validation))}, ${stopText(run.stoppedBy, patience)}\n`,
      );
      draw();
    },
    done() {
      clearInterval(ticker);
      clear();
    },
  };
}
