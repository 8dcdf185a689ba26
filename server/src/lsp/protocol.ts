// Custom LSP messages between the ARL client and server. Both sides import this file.
import { NotificationType, RequestType, type Position, type Range } from 'vscode-languageserver-protocol';
import type { ExcludeScores, FileScores, RuleScores, ScoreSplit, Scores } from '../engine/metrics';
import type { TimeKind } from '../engine/frame';
import type { ReviewQueue } from '../labels/review';
import type { PreviewData, SeriesView } from '../preview/types';
import type { LlmWarning } from '../refine/models';
import type { ThresholdSweep } from '../refine/sweep';

export type { ScoreSplit } from '../engine/metrics';

/** Metrics of one file on one split (the lenses show train; other splits on request). */
export interface MetricsParams {
  uri: string;
  split: ScoreSplit;
}

export interface DatasetSummary {
  /** Absolute path of the dataset file. */
  path: string;
  series: number;
  points: number;
  labelled: number;
  anomalies: number;
}

export interface MetricsResult {
  uri: string;
  split: ScoreSplit;
  dataset: DatasetSummary;
  file: Scores;
  rules: RuleScores[];
  excludes: ExcludeScores[];
  /** What the file is scored on, and the trivial baselines (flag every point, flag nothing). */
  objective: FileScores['objective'];
  baselines: FileScores['baselines'];
  tolerance: number;
  period: FileScores['period'];
  /** Milliseconds spent on the last analysis. */
  timings: { load: number; features: number; evaluate: number };
}

export const MetricsRequest = new RequestType<MetricsParams, MetricsResult | null, void>('arl/metrics');

/** Sent after each analysis, for the status bar. */
export interface FileStatus {
  uri: string;
  /** `restricted`: an untrusted workspace, where no data is read. */
  state: 'ok' | 'loading' | 'no-dataset' | 'data-error' | 'errors' | 'restricted';
  split: ScoreSplit;
  /** File F1 on `split`, when there is one. */
  f1?: number;
  message?: string;
}

export const FileStatusNotification = new NotificationType<FileStatus>('arl/fileStatus');

/** Client commands the server's lenses and code actions invoke. */
export const ClientCommands = {
  /** Arguments: PreviewRuleArgs. Shows a rule's (or the file's) outcomes; a panel may take it over. */
  previewRule: 'arl.previewRule',
  /** Arguments: { uri, rule }. Asks the LLM for better versions of a rule. */
  refineWithLlm: 'arl.refineWithLlm',
  /** Arguments: { uri, rule? }. Opens the trajectory panel. */
  showTrajectory: 'arl.showTrajectory',
  /** Arguments: RecordAttemptParams. Runs after an offline proposal was applied. */
  recordAttempt: 'arl.recordAttempt',
  /** Arguments: { uri }. Opens the label review queue. */
  reviewLabels: 'arl.reviewLabels',
  /** Arguments: SweepArgs. Opens the threshold sweep of the comparison at a position. */
  sweepThreshold: 'arl.sweepThreshold',
} as const;

export interface PreviewRuleArgs {
  uri: string;
  /** Absent: the whole file. */
  rule?: string;
  /** The lens's tooltip (see lenses.ts); the client shows it on the lens. */
  tooltip?: string;
}

/** The anomaly preview of one file (the panel asks; the server builds it from its analysis). */
export interface PreviewRequestParams {
  uri: string;
  rule: string | null;
  split: ScoreSplit;
  series?: string;
  maxPoints?: number;
  let?: string | null;
}

/** Errors carry `data: { code }` (PreviewErrorCode) so the panel can fall back by itself. */
export const PreviewRequest = new RequestType<PreviewRequestParams, PreviewData, { code: string }>('arl/preview');

/** A proposal as the editor offers it: a title with the verified effect, and the edit. */
export interface OfferedProposal {
  title: string;
  /** Replaces the rule's declaration. */
  range: Range;
  newText: string;
  rule: string;
  before: string;
}

