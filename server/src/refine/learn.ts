// Headless learning: the iterative refinement of the seed paper's Algorithm 1 inside its learning
// framework (B.2.3), on the file's objective. Each iteration asks the proposer for new versions of
// every target rule and, with discovery on, tries removing a rule and adding a discovered one. A
// change is accepted only when the train objective, less the complexity cost, rises by at least
// the minimum gain and the validation objective does not fall; among the changes that pass, the one
// best on validation is taken. Learning stops at the target, after `patience` iterations without
// gain, or after N. Several searches (`candidates`) start from different first moves; the final
// rules are the simplest version met (in any search) within one standard error of the best on
// validation (select.ts), optionally refitted on train and validation (refit.ts). Learning never
// sees the test split: the context holds no test labels, and the final report on test is made by
// the caller once learning is over.
import { check } from '../../../grammar/src/check';
import { parse } from '../../../grammar/src/parse';
import { analyzeRule } from './behaviour';
import { evaluate, f1Of, holdsUp, objOf, requireRule, withText, type Evaluation, type RefineContext, type SplitFigures } from './context';
import { appendRule, nextRules, refreshExplanations, removeRule, type DiscoverOptions } from './discover';
import { applyEdit, checkAddedRule, sourceOf } from './edit';
import { describeLlmError, proposeWithLlm, type LlmFailure, type LlmOptions, type Tokens } from './llm';
import { proposeOffline, type ProposeResult } from './offline';
import { defaultMinGain, figuresText, verdict, type Proposal, type ProposalKind, type Rejected } from './proposal';
import { polish, type PolishResult } from './polish';
import { refit, type RefitResult } from './refit';
import { chooseVersion } from './select';
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
  /** Earlier versions of the rule in this search (declaration texts, oldest first; the current one aside). */
  past?: string[];
  maxGap?: number;
  minGain: number;
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
      const key = [i.rule, i.ctx.text, ...(i.past ?? [])].join('\u0000');
      let r = memo.get(key);
      if (!r) {
        r = await proposeOffline(i.ctx, i.rule, { ev: i.ev, maxGap: i.maxGap, minGain: i.minGain, signal: i.signal, features: opts.features, limit: 8, past: i.past });
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
        return await proposeWithLlm(i.ctx, i.rule, { ...llm, signal: i.signal ?? llm.signal, ev: i.ev, history: i.history, maxGap: i.maxGap, minGain: i.minGain });
      } catch (e) {
        return { proposals: [], rejected: [], error: describeLlmError(e) };
      }
    },
  };
}

export type Split3 = 'train' | 'validation' | 'test';
export type AllFigures = Record<Split3, import('./context').Figures>;

export interface LearnProgress {
  restart: number;
  restarts: number;
  iteration: number;
  iterations: number;
  rule: string;
  /** The file's objective on train and validation, of the current text. */
  trainObjective: number;
  validationObjective: number;
  /** The objective, for people: `event F1`. */
  objective: string;
  /** File F1 on train of the current text (point F1). */
  trainF1: number;
  /** The best objective so far over all searches, as the final choice ranks them (validation, then
   * train); search 0 is the starting text. */
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
  /** Stop once the objective on train reaches this (default 1: never early). */
  targetF1?: number;
  /** Stop after this many iterations without gain (default 3). */
  patience?: number;
  /** Independent searches, chosen between on validation (default 1). */
  candidates?: number;
  /** Largest train-validation gap an accepted change may leave (default: no limit). */
  maxGap?: number;
  /** Least gain on train, with the complexity cost, for a change to be accepted (default 0.002). */
  minGain?: number;
  /**
   * After the choice, refit the chosen rules' thresholds on train and validation together
   * (refit.ts). Default: when the objective is point F1.
   */
  refit?: boolean;
  /** Rules may be added (discovered offline) and removed, not only edited. */
  discover?: boolean | DiscoverOptions;
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
  /** Train and validation figures, before and after; the caller adds test once learning is over. */
  before: SplitFigures;
  after: SplitFigures;
  /** The objective the figures' `objective` is, for people: `event F1`. */
  objective: string;
  runs: LearnRun[];
  /** Index in runs of the search chosen on validation (-1: none ran). */
  chosen: number;
  /** Iterations over all searches, attempts recorded, and changes accepted. */
  iterations: number;
  attempts: number;
  accepted: number;
  /** Rules added and removed on the way to the chosen version (names). */
  added: string[];
  removed: string[];
  /** The final choice among the versions met (the start and every accepted change): the best validation objective, its bootstrap standard error, and the chosen version's. */
  selection?: { versions: number; best: number; se: number; value: number };
  /** Every version met (the start, then each accepted change), the texts the final choice was made among. */
  versions?: string[];
  /** Thresholds refitted on train and validation together (with `refit`): validation figures after it are not held out. */
  refit?: RefitResult;
  /** Thresholds rounded after the choice (polish.ts): validation figures after it are not held out. */
  polish?: PolishResult;
  tokens: Tokens;
  durationMs: number;
  cancelled: boolean;
  /** Proposer failures, as messages. */
  errors: string[];
}

