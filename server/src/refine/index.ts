// Rule refinement: behavioural analysis, proposers (offline search, LLM), the trajectory of
// attempts, headless learning and drafting. Pure TypeScript (no editor or LSP imports): the
// language server and the `arl` command line both use it. Refinement reads train and validation
// only: the context holds no test labels, and its scoring refuses the test split.
//
// Start from an analysis that loaded a labelled dataset:
//
//   const ctx = contextFromAnalysis(analysis);           // throws RefineError without data/labels
//
// Behaviour (hover, diagnostics):
//   analyzeRule(ctx, rule, opts?)  -> RuleBehaviour  { kind, kinds, summary, train, validation, gap,
//                                     nearMisses, blockers, coveredBy, pattern?, falsePositives, missed }
//   analyzeFile(ctx, opts?)        -> FileBehaviour  { kind, summary, train, validation, gap, rules, ... }
//   behaviourMarkdown(b)           -> string (Markdown for a hover)
//
// Proposals (code actions): each has a title ("Tune threshold 35 -> 42 (file point F1: train 0.81 -> 0.86, validation 0.84 -> 0.85)"),
// the new rule text, `edit` {start, end, newText} replacing the rule's declaration in ctx.text,
// the whole new `text`, and file-level figures `before` / `after` on train and validation.
//   await proposeOffline(ctx, rule, { maxGap?, limit?, signal?, past? }) -> ProposeResult
//        (past: earlier versions of the rule, whose lost conditions are offered back)
//        { before, proposals (offered, best first), rejected (with reasons), tried, cancelled }
//   await proposeWithLlm(ctx, rule, { apiKey, baseURL?, model, signal?, maxRetries?, timeout?,
//        history?, count?, maxGap? }) -> LlmProposeResult (ProposeResult + rationale, tokens, error?)
//   buildRefinePrompt(ctx, rule, { history? }) -> LlmPrompt; promptText(prompt) -> string
//        (exactly what proposeWithLlm sends, for "Show LLM Prompt")
//   judge(ctx, evaluate(ctx, ctx.text), rule, { kind, title, ruleText }) -> Proposal | Rejected
//        (scores any rule text, e.g. a user's)
//
// Trajectory (`.arl/<file>.trajectory.jsonl` beside the rule file):
//   trajectoryPath(ruleFile) -> string
//   makeAttempt(ruleFile, {...}) -> Attempt;  await appendAttempt(ruleFile, attempt)
//   await readTrajectory(ruleFile, { rule? }) -> { path, attempts, skipped }
//   appendAttempt(ruleFile, makeEditRecord(ruleFile, 'undo' | 'redo', attempt)): the user undid or
//        redid an applied proposal; readers then mark the attempt `undone` (or not)
//
// Learning and drafting (the CLI's `arl learn` and `arl draft`):
//   await learn(ctx, { proposer: offlineProposer() | llmProposer(llm), rules?, iterations?,
//        targetF1?, patience?, candidates?, minGain?, maxGap?, discover?, signal?, onProgress?,
//        onSearchDone?, record? }) -> LearnResult (train and validation figures; the caller reports test)
//   draftOffline(ctx, opts?) -> DraftResult;  await draftWithLlm(ctx, llm, opts?) -> DraftResult
//   discover(ctx, opts?) -> DiscoverResult;  nextRules(ctx, ev, opts?) -> FoundRule[]
//   cleanRules(ctx, text) -> { text, dropped };  verdict(base, next, opts?) -> Verdict
export { analyzeFile, analyzeRule, behaviourMarkdown } from './behaviour';
export type { BehaviourKind, BehaviourOptions, FileBehaviour, Pattern, RuleBehaviour } from './behaviour';
export { contextFromAnalysis, createContext, evaluate, f1Of, gapOf, RefineError, withText } from './context';
export type { Evaluation, Figures, RefineContext, RuleFigures, SplitFigures, TuneSplit } from './context';
export { draftOffline, draftWithLlm } from './draft';
export type { DraftOptions, DraftResult, DraftedRule } from './draft';
export { applyEdit, checkRuleText } from './edit';
export type { TextEdit } from './edit';
export { fmtValue } from './evidence';
export type { PointEvidence, ValueAt } from './evidence';
export { learn, llmProposer, offlineProposer } from './learn';
export type { LearnOptions, LearnProgress, LearnResult, LearnRun, Proposer } from './learn';
export { askForRules, describeLlmError, proposeWithLlm } from './llm';
export type { LlmErrorCode, LlmFailure, LlmOptions, LlmProposeOptions, LlmProposeResult, Tokens } from './llm';
export { proposeOffline } from './offline';
export type { OfflineOptions, ProposeResult } from './offline';
export { buildDraftPrompt, buildRefinePrompt, languageSummary, promptText, proposeRulesTool } from './prompt';
export type { LlmPrompt } from './prompt';
export { defaultMaxGap, defaultMinGain, judge, verdict } from './proposal';
export { cleanRules, discover, nextRules } from './discover';
export type { DiscoverOptions, DiscoverResult, FoundRule } from './discover';
export type { Candidate, Proposal, ProposalKind, Rejected } from './proposal';
export { appendAttempt, makeAttempt, makeEditRecord, parseTrajectory, readTrajectory, trajectoryPath } from './trajectory';
export type { Attempt, AttemptFigures, EditRecord, TrajectoryRead } from './trajectory';
