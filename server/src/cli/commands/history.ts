// `arl history FILE`: the refinement attempts recorded for a rule file, with the search each came
// from and the edit shown in its context.
import { relative } from 'node:path';
import { readTrajectory, type Attempt, type AttemptFigures } from '../../refine/trajectory';
import { write, type Command } from '../command';
import { fmt, readRuleFile } from '../shared';

/** The file's objective on a split (point F1 in records older than the objective). */
function objective(f: AttemptFigures): string {
  const v = f.objective ?? f.f1;
  return v === null ? '-' : fmt(v, 2);
}

/** What the figures measure: `point F1` in older records. */
const measure = (a: Attempt) => a.objectiveName ?? 'point F1';

/**
 * The words that changed between two versions of a rule, with a few words around them:
 * "… recent < 3 and oos_ratio >= [30 -> 11.6])" says which `30` changed when a rule holds two.
 */
export function changeInContext(before: string, after: string, context = 3, max = 90): string {
  const a = tokens(before);
  const b = tokens(after);
  if (a.map((t) => t.text).join(' ') === b.map((t) => t.text).join(' ')) return '(no change)';
  let p = 0;
  while (p < a.length && p < b.length && a[p].text === b[p].text) p++;
  let s = 0;
  while (s < a.length - p && s < b.length - p && a[a.length - 1 - s].text === b[b.length - 1 - s].text) s++;
  // The original text between token positions (its own spacing kept, white space collapsed).
  const span = (src: string, ts: Token[], from: number, to: number) => (from >= to ? '' : src.slice(ts[from].start, ts[to - 1].end));
  const old = span(before, a, p, a.length - s);
  const now = span(after, b, p, b.length - s);
  // Where the change sits in `before`, and the gaps around it as written.
  const at = p < a.length ? a[p].start : before.trimEnd().length;
  const end = old ? a[a.length - s - 1].end : at;
  const lead = p > 0 ? before.slice(a[Math.max(0, p - context)].start, at) : '';
  const tail = s > 0 ? before.slice(end, a[Math.min(a.length, a.length - s + context) - 1].end) : '';
  const change = old && now ? `[${old} -> ${now}]` : old ? `[-${old}]` : `[+${now}]`;
  const spaced = (x: string, y: string) => (x && y && /\w$/.test(x) && /^\[/.test(y) ? `${x} ${y}` : x + y);
  const text = `${p > context ? '… ' : ''}${spaced(lead, change)}${tail}${s > context ? ' …' : ''}`.replace(/\s+/g, ' ');
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}

interface Token {
  text: string;
  start: number;
  end: number;
}

/** Names, numbers, strings, two-character operators and single characters, with their offsets. */
function tokens(s: string): Token[] {
  const re = /[A-Za-z_][A-Za-z0-9_]*|`[^`]*`|"(?:[^"\\]|\\.)*"|(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|>=|<=|==|!=|\S/g;
  return [...s.matchAll(re)].map((m) => ({ text: m[0], start: m.index!, end: m.index! + m[0].length }));
}

/** "L1.2": the first `arl learn` run in the file, its second search; "editor" for the editor's. */
function searchIds(attempts: Attempt[]): { id: (a: Attempt) => string; runs: { label: string; run: string; time: string }[] } {
  const runs = new Map<string, string>();
  const list: { label: string; run: string; time: string }[] = [];
  for (const a of attempts) {
    if (!a.run || runs.has(a.run)) continue;
    const label = `L${runs.size + 1}`;
    runs.set(a.run, label);
    list.push({ label, run: a.run, time: a.time });
  }
  return {
    id: (a) => (a.run ? `${runs.get(a.run)}${a.search ? `.${a.search}` : ''}` : a.reason === 'applied in the editor' ? 'editor' : a.proposer === 'anthropic' ? 'editor (LLM)' : '-'),
    runs: list,
  };
}

function outcome(a: Attempt): string {
  return a.undone ? 'undone' : a.accepted ? 'accepted' : 'rejected';
}

function row(a: Attempt, id: string, named: boolean): string[] {
  const change = a.before !== a.after ? changeInContext(a.before, a.after) : '';
  const why = a.accepted ? '' : a.reason.replace(/\s+/g, ' ');
  return [
    a.time.replace('T', ' ').slice(0, 19),
    id,
    a.rule,
    a.model ? `${a.proposer} (${a.model})` : a.proposer,
    outcome(a),
    `${objective(a.train.before)} -> ${objective(a.train.after)}${named ? '' : ` ${measure(a)}`}`,
    `${objective(a.validation.before)} -> ${objective(a.validation.after)}${named ? '' : ` ${measure(a)}`}`,
    [change, why && `(${why.length > 60 ? why.slice(0, 59) + '…' : why})`].filter(Boolean).join(' ') || (a.title ?? a.reason),
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
the editor), with the search it came from (L1.2: the first learn run listed, its second search;
editor: applied in the editor), the file's objective on train and validation (point F1, event
F1...), whether it was accepted (or
accepted and then undone in the editor), and the edit in its context ("oos_ratio >= [30 -> 35]").

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
    const ids = searchIds(t.attempts);
    // The objective in the header when every attempt measured the same one, else in each cell.
    const names = new Set(t.attempts.map(measure));
    const one = names.size === 1 ? [...names][0] : undefined;
    const head = one ? [`train ${one}`, `validation ${one}`] : ['train', 'validation'];
    const lines = [columns(['time', 'search', 'rule', 'proposer', 'outcome', ...head, 'change (and why, when rejected)'], t.attempts.map((a) => row(a, ids.id(a), !!one)))];
    const accepted = t.attempts.filter((a) => a.accepted && !a.undone).length;
    const undone = t.attempts.filter((a) => a.undone).length;
    lines.push('');
    for (const r of ids.runs) lines.push(`${r.label}: arl learn started ${r.time.replace('T', ' ').slice(0, 19)} (${r.label}.1, ${r.label}.2… are its searches)`);
    lines.push(`${t.attempts.length} attempt${t.attempts.length === 1 ? '' : 's'}, ${accepted} accepted${undone ? `, ${undone} undone in the editor` : ''} (${where}).`);
    write(io.stdout, lines.join('\n'));
    return 0;
  },
};
