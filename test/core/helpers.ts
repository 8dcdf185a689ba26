// Test plumbing: hand-written series to a frame, an expression to its column of values.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { check } from '../../grammar/src/check';
import { parse } from '../../grammar/src/parse';
import { analyze, type Analysis } from '../../server/src/engine/analyze';
import { loadCsvText } from '../../server/src/engine/csv';
import { categoricalOf } from '../../server/src/engine/categories';
import { Evaluator } from '../../server/src/engine/evaluate';
import { newFrameId, schemaOf, type Categorical, type Frame } from '../../server/src/engine/frame';
import { compile } from '../../server/src/engine/plan';
import { DatasetStore } from '../../server/src/engine/store';
import { tempDir } from '../support/tmp';

/** A hand series: column name to values, `null` for a blank cell. */
export type HandSeries = Record<string, (number | null)[]>;

/** The CSV text of several series (long format: `id,t,<columns>`); `t` counts 0, 1, 2... per series. */
export function csvOf(series: Record<string, HandSeries>): string {
  const ids = Object.keys(series);
  const cols = Object.keys(series[ids[0]]);
  let out = `id,t,${cols.join(',')}\n`;
  for (const id of ids) {
    const s = series[id];
    const n = s[cols[0]].length;
    for (let t = 0; t < n; t++) out += `${id},${t},${cols.map((c) => (s[c][t] === null ? '' : String(s[c][t]))).join(',')}\n`;
  }
  return out;
}

/** Loads hand series into a frame; a column named `label` becomes the label. */
export function frameOf(series: Record<string, HandSeries>): Frame {
  const first = series[Object.keys(series)[0]];
  const r = loadCsvText(csvOf(series), 'hand.csv', { roles: { series: 'id', time: 't', label: 'label' in first ? 'label' : undefined } });
  if (!r.ok) throw new Error(r.error.message);
  return r.frame;
}

/** Hand series whose columns may hold text (strings become categories, as the loader makes them). */
export type MixedSeries = Record<string, (number | string | null)[]>;

/**
 * Builds a frame in memory, as the loader would from a file `id,t,<columns>`: series `id`, time `t`
 * (0, 1, 2... per series), a column holding a string is a category column, `label` the label.
 */
export function mixedFrameOf(series: Record<string, MixedSeries>): Frame {
  const ids = Object.keys(series);
  const names = Object.keys(series[ids[0]]);
  const lengths = ids.map((id) => series[id][names[0]].length);
  const n = lengths.reduce((a, b) => a + b, 0);
  const seriesStart = new Int32Array(ids.length + 1);
  lengths.forEach((len, s) => (seriesStart[s + 1] = seriesStart[s] + len));
  const seriesOf = new Int32Array(n);
  lengths.forEach((len, s) => seriesOf.fill(s, seriesStart[s], seriesStart[s] + len));
  const all = (name: string) => ids.flatMap((id) => series[id][name]);
  const columns = new Map<string, Float64Array>();
  const categories = new Map<string, Categorical>();
  const time = Float64Array.from({ length: n }, (_, i) => i - seriesStart[seriesOf[i]]);
  columns.set('t', time);
  const columnInfo: Frame['columnInfo'] = [
    { name: 'id', numeric: false, note: 'a text column' },
    { name: 't', numeric: true },
  ];
  let label: Float64Array | undefined;
  for (const name of names) {
    const cells = all(name);
    if (name === 'label') {
      label = Float64Array.from(cells, (v) => (v === null ? Number.NaN : Number(v)));
      columnInfo.push({ name, numeric: true });
    } else if (cells.some((v) => typeof v === 'string')) {
      const { column, frequent } = categoricalOf(cells.map((v) => (v === null ? null : String(v))));
      categories.set(name, column);
      columnInfo.push({ name, numeric: false, categories: frequent });
    } else {
      columns.set(name, Float64Array.from(cells, (v) => (v === null ? Number.NaN : (v as number))));
      columnInfo.push({ name, numeric: true });
    }
  }
  return {
    source: 'hand',
    id: newFrameId(),
    seriesIds: ids,
    seriesStart,
    seriesOf,
    length: n,
    time,
    timeKind: 'number',
    columns,
    columnInfo,
    label,
    categories,
    text: new Map(),
    lineOf: (p) => p + 2,
  };
}

/** Evaluates one ARL expression over a frame; throws on any checker error. */
export function evalExpr(frame: Frame, expr: string, evaluator = new Evaluator(frame)): Float64Array | Uint8Array {
  const text = `let __v = ${expr}\n`;
  const checked = check(parse(text), schemaOf(frame));
  const errors = checked.issues.filter((i) => i.severity === 'error');
  if (errors.length) throw new Error(`${expr}: ${errors.map((e) => e.message).join(' / ')}`);
  const node = compile(checked).lets.get('__v');
  if (!node) throw new Error(`${expr}: did not compile`);
  return evaluator.column(node);
}

/** Numbers as a plain array, NaN kept (toEqual treats NaN as equal to NaN). */
export function num(frame: Frame, expr: string): number[] {
  const v = evalExpr(frame, expr);
  if (!(v instanceof Float64Array)) throw new Error(`${expr} is a condition, not a number`);
  return Array.from(v);
}

/** Conditions as 'T' / 'F' / '?' (unknown), easy to write by hand. */
export function cond(frame: Frame, expr: string, evaluator?: Evaluator): string {
  const v = evalExpr(frame, expr, evaluator);
  if (!(v instanceof Uint8Array)) throw new Error(`${expr} is a number, not a condition`);
  return Array.from(v, (b) => (b === 0 ? 'F' : b === 1 ? 'T' : '?')).join('');
}

export { tempDir };

/** Writes `csv` and an .arl file naming it into a temp dir and analyzes the file end to end. */
export async function analyzeWith(csv: string, arl: string, store = new DatasetStore()): Promise<Analysis> {
  const dir = tempDir();
  writeFileSync(join(dir, 'data.csv'), csv);
  const path = join(dir, 'rules.arl');
  writeFileSync(path, arl);
  return analyze(arl, path, { store });
}

/** Element-wise equality up to rounding, NaN equal to NaN; the message shows both arrays. */
export function expectClose(actual: ArrayLike<number>, expected: number[], what = ''): void {
  const a = Array.from(actual);
  const ok =
    a.length === expected.length &&
    a.every((v, i) => {
      const e = expected[i];
      if (Number.isNaN(e) || Number.isNaN(v)) return Number.isNaN(e) && Number.isNaN(v);
      return Math.abs(v - e) <= 1e-9 * Math.max(1, Math.abs(e));
    });
  if (!ok) throw new Error(`${what}\n  expected ${fmt(expected)}\n  actual   ${fmt(a)}`);
}

function fmt(xs: number[]): string {
  return `[${xs.map((x) => (Number.isNaN(x) ? 'NaN' : String(Math.round(x * 1e6) / 1e6))).join(', ')}]`;
}
