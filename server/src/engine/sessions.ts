// `labels = sessions`: each series is a session (a block of log lines, a visit) and the label on its
// last row judges the whole session. Rules are judged where the label is: a rule fires on a session
// when it holds at the session's last row, and nowhere else. So every figure (point and event
// metrics, alarm counts), `arl run`'s alerts and a benchmark that flags a session when any of its
// rows is flagged all say the same thing; a rule may read the whole session (`count(e, all) < 3`:
// the session ended early), which only its end can tell.
import type { Frame } from './frame';
import type { Bool } from './kernels';

/** The flags kept at the last row of each series only (a copy; the column itself is not touched). */
export function atSessionEnds(flags: Bool, frame: Frame): Bool {
  const out = new Uint8Array(flags.length) as Bool;
  for (let s = 0; s + 1 < frame.seriesStart.length; s++) {
    const last = frame.seriesStart[s + 1] - 1;
    if (last >= frame.seriesStart[s]) out[last] = flags[last];
  }
  return out;
}
