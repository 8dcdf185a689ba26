// The `arl/preview` request: the preview panel's data, built from the document's analysis.
import { ResponseError } from 'vscode-languageserver';
import type { Analysis } from '../../engine/analyze';
import { buildPreview, PreviewError, type PreviewData } from '../../preview/preview';
import type { PreviewRequestParams } from '../protocol';

/** Error code of a preview that cannot be built (the message says why). */
export const previewErrorCode = -32001;

export function preview(a: Analysis, p: PreviewRequestParams): PreviewData {
  try {
    return buildPreview(a, { rule: p.rule, split: p.split, series: p.series, maxPoints: p.maxPoints, let: p.let });
  } catch (e) {
    if (e instanceof PreviewError) throw new ResponseError(previewErrorCode, e.message, { code: e.code });
    throw e;
  }
}
