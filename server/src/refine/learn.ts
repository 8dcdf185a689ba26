// Headless learning: the iterative refinement of the seed paper's Algorithm 1 inside its learning
// framework (B.2.3). Each iteration analyses every target rule on train, asks the proposer for new
// versions and keeps the best one that raises train F1 with the train-validation gap within bounds.
// Learning stops at the target F1, after `patience` iterations without gain, or after N. Several
// independent searches run (each starts from a different first move); the final rules are chosen
// on the validation split. The test split is read once, at the very end, to report.
import { analyzeRule } from './behaviour';
import { evaluate, f1Of, requireRule, withText, type Evaluation, type Figures, type RefineContext, type SplitFigures } from './context';
import { sourceOf } from './edit';
import { describeLlmError, proposeWithLlm, type LlmFailure, type LlmOptions, type Tokens } from './llm';
import { proposeOffline, type ProposeResult } from './offline';
import { f2, type Proposal, type Rejected } from './proposal';
import { score } from '../engine/metrics';
import { makeAttempt, type Attempt, type NewAttempt } from './trajectory';

export interface ProposerInput {
  /** The context with the current text. */
  ctx: RefineContext;
  ev: Evaluation;
  rule: string;
  /** One line of behavioural analysis. */
  analysis: string;
  /** Earlier attempts on the file, oldest first. */
  history: Attempt[];
  maxGap: number;
  signal?: AbortSignal;
}

export interface ProposerOutput {
  /** Offered proposals, best first. */
  proposals: Proposal[];
  rejected: Rejected[];
  tokens?: Tokens;
  error?: LlmFailure;
}

export interface Proposer {
  /** Recorded in the trajectory: `offline`, `anthropic`. */
  name: string;
  model?: string;
  /** Whether every scored candidate goes into the trajectory (the LLM's few), or only the chosen one (the offline search's many). */
  recordsAll: boolean;
  propose(input: ProposerInput): Promise<ProposerOutput>;
}

/** The deterministic proposer; searches already made for a text are remembered. */
export function offlineProposer(opts: { features?: number } = {}): Proposer {
  const memo = new Map<string, ProposeResult>();
  return {
    name: 'offline',
    recordsAll: false,
    async propose(i) {
      const key = `${i.rule}\u0000${i.ctx.text}`;
      let r = memo.get(key);
      if (!r) {
        r = await proposeOffline(i.ctx, i.rule, { ev: i.ev, maxGap: i.maxGap, signal: i.signal, features: opts.features, limit: 8 });
        if (!r.cancelled) memo.set(key, r);
      }
      return r;
    },
  };
}

/** The LLM proposer (Anthropic's Messages API). */
export function llmProposer(llm: LlmOptions & { count?: number }): Proposer {
  return {
    name: 'anthropic',
    model: llm.model,
    recordsAll: true,
    async propose(i) {
      try {
        return await proposeWithLlm(i.ctx, i.rule, { ...llm, signal: i.signal ?? llm.signal, ev: i.ev, history: i.history, maxGap: i.maxGap });
      } catch (e) {
        return { proposals: [], rejected: [], error: describeLlmError(e) };
      }
    },
  };
}

export type Split3 = 'train' | 'validation' | 'test';
export type AllFigures = Record<Split3, Figures>;

export interface LearnProgress {
  restart: number;
  restarts: number;
  iteration: number;
  iterations: number;
  rule: string;
  /** File F1 on train and validation of the current text. */
  trainF1: number;
  validationF1: number;
  /** The best text so far over all searches (chosen as the end would choose: on validation). */
  best: { train: number; validation: number; search: number };
  /** Of the whole learning, 0 to 1. */
  fraction: number;
}

export interface LearnOptions {
  /** Rules to learn; empty or absent: every rule that can be evaluated. */
  rules?: string[];
  proposer: Proposer;
  /** Iterations per search (default 10). */
  iterations?: number;
  /** Stop once file F1 on train reaches this (default 1: never early). */
  targetF1?: number;
  /** Stop after this many iterations without gain (default 3). */
  patience?: number;
  /** Independent searches (default 1). */
  candidates?: number;
  /** Largest train-validation F1 gap an accepted change may leave (default 0.1). */
  maxGap?: number;
  signal?: AbortSignal;
  onProgress?: (p: LearnProgress) => void;
  /** Called when a search ends, with its outcome. */
  onSearchDone?: (run: LearnRun, searches: number) => void;
  /** Receives every attempt (e.g. to append it to the trajectory file). */
  record?: (a: Attempt) => void | Promise<void>;
  /** Earlier attempts, for the prompts. */
  history?: Attempt[];
  /** The rule file's path or name, recorded with each attempt. */
  ruleFile?: string;
  /** Identifies this run in the trajectory. */
  runId?: string;
}

