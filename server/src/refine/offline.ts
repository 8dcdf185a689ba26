// The offline proposer: deterministic edits of one rule, scored on the loaded data. Thresholds are
// set to their exact train optimum; structure changes add a conjunct (features ranked by Gini
// impurity), drop one, change an operator or a window. No network, same answer every time.
import * as A from '../../../grammar/src/ast';
import { paramAt } from '../../../grammar/src/check';
import { printExpr } from '../../../grammar/src/print';
import { evaluate, RefineError, requireRule, type Evaluation, type RefineContext, type SplitFigures } from './context';
import { giniCut, sweep, sweepObjective, type CutOp } from './cuts';
import { binary, boolExpr, chain, insideCall, literalValue, numberExpr, short, sourceOf, spliceRule, thresholdOf, withThreshold, type Threshold } from './edit';
import { fileFeatures, isStandardScore, trainValues } from './features';
import { zCutLimit } from './space';
import { byMerit, defaultMinGain, isProposal, judge, verdict, type Candidate, type Proposal, type Rejected } from './proposal';
import { lostParts } from './revive';

export interface OfflineOptions {
  /** Largest train-validation gap a proposal may leave (default: no limit). */
  maxGap?: number;
  /** Least gain on train, with the complexity cost (default 0.002). */
  minGain?: number;
  /** Proposals returned, best first (default 5). */
  limit?: number;
  /** Features tried as a new conjunct, the best by Gini impurity (default 4). */
  features?: number;
  signal?: AbortSignal;
  /** An evaluation of ctx.text already made. */
  ev?: Evaluation;
  /** Earlier versions of the rule (declaration texts, oldest first): what it lost is offered back. */
  past?: string[];
}

export interface ProposeResult {
  rule: string;
  /** File-level figures of ctx.text. */
  before: SplitFigures;
  /** Offered proposals, best first. */
  proposals: Proposal[];
  /** Everything else that was tried, and why it is not offered. */
  rejected: Rejected[];
  /** Candidates scored. */
  tried: number;
  /** The signal stopped the search before it was done: the lists hold what was scored. */
  cancelled: boolean;
}

/** Proposes better versions of rule `name` of ctx.text. */
export async function proposeOffline(ctx: RefineContext, name: string, opts: OfflineOptions = {}): Promise<ProposeResult> {
  const base = opts.ev ?? evaluate(ctx, ctx.text);
  const rule = requireRule(base, name);
  if (!base.program.rules.find((r) => r.decl === rule)?.node) throw new RefineError(`\`${name}\` has errors: fix them before refining it.`);
  const out: ProposeResult = { rule: name, before: base.split(), proposals: [], rejected: [], tried: 0, cancelled: false };
  const seen = new Set<string>([norm(base.text.slice(rule.start, rule.end))]);
  let last = performance.now();
  const consider = async (c: Candidate) => {
    if (opts.signal?.aborted) return;
    const key = norm(c.ruleText);
    if (seen.has(key)) return;
    seen.add(key);
    const r = judge(ctx, base, name, c, { maxGap: opts.maxGap, minGain: opts.minGain });
    out.tried++;
    if (isProposal(r)) out.proposals.push(r);
    else out.rejected.push(r);
    // Let other work (a cancellation, a newer request) in now and then.
    if (performance.now() - last > 30) {
      await new Promise((r) => setImmediate(r));
      last = performance.now();
    }
  };
  const tolerance = opts.minGain ?? defaultMinGain;
  const gen = new Generator(ctx, base, rule, opts.features ?? 4, tolerance);
  for (const step of [gen.thresholds, gen.conjuncts, gen.drops, gen.operators, gen.windows, gen.literals]) {
    for (const c of step.call(gen)) await consider(c);
    if (opts.signal?.aborted) break;
  }
  // Compound moves: what the rule had before and lost (a condition, a disjunct) brought back with
  // the thresholds of its disjunct tuned again beside it, judged as one change. Brought back
  // alone at its old threshold, a condition dropped while the other rules were still far off does
  // not pay, and the threshold beside it alone does not move either: two moves, each rejected.
  for (const c of gen.revivals(opts.past ?? [])) {
    if (opts.signal?.aborted) break;
    await consider(c);
    const tuned = tuneDisjunct(ctx, base, rule, c.ruleText, c.disjunct, tolerance);
    // A condition brought back must pay for itself at the tuned thresholds (not ride on the tuning).
    if (tuned && (!c.condition || paysForItself(ctx, base, rule, tuned.ruleText, c.disjunct, tolerance)))
      await consider({ kind: c.kind, title: `${c.title} and tune ${tuned.moves.join(', ')}`, ruleText: tuned.ruleText });
  }
  // Compound moves: a condition dropped and a threshold of what is left tuned again (a threshold
  // that another condition was making up for only moves once that condition is gone).
  for (const d of [...gen.drops()]) {
    if (opts.signal?.aborted) break;
    const text = base.text.slice(0, rule.start) + d.ruleText + base.text.slice(rule.end);
    const ev = evaluate(ctx, text);
    const decl = ev.rule(name);
    if (!decl || ev.errors.length > base.errors.length || !ev.program.rules.find((r) => r.decl === decl)?.node) continue;
    const inner = new Generator(ctx, ev, decl, opts.features ?? 4, opts.minGain ?? defaultMinGain);
    for (const t of inner.thresholds()) await consider({ kind: 'drop', title: `${d.title} and ${t.title.charAt(0).toLowerCase()}${t.title.slice(1)}`, ruleText: t.ruleText });
  }
  out.cancelled = !!opts.signal?.aborted;
  out.proposals.sort(byMerit);
  out.proposals = out.proposals.slice(0, opts.limit ?? 5);
  return out;
}