/**
 * Asks the LLM for better versions of a rule. The API key is not a parameter (message traces would
 * show it): the client starts the server with it in the environment (ANTHROPIC_API_KEY).
 */
export interface RefineLlmParams {
  uri: string;
  rule: string;
  model: string;
  baseUrl?: string;
}

export interface RefineLlmResult {
  proposals: OfferedProposal[];
  /** Candidates that were invalid ARL, did not improve train F1, or widened the gap. */
  rejected: { title: string; reason: string }[];
  rationale: string;
  tokens: { input: number; output: number };
  /** Set when the exchange failed (rate limit, network, malformed answer...). */
  error?: { code: string; message: string };
  /** What the SDK warned about (a deprecated model, ...), each once; the client words it. */
  warnings?: LlmWarning[];
}

export const RefineLlmRequest = new RequestType<RefineLlmParams, RefineLlmResult, void>('arl/refineLlm');

/** Exactly what "Refine with LLM" would send for a rule (without the key). */
export const LlmPromptRequest = new RequestType<{ uri: string; rule: string; model: string }, { text: string }, void>('arl/llmPrompt');

/** An applied proposal, appended to the trajectory. */
export interface RecordAttemptParams {
  uri: string;
  rule: string;
  proposer: string;
  title: string;
  before: string;
  after: string;
}

/** Answers the recorded attempt's id (for undo and redo), or null when nothing was recorded. */
export const RecordAttemptRequest = new RequestType<RecordAttemptParams, { id: string } | null, void>('arl/recordAttempt');

// Editor: the threshold sweep, a series' rows in its CSV, undo and redo of applied proposals.

/** A comparison with a number in a rule, named by a position inside it. */
export interface SweepParams {
  uri: string;
  position: Position;
}

/** The sweep (server/src/refine/sweep.ts) with the literal to replace as an LSP range. */
export interface SweepResult extends Omit<ThresholdSweep, 'literal'> {
  uri: string;
  /** The document version the sweep was computed on. */
  version: number;
  literal: { range: Range; text: string };
}

/** Errors carry a message for people (not a comparison, inside a call, no labelled data...). */
export const SweepRequest = new RequestType<SweepParams, SweepResult, void>('arl/sweep');

/** Where a series starts in its dataset file: the first data row of that series (1-based line). */
export interface SeriesLocationParams {
  uri: string;
  series: string;
}

export interface SeriesLocation {
  /** Absolute path of the dataset file. */
  path: string;
  line: number;
}

export const SeriesLocationRequest = new RequestType<SeriesLocationParams, SeriesLocation, void>('arl/seriesLocation');

/** The user undid (or redid) an applied proposal: recorded in the trajectory against its attempt. */
export interface RecordUndoParams {
  uri: string;
  /** The attempt id RecordAttemptRequest returned. */
  attempt: string;
  rule: string;
  action: 'undo' | 'redo';
}

export const RecordUndoRequest = new RequestType<RecordUndoParams, void, void>('arl/recordUndo');

/** Arguments of ClientCommands.sweepThreshold. */
export type SweepArgs = SweepParams;

/** Labelling with LLMs: which points, which models, how many votes (the key is in the server's environment). */
export interface LabelParams {
  uri: string;
  models: string[];
  votes: number;
  /** These series only; absent: points with no label yet. */
  series?: string[];
  budget?: number;
  maxRequests?: number;
  baseUrl?: string;
}

export interface LabelPlan {
  points: number;
  /** Points left out by maxRequests. */
  capped: number;
  requests: number;
  perRequest: { input: number; output: number };
  tokens: { input: number; output: number };
  /** Series not found, times missing. */
  problems: string[];
}

export interface LabelRunResult {
  plan: LabelPlan;
  accepted: number;
  review: number;
  failed: number;
  requests: number;
  tokens: { input: number; output: number };
  cancelled: boolean;
  /** Why the run stopped early. */
  stopped?: string;
  /** Set when nothing could be sent (untrusted, no key, no data, a context file refused). */
  error?: { code: string; message: string };
  warnings?: LlmWarning[];
}