export type StopReason = 'target' | 'patience' | 'iterations' | 'cancelled' | 'error';

export interface LearnRun {
  restart: number;
  text: string;
  iterations: number;
  accepted: number;
  figures: SplitFigures;
  stoppedBy: StopReason;
}

export interface LearnResult {
  /** The chosen text (the start when nothing improved), and whether it differs from the start. */
  text: string;
  changed: boolean;
  before: AllFigures;
  after: AllFigures;
  runs: LearnRun[];
  /** Index in runs of the search chosen on validation (-1: none ran). */
  chosen: number;
  /** Iterations over all searches, attempts recorded, and changes accepted. */
  iterations: number;
  attempts: number;
  accepted: number;
  tokens: Tokens;
  durationMs: number;
  cancelled: boolean;
  /** Proposer failures, as messages. */
  errors: string[];
}

/** File-level figures of a text on the test split. Only the final report calls this. */
function testFigures(ctx: RefineContext, text: string): Figures {
  const ev = evaluate(ctx, text);
  const f = ev.flags();
  return score(ctx.data.scoring(ctx.shares), 'test', f.rules, f.excludes).file;
}

function allFigures(ctx: RefineContext, text: string): AllFigures {
  const s = evaluate(ctx, text).split();
  return { ...s, test: testFigures(ctx, text) };
}

/** Errors after which asking again is pointless. */
const fatal = new Set(['cancelled', 'auth', 'bad-request', 'connection']);

