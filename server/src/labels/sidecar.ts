// The label sidecar: `.arl/labels/<dataset>.csv` in the dataset's folder, one row per decision
// (series, time, label, reason, source, votes, date). Labels live beside the data, never in it.
// Rows are only ever appended, each call in one write, so a crash loses at most the rows in flight;
// a torn last line is skipped when read and counted. Later rows win over earlier ones of the same
// kind of source; a blank label withdraws that source's label at the point (an undo, or an LLM
// decision sent to review).
import { lstatSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import Papa from 'papaparse';
import { csvCell, fromCsvCell } from '../io/cells';
import { appendArlLines, readArlFile } from '../io/safefs';

export const sidecarColumns = ['series', 'time', 'label', 'reason', 'source', 'votes', 'date'] as const;
export const sidecarHeader = sidecarColumns.join(',');

export interface LabelEntry {
  series: string;
  /** The point's time as the dataset's times are written (formatTime). */
  time: string;
  /** 1 anomaly, 0 normal, null: no label from this source (withdrawn, or sent to review). */
  label: 0 | 1 | null;
  reason: string;
  /** `human`, or `llm:<model>[+<model>...]`. */
  source: string;
  /** Each model's votes, `model=1,1,0; other=1,1,1` (empty for people). */
  votes: string;
  /** When it was decided, ISO 8601. */
  date: string;
}

export interface SidecarRead {
  path: string;
  entries: LabelEntry[];
  /** Lines that could not be read (a torn write, an edit by hand), with why; the first 20. */
  skipped: { line: number; why: string }[];
  skippedTotal: number;
}

/** Where the labels of a dataset live: the folder beside it, the sub-folder and the file name. */
export function sidecarLocation(datasetPath: string): { dir: string; sub: string; name: string; path: string } {
  const dir = dirname(datasetPath);
  const base = basename(datasetPath);
  const stem = base.slice(0, base.length - extname(base).length) || base;
  const name = `${stem.replace(/^\.+/, '_')}.csv`;
  return { dir, sub: 'labels', name, path: join(dir, '.arl', 'labels', name) };
}

export function isHuman(source: string): boolean {
  return source === 'human';
}

/** One line of the file: line breaks in the text become spaces, cells are escaped as `arl run`'s. */
export function formatEntry(e: LabelEntry): string {
  return [e.series, e.time, e.label === null ? '' : String(e.label), e.reason, e.source, e.votes, e.date].map((v) => csvCell(v.replace(/[\r\n\u2028\u2029]/g, ' '))).join(',');
}

/** Reads the sidecar text; rows that do not fit are skipped and counted, never guessed. */
export function parseSidecar(text: string, path = 'labels.csv'): SidecarRead {
  const out: SidecarRead = { path, entries: [], skipped: [], skippedTotal: 0 };
  const skip = (line: number, why: string) => {
    out.skippedTotal++;
    if (out.skipped.length < 20) out.skipped.push({ line, why });
  };
  const rows = Papa.parse<string[]>(text, { delimiter: ',', skipEmptyLines: false }).data;
  rows.forEach((row, k) => {
    const line = k + 1;
    if (row.length === 1 && row[0] === '') return;
    // The header starts the file; another process appending to a new file at the same moment can
    // write it a second time, so it is skipped wherever it is.
    if (row.join(',') === sidecarHeader) return;
    if (row.length !== sidecarColumns.length) return skip(line, `${row.length} fields, expected ${sidecarColumns.length} (${sidecarHeader})`);
    const [series, time, label, reason, source, votes, date] = row.map(fromCsvCell);
    if (label !== '' && label !== '0' && label !== '1') return skip(line, `the label is \`${label.slice(0, 20)}\`, not 1, 0 or blank`);
    if (source !== 'human' && !/^llm:\S+$/.test(source)) return skip(line, `the source is \`${source.slice(0, 40)}\`, not human or llm:<model>`);
    if (series === '' && time === '') return skip(line, 'no series and no time');
    out.entries.push({ series, time, label: label === '' ? null : (Number(label) as 0 | 1), reason, source, votes, date });
  });
  return out;
}

/** The sidecar of a dataset, or undefined when there is none (a link or special file is refused). */
export async function readSidecar(datasetPath: string): Promise<SidecarRead | undefined> {
  const loc = sidecarLocation(datasetPath);
  const text = await readArlFile(loc.dir, loc.name, 256 * 1024 * 1024, loc.sub);
  return text === undefined ? undefined : parseSidecar(text, loc.path);
}

/** A cheap fingerprint of the sidecar (size and modification time), 'none' when missing. */
export async function sidecarStamp(datasetPath: string): Promise<string> {
  try {
    // On this thread (a system call of microseconds): the language server asks at every edit.
    const st = lstatSync(sidecarLocation(datasetPath).path);
    return `${st.size}:${st.mtimeMs}:${st.ino}`;
  } catch {
    return 'none';
  }
}

/**
 * Appends decisions to the dataset's sidecar, in one write. `roots`: the workspace folders the
 * dataset's folder must lie in. Returns the sidecar's path.
 */
export async function appendLabels(datasetPath: string, entries: LabelEntry[], roots?: string[]): Promise<string> {
  const loc = sidecarLocation(datasetPath);
  if (!entries.length) return loc.path;
  return appendArlLines(loc.dir, loc.name, entries.map(formatEntry), roots, { sub: loc.sub, header: sidecarHeader });
}