export const LabelPlanRequest = new RequestType<LabelParams, LabelPlan | { error: { code: string; message: string } }, void>('arl/labelPlan');
export const LabelSeriesRequest = new RequestType<LabelParams, LabelRunResult, void>('arl/labelSeries');
/** Progress of a labelling run: after each point. */
export const LabelProgressNotification = new NotificationType<{ uri: string; done: number; total: number; message: string }>('arl/labelProgress');

/** Exactly what labelling would send for the first point chosen: the text and the PNG (base64). */
export interface LabelPromptResult {
  text: string;
  image?: string;
  series?: string;
  time?: string;
}
export const LabelPromptRequest = new RequestType<LabelParams, LabelPromptResult, void>('arl/labelPrompt');

/** The review queue of a rule file's dataset (labels/review.ts). */
export const ReviewQueueRequest = new RequestType<{ uri: string }, ReviewQueue | { error: { code: string; message: string } }, void>('arl/reviewQueue');

/** One series to review, drawn as the preview draws it, with the time of the point under review. */
export interface ReviewSeriesResult {
  series: SeriesView;
  timeKind: TimeKind;
  /** The point under review, as a number (ms for dates). */
  t: number;
}
export const ReviewSeriesRequest = new RequestType<{ uri: string; series: string; time: string }, ReviewSeriesResult, void>('arl/reviewSeries');

/** A person's decision at a point (null: withdraw their label there, e.g. undo); saved at once. */
export interface ReviewDecision {
  uri: string;
  series: string;
  time: string;
  label: 0 | 1 | null;
  reason?: string;
}
/** Answers the label file written. */
export const ReviewDecideRequest = new RequestType<ReviewDecision, { path: string }, void>('arl/reviewDecide');

/** Titles, descriptions and groups for the rules (offline, or from the LLM); applied by the client on accept. */
export interface SuggestCategoriesParams {
  uri: string;
  proposer: 'offline' | 'anthropic';
  model?: string;
  baseUrl?: string;
}

export interface SuggestCategoriesResult {
  /** The whole file with the categories applied (headers and their comments only); absent on failure. */
  text?: string;
  proposals: { rule: string; title: string; description: string; group?: string }[];
  /** Parts of the model's answer that were ignored. */
  problems: string[];
  tokens: { input: number; output: number };
  error?: { code: string; message: string };
}

export const SuggestCategoriesRequest = new RequestType<SuggestCategoriesParams, SuggestCategoriesResult, void>('arl/suggestCategories');

/** Tells the server whether the workspace is trusted (also sent at start in initializationOptions.trusted). */
export const WorkspaceTrustNotification = new NotificationType<{ trusted: boolean }>('arl/workspaceTrust');

// Params checks. The server's handler wrapper runs the schema of a request (by its handler name)
// before the provider; a failure answers InvalidParams (-32602) with the first thing wrong.

/** Returns what is wrong with `v` (named `path`), or undefined when it fits. */
export type Check = (v: unknown, path: string) => string | undefined;

export interface ParamsSchema {
  check: Check;
  /** A field that must name a rule of the document (when it is not null). */
  rule?: string;
}

const kind = (v: unknown) => (v === null ? 'null' : v === undefined ? 'missing' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)?.slice(0, 40)}`);
const want = (what: string, test: (v: unknown) => boolean): Check => (v, path) => (test(v) ? undefined : `\`${path}\` must be ${what}, not ${kind(v)}`);