/**
 * Rule `rule` of base's text as `ruleText`, with the thresholds of its `disjunct`-th disjunct set to
 * their train optimum one after another, twice over at most (coordinate ascent). Undefined when no
 * threshold moves, or a version does not evaluate.
 */
function tuneDisjunct(ctx: RefineContext, base: Evaluation, rule: A.RuleDecl, ruleText: string, disjunct: number, tolerance: number): { ruleText: string; moves: string[] } | undefined {
  const name = rule.name!.name;
  let text = base.text.slice(0, rule.start) + ruleText + base.text.slice(rule.end);
  const moves: string[] = [];
  for (let round = 0; round < 2; round++) {
    let moved = false;
    for (let k = 0; ; k++) {
      const ev = evaluate(ctx, text);
      const decl = ev.rule(name);
      if (!decl?.expr || ev.errors.length > base.errors.length || !ev.program.rules.find((r) => r.decl === decl)?.node) return undefined;
      const gen = new Generator(ctx, ev, decl, 0, tolerance);
      const t = gen.thresholdList(disjunct)[k];
      if (!t) break;
      const v = gen.optima(t).best;
      if (v === undefined || v === t.value) continue;
      moves.push(`${num(t.value)} -> ${num(v)}`);
      text = text.slice(0, decl.start) + spliceRule(text, decl, t.cmp, withThreshold(t, v)) + text.slice(decl.end);
      moved = true;
    }
    if (!moved) break;
  }
  if (!moves.length) return undefined;
  const decl = evaluate(ctx, text).rule(name)!;
  return { ruleText: text.slice(decl.start, decl.end), moves };
}

/** Whether the last condition of the `disjunct`-th disjunct of `ruleText` passes the acceptance rule against the same rule without it. */
function paysForItself(ctx: RefineContext, base: Evaluation, rule: A.RuleDecl, ruleText: string, disjunct: number, minGain: number): boolean {
  const name = rule.name!.name;
  const withIt = evaluate(ctx, base.text.slice(0, rule.start) + ruleText + base.text.slice(rule.end));
  const decl = withIt.rule(name);
  const d = decl?.expr && chain(decl.expr, 'or')[disjunct];
  if (!decl || !d) return false;
  const parts = chain(d, 'and');
  let node: A.BinaryExpr | undefined;
  A.walkExpr(d, (e) => {
    if (e.kind === 'binary' && e.op === 'and' && e.right === parts[parts.length - 1]) node = e;
  });
  if (!node) return false;
  const without = evaluate(ctx, withIt.text.slice(0, decl.start) + spliceRule(withIt.text, decl, node, node.left) + withIt.text.slice(decl.end));
  return verdict(without, withIt, { minGain }).ok;
}

/** Something a rule lost, back in one disjunct (`condition`: a condition added to it, else a whole new disjunct). */
type Revival = Candidate & { disjunct: number; condition?: boolean };

