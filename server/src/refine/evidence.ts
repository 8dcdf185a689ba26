// What a rule looks like at one point: the value of each of its parts, which conjunct kept it from
// firing, the series' recent values. Behavioural analysis and prompts are built from these.
import * as A from '../../../grammar/src/ast';
import { formatTime } from '../engine/frame';
import { FALSE, TRUE } from '../engine/kernels';
import type { PlanNode } from '../engine/plan';
import type { Evaluation } from './context';
import { chain, isCompare, sourceOf, thresholdOf, type Threshold } from './edit';

export interface ValueAt {
  /** ARL text of the sub-expression. */
  expr: string;
  /** Null when missing. */
  value: number | null;
  /** For a comparison with a number: what it needs, e.g. `>= 35`. */
  needs?: string;
  /** Whether that comparison holds (null: unknown, a value is missing). */
  holds?: boolean | null;
}

export interface PointEvidence {
  /** Index of the point in the loaded frame, and where it is in the data. */
  point: number;
  series: string;
  time: string;
  anomaly: boolean;
  /** The last values (oldest first, this point last) of each column the rule reads. */
  recent: { column: string; values: (number | null)[] }[];
  values: ValueAt[];
  /** For a missed anomaly: the conjunct(s) that kept it from firing (ARL text, `and` between several)... */
  blockedBy?: string;
  /** ...in this rule, or the exclude that removed it (`exclude drop`). */
  blockedIn?: string;
  /** The labeller's reason, when the dataset has a reason column. */
  reason?: string;
  /** The values as one line: `oos_ratio = 34.2 (needs >= 35), z = 6.1`. */
  text: string;
}

/** Numbers for people: up to three decimals, no trailing zeros. */
export function fmtValue(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return 'missing';
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return String(Number(v.toFixed(a >= 100 ? 1 : a >= 1 ? 2 : 3)));
}

interface Conjunct {
  expr: A.Expr;
  text: string;
  node: PlanNode;
  threshold?: Threshold;
}

/** A rule's parts, evaluated, ready to be read at any point. */
export class RuleView {
  readonly name: string;
  readonly disjuncts: Conjunct[][];
  /** The comparisons of each disjunct. */
  private readonly cmps: { threshold?: Threshold; left: PlanNode; right: PlanNode; node: PlanNode; leftText: string; rightText: string }[][];
  readonly columns: string[];

  constructor(
    readonly ev: Evaluation,
    readonly decl: A.RuleDecl,
  ) {
    this.name = decl.name!.name;
    const text = ev.text;
    const nodeOf = (e: A.Expr) => ev.program.nodeOf.get(e)!;
    this.disjuncts = chain(decl.expr!, 'or').map((d) =>
      chain(d, 'and').map((c) => {
        const inner = A.unparen(c);
        return { expr: c, text: sourceOf(text, c), node: nodeOf(c), threshold: thresholdOf(inner) };
      }),
    );
    this.cmps = chain(decl.expr!, 'or').map((d) => {
      const out: RuleView['cmps'][number] = [];
      A.walkExpr(d, (e) => {
        if (!isCompare(e)) return;
        // Comparisons of numbers only: not of categories, nor inside a column group (no single node).
        const [left, right, node] = [ev.program.nodeOf.get(e.left), ev.program.nodeOf.get(e.right), ev.program.nodeOf.get(e)];
        if (!left || !right || !node || left.kind !== 'number' || right.kind !== 'number') return;
        out.push({ threshold: thresholdOf(e), left, right, node, leftText: sourceOf(text, e.left), rightText: sourceOf(text, e.right) });
      });
      return out;
    });
    this.columns = columnsRead(ev, decl.expr!);
  }

  private at(node: PlanNode, i: number): number {
    const v = this.ev.ctx.data.evaluator.values(node);
    return typeof v === 'number' ? v : v[i];
  }

  /** How far a conjunct is from flipping at point i, relative to its threshold (Infinity: not a comparison). */
  private margin(c: Conjunct, i: number): number {
    if (!c.threshold) return Infinity;
    const v = this.at(this.ev.program.nodeOf.get(c.threshold.subject)!, i);
    if (v !== v) return Infinity;
    return Math.abs(v - c.threshold.value) / Math.max(Math.abs(c.threshold.value), 1e-9);
  }

