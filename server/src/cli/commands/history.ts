// `arl history FILE`: the refinement attempts recorded for a rule file.
import { relative } from 'node:path';
import { readTrajectory, type Attempt, type AttemptFigures } from '../../refine/trajectory';
import { write, type Command } from '../command';
import { fmt, readRuleFile } from '../shared';

function f1(f: AttemptFigures): string {
  return f.f1 === null ? '-' : fmt(f.f1, 2);
}

function row(a: Attempt): string[] {
  return [
    a.time.replace('T', ' ').slice(0, 19),
    a.rule,
    a.model ? `${a.proposer} (${a.model})` : a.proposer,
    a.accepted ? 'accepted' : 'rejected',
    `${f1(a.train.before)} -> ${f1(a.train.after)}`,
    `${f1(a.validation.before)} -> ${f1(a.validation.after)}`,
    (a.title ?? a.reason).replace(/\s+/g, ' ').slice(0, 80),
  ];
}

/** Columns padded to their widest cell, left-aligned. */
function columns(head: string[], rows: string[][]): string {
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((v, c) => v.padEnd(widths[c])).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export const historyCommand: Command = {
  name: 'history',
  summary: 'List the refinement attempts recorded for a rule file',
  usage: `Usage: arl history FILE [--rule R] [--json]

Reads .arl/<file>.trajectory.jsonl beside FILE: every attempt to change a rule (by arl learn or
the editor), with its figures on train and validation, whether it was accepted, and why.

Options:
  --rule R   only the attempts on rule R
  --json     the attempts as JSON, one object per attempt`,
  options: { rule: { type: 'string' }, json: { type: 'boolean' } },
  async run(positionals, values, io) {
    const file = await readRuleFile(positionals[0], io);
    const t = await readTrajectory(file.path, { rule: values.rule as string | undefined });
    const where = relative(io.cwd, t.path) || t.path;
    if (t.skipped) write(io.stderr, `arl history: skipped ${t.skipped} unreadable line${t.skipped === 1 ? '' : 's'} in ${where}.`);
    if (values.json) {
      write(io.stdout, JSON.stringify(t.attempts, null, 2));
      return 0;
    }
    if (!t.attempts.length) {
      write(io.stdout, `No attempts recorded${values.rule ? ` for \`${values.rule}\`` : ''} (${where}).`);
      return 0;
    }
    const lines = [columns(['time', 'rule', 'proposer', 'outcome', 'train F1', 'validation F1', 'change or reason'], t.attempts.map(row))];
    const accepted = t.attempts.filter((a) => a.accepted).length;
    lines.push('', `${t.attempts.length} attempts, ${accepted} accepted (${where}).`);
    write(io.stdout, lines.join('\n'));
    return 0;
  },
};
