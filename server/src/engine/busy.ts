// How many cores other work keeps busy, for the choice of worker threads (parallel.ts, csvsplit.ts).
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

/**
 * Cores busy with other work now: the lesser of the load average over the last minute and the
 * threads ready to run at this moment besides this one (Linux's /proc/loadavg, its fourth field).
 * The minute's average trails: a build that ended seconds ago still counts in it, and an idle
 * machine would be judged busy for a minute. Where the file cannot be read, the average alone.
 */
export function busyCores(): number {
  let line: string | undefined;
  try {
    line = readFileSync('/proc/loadavg', 'latin1');
  } catch {
    line = undefined;
  }
  return busyFrom(loadavg()[0], line);
}

/** busyCores from the minute's load average and the text of /proc/loadavg (undefined: not there). */
export function busyFrom(minute: number, procLoadavg: string | undefined): number {
  const m = /^\S+ \S+ \S+ (\d+)\/\d+/.exec(procLoadavg ?? '');
  if (!m) return minute;
  return Math.min(minute, Math.max(0, Number(m[1]) - 1));
}