  /** For a point where the rule does not fire: the disjunct closest to firing and what fails in it. */
  closest(i: number): { failing: Conjunct[]; margin: number; size: number; disjunct: number } {
    let best: { failing: Conjunct[]; margin: number; size: number; disjunct: number } | undefined;
    this.disjuncts.forEach((d, disjunct) => {
      const failing = d.filter((c) => this.at(c.node, i) !== TRUE);
      const margin = failing.reduce((s, c) => s + this.margin(c, i), 0);
      if (!best || failing.length < best.failing.length || (failing.length === best.failing.length && margin < best.margin)) best = { failing, margin, size: d.length, disjunct };
    });
    return best!;
  }

  /** A miss the rule nearly caught: one conjunct fails, and it is either one of several or within 20% of its threshold. */
  nearMiss(i: number): Conjunct | undefined {
    const c = this.closest(i);
    if (c.failing.length !== 1) return undefined;
    return c.size > 1 || c.margin <= 0.2 ? c.failing[0] : undefined;
  }

  /** For a point where the rule fires: how close its firing disjunct is to not firing. */
  firingMargin(i: number): number {
    let best = -Infinity;
    for (const d of this.disjuncts) {
      if (!d.every((c) => this.at(c.node, i) === TRUE)) continue;
      best = Math.max(best, Math.min(...d.map((c) => this.margin(c, i))));
    }
    return best;
  }

  /** Values of the comparisons of the disjunct that fires at i, or of the one closest to firing. */
  values(i: number): ValueAt[] {
    const out: ValueAt[] = [];
    const seen = new Set<string>();
    const add = (v: ValueAt) => {
      if (seen.has(v.expr + (v.needs ?? ''))) return;
      seen.add(v.expr + (v.needs ?? ''));
      out.push(v);
    };
    const num = (node: PlanNode) => {
      const v = this.at(node, i);
      return v === v ? v : null;
    };
    for (const c of this.cmps[this.closest(i).disjunct]) {
      const h = this.at(c.node, i);
      const holds = h === TRUE ? true : h === FALSE ? false : null;
      if (c.threshold) {
        const t = c.threshold;
        add({ expr: sourceOf(this.ev.text, t.subject), value: num(this.ev.program.nodeOf.get(t.subject)!), needs: `${t.op} ${fmtValue(t.value)}`, holds });
      } else {
        add({ expr: c.leftText, value: num(c.left) });
        add({ expr: c.rightText, value: num(c.right) });
      }
    }
    return out;
  }

  evidence(i: number, blockedBy?: string, blockedIn?: string): PointEvidence {
    const f = this.ev.ctx.data.frame;
    const s = f.seriesOf[i];
    const from = Math.max(f.seriesStart[s], i - 5);
    const recent = this.columns.map((column) => {
      const col = f.columns.get(column)!;
      const values: (number | null)[] = [];
      for (let j = from; j <= i; j++) values.push(col[j] === col[j] ? col[j] : null);
      return { column, values };
    });
    const values = this.values(i);
    const reasonCol = this.ev.ctx.roles.reason;
    const reason = reasonCol ? f.text.get(reasonCol)?.[i] || undefined : undefined;
    return {
      point: i,
      series: f.seriesIds[s],
      time: formatTime(f, f.time[i]),
      anomaly: f.label?.[i] === 1,
      recent,
      values,
      blockedBy,
      blockedIn,
      reason,
      text: values.map((v) => `${v.expr} = ${fmtValue(v.value)}${v.needs ? ` (needs ${v.needs})` : ''}`).join(', '),
    };
  }
}

/** Dataset columns an expression reads, through lets. */
export function columnsRead(ev: Evaluation, expr: A.Expr): string[] {
  const out = new Set<string>();
  const seen = new Set<A.LetDecl>();
  const visit = (e: A.Expr | undefined) =>
    A.walkExpr(e, (x) => {
      if (x.kind !== 'name') return;
      const l = ev.check.lets.get(x.name);
      if (l) {
        if (!seen.has(l)) {
          seen.add(l);
          visit(l.expr);
        }
      } else if (ev.ctx.data.frame.columns.has(x.name)) out.add(x.name);
    });
  visit(expr);
  return [...out];
}
