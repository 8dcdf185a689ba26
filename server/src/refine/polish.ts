// Rounding the chosen rules' thresholds. A search sets each threshold at its train optimum (11.4,
// 4.7, -0.63); a rounder number near it (12, 5, -0.6) often scores the same and reads better. Each
// threshold, one at a time, moves to the roundest nearby number at which neither the file's
// objective nor the rule's own F1, on train and validation together (counts summed over both), is
// lower; the higher objective first, then fewer alarms on those splits. Like the choice among
// versions, this reads validation: figures after it are not held out. Test is not read.
import { OUTSIDE } from '../engine/events';
import { evaluate, type Evaluation, type RefineContext } from './context';
import { spliceRule, withThreshold } from './edit';
import { pooledObjective, thresholdsOf } from './refit';

export interface PolishResult {
  text: string;
  /** Thresholds rounded, in order: rule, from, to, and the file's text after the move. */
  moved: { rule: string; from: number; to: number; text: string }[];
}

/** Rounder numbers within this share of a threshold's magnitude. */
const reach = 0.25;

/** Significant digits of x as the rule prints it (at most 15). */
function digitsOf(x: number): number {
  const s = Math.abs(x).toExponential().split('e')[0].replace('.', '').replace(/0+$/, '');
  return Math.max(1, s.length);
}

/** Numbers with fewer significant digits than x (and half steps), within `reach` of it, roundest first. */
export function rounder(x: number): number[] {
  if (!Number.isFinite(x) || x === 0) return [];
  const d = digitsOf(x);
  const mag = Math.floor(Math.log10(Math.abs(x)));
  const out: number[] = [];
  for (let s = 1; s < d; s++) {
    // Whole steps of this many digits, then half steps, each nearest first.
    for (const step of [10 ** (mag - s + 1), 5 * 10 ** (mag - s)]) {
      const digits = Math.max(0, -Math.floor(Math.log10(step)));
      const near = [Math.floor(x / step), Math.ceil(x / step)].map((m) => Number((m * step).toFixed(digits))).sort((a, b) => Math.abs(a - x) - Math.abs(b - x));
      for (const c of near) if (c !== x && Math.abs(c - x) <= reach * Math.abs(x) && !out.includes(c)) out.push(c);
    }
  }
  return out;
}

/** Points flagged on train and validation (labelled or not). */
function alarmsOf(ev: Evaluation): number {
  const flags = ev.fileFlags();
  const a = ev.ctx.scoring.events('train').kind;
  const b = ev.ctx.scoring.events('validation').kind;
  let n = 0;
  for (let i = 0; i < flags.length; i++) if (flags[i] && (a[i] !== OUTSIDE || b[i] !== OUTSIDE)) n++;
  return n;
}

/** Point F1 of rule `name` alone on train and validation together. */
function ownF1(ev: Evaluation, name: string): number {
  let tp = 0;
  let fp = 0;
  let anomalies = 0;
  for (const split of ['train', 'validation'] as const) {
    const f = ev.ruleFigures(split).find((r) => r.name === name);
    if (f) (tp += f.tp), (fp += f.fp), (anomalies += f.tp + f.fn);
  }
  return tp ? (2 * tp) / (tp + fp + anomalies) : 0;
}

/**
 * The text with the thresholds of `rules` (default: every rule) rounded where neither the file's
 * objective nor the rule's own F1, on train and validation together, is lower.
 */
export function polish(ctx: RefineContext, text: string, opts: { rules?: string[]; signal?: AbortSignal } = {}): PolishResult {
  let ev = evaluate(ctx, text);
  let cur = { v: pooledObjective(ev), alarms: alarmsOf(ev) };
  const moved: PolishResult['moved'] = [];
  const names = ev.program.rules.filter((r) => r.node).map((r) => r.name);
  for (const name of opts.rules ? names.filter((n) => opts.rules!.includes(n)) : names) {
    const own = ownF1(ev, name);
    for (let k = 0; ; k++) {
      if (opts.signal?.aborted) return { text: ev.text, moved };
      const decl = ev.rule(name);
      const t = decl && thresholdsOf(decl)[k];
      if (!decl || !t) break;
      let best: { ev: Evaluation; v: number; alarms: number; to: number } | undefined;
      for (const c of rounder(t.value)) {
        const next = evaluate(ctx, ev.text.slice(0, decl.start) + spliceRule(ev.text, decl, t.cmp, withThreshold(t, c)) + ev.text.slice(decl.end));
        if (next.errors.length) continue;
        const v = pooledObjective(next);
        // A rule that others cover could move anywhere at no cost to the file: its own F1 holds it.
        if (v < cur.v - 1e-12 || ownF1(next, name) < own - 1e-12) continue;
        const alarms = alarmsOf(next);
        // Candidates come roundest first: a later one must be strictly better to win.
        if (!best || v > best.v + 1e-12 || (Math.abs(v - best.v) <= 1e-12 && alarms < best.alarms)) best = { ev: next, v, alarms, to: c };
      }
      if (best) {
        moved.push({ rule: name, from: t.value, to: best.to, text: best.ev.text });
        ev = best.ev;
        cur = best;
      }
    }
  }
  return { text: ev.text, moved };
}