export async function learn(ctx: RefineContext, opts: LearnOptions): Promise<LearnResult> {
  const t0 = performance.now();
  const start = ctx.text;
  const startEv = evaluate(ctx, start);
  const targets = opts.rules?.length ? opts.rules : startEv.program.rules.filter((r) => r.node).map((r) => r.name);
  for (const r of targets) requireRule(startEv, r);
  const N = opts.iterations ?? 10;
  const M = Math.max(1, opts.candidates ?? 1);
  const patience = opts.patience ?? 3;
  const target = opts.targetF1 ?? 1;
  const maxGap = opts.maxGap ?? 0.1;
  const history = [...(opts.history ?? [])];
  const startFigures = startEv.split();
  // Test figures are filled in at the end (the report), never read before.
  const noTest = { ...startFigures, test: startFigures.train };
  const result: LearnResult = {
    text: start,
    changed: false,
    before: noTest,
    after: noTest,
    runs: [],
    chosen: -1,
    iterations: 0,
    attempts: 0,
    accepted: 0,
    tokens: { input: 0, output: 0 },
    durationMs: 0,
    cancelled: false,
    errors: [],
  };
  // The best so far, as the final choice picks it: validation F1, then train F1.
  let best = { train: f1Of(startFigures.train), validation: f1Of(startFigures.validation), search: 0 };
  const better = (f: SplitFigures, than: { train: number; validation: number }) =>
    f1Of(f.validation) > than.validation + 1e-12 || (Math.abs(f1Of(f.validation) - than.validation) <= 1e-12 && f1Of(f.train) > than.train + 1e-12);
  let search = 0;
  const record = async (a: NewAttempt) => {
    const attempt = makeAttempt(opts.ruleFile ?? ctx.path ?? 'rules.arl', { ...a, run: opts.runId, search: search + 1 });
    history.push(attempt);
    result.attempts++;
    try {
      await opts.record?.(attempt);
    } catch (e) {
      result.errors.push(`Could not record an attempt: ${(e as Error).message}`);
    }
  };

  for (let restart = 0; restart < M && !result.cancelled; restart++) {
    search = restart;
    let text = start;
    let noGain = 0;
    const run: LearnRun = { restart, text, iterations: 0, accepted: 0, figures: startEv.split(), stoppedBy: 'iterations' };
    result.runs.push(run);
    for (let it = 1; it <= N; it++) {
      if (opts.signal?.aborted) {
        run.stoppedBy = 'cancelled';
        break;
      }
      run.iterations++;
      result.iterations++;
      let gained = false;
      for (const [ri, rule] of targets.entries()) {
        if (opts.signal?.aborted) break;
        const ev = evaluate(ctx, text);
        const decl = ev.rule(rule);
        if (!decl || !ev.program.rules.find((r) => r.decl === decl)?.node) continue;
        const cur = withText(ctx, text);
        const before = ev.split();
        if (better(before, best)) best = { train: f1Of(before.train), validation: f1Of(before.validation), search: restart + 1 };
        opts.onProgress?.({
          restart,
          restarts: M,
          iteration: it,
          iterations: N,
          rule,
          trainF1: f1Of(before.train),
          validationF1: f1Of(before.validation),
          best: { ...best },
          fraction: (restart * N + it - 1 + ri / targets.length) / (M * N),
        });
        const analysis = analyzeRule(cur, rule, { ev }).summary;
        const ruleBefore = sourceOf(text, decl);
        const t1 = performance.now();
        const out = await opts.proposer.propose({ ctx: cur, ev, rule, analysis, history, maxGap, signal: opts.signal });
        const durationMs = performance.now() - t1;
        if (out.tokens) (result.tokens.input += out.tokens.input), (result.tokens.output += out.tokens.output);
        const common = { rule, proposer: opts.proposer.name, model: opts.proposer.model, before: ruleBefore, analysis, figuresBefore: before, durationMs, iteration: it };
        if (out.error) {
          result.errors.push(out.error.message);
          await record({ ...common, after: ruleBefore, accepted: false, reason: `error: ${out.error.message}`, tokens: out.tokens });
          if (fatal.has(out.error.code)) {
            run.stoppedBy = out.error.code === 'cancelled' ? 'cancelled' : 'error';
            if (out.error.code === 'cancelled') result.cancelled = true;
            break;
          }
          continue;
        }
        if (opts.signal?.aborted) break;
        // Restart k takes the k-th best first move, so the searches differ.
        const pick = out.proposals[it === 1 ? Math.min(restart, out.proposals.length - 1) : 0];
        const tokens = out.tokens;
        if (pick) {
          text = pick.text;
          gained = true;
          run.accepted++;
          result.accepted++;
          await record({
            ...common,
            kind: pick.kind,
            title: pick.title,
            after: pick.ruleText,
            figuresAfter: pick.after,
            accepted: true,
            reason: `train F1 ${f2(f1Of(before.train))} -> ${f2(f1Of(pick.after.train))}, gap ${f2(pick.gap)} within ${maxGap}`,
            tokens,
          });
        }
        if (opts.proposer.recordsAll) {
          for (const p of out.proposals) {
            if (p === pick) continue;
            await record({ ...common, kind: p.kind, title: p.title, after: p.ruleText, figuresAfter: p.after, accepted: false, reason: 'improves, but another proposal of this round was better' });
          }
          for (const r of out.rejected) await record({ ...common, kind: r.kind, title: r.title, after: r.ruleText, figuresAfter: r.after, accepted: false, reason: r.reason });
        } else if (!pick) {
          const best = [...out.rejected].filter((r) => r.after).sort((a, b) => f1Of(b.after!.train) - f1Of(a.after!.train))[0];
          await record({
            ...common,
            kind: best?.kind,
            title: best?.title,
            after: best?.ruleText ?? ruleBefore,
            figuresAfter: best?.after,
            accepted: false,
            reason: best ? `best of ${out.rejected.length} candidates rejected: ${best.reason}` : 'no candidate',
            tokens,
          });
        }
      }
      run.text = text;
      run.figures = evaluate(ctx, text).split();
      if (opts.signal?.aborted) {
        run.stoppedBy = 'cancelled';
        break;
      }
      if (run.stoppedBy === 'error' || run.stoppedBy === 'cancelled') break;
      if (f1Of(run.figures.train) >= target) {
        run.stoppedBy = 'target';
        break;
      }
      noGain = gained ? 0 : noGain + 1;
      if (noGain >= patience) {
        run.stoppedBy = 'patience';
        break;
      }
    }
    run.text = text;
    run.figures = evaluate(ctx, text).split();
    if (better(run.figures, best)) best = { train: f1Of(run.figures.train), validation: f1Of(run.figures.validation), search: restart + 1 };
    if (run.stoppedBy === 'cancelled') result.cancelled = true;
    opts.onSearchDone?.(run, M);
  }

  // The final choice, on validation: the search whose rules score best there (ties: better on
  // train, then the earlier search).
  let chosen = -1;
  let top = { train: -Infinity, validation: -Infinity };
  result.runs.forEach((r, k) => {
    if (chosen < 0 || better(r.figures, top)) {
      chosen = k;
      top = { train: f1Of(r.figures.train), validation: f1Of(r.figures.validation) };
    }
  });
  result.chosen = chosen;
  result.text = chosen >= 0 ? result.runs[chosen].text : start;
  result.changed = result.text !== start;
  // The report: the only reads of the test split.
  result.before = allFigures(ctx, start);
  result.after = result.changed ? allFigures(ctx, result.text) : result.before;
  result.durationMs = performance.now() - t0;
  return result;
}