export const is = {
  string: want('a string', (v) => typeof v === 'string'),
  uri: want('a document URI', (v) => typeof v === 'string' && v.length > 0),
  boolean: want('true or false', (v) => typeof v === 'boolean'),
  count: want('a whole number >= 0', (v) => Number.isSafeInteger(v) && (v as number) >= 0),
  positive: want('a number above 0', (v) => typeof v === 'number' && Number.isFinite(v) && v > 0),
  oneOf: (...xs: string[]): Check => want(`one of ${xs.join(', ')}`, (v) => xs.includes(v as string)),
  strings: want('a list of strings', (v) => Array.isArray(v) && v.every((x) => typeof x === 'string')),
  optional: (c: Check): Check => (v, path) => (v === undefined ? undefined : c(v, path)),
  nullable: (c: Check): Check => (v, path) => (v === null ? undefined : c(v, path)),
  object:
    (fields: Record<string, Check>): Check =>
    (v, path) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return `\`${path}\` must be an object, not ${kind(v)}`;
      for (const [k, c] of Object.entries(fields)) {
        const wrong = c((v as Record<string, unknown>)[k], path === 'params' ? k : `${path}.${k}`);
        if (wrong) return wrong;
      }
      return undefined;
    },
};

const position = is.object({ line: is.count, character: is.count });
const range = is.object({ start: position, end: position });
const doc = { textDocument: is.object({ uri: is.uri }) };
const splitCheck = is.oneOf('train', 'validation', 'test', 'all');

const labelCheck = is.object({
  uri: is.uri,
  models: want('a list of 1 to 5 model names', (v) => Array.isArray(v) && v.length >= 1 && v.length <= 5 && v.every((x) => typeof x === 'string' && x.trim() !== '')),
  votes: want('a whole number from 1 to 9', (v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 9),
  series: is.optional(is.strings),
  budget: is.optional(is.positive),
  maxRequests: is.optional(is.positive),
  baseUrl: is.optional(is.nullable(is.string)),
});

/** Schemas by handler name (standard requests that take positions, and every custom request). */
export const paramsSchemas: Partial<Record<string, ParamsSchema>> = {
  hover: { check: is.object({ ...doc, position }) },
  completion: { check: is.object({ ...doc, position }) },
  signatureHelp: { check: is.object({ ...doc, position }) },
  definition: { check: is.object({ ...doc, position }) },
  references: { check: is.object({ ...doc, position, context: is.object({ includeDeclaration: is.boolean }) }) },
  prepareRename: { check: is.object({ ...doc, position }) },
  rename: { check: is.object({ ...doc, position, newName: is.string }) },
  codeAction: { check: is.object({ ...doc, range, context: is.object({ diagnostics: want('a list', Array.isArray) }) }) },
  metrics: { check: is.object({ uri: is.uri, split: splitCheck }) },
  preview: {
    check: is.object({
      uri: is.uri,
      rule: is.optional(is.nullable(is.string)),
      split: splitCheck,
      series: is.optional(is.string),
      maxPoints: is.optional(is.positive),
      let: is.optional(is.nullable(is.string)),
    }),
    rule: 'rule',
  },
  refineWithLlm: { check: is.object({ uri: is.uri, rule: is.string, model: is.string, baseUrl: is.optional(is.nullable(is.string)) }), rule: 'rule' },
  llmPrompt: { check: is.object({ uri: is.uri, rule: is.string, model: is.string }), rule: 'rule' },
  reviewQueue: { check: is.object({ uri: is.uri }) },
  reviewSeries: { check: is.object({ uri: is.uri, series: is.string, time: is.string }) },
  reviewDecide: {
    check: is.object({ uri: is.uri, series: is.string, time: is.string, label: want('1, 0 or null', (v) => v === 0 || v === 1 || v === null), reason: is.optional(is.string) }),
  },
  suggestCategories: { check: is.object({ uri: is.uri, proposer: is.oneOf('offline', 'anthropic'), model: is.optional(is.string), baseUrl: is.optional(is.nullable(is.string)) }) },
  labelPlan: { check: labelCheck },
  labelSeries: { check: labelCheck },
  labelPrompt: { check: labelCheck },
  recordAttempt: { check: is.object({ uri: is.uri, rule: is.string, proposer: is.string, title: is.string, before: is.string, after: is.string }), rule: 'rule' },
  sweep: { check: is.object({ uri: is.uri, position }) },
  seriesLocation: { check: is.object({ uri: is.uri, series: is.string }) },
  recordUndo: { check: is.object({ uri: is.uri, attempt: is.string, rule: is.string, action: is.oneOf('undo', 'redo') }) },
};
