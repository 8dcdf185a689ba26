// The dataset's CSV with the merged labels: every row as it was, the label cell replaced by the
// label the point has after the merge (person over LLM over CSV), and a `label_source` column.
import { promises as fs } from 'node:fs';
import Papa from 'papaparse';
import type { Frame } from '../engine/frame';
import { csvCell } from '../io/cells';
import { findPoint, LabelFrom, seriesIndex, type LabelOverlay } from './merge';

const sourceNames = ['', 'csv', 'llm', 'human'];

export interface ExportColumns {
  series?: string;
  time?: string;
  label: string;
}

/** The merged CSV text; `missing` counts rows whose point the frame does not hold (left as they were). */
export async function mergedCsv(datasetPath: string, frame: Frame, overlay: LabelOverlay, cols: ExportColumns): Promise<{ text: string; rows: number; missing: number }> {
  const text = await fs.readFile(datasetPath, 'utf8');
  const parsed = Papa.parse<string[]>(text, { skipEmptyLines: true });
  const [head, ...rows] = parsed.data;
  const at = (name?: string) => (name === undefined ? -1 : head.indexOf(name));
  const si = at(cols.series);
  const ti = at(cols.time);
  const li = at(cols.label);
  const out: string[] = [[...head, 'label_source'].map(csvCell).join(',')];
  const seen = new Map<number, number>();
  let missing = 0;
  for (const row of rows) {
    const s = si < 0 ? 0 : seriesIndex(frame, (row[si] ?? '').trim());
    let i = -1;
    if (s >= 0 && s < frame.seriesIds.length) {
      if (ti >= 0) i = findPoint(frame, s, (row[ti] ?? '').trim());
      else {
        // Without a time column, a series' rows are its points in order.
        const k = seen.get(s) ?? 0;
        seen.set(s, k + 1);
        i = frame.seriesStart[s] + k < frame.seriesStart[s + 1] ? frame.seriesStart[s] + k : -1;
      }
    }
    const cells = [...row];
    if (i < 0) {
      missing++;
      cells.push('');
    } else {
      const v = overlay.label[i];
      if (li >= 0) cells[li] = v === v ? String(v) : '';
      cells.push(sourceNames[overlay.from[i] as LabelFrom]);
    }
    out.push(cells.map(csvCell).join(','));
  }
  return { text: out.join('\n') + '\n', rows: rows.length, missing };
}