/** Errors after which asking again is pointless. */
const fatal = new Set(['cancelled', 'auth', 'bad-request', 'connection']);

/** A change to the file, made by an edit, a removal or an addition, with the figures it gives. */
interface Change {
  kind: ProposalKind;
  rule: string;
  title: string;
  before: string;
  after: string;
  text: string;
  figures: SplitFigures;
  gain: number;
  reason: string;
}

/** The change best on validation, ties by the train gain. */
function best<T extends { figures: SplitFigures; gain: number }>(xs: T[]): T | undefined {
  return [...xs].sort((a, b) => objOf(b.figures.validation) - objOf(a.figures.validation) || b.gain - a.gain)[0];
}

/** The text without the lets that `before` used and `after` no longer does. */
export function dropNewlyUnusedLets(before: string, after: string): string {
  const unused = (t: string) => check(parse(t)).issues.filter((i) => i.code === 'unused-let');
  const was = new Set(unused(before).map((i) => before.slice(i.start, i.end)));
  const edits = unused(after)
    .filter((i) => !was.has(after.slice(i.start, i.end)))
    .flatMap((i) => i.data?.fixes?.[0]?.edits ?? [])
    .sort((a, b) => b.start - a.start);
  let out = after;
  for (const e of edits) out = applyEdit(out, e);
  return out;
}

/** The text without one rule declaration (and the lets only it used). */
export function withoutRule(text: string, name: string): string {
  return dropNewlyUnusedLets(text, removeRule(text, name));
}

