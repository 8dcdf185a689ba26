// Converters from the public formats of NAB, SMD and HDFS to ARL's long CSV (series, time, label,
// feature columns). Each reads from a data folder holding nab/, smd/ and hdfs/ as published and
// writes one CSV; nothing is dropped without being counted in `notes`.
import { createWriteStream, promises as fs } from 'node:fs';
import { join } from 'node:path';

export interface Converted {
  /** The CSV written. */
  path: string;
  rows: number;
  series: number;
  anomalies: number;
  /** The numeric feature columns (what an unsupervised detector reads). */
  features: string[];
  /** Text columns of categories (HDFS: the template id); detectors read their counts so far. */
  categories?: string[];
  /** The dataset block of an ARL file reading this CSV (series, time, label, the split), with more settings if given. */
  datasetBlock(csvName: string, more?: Record<string, string>): string;
  /** What the conversion changed or dropped, for the report. */
  notes: string[];
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await fs.readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`${what}: cannot read ${path} (${code === 'ENOENT' ? 'no such file' : (e as Error).message}). Pass the folder holding nab/, smd/ and hdfs/ as --data.`);
  }
}

/** Lines without the trailing empty one; `\r\n` too. */
function lines(text: string): string[] {
  const out = text.split(/\r?\n/);
  if (out.length && out[out.length - 1] === '') out.pop();
  return out;
}

/** Writes rows through a stream in chunks, so a large output never sits in memory as one string. */
async function writeRows(path: string, header: string, fill: (emit: (line: string) => void) => Promise<void> | void): Promise<number> {
  const out = createWriteStream(path, 'utf8');
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => undefined); // observed through the races below
  let rows = 0;
  let buf: string[] = [header];
  const flush = () => {
    if (buf.length) out.write(buf.join('\n') + '\n');
    buf = [];
  };
  await Promise.race([
    fill((line) => {
      buf.push(line);
      rows++;
      if (buf.length >= 5000) flush();
    }),
    failed,
  ]);
  flush();
  await Promise.race([new Promise<void>((resolve) => out.end(() => resolve())), failed]);
  return rows;
}

/** `YYYY-MM-DD HH:MM:SS[.ffffff]` read as UTC milliseconds; NaN when it is not one. */
export function parseNabTime(s: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?$/.exec(s.trim());
  if (!m) return Number.NaN;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) + (m[7] ? Math.round(Number(m[7]) * 1000) : 0);
}

export const nabCategories = ['realKnownCause', 'realAWSCloudwatch'];

/**
 * NAB: data/<category>/<name>.csv (`timestamp,value`) and labels/combined_windows.json (inclusive
 * windows). One series per file, named after the file (`nyc_taxi`; the series id decides ARL's
 * split); a point is an anomaly inside a window.
 * A timestamp repeated within a file keeps its first row (ARL needs one row per time).
 */
