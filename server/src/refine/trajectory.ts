// The trajectory: every refinement attempt on a rule file, one JSON line each, appended to
// `.arl/<file name>.trajectory.jsonl` beside the file. Append-only; a line torn by a crash (or any
// line that is not an attempt) is skipped when reading, and the next append starts on a new line.
// Written and read through io/safefs: never through a link, never outside the workspace.
import { randomUUID } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { appendArlLine, readArlFile } from '../io/safefs';
import type { Figures, SplitFigures } from './context';

/** Figures on one split; null where undefined (nothing fired, no anomalies) or not measured. */
export interface AttemptFigures {
  precision: number | null;
  recall: number | null;
  f1: number | null;
  /** The file's objective (point F1, event F1 or F-beta) on the split. */
  objective?: number | null;
  tp?: number;
  fp?: number;
  fn?: number;
}

export interface Attempt {
  id: string;
  /** ISO time the attempt was made. */
  time: string;
  /** The rule file's name. */
  file: string;
  rule: string;
  /** Who proposed it: `offline`, `anthropic`, `user`... */
  proposer: string;
  model?: string;
  /** The kind of edit and its title, when known. */
  kind?: string;
  title?: string;
  /** The rule's text before and after. */
  before: string;
  after: string;
  /** The behavioural analysis the attempt started from (one line). */
  analysis: string;
  /** The file's objective when the attempt was made (`point F1`, `event F1`...); absent in older records, which measured point F1. */
  objectiveName?: string;
  /** File-level figures before and after, on train and validation. */
  train: { before: AttemptFigures; after: AttemptFigures };
  validation: { before: AttemptFigures; after: AttemptFigures };
  accepted: boolean;
  /** Why it was accepted or rejected. */
  reason: string;
  tokens?: { input: number; output: number };
  durationMs: number;
  /**
   * Not stored with the attempt: set when reading, from the undo and redo records that follow it.
   * An applied proposal the user undid (and did not redo) is `undone`, since the time given.
   */
  undone?: string;
  /** The `arl learn` run, its search (1-based, of --candidates) and iteration, when it came from one. */
  run?: string;
  search?: number;
  iteration?: number;
}

/** Where the trajectory of a rule file lives. */
export function trajectoryPath(ruleFile: string): string {
  return join(dirname(ruleFile), '.arl', `${basename(ruleFile)}.trajectory.jsonl`);
}

function num(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

export function attemptFigures(f: Figures | undefined): AttemptFigures {
  if (!f) return { precision: null, recall: null, f1: null };
  return { precision: num(f.precision), recall: num(f.recall), f1: num(f.f1), objective: num(f.objective), tp: f.tp, fp: f.fp, fn: f.fn };
}

export type NewAttempt = Omit<Attempt, 'id' | 'time' | 'train' | 'validation' | 'file'> & {
  before: string;
  figuresBefore: SplitFigures;
  /** Absent for a proposal that could not be scored (invalid ARL, an error). */
  figuresAfter?: SplitFigures;
};

/** An attempt record with its id, time and figures filled in. */
export function makeAttempt(ruleFile: string, a: NewAttempt): Attempt {
  const { figuresBefore, figuresAfter, ...rest } = a;
  return {
    id: randomUUID(),
    time: new Date().toISOString(),
    file: basename(ruleFile),
    ...rest,
    train: { before: attemptFigures(figuresBefore.train), after: attemptFigures(figuresAfter?.train) },
    validation: { before: attemptFigures(figuresBefore.validation), after: attemptFigures(figuresAfter?.validation) },
  };
}

/**
 * The user undid (or redid) an applied proposal in the editor: a record of its own, so the attempt
 * line is never rewritten. Readers apply it to the attempt it names.
 */
export interface EditRecord {
  record: 'undo' | 'redo';
  id: string;
  time: string;
  file: string;
  rule: string;
  /** The id of the applied attempt. */
  attempt: string;
}

export function makeEditRecord(ruleFile: string, record: EditRecord['record'], attempt: Pick<Attempt, 'id' | 'rule'>): EditRecord {
  return { record, id: randomUUID(), time: new Date().toISOString(), file: basename(ruleFile), rule: attempt.rule, attempt: attempt.id };
}

function isEditRecord(x: unknown): x is EditRecord {
  const r = x as EditRecord;
  return typeof r === 'object' && r !== null && (r.record === 'undo' || r.record === 'redo') && typeof r.attempt === 'string' && typeof r.time === 'string';
}

/** One record as one JSON line (U+2028 and U+2029 escaped too, so no reader sees a line break). */
export function attemptLine(attempt: Attempt | EditRecord): string {
  return JSON.stringify(attempt).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/**
 * Appends one attempt (or an undo / redo record) as one line. Creates `.arl/` when needed; refuses
 * (UnsafePathError) a link or a special file there, and a rule file whose folder is outside `roots`
 * (when given).
 */
export async function appendAttempt(ruleFile: string, attempt: Attempt | EditRecord, opts: { roots?: string[] } = {}): Promise<void> {
  await appendArlLine(dirname(ruleFile), `${basename(ruleFile)}.trajectory.jsonl`, attemptLine(attempt), opts.roots);
}

export interface TrajectoryRead {
  path: string;
  /** In the order they were made. */
  attempts: Attempt[];
  /** Lines that could not be read (a torn last line, hand edits). */
  skipped: number;
}

function isAttempt(x: unknown): x is Attempt {
  const a = x as Attempt;
  return (
    typeof a === 'object' &&
    a !== null &&
    typeof a.id === 'string' &&
    typeof a.rule === 'string' &&
    typeof a.before === 'string' &&
    typeof a.after === 'string' &&
    typeof a.accepted === 'boolean' &&
    typeof a.train === 'object' &&
    typeof a.validation === 'object'
  );
}

/** Parses trajectory text, skipping lines that are not attempts; undo and redo records mark the attempts they name. */
export function parseTrajectory(text: string): { attempts: Attempt[]; skipped: number } {
  const attempts: Attempt[] = [];
  const byId = new Map<string, Attempt>();
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const x = JSON.parse(line);
      if (isAttempt(x)) {
        delete x.undone;
        attempts.push(x);
        byId.set(x.id, x);
      } else if (isEditRecord(x)) {
        const a = byId.get(x.attempt);
        if (!a) skipped++;
        else if (x.record === 'undo') a.undone = x.time;
        else delete a.undone;
      } else skipped++;
    } catch {
      skipped++;
    }
  }
  return { attempts, skipped };
}

/** The attempts recorded for a rule file (all rules, or one); none when there is no file yet. */
export async function readTrajectory(ruleFile: string, opts: { rule?: string } = {}): Promise<TrajectoryRead> {
  const path = trajectoryPath(ruleFile);
  const text = (await readArlFile(dirname(ruleFile), `${basename(ruleFile)}.trajectory.jsonl`)) ?? '';
  const r = parseTrajectory(text);
  return { path, attempts: opts.rule ? r.attempts.filter((a) => a.rule === opts.rule) : r.attempts, skipped: r.skipped };
}
