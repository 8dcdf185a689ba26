// Refinement in the server: behavioural analyses and offline proposals of the current analysis,
// computed once per analysis and rule, and abandoned when the request is cancelled.
import type { Analysis } from '../engine/analyze';
import { analyzeRule, type RuleBehaviour } from '../refine/behaviour';
import { contextFromAnalysis, evaluate, type Evaluation, type RefineContext } from '../refine/context';
import { proposeOffline, type ProposeResult } from '../refine/offline';

interface Memo {
  ctx?: RefineContext;
  /** The file evaluated at the labelled points, shared by every rule's behaviour. */
  ev?: Evaluation;
  behaviours: Map<string, RuleBehaviour>;
  proposals: Map<string, Promise<ProposeResult>>;
  /** Searches that finished, for answers that must not wait. */
  settled: Map<string, ProposeResult>;
}

export class RefineService {
  private readonly memo = new WeakMap<Analysis, Memo>();
  maxGap = 0.1;

  private entry(a: Analysis): Memo {
    let m = this.memo.get(a);
    if (!m) this.memo.set(a, (m = { behaviours: new Map(), proposals: new Map(), settled: new Map() }));
    return m;
  }

  /** Whether the rule can be analysed (data loaded with labels, rule without errors). */
  canRefine(a: Analysis, rule: string): boolean {
    const k = a.program.rules.findIndex((r) => r.name === rule);
    return !!a.data?.frame.label && k >= 0 && !!a.program.rules[k].node;
  }

  context(a: Analysis): RefineContext {
    const m = this.entry(a);
    m.ctx ??= contextFromAnalysis(a);
    return m.ctx;
  }

  /** What is already known, without computing anything (for the lightbulb while typing). */
  known(a: Analysis, rule: string): { proposals?: ProposeResult; behaviour?: RuleBehaviour } {
    const m = this.memo.get(a);
    return { proposals: m?.settled.get(rule), behaviour: m?.behaviours.get(rule) };
  }

  behaviour(a: Analysis, rule: string): RuleBehaviour | undefined {
    if (!this.canRefine(a, rule)) return undefined;
    const m = this.entry(a);
    let b = m.behaviours.get(rule);
    if (!b) {
      const ctx = this.context(a);
      m.ev ??= evaluate(ctx, ctx.text, a);
      m.behaviours.set(rule, (b = analyzeRule(ctx, rule, { ev: m.ev })));
    }
    return b;
  }

  proposals(a: Analysis, rule: string, signal?: AbortSignal): Promise<ProposeResult> {
    const m = this.entry(a);
    let p = m.proposals.get(rule);
    if (!p) {
      p = proposeOffline(this.context(a), rule, { maxGap: this.maxGap, signal });
      m.proposals.set(rule, p);
      // A search cut short is not kept: the next request starts again.
      void p.then(
        (r) => (r.cancelled ? m.proposals.delete(rule) : m.settled.set(rule, r)),
        () => m.proposals.delete(rule),
      );
    }
    return p;
  }
}
