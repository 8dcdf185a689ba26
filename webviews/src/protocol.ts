// Messages between the extension host (client/src) and the two webview panels. Both sides import
// this file; the webviews bundle only its types.
//
// Creating a panel (either one; the bundles are dist/webviews/preview.main.js and
// dist/webviews/trajectory.main.js):
//   const dir = Uri.joinPath(context.extensionUri, 'dist', 'webviews');
//   const panel = window.createWebviewPanel('arl.preview', title, ViewColumn.Beside,
//     { enableScripts: true, localResourceRoots: [dir] });
//   panel.webview.html = panelHtml({                                  // webviews/src/html.ts
//     scriptUri: panel.webview.asWebviewUri(Uri.joinPath(dir, 'preview.main.js')).toString(),
//     cspSource: panel.webview.cspSource, nonce: makeNonce(), title });
//   panel.webview.onDidReceiveMessage((m: FromPreview) => ...);
//   panel.webview.postMessage(m satisfies ToPreview);
// retainContextWhenHidden is not needed: a page keeps its state with vscode.setState and says
// `ready` again when it is shown after being hidden. Theme changes need no message (the page
// watches the classes VS Code puts on <body>); `theme` forces a redraw.
//
// Every page says `ready` once its script listens, and the host holds its messages until then (a
// message posted earlier is lost): a new page, or one shown again after being hidden.
//
// Preview panel, bound to one .arl document (uri):
//   webview → host  ready           The page is up. Answer `init`; the page asks for nothing before.
//   host → webview  init            { rule?, split? }: what to show (the lens that opened the panel);
//                                   without rule, what the page showed last (or the whole file).
//   webview → host  requestPreview  { requestId, params }. Send the server request (suggested:
//                                   `arl/preview`, params { uri, ...params }; the server answers
//                                   buildPreview(analysis, params) from server/src/preview/preview.ts)
//                                   and post back `preview` { requestId, data }, or on failure
//                                   `previewError` { requestId, code, message } with code =
//                                   PreviewError.code when the server gives one ('unknown-series' and
//                                   'unknown-rule' make the page fall back by itself). Always echo
//                                   the requestId: the page drops answers to older requests. With no
//                                   analysis yet, answer when it is ready (or answer an error: the
//                                   next `changed` makes the page ask again).
//   host → webview  show            { rule, split? }: the user asked to preview a rule (the lens
//                                   command arl.previewRule: rule = PreviewRuleArgs.rule ?? null).
//                                   Also right after creating the panel for that command.
//   host → webview  changed         After each new analysis of the document (an edit, the dataset
//                                   changed on disk): the page asks again, keeping its series.
//   host → webview  theme           Optional.
//   webview → host  revealRule      { rule }: show that rule's text in the editor.
//   webview → host  openCsv         { series }: open the dataset at the series' first row
//                                   (`arl/seriesLocation`).
//   webview → host  error           { message }: the page could not draw; for the output channel.
//
// Trajectory panel, bound to one trajectory file:
//   webview → host  ready           Answer with `trajectory` { data }: every attempt read so far
//                                   (map the file's records to TrajectoryAttempt).
//   host → webview  trajectory      { data }: again whenever the file changes (a FileSystemWatcher);
//                                   always the whole list, so repeating it is harmless.
//   webview → host  openAttempt     { attemptId }: e.g. open a diff editor of before/after.
//   webview → host  error           As above.
//
// Sweep panel, bound to one comparison of a rule (the threshold sweep):
//   webview → host  ready           Answer `sweep` { data } (or `sweepError` { message }).
//   host → webview  sweep           { data }: the sweep (SweepData); again after each edit of the
//                                   document while the comparison is still there.
//   host → webview  sweepError      { message }: the comparison is gone or cannot be swept.
//   host → webview  applied         { value, ok, message? }: the answer to `apply`.
//   webview → host  apply           { value, version }: write `value` in place of the threshold
//                                   (refused when the document changed since `version`).
//   webview → host  error           As above.
import type { ScoreSplit } from '../../server/src/engine/metrics';
import type { SweepResult } from '../../server/src/lsp/protocol';
import type { PreviewData } from '../../server/src/preview/types';

export type { PreviewData } from '../../server/src/preview/types';
export type { ScoreSplit } from '../../server/src/engine/metrics';

/** What the page asks the server for; the host adds the document's uri. */
export interface PreviewParams {
  /** A rule name; null for the whole file. */
  rule: string | null;
  split: ScoreSplit;
  /** Absent: the server picks the first series of the list. */
  series?: string;
  /** Points drawn at most; the page leaves it to the host (the server's default is 2000). */
  maxPoints?: number;
  /** The let on the second axis; absent: one the rule compares with a constant. */
  let?: string | null;
}

