// The review queue in the server: the queue, one series to look at, and a person's decision,
// appended to the label sidecar at once. Nothing is read or written in an untrusted workspace.
import { ErrorCodes, ResponseError } from 'vscode-languageserver';
import type { Analysis } from '../../engine/analyze';
import { findPoint, seriesIndex } from '../../labels/merge';
import { buildReviewQueue, type ReviewQueue } from '../../labels/review';
import { appendLabels } from '../../labels/sidecar';
import { buildPreview } from '../../preview/preview';
import type { ReviewDecision, ReviewSeriesResult } from '../protocol';
import { restrictedMessage, type Trust } from '../trust';

function fail(a: Analysis, trust: Trust): { code: string; message: string } | undefined {
  if (!trust.trusted) return { code: 'untrusted', message: restrictedMessage };
  if (!a.data?.labels) return { code: 'no-data', message: a.dataError ? `The dataset cannot be read: ${a.dataError.message}` : 'The file needs a dataset with a label column (`label = COLUMN`; the column may be empty).' };
  return undefined;
}

export function reviewQueue(a: Analysis, trust: Trust): ReviewQueue | { error: { code: string; message: string } } {
  const error = fail(a, trust);
  return error ? { error } : buildReviewQueue(a);
}

/** The point named by series and time, or a ResponseError saying which is unknown. */
function point(a: Analysis, series: string, time: string): number {
  const frame = a.data!.frame;
  const s = seriesIndex(frame, series);
  const i = s < 0 ? -1 : findPoint(frame, s, time);
  if (i < 0) throw new ResponseError(ErrorCodes.InvalidParams, s < 0 ? `No series \`${series.slice(0, 80)}\` in the dataset.` : `Series \`${series.slice(0, 80)}\` has no point at ${time.slice(0, 40)}.`);
  return i;
}

export function reviewSeries(a: Analysis, p: { series: string; time: string }, trust: Trust): ReviewSeriesResult {
  const error = fail(a, trust);
  if (error) throw new ResponseError(ErrorCodes.InvalidRequest, error.message);
  const i = point(a, p.series, p.time);
  const view = buildPreview(a, { rule: null, split: 'all', series: p.series, maxPoints: 1000 });
  return { series: view.series!, timeKind: view.dataset.timeKind, t: a.data!.frame.time[i] };
}

export async function reviewDecide(a: Analysis, p: ReviewDecision, trust: Trust): Promise<{ path: string }> {
  trust.assertWritable();
  const error = fail(a, trust);
  if (error) throw new ResponseError(ErrorCodes.InvalidRequest, error.message);
  point(a, p.series, p.time);
  const path = await appendLabels(a.datasetPath!, [{ series: p.series, time: p.time, label: p.label, reason: p.reason ?? '', source: 'human', votes: '', date: new Date().toISOString() }], trust.workspaceOf(a.path));
  return { path };
}