export async function convertNab(nabDir: string, outPath: string, categories = nabCategories): Promise<Converted> {
  const windowsText = await readText(join(nabDir, 'labels', 'combined_windows.json'), 'NAB labels');
  let windows: Record<string, [string, string][]>;
  try {
    windows = JSON.parse(windowsText);
  } catch (e) {
    throw new Error(`NAB labels: ${join(nabDir, 'labels', 'combined_windows.json')} is not JSON (${(e as Error).message}).`);
  }
  const notes: string[] = [];
  let series = 0;
  let anomalies = 0;
  const names = new Set<string>();
  const rows = await writeRows(outPath, 'series,time,label,value', async (emit) => {
    for (const cat of categories) {
      const dir = join(nabDir, 'data', cat);
      let files: string[];
      try {
        files = (await fs.readdir(dir)).filter((f) => f.endsWith('.csv')).sort();
      } catch {
        throw new Error(`NAB: no folder ${dir}. Pass the folder holding nab/ as --data.`);
      }
      for (const file of files) {
        const key = `${cat}/${file}`;
        const spans = (windows[key] ?? []).map(([a, b]) => [parseNabTime(a), parseNabTime(b)] as const);
        if (spans.some(([a, b]) => Number.isNaN(a) || Number.isNaN(b))) throw new Error(`NAB labels: a window of ${key} is not a timestamp.`);
        const text = lines(await readText(join(dir, file), 'NAB data'));
        if (text[0]?.trim() !== 'timestamp,value') throw new Error(`NAB: ${key} line 1 should be "timestamp,value", not "${text[0]}".`);
        const seen = new Set<number>();
        let repeated = 0;
        const name = file.replace(/\.csv$/, '');
        if (names.has(name)) throw new Error(`NAB: two files named ${file}; series are named after their file, so names must be unique.`);
        names.add(name);
        if (!/^[^,"\r\n]+$/.test(name)) throw new Error(`NAB: the file name ${file} cannot be a series id in a CSV.`);
        for (let i = 1; i < text.length; i++) {
          const [ts, v] = text[i].split(',');
          const t = parseNabTime(ts ?? '');
          if (Number.isNaN(t) || v === undefined || !Number.isFinite(Number(v))) throw new Error(`NAB: ${key} line ${i + 1}: expected "timestamp,value", got "${text[i]}".`);
          if (seen.has(t)) {
            repeated++;
            continue;
          }
          seen.add(t);
          const y = spans.some(([a, b]) => a <= t && t <= b) ? 1 : 0;
          anomalies += y;
          emit(`${name},${ts.trim()},${y},${v.trim()}`);
        }
        if (repeated) notes.push(`${key}: ${repeated} row(s) repeating an earlier timestamp dropped (first kept)`);
        series++;
      }
    }
  });
  return { path: outPath, rows, series, anomalies, features: ['value'], datasetBlock: (csv, more) => block(csv, { ...byTime, ...more }), notes };
}

export const smdMachines = ['machine-1-6', 'machine-1-7', 'machine-2-1', 'machine-2-2'];

/**
 * SMD: test/<machine>.txt (38 comma-separated metrics a row, no header, one row a minute) and
 * test_label/<machine>.txt (0 or 1 a line, row-aligned). One series per machine; time is the row
 * number; columns m1..m38.
 */
export async function convertSmd(smdDir: string, outPath: string, machines = smdMachines): Promise<Converted> {
  const loaded: { machine: string; data: string[]; labels: string[] }[] = [];
  let dim = -1;
  for (const machine of machines) {
    const data = lines(await readText(join(smdDir, 'test', `${machine}.txt`), 'SMD data'));
    const labels = lines(await readText(join(smdDir, 'test_label', `${machine}.txt`), 'SMD labels'));
    if (data.length !== labels.length) throw new Error(`SMD: ${machine} has ${data.length} data rows but ${labels.length} labels; they must be row-aligned.`);
    const d = data[0]?.split(',').length ?? 0;
    if (dim >= 0 && d !== dim) throw new Error(`SMD: ${machine} has ${d} metrics, the others ${dim}.`);
    dim = d;
    loaded.push({ machine, data, labels });
  }
  const features = Array.from({ length: Math.max(0, dim) }, (_, k) => `m${k + 1}`);
  let anomalies = 0;
  const rows = await writeRows(outPath, `series,time,label,${features.join(',')}`, (emit) => {
    for (const { machine, data, labels } of loaded) {
      for (let i = 0; i < data.length; i++) {
        const y = labels[i].trim();
        if (y !== '0' && y !== '1') throw new Error(`SMD: test_label/${machine}.txt line ${i + 1} holds "${labels[i]}", not 0 or 1.`);
        const cells = data[i].split(',');
        if (cells.length !== dim || cells.some((c) => c.trim() === '' || !Number.isFinite(Number(c)))) {
          throw new Error(`SMD: test/${machine}.txt line ${i + 1} should hold ${dim} numbers.`);
        }
        if (y === '1') anomalies++;
        emit(`${machine},${i},${y},${data[i]}`);
      }
    }
  });
  return { path: outPath, rows, series: loaded.length, anomalies, features, datasetBlock: (csv, more) => block(csv, { ...byTime, ...more }), notes: [] };
}

/**
 * HDFS: hdfs_100k_block_sessions.csv (`BlockId,Label,Split,EventCount,EventSequence`). One row per
 * event of a block: series = BlockId, time = its position, `event` = the template id (a text
 * column, so a category). The block's label sits on its LAST row only; the other rows are blank
 * (not labelled, not scored). So point metrics are session metrics (one judged point per block),
 * each anomalous block is one event, and a rule is judged where the whole session has been seen.
 * The file's own Split column is not used: ARL splits by series.
 */
export async function convertHdfs(hdfsDir: string, outPath: string): Promise<Converted> {
  const file = join(hdfsDir, 'hdfs_100k_block_sessions.csv');
  const text = lines(await readText(file, 'HDFS sessions'));
  const head = text[0]?.split(',').map((h) => h.trim());
  const col = (name: string) => {
    const k = head?.indexOf(name) ?? -1;
    if (k < 0) throw new Error(`HDFS: ${file} line 1 has no column ${name} (expected BlockId,Label,Split,EventCount,EventSequence).`);
    return k;
  };
  const [cId, cLabel, cSeq] = [col('BlockId'), col('Label'), col('EventSequence')];
  const blocks: { id: string; y: string; seq: string[] }[] = [];
  for (let i = 1; i < text.length; i++) {
    const cells = text[i].split(',');
    const id = cells[cId]?.trim();
    const y = cells[cLabel]?.trim();
    if (!id || (y !== '0' && y !== '1')) throw new Error(`HDFS: line ${i + 1}: expected a BlockId and a Label of 0 or 1, got "${text[i]}".`);
    const seq = (cells[cSeq] ?? '').trim().split(/\s+/).filter(Boolean);
    for (const t of seq) if (!/^[A-Za-z0-9_]+$/.test(t)) throw new Error(`HDFS: line ${i + 1}: "${t}" is not a template id.`);
    blocks.push({ id, y, seq });
  }
  const notes: string[] = [];
  const empty = blocks.filter((b) => !b.seq.length).length;
  if (empty) notes.push(`${empty} block(s) without events: no rows`);
  let anomalies = 0;
  const rows = await writeRows(outPath, 'series,time,label,event', (emit) => {
    for (const b of blocks) {
      b.seq.forEach((t, pos) => {
        const last = pos === b.seq.length - 1;
        if (last && b.y === '1') anomalies++;
        emit(`${b.id},${pos},${last ? b.y : ''},${t}`);
      });
    }
  });
  return { path: outPath, rows, series: blocks.length - empty, anomalies, features: [], categories: ['event'], datasetBlock: (csv, more) => block(csv, more), notes };
}

/** SMD and NAB are cut by time within each series, so every series is in every split. */
const byTime = { split: 'time 60/20/20' };

function block(csv: string, settings: Record<string, string> = {}): string {
  const all: Record<string, string> = { series: 'series', time: 'time', label: 'label', ...settings };
  const width = Math.max(...Object.keys(all).map((k) => k.length));
  const lines = Object.entries(all).map(([k, v]) => `    ${k.padEnd(width)} = ${v}`);
  return `dataset ${JSON.stringify(csv)} {\n${lines.join('\n')}\n}\n`;
}