export async function learn(ctx: RefineContext, opts: LearnOptions): Promise<LearnResult> {
  const t0 = performance.now();
  const start = ctx.text;
  const startEv = evaluate(ctx, start);
  const explicit = opts.rules?.length ? opts.rules : undefined;
  for (const r of explicit ?? []) requireRule(startEv, r);
  const N = opts.iterations ?? 10;
  const M = Math.max(1, opts.candidates ?? 1);
  const patience = opts.patience ?? 3;
  const target = opts.targetF1 ?? 1;
  const minGain = opts.minGain ?? defaultMinGain;
  const judgeOpts = { maxGap: opts.maxGap, minGain };
  const discovery = opts.discover ? { ...(typeof opts.discover === 'object' ? opts.discover : {}), minGain, signal: opts.signal } : undefined;
  const history = [...(opts.history ?? [])];
  const label = ctx.scoring.objective.label;
  const result: LearnResult = {
    text: start,
    changed: false,
    before: startEv.split(),
    after: startEv.split(),
    objective: label,
    runs: [],
    chosen: -1,
    iterations: 0,
    attempts: 0,
    accepted: 0,
    added: [],
    removed: [],
    tokens: { input: 0, output: 0 },
    durationMs: 0,
    cancelled: false,
    errors: [],
  };
  // The best so far over every search, for the progress reports.
  let top = { ...objectives(result.before), search: 0 };
  const note = (f: SplitFigures, search: number) => {
    if (better(f, top)) top = { ...objectives(f), search };
  };
  const progress = (p: Omit<LearnProgress, 'trainObjective' | 'validationObjective' | 'objective' | 'trainF1' | 'best'> & { ev: SplitFigures }) => {
    const { ev, ...rest } = p;
    note(ev, p.restart + 1);
    opts.onProgress?.({ ...rest, trainObjective: objOf(ev.train), validationObjective: objOf(ev.validation), objective: label, trainF1: f1Of(ev.train), best: { ...top } });
  };
  let search = 0;
  const record = async (a: NewAttempt) => {
    const attempt = makeAttempt(opts.ruleFile ?? ctx.path ?? 'rules.arl', { objectiveName: label, ...a, run: opts.runId, search: search + 1 });
    history.push(attempt);
    result.attempts++;
    try {
      await opts.record?.(attempt);
    } catch (e) {
      result.errors.push(`Could not record an attempt: ${(e as Error).message}`);
    }
  };
  // Every version met: the start, then the text after each accepted change, with the rules added and removed so far.
  const versions: { run: number; text: string; added: string[]; removed: string[] }[] = [{ run: -1, text: start, added: [], removed: [] }];
  const up = (f: SplitFigures) => holdsUp(ctx, { train: objOf(f.train), validation: objOf(f.validation) });

  for (let restart = 0; restart < M && !result.cancelled; restart++) {
    search = restart;
    let text = start;
    let noGain = 0;
    let discoveries = 0;
    const added: string[] = [];
    const removed: string[] = [];
    const run: LearnRun = { restart, text, iterations: 0, accepted: 0, figures: startEv.split(), stoppedBy: 'iterations' };
    // Each rule's versions met in this search, oldest first: what a rule lost may be offered back.
    const past = new Map<string, string[]>();
    const remember = (t: string) => {
      for (const d of parse(t).file.rules) {
        if (!d.name || !d.expr) continue;
        const list = past.get(d.name.name) ?? [];
        const src = t.slice(d.start, d.end);
        if (!list.includes(src)) list.push(src);
        past.set(d.name.name, list);
      }
    };
    remember(text);
    result.runs.push(run);
    const accept = async (c: Change, common: Omit<NewAttempt, 'accepted' | 'reason' | 'after'>) => {
      text = c.text;
      remember(text);
      versions.push({ run: restart, text, added: [...added, ...(c.kind === 'add-rule' ? [c.rule] : [])], removed: [...removed, ...(c.kind === 'remove-rule' ? [c.rule] : [])] });
      run.accepted++;
      result.accepted++;
      await record({ ...common, kind: c.kind, title: c.title, after: c.after, figuresAfter: c.figures, accepted: true, reason: c.reason });
    };
    for (let it = 1; it <= N; it++) {
      if (opts.signal?.aborted) {
        run.stoppedBy = 'cancelled';
        break;
      }
      run.iterations++;
      result.iterations++;
      let gained = false;
      const current = evaluate(ctx, text).program.rules.filter((r) => r.node).map((r) => r.name);
      // Rules named on the command line; with none named, every rule, the ones discovery added included.
      const targets = explicit ? explicit.filter((r) => current.includes(r)) : current;
      const steps = targets.length + (discovery ? 2 : 0);
      for (const [ri, rule] of targets.entries()) {
        if (opts.signal?.aborted) break;
        const ev = evaluate(ctx, text);
        const decl = ev.rule(rule);
        if (!decl || !ev.program.rules.find((r) => r.decl === decl)?.node) continue;
        const cur = withText(ctx, text);
        const before = ev.split();
        progress({ restart, restarts: M, iteration: it, iterations: N, rule, ev: before, fraction: (restart * N + it - 1 + ri / steps) / (M * N) });
        const analysis = analyzeRule(cur, rule, { ev }).summary;
        const ruleBefore = sourceOf(text, decl);
        const t1 = performance.now();
        const ruleNow = text.slice(decl.start, decl.end);
        const earlier = (past.get(rule) ?? []).filter((t) => t !== ruleNow);
        const out = await opts.proposer.propose({ ctx: cur, ev, rule, analysis, history, maxGap: opts.maxGap, minGain, signal: opts.signal, past: earlier });
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
        // Among the proposals (each passed the acceptance rule), the best on validation; restart k
        // takes the k-th best first move, so the searches differ.
        const ranked = out.proposals
          .map((p) => ({ p, figures: p.after, gain: p.gain }))
          .sort((a, b) => objOf(b.figures.validation) - objOf(a.figures.validation) || b.gain - a.gain);
        const pick = ranked[it === 1 ? Math.min(restart, ranked.length - 1) : 0]?.p;
        const tokens = out.tokens;
        if (pick) {
          const v = verdict(ev, evaluate(ctx, pick.text), judgeOpts);
          await accept({ kind: pick.kind, rule, title: pick.title, before: ruleBefore, after: pick.ruleText, text: refreshExplanations(pick.text), figures: pick.after, gain: pick.gain, reason: v.reason }, { ...common, tokens });
          gained = true;
        }
        if (opts.proposer.recordsAll) {
          for (const p of out.proposals) {
            if (p === pick) continue;
            await record({ ...common, kind: p.kind, title: p.title, after: p.ruleText, figuresAfter: p.after, accepted: false, reason: 'passes, but another proposal of this round was better on validation' });
          }
          for (const r of out.rejected) await record({ ...common, kind: r.kind, title: r.title, after: r.ruleText, figuresAfter: r.after, accepted: false, reason: r.reason });
        } else if (!pick) {
          const near = [...out.rejected].filter((r) => r.after).sort((a, b) => objOf(b.after!.train) - objOf(a.after!.train))[0];
          await record({
            ...common,
            kind: near?.kind,
            title: near?.title,
            after: near?.ruleText ?? ruleBefore,
            figuresAfter: near?.after,
            accepted: false,
            reason: near ? `best of ${out.rejected.length} candidates rejected: ${near.reason}` : 'no candidate',
            tokens,
          });
        }
      }
      if (run.stoppedBy === 'error' || run.stoppedBy === 'cancelled') break;

      const edited = gained;
      if (discovery && !opts.signal?.aborted) {
        // Remove a rule: the file without it must pass the same rule as any change.
        const ev = evaluate(ctx, text);
        const before = ev.split();
        progress({ restart, restarts: M, iteration: it, iterations: N, rule: '(remove)', ev: before, fraction: (restart * N + it - 1 + targets.length / steps) / (M * N) });
        const removals: Change[] = [];
        const rejectedRemovals: string[] = [];
        const names = ev.program.rules.filter((r) => r.node).map((r) => r.name);
        for (const name of names.length > 1 ? names : []) {
          const next = evaluate(ctx, withoutRule(text, name));
          const v = verdict(ev, next, judgeOpts);
          const decl = ev.rule(name)!;
          if (v.ok) removals.push({ kind: 'remove-rule', rule: name, title: `Remove \`${name}\` (${figuresText(label, before, next.split())})`, before: sourceOf(text, decl), after: '', text: next.text, figures: next.split(), gain: v.gain, reason: v.reason });
          else rejectedRemovals.push(`${name}: ${v.reason}`);
        }
        const removal = best(removals);
        const common = { proposer: 'offline', analysis: 'discovery: remove a rule', figuresBefore: before, durationMs: 0, iteration: it };
        if (removal) {
          await accept(removal, { ...common, rule: removal.rule, before: removal.before });
          removed.push(removal.rule);
          gained = true;
        }

        // Add a rule discovered on what the file still misses (sequential covering, one rule), once
        // editing the rules there are stops paying: in an iteration where no edit was accepted.
        // While its rules are still far off, what the file misses is theirs to catch; a rule added
        // then to cover it stays, and the others are tuned around it.
        let addition: Change | undefined;
        if (!edited) {
          discoveries++;
          const ev2 = evaluate(ctx, text);
          const before2 = ev2.split();
          progress({ restart, restarts: M, iteration: it, iterations: N, rule: '(add)', ev: before2, fraction: (restart * N + it - 1 + (targets.length + 1) / steps) / (M * N) });
          const t1 = performance.now();
          const found = nextRules(withText(ctx, text), ev2, discovery);
          const durationMs = performance.now() - t1;
          const additions: Change[] = [];
          const rejectedAdditions: { text: string; reason: string; figures?: SplitFigures }[] = [];
          for (const d of found) {
            const c = checkAddedRule(ctx, ev2, d.ruleText);
            if (!c.ok) {
              rejectedAdditions.push({ text: d.ruleText, reason: `invalid: ${c.errors.join(' ')}` });
              continue;
            }
            const v = verdict(ev2, c.ev, judgeOpts);
            const figures = c.ev.split();
            if (v.ok) additions.push({ kind: 'add-rule', rule: c.name, title: `Add \`${c.name}\` (${figuresText(label, before2, figures)})`, before: '', after: d.ruleText, text: appendRule(text, d.ruleText, d.comment), figures, gain: v.gain, reason: v.reason });
            else rejectedAdditions.push({ text: d.ruleText, reason: v.reason, figures });
          }
          const ranked = [...additions].sort((a, b) => up(b.figures) - up(a.figures) || b.gain - a.gain);
          addition = ranked[discoveries === 1 ? Math.min(restart, ranked.length - 1) : 0];
          const common2 = { proposer: 'offline', analysis: 'discovery: add a rule', figuresBefore: before2, durationMs, iteration: it };
          if (addition) {
            await accept(addition, { ...common2, rule: addition.rule, before: '' });
            added.push(addition.rule);
            gained = true;
          } else {
            const near = rejectedAdditions[0];
            const reason = !found.length ? 'discovery found no rule that raises the train objective' : `${found.length} discovered rules rejected; the first: ${near?.reason}`;
            await record({ ...common2, rule: '(new rule)', kind: 'add-rule', before: '', after: near?.text ?? '', figuresAfter: near?.figures, accepted: false, reason });
          }
        }
        if (!removal && rejectedRemovals.length && !addition) {
          await record({ ...common, rule: '(remove a rule)', kind: 'remove-rule', before: '', after: '', accepted: false, reason: `no removal passes: ${rejectedRemovals.join('; ')}` });
        }
      }

      run.text = text;
      run.figures = evaluate(ctx, text).split();
      if (opts.signal?.aborted) {
        run.stoppedBy = 'cancelled';
        break;
      }
      if (objOf(run.figures.train) >= target) {
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
    note(run.figures, restart + 1);
    if (run.stoppedBy === 'cancelled') result.cancelled = true;
    opts.onSearchDone?.(run, M);
  }

  // The final choice, on validation, among the versions met (the start, and each search's text
  // after each accepted change): in the search best on validation, the simplest within one
  // standard error of the best (select.ts).
  const choice = chooseVersion(ctx, versions, (v) => evaluate(ctx, v.text));
  const picked = choice.item;
  result.chosen = picked.run >= 0 ? picked.run : result.runs.length ? 0 : -1;
  result.text = picked.text;
  // The refit and the rounding touch only the rules learning changed or added: the user's own
  // rules keep their numbers.
  const learned = evaluate(ctx, picked.text).parse.file.rules.flatMap((d) => {
    const name = d.name?.name;
    const was = name ? startEv.rule(name) : undefined;
    return name && (!was || sourceOf(start, was) !== sourceOf(picked.text, d)) ? [name] : [];
  });
  // Each threshold a refit or a rounding moved is recorded in the trajectory as an accepted change.
  let prev = evaluate(ctx, picked.text);
  const recordMoves = async (moved: { rule: string; from: number; to: number; text: string }[], analysis: string, verb: string, reason: string) => {
    for (const m of moved) {
      const next = evaluate(ctx, m.text);
      const [b, a] = [prev.rule(m.rule), next.rule(m.rule)];
      const figures = { figuresBefore: prev.split(), figuresAfter: next.split() };
      await record({ rule: m.rule, proposer: 'offline', kind: 'threshold', title: `${verb} ${m.from} -> ${m.to}`, analysis, before: b ? sourceOf(prev.text, b) : '', after: a ? sourceOf(m.text, a) : '', ...figures, accepted: true, reason, durationMs: 0 });
      prev = next;
      result.accepted++;
    }
  };
  if ((opts.refit ?? ctx.scoring.objective.objective.kind === 'point_f1') && learned.length && !opts.signal?.aborted) {
    const r = refit(ctx, picked.text, { minGain, signal: opts.signal, rules: learned });
    await recordMoves(r.moved, 'refit', 'Refit', 'the best on train and validation together');
    result.text = refreshExplanations(r.text);
    result.refit = r;
  }
  if (!opts.signal?.aborted) {
    // Rounder thresholds where train and validation together score no lower (polish.ts).
    const p = polish(ctx, result.text, { rules: learned, signal: opts.signal });
    await recordMoves(p.moved, 'polish', 'Round', 'rounder, and no lower on train and validation together');
    if (p.moved.length) result.text = refreshExplanations(p.text);
    result.polish = p;
  }
  // Lets an edit stopped using stay during the search, so that what a rule lost can come back
  // whole (revive.ts); the ones no rule uses in the end go.
  result.text = dropNewlyUnusedLets(start, result.text);
  result.changed = result.text !== start;
  result.after = evaluate(ctx, result.text).split();
  result.added = picked.added;
  result.removed = picked.removed;
  result.versions = versions.map((v) => v.text);
  result.selection = { versions: versions.length, best: choice.best, se: choice.se, value: choice.value };
  result.durationMs = performance.now() - t0;
  return result;
}

/** The objective on train and validation. */
function objectives(f: SplitFigures): { train: number; validation: number } {
  return { train: objOf(f.train), validation: objOf(f.validation) };
}

/** Better as searches are ranked: on the validation objective, ties by the train objective. */
function better(f: SplitFigures, than: { train: number; validation: number }): boolean {
  const v = objOf(f.validation);
  return v > than.validation + 1e-12 || (Math.abs(v - than.validation) <= 1e-12 && objOf(f.train) > than.train + 1e-12);
}