function norm(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** Candidates for one rule, kind by kind. */
class Generator {
  private readonly text: string;
  private readonly expr: A.Expr;
  private readonly isAnomaly: Uint8Array;
  private readonly anomalies: number;

  constructor(
    private readonly ctx: RefineContext,
    private readonly base: Evaluation,
    private readonly rule: A.RuleDecl,
    private readonly topFeatures: number,
    /** Differences below this (the minimum gain) do not count when rounding a threshold. */
    private readonly tolerance = 0,
  ) {
    this.text = base.text;
    this.expr = rule.expr!;
    const idx = base.index('train');
    this.isAnomaly = idx.isAnomaly;
    this.anomalies = idx.anomalies;
  }

  private splice(target: A.Expr, by: A.Expr): string {
    return spliceRule(this.text, this.rule, target, by);
  }

  /** Whether the file fires at each labelled train point, with `target` replaced by true or false. */
  private firedWith(target: A.Expr, value: boolean): Uint8Array {
    return this.withValue(target, value).fired('train');
  }

  private withValue(target: A.Expr, value: boolean) {
    const ruleText = this.splice(target, boolExpr(value));
    const text = this.text.slice(0, this.rule.start) + ruleText + this.text.slice(this.rule.end);
    return evaluate(this.ctx, text);
  }

  private src(e: A.Span): string {
    return sourceOf(this.text, e);
  }

  /** The thresholds of the rule (comparisons with a number, read at the point itself), or of one of its disjuncts. */
  thresholdList(disjunct?: number): Threshold[] {
    const found: Threshold[] = [];
    const root = disjunct === undefined ? this.expr : chain(this.expr, 'or')[disjunct];
    A.walkExpr(root, (e) => {
      const t = thresholdOf(e);
      if (t && t.op !== '==' && t.op !== '!=' && !insideCall(this.expr, e)) found.push(t);
    });
    return found;
  }

  /**
   * The thresholds worth trying for t: the best for point F1 at labelled train points, and for the
   * file's objective over every point of train (events and alarms) when that is another objective;
   * each exact, and the roundest within the tolerance. `best` is the one to take when only one is.
   */
  optima(t: Threshold): { values: Set<number>; best?: number } {
    const node = this.base.program.nodeOf.get(t.subject);
    const values = new Set<number>();
    if (!node) return { values };
    const point = sweep(
      {
        values: trainValues(this.base, node),
        whenTrue: this.firedWith(t.cmp, true),
        whenFalse: this.firedWith(t.cmp, false),
        whenMissing: this.base.fired('train'),
        isAnomaly: this.isAnomaly,
        anomalies: this.anomalies,
      },
      t.op as CutOp,
      t.value,
      this.tolerance,
    );
    let best = point?.value;
    if (point && point.value !== t.value) values.add(point.value);
    if (point && point.round !== t.value) values.add(point.round);
    if (this.ctx.scoring.objective.objective.kind !== 'point_f1') {
      const full = this.ctx.data.evaluator.values(node);
      const o = sweepObjective(
        {
          values: typeof full === 'number' ? new Float64Array(this.ctx.data.frame.length).fill(full) : (full as Float64Array),
          whenTrue: this.withValue(t.cmp, true).fileFlags(),
          whenFalse: this.withValue(t.cmp, false).fileFlags(),
        },
        t.op as CutOp,
        this.ctx.scoring.objective.objective,
        this.ctx.scoring.events('train'),
        t.value,
        this.tolerance,
      );
      if (o && o.value !== t.value) values.add(o.value);
      if (o && o.round !== t.value) values.add(o.round);
      if (o) best = o.value;
    }
    if (isStandardScore(node)) {
      for (const v of values) if (Math.abs(v) > zCutLimit) values.delete(v);
      if (best !== undefined && Math.abs(best) > zCutLimit) best = undefined;
    }
    return { values, best };
  }

  /** Each threshold at its exact train optimum (comparisons read at the point itself). */
  *thresholds(): Iterable<Candidate> {
    const found = this.thresholdList();
    for (const t of found) {
      const { values } = this.optima(t);
      const same = found.filter((x) => x.value === t.value).length > 1;
      for (const v of values) {
        yield {
          kind: 'threshold',
          title: `Tune threshold ${num(t.value)} -> ${num(v)}${same ? ` of \`${short(this.src(t.subject), 30)}\`` : ''}`,
          ruleText: this.splice(t.cmp, withThreshold(t, v)),
        };
      }
    }
  }

  /** A new condition `feature op cut` on one disjunct: features ranked by Gini, cut by Gini and by exact F1. */
  *conjuncts(): Iterable<Candidate> {
    const disjuncts = chain(this.expr, 'or');
    const features = fileFeatures(this.base);
    const whenTrue = this.base.fired('train');
    for (const d of disjuncts) {
      const whenFalse = this.firedWith(d, false);
      const dep: number[] = [];
      for (let k = 0; k < whenTrue.length; k++) if (whenTrue[k] !== whenFalse[k]) dep.push(k);
      if (dep.length < 2) continue;
      const ranked = features
        .map((f) => {
          const values = trainValues(this.base, f.node);
          return { f, values, cut: giniCut(values, this.isAnomaly, dep) };
        })
        .filter((x) => x.cut && x.cut.gain > 0)
        .sort((a, b) => b.cut!.gain - a.cut!.gain || a.f.text.localeCompare(b.f.text))
        .slice(0, this.topFeatures);
      const where = disjuncts.length > 1 ? ` to \`${short(this.src(d), 36)}\`` : '';
      for (const { f, values, cut } of ranked) {
        const exact = sweep({ values, whenTrue, whenFalse, whenMissing: whenFalse, isAnomaly: this.isAnomaly, anomalies: this.anomalies }, cut!.op);
        // A standard score cut beyond the bound separates points by how flat the window was (space.ts).
        const cuts = [cut!.cut, ...(exact ? [exact.value] : [])].filter((c) => !isStandardScore(f.node) || Math.abs(c) <= zCutLimit);
        for (const value of new Set(cuts)) {
          const cond = binary(cut!.op, f.expr, numberExpr(value));
          // Inside the disjunct's own parentheses, or in new ones when other disjuncts follow.
          const inner = d.kind === 'paren' ? d.expr : d;
          const added = binary('and', inner, cond);
          const by: A.Expr = d.kind !== 'paren' && disjuncts.length > 1 ? { kind: 'paren', expr: added, start: 0, end: 0 } : added;
          yield { kind: 'add-conjunct', title: `Add \`${printExpr(cond)}\`${where}`, ruleText: this.splice(inner, by) };
        }
      }
    }
  }

  /**
   * What the rule had in earlier versions and has lost (revive.ts): a disjunct, as a new last
   * disjunct; a condition, added to each disjunct.
   */
  *revivals(past: string[]): Iterable<Revival> {
    const lost = lostParts(this.expr, past);
    const disjuncts = chain(this.expr, 'or');
    const end = this.expr.end;
    for (const d of lost.disjuncts) {
      const u = A.unparen(d);
      const part = u.kind === 'binary' && (u.op === 'and' || u.op === 'or') ? `(${printExpr(u)})` : printExpr(u);
      const ruleText = this.text.slice(this.rule.start, end) + ` or ${part}` + this.text.slice(end, this.rule.end);
      yield { kind: 'revive', title: `Bring back \`or ${short(part, 40)}\``, ruleText, disjunct: disjuncts.length };
    }
    for (const c of lost.conditions) {
      for (const [di, d] of disjuncts.entries()) {
        const inner = d.kind === 'paren' ? d.expr : d;
        const added = binary('and', inner, c);
        const by: A.Expr = d.kind !== 'paren' && disjuncts.length > 1 ? { kind: 'paren', expr: added, start: 0, end: 0 } : added;
        const where = disjuncts.length > 1 ? ` to \`${short(this.src(d), 36)}\`` : '';
        yield { kind: 'revive', title: `Bring back \`and ${short(printExpr(c), 40)}\`${where}`, ruleText: this.splice(inner, by), disjunct: di, condition: true };
      }
    }
  }

  /** Each side of each `and` / `or`, dropped. */
  *drops(): Iterable<Candidate> {
    const logic: A.BinaryExpr[] = [];
    A.walkExpr(this.expr, (e) => {
      if (e.kind === 'binary' && (e.op === 'and' || e.op === 'or')) logic.push(e);
    });
    for (const e of logic) {
      yield { kind: 'drop', title: `Drop \`${short(this.src(e.right), 40)}\``, ruleText: this.splice(e, e.left) };
      yield { kind: 'drop', title: `Drop \`${short(this.src(e.left), 40)}\``, ruleText: this.splice(e, e.right) };
    }
  }

  /** Strict and non-strict comparisons swapped; `and` and `or` swapped. */
  *operators(): Iterable<Candidate> {
    const swap: Partial<Record<A.BinaryOp, A.BinaryOp>> = { '<': '<=', '<=': '<', '>': '>=', '>=': '>', and: 'or', or: 'and' };
    const nodes: A.BinaryExpr[] = [];
    A.walkExpr(this.expr, (e) => {
      if (e.kind === 'binary' && swap[e.op]) nodes.push(e);
    });
    for (const e of nodes) {
      const op = swap[e.op]!;
      const changed = binary(op, e.left, e.right);
      const title =
        e.op === 'and' || e.op === 'or'
          ? `Change \`${e.op}\` to \`${op}\` in \`${short(this.src(e), 40)}\``
          : `Change \`${short(this.src(e), 40)}\` to \`${short(printExpr(changed), 40)}\``;
      yield { kind: 'operator', title, ruleText: this.splice(e, changed) };
    }
  }

  /** Window lengths and step counts written in the rule, halved, doubled, one less, one more. */
  *windows(): Iterable<Candidate> {
    const max = this.ctx.schema.maxSeriesLength;
    const calls: A.CallExpr[] = [];
    A.walkExpr(this.expr, (e) => {
      if (e.kind === 'call') calls.push(e);
    });
    for (const call of calls) {
      const info = this.base.check.calls.get(call);
      if (!info) continue;
      for (let i = 0; i < info.args.length; i++) {
        const arg = info.args[i];
        const p = paramAt(info.spec, i);
        if (!arg || (p.name !== 'w' && p.name !== 'k')) continue;
        const v = literalValue(arg);
        if (v === undefined) continue;
        const options = [...new Set([v - 1, v + 1, Math.round(v / 2), v * 2])].filter((n) => n !== v && n >= (p.min ?? 1));
        for (const n of options) {
          const history = info.spec.history({ ...info.consts, [p.name]: n });
          if (history >= max) continue;
          const what = p.name === 'w' ? 'Window' : 'Steps';
          yield { kind: 'window', title: `${what} ${v} -> ${n} in \`${short(this.src(call), 40)}\``, ruleText: this.splice(arg, numberExpr(n)) };
        }
      }
    }
  }

  /** Other numbers (factors, thresholds read inside a window) on a grid around their value. */
  *literals(): Iterable<Candidate> {
    const constArgs = new Set<A.Expr>();
    for (const info of this.base.check.calls.values()) {
      info.args.forEach((a, i) => {
        if (a && paramAt(info.spec, i).constant) constArgs.add(A.unparen(a));
      });
    }
    const tuned = new Set<A.Expr>();
    A.walkExpr(this.expr, (e) => {
      const t = thresholdOf(e);
      if (t && !insideCall(this.expr, e) && t.op !== '==' && t.op !== '!=') A.walkExpr(t.flipped ? t.cmp.left : t.cmp.right, (n) => void tuned.add(n));
    });
    const literals: A.NumberExpr[] = [];
    A.walkExpr(this.expr, (e) => {
      if (e.kind === 'number' && !constArgs.has(e) && !tuned.has(e)) literals.push(e);
    });
    for (const lit of literals) {
      const v = lit.value;
      const values = new Set([0.5, 0.75, 0.9, 1.1, 1.25, 1.5, 2].map((f) => roundish(v * f)).filter((x) => x !== v && Number.isFinite(x)));
      if (v === 0) values.add(1).add(0.5);
      for (const n of values) {
        if (n < 0) continue;
        yield { kind: 'literal', title: `Change ${num(v)} -> ${num(n)} in \`${short(this.src(this.parentOf(lit) ?? lit), 40)}\``, ruleText: this.splice(lit, numberExpr(n)) };
      }
    }
  }

  private parentOf(target: A.Expr): A.Expr | undefined {
    let found: A.Expr | undefined;
    A.walkExpr(this.expr, (e, parent) => {
      if (e === target) found = parent;
    });
    return found;
  }
}

/** A number as the rule will read. */
function num(v: number): string {
  return printExpr(numberExpr(v));
}

/** Two significant digits. */
function roundish(x: number): number {
  if (x === 0) return 0;
  const k = Math.floor(Math.log10(Math.abs(x))) - 1;
  return Number((Math.round(x / 10 ** k) * 10 ** k).toFixed(Math.max(0, -k)));
}