/** The threshold sweep of one comparison (computed by server/src/refine/sweep.ts). */
export type SweepData = SweepResult;

// Preview panel.

export type ToPreview =
  | { type: 'init'; rule?: string | null; split?: ScoreSplit }
  | { type: 'show'; rule: string | null; split?: ScoreSplit }
  | { type: 'changed' }
  | { type: 'preview'; requestId: number; data: PreviewData }
  | { type: 'previewError'; requestId: number; code?: string; message: string }
  | { type: 'theme' };

export type FromPreview =
  | { type: 'ready' }
  | { type: 'requestPreview'; requestId: number; params: PreviewParams }
  | { type: 'revealRule'; rule: string }
  | { type: 'openCsv'; series: string }
  | { type: 'error'; message: string };

// Trajectory panel.

/** Scores of a rule on one split; null where undefined (nothing fired, no anomalies). */
export interface AttemptScores {
  precision: number | null;
  recall: number | null;
  f1: number | null;
  /** The file's objective (see TrajectoryAttempt.objectiveName); absent in older records, which measured F1. */
  objective?: number | null;
}

/** One refinement attempt: a change proposed to a rule, scored, then accepted or rejected. */
export interface TrajectoryAttempt {
  id: string;
  /** ISO time the attempt was made. */
  time: string;
  /** The rule changed. */
  rule: string;
  /** Who proposed the change, e.g. `llm` or `threshold-search`. */
  proposer: string;
  /** The rule's text before and after the change. */
  before: string;
  after: string;
  /** The analysis that led to the change (plain text or Markdown). */
  analysis: string;
  /** What `objective` measures: `point F1`, `event F1`...; absent in older records (point F1). */
  objectiveName?: string;
  train: { before: AttemptScores; after: AttemptScores };
  validation: { before: AttemptScores; after: AttemptScores };
  accepted: boolean;
  /** An accepted change the user undid in the editor (and did not redo): when. */
  undone?: string;
  /** Why it was accepted or rejected. */
  reason: string;
}

export interface TrajectoryData {
  /** The trajectory file, for the title. */
  file: string;
  /** In the order they were made. */
  attempts: TrajectoryAttempt[];
}

export type ToTrajectory = { type: 'trajectory'; data: TrajectoryData } | { type: 'theme' };

export type FromTrajectory = { type: 'ready' } | { type: 'openAttempt'; attemptId: string } | { type: 'error'; message: string };

// Sweep panel.

export type ToSweep =
  | { type: 'sweep'; data: SweepData }
  | { type: 'sweepError'; message: string }
  | { type: 'applied'; value: number; ok: boolean; message?: string }
  | { type: 'theme' };

export type FromSweep = { type: 'ready' } | { type: 'apply'; value: number; version: number } | { type: 'error'; message: string };

// Review panel, bound to one .arl document (uri): the label review queue (server/src/labels/review.ts).
//   webview → host  ready           Answer with `queue` { data } (server request `arl/reviewQueue`).
//   host → webview  queue           { data }: again after each analysis of the document (a label saved,
//                                   the dataset changed); the page keeps its place.
//   webview → host  requestSeries   { requestId, series, time }: answer `series` { requestId, data }
//                                   (`arl/reviewSeries`) or `seriesError` { requestId, message }.
//   webview → host  decide          { series, time, label }: a person's key press (a: 1, n: 0; u sends
//                                   null for the last decision, withdrawing it). Save it at once
//                                   (`arl/reviewDecide`) and answer `saved` { series, time, label }, or
//                                   `saveError` { message } (the page puts the item back).
//   webview → host  error           { message }: for the output channel.

export type { ReviewItem, ReviewQueue } from '../../server/src/labels/review';

export interface ReviewSeries {
  series: import('../../server/src/preview/types').SeriesView;
  timeKind: import('../../server/src/engine/frame').TimeKind;
  /** The point under review (ms for dates). */
  t: number;
}

export type ToReview =
  | { type: 'queue'; data: import('../../server/src/labels/review').ReviewQueue }
  | { type: 'series'; requestId: number; data: ReviewSeries }
  | { type: 'seriesError'; requestId: number; message: string }
  | { type: 'saved'; series: string; time: string; label: 0 | 1 | null }
  | { type: 'saveError'; message: string }
  | { type: 'theme' };

export type FromReview =
  | { type: 'ready' }
  | { type: 'requestSeries'; requestId: number; series: string; time: string }
  | { type: 'decide'; series: string; time: string; label: 0 | 1 | null }
  | { type: 'error'; message: string };

/** A message from the host, checked for the one field every message has. */
export function isMessage<T extends { type: string }>(m: unknown): m is T {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string';
}
