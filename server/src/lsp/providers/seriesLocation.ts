// `arl/seriesLocation`: the first row of a series in its dataset file, for "Open in CSV".
import { ResponseError } from 'vscode-languageserver';
import type { Analysis } from '../../engine/analyze';
import type { SeriesLocation } from '../protocol';
import { previewErrorCode } from './preview';

export function seriesLocation(a: Analysis, series: string): SeriesLocation {
  const frame = a.data?.frame;
  if (!frame || !a.datasetPath) throw new ResponseError(previewErrorCode, 'The dataset is not loaded.', { code: 'no-dataset' });
  const s = frame.seriesIds.indexOf(series);
  if (s < 0) throw new ResponseError(previewErrorCode, `No series \`${series}\` in the dataset.`, { code: 'unknown-series' });
  let line = Infinity;
  for (let p = frame.seriesStart[s]; p < frame.seriesStart[s + 1]; p++) line = Math.min(line, frame.lineOf(p));
  return { path: a.datasetPath, line };
}
