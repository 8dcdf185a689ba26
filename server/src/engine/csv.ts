// CSV loading: long format, one row per point. Bytes are split into rows by scan.ts (as papaparse
// would) and read by byterows.ts; a file the byte path gives up on is streamed through papaparse
// and read by rows.ts. Either way assemble.ts makes the frame, and problems are placed
// (file:line:col) by locate.ts, which reads the file again in chunks. Every problem is reported, up
// to a limit: nothing is dropped.
import { createReadStream, promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import Papa from 'papaparse';
import type { DuplicatePolicy } from '../../../grammar/src/check';
import { assemble } from './assemble';
import { ByteRows } from './byterows';
import type { Frame } from './frame';
import { locateInChunks, locateInText, type Place, type Target } from './locate';
import { RowReader, maxProblems, type Pending, type ProblemCode, type Roles } from './rows';
import { readSecondHalf, splitPoint, parallelBytes, maxParallelBytes } from './csvsplit';
import { Scanner } from './scan';
import { chunkBytes, maxRowLength, readRows, SpanReader, type SpanEnd } from './span';

export { isMissingCell, maxProblems, type Roles } from './rows';

export type DataErrorCode = ProblemCode | 'file-missing' | 'empty-file' | 'read-error' | 'cancelled';

/** One problem in a data file. */
export interface DataProblem {
  code: DataErrorCode;
  /** 1-based, when the problem is at a place in the file. */
  line?: number;
  column?: number;
  message: string;
}

/** Why a dataset did not load: the first problem, and the list of them. */
export interface DataError extends DataProblem {
  file: string;
  /** The problems found, in the order of the file, at most maxProblems; the first is the error itself. */
  problems?: DataProblem[];
  /** How many problems there are in all (more than listed when the list was cut). */
  total?: number;
}

export type LoadResult = { ok: true; frame: Frame } | { ok: false; error: DataError };

export interface LoadOptions {
  roles: Roles;
  /** What to do with rows repeating a time within a series; default `error`. */
  duplicates?: DuplicatePolicy;
  /** Called with the fraction read, at most every few percent. */
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
  /** 'papaparse': only the reference path (tests compare it with the byte path, the default). */
  reader?: 'bytes' | 'papaparse';
  /**
   * Read the second half of a large file on a worker thread (the bundled csvWorker.ts, `script`):
   * from `minBytes` (default parallelBytes), the halves split at the first line break from `at`
   * (default the middle; tests move it) up to `maxBytes` (default maxParallelBytes). `joined` says
   * whether the worker's rows were taken.
   */
  parallel?: { script: string; minBytes?: number; maxBytes?: number; at?: number; joined?: (joined: boolean) => void };
}

export { maxRowLength };

/** The file's text again, for placing problems and re-reading cells: in memory or streamed. */
export interface Source {
  locate(targets: Target[]): Place[] | Promise<Place[]>;
  /** Cells of some columns in the first `rows` data rows, read again (blank lines skipped). */
  cells(columns: number[], rows: number): string[][] | Promise<string[][]>;
}

function textSource(text: string, delimiter: string): Source {
  return {
    locate: (targets) => locateInText(text, delimiter, targets),
    cells: (columns, rows) => {
      const out: string[][] = columns.map(() => []);
      Papa.parse<string[]>(text, { delimiter, step: cellStep(columns, rows, out) });
      return out;
    },
  };
}

function fileSource(path: string, delimiter: string): Source {
  const chunks = () => createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 }) as AsyncIterable<string> & NodeJS.ReadableStream;
  return {
    locate: (targets) => locateInChunks(chunks(), delimiter, targets),
    cells: (columns, rows) =>
      new Promise((resolve, reject) => {
        const out: string[][] = columns.map(() => []);
        const stream = chunks();
        stream.on('error', reject);
        const step = cellStep(columns, rows, out);
        Papa.parse<string[]>(stream as unknown as File, {
          delimiter,
          step,
          // Also after abort(), once the rows needed are read.
          complete: () => {
            (stream as unknown as { destroy(): void }).destroy();
            resolve(out);
          },
          error: reject,
        });
      }),
  };
}

function cellStep(columns: number[], rows: number, out: string[][]) {
  let header = true;
  return (res: Papa.ParseStepResult<string[]>, parser: Papa.Parser) => {
    const f = res.data;
    if (f.length === 1 && f[0] === '') return;
    if (header) {
      header = false;
      return;
    }
    if (out[0].length >= rows) return parser.abort();
    columns.forEach((c, k) => out[k].push(f[c] ?? ''));
    if (out[0].length >= rows) parser.abort();
  };
}

export type Maybe<T> = T | Promise<T>;
function then<T, U>(x: Maybe<T>, f: (v: T) => Maybe<U>): Maybe<U> {
  return x instanceof Promise ? x.then(f) : f(x);
}

/** After reading: re-read cells if needed, assemble the frame, or place and report problems. */
export function finish(b: RowReader, file: string, source: Source, policy: DuplicatePolicy | undefined): Maybe<LoadResult> {
  if (b.problemCount === 0 && (b.header.length === 0 || b.rows === 0)) {
    const message = b.header.length === 0 ? 'The file is empty: it needs a header row and data rows.' : 'The file has a header but no data rows.';
    return { ok: false, error: { code: 'empty-file', file, line: 1, column: 1, message } };
  }
  // Columns that held numbers before their first text cell: the text of those cells is needed.
  const refill = b.problemCount === 0 ? b.cat.flatMap((c, i) => (c && c.refillRows > 0 ? [i] : [])) : [];
  const rows = Math.max(0, ...refill.map((c) => b.cat[c]!.refillRows));
  const filled = refill.length ? source.cells(refill, rows) : [];
  return then(filled, (cells) => {
    refill.forEach((c, k) => {
      const cat = b.cat[c]!;
      for (let r = 0; r < cat.refillRows; r++) cat.codes.data[r] = cat.code(cells[k][r] ?? '');
    });
    if (b.stopped) return fail(b.problems, b.problemCount, file, source);
    const built = assemble(b, file, policy);
    if ('frame' in built && b.problemCount === 0) return { ok: true, frame: built.frame };
    const dups = 'duplicates' in built ? built : { duplicates: [], total: 0 };
    return fail([...b.problems, ...dups.duplicates], b.problemCount + dups.total, file, source);
  });
}

function fail(all: Pending[], total: number, file: string, source: Source): Maybe<LoadResult> {
  const pending = all.slice(0, maxProblems);
  const located = pending.filter((p) => p.field !== undefined);
  const targets = located.map((p) => ({ line: p.line, field: p.field! }));
  return then(source.locate(targets), (places) => {
    const at = new Map(located.map((p, k) => [p, places[k]]));
    const problems: DataProblem[] = pending.map((p) => ({ code: p.code, ...(at.get(p) ?? { line: p.line, column: 1 }), message: p.message }));
    return { ok: false, error: { ...problems[0], file, problems, total } };
  });
}

export function loadCsvText(content: string, source: string, opts: LoadOptions): LoadResult {
  if (opts.reader !== 'papaparse' && content.length > 0 && wellFormed(content)) {
    // papaparse guesses from the first 10 rows: a prefix holding them guesses the same.
    let prefix = content.slice(0, 1 << 20);
    if (prefix.length < content.length && prefix.split('\n', 12).length < 12) prefix = content;
    const d = dialect(prefix);
    const b = new ByteRows(opts.roles);
    const bytes = Buffer.from(content, 'utf8');
    const buf = Buffer.allocUnsafe(bytes.length + 1); // one byte more for the fast path's sentinel
    bytes.copy(buf);
    if (d && readRows(b, new Scanner(d.code, d.crlf), buf, bytes.length, true) !== 'bail') {
      return finish(b, source, textSource(content, d.delimiter), opts.duplicates) as LoadResult;
    }
  }
  const b = new RowReader(opts.roles);
  let delimiter = ',';
  Papa.parse<string[]>(content, {
    step: (res, parser) => {
      delimiter = res.meta.delimiter;
      if (!b.row(res.data, res.errors)) parser.abort();
    },
  });
  return finish(b, source, textSource(content, delimiter), opts.duplicates) as LoadResult;
}

export async function loadCsv(path: string, opts: LoadOptions): Promise<LoadResult> {
  let size: number;
  try {
    const st = await fs.stat(path);
    if (!st.isFile()) return { ok: false, error: { code: 'file-missing', file: path, message: `${path} is not a file.` } };
    size = st.size;
  } catch {
    return { ok: false, error: { code: 'file-missing', file: path, message: `The dataset file ${path} does not exist. Check the path in the dataset block (it is relative to the .arl file).` } };
  }
  if (opts.reader !== 'papaparse' && size > 0) {
    const r = await loadBytes(path, size, opts);
    if (r !== 'bail') return r;
  }
  return loadPapa(path, size, opts);
}

/** The byte path (scan.ts, byterows.ts); 'bail' when papaparse must read the file. */
async function loadBytes(path: string, size: number, opts: LoadOptions): Promise<LoadResult | 'bail'> {
  let fh: FileHandle;
  try {
    fh = await fs.open(path, 'r');
  } catch (e) {
    return { ok: false, error: { code: 'read-error', file: path, message: `Could not read ${path}: ${(e as Error).message}` } };
  }
  const b = new ByteRows(opts.roles);
  let delimiter = ',';
  // papaparse guesses the delimiter and the line break from its first chunk: the first MB.
  const first = (chunk: Buffer) => {
    const d = dialect(new StringDecoder('utf8').write(chunk.subarray(0, 1 << 20)));
    if (!d) return undefined;
    delimiter = d.delimiter;
    return new Scanner(d.code, d.crlf);
  };
  const cancelled: LoadResult = { ok: false, error: { code: 'cancelled', file: path, message: 'Loading was cancelled.' } };
  let second: ReturnType<typeof readSecondHalf>;
  try {
    const reader = new SpanReader(fh, b, 0, size);
    const p = opts.parallel;
    const split = p && size >= (p.minBytes ?? parallelBytes) && size <= (p.maxBytes ?? maxParallelBytes) ? Math.min(p.at ?? size >> 1, size) : undefined;
    let end: SpanEnd;
    if (split !== undefined) {
      // A large file: its second half is read on a worker thread while this one reads the first.
      // The dialect from the file's first MB, as a whole read guesses it.
      const head = Buffer.allocUnsafe(Math.min(size, 1 << 20));
      reader.scanner = first(head.subarray(0, (await fh.read(head, 0, head.length, 0)).bytesRead));
      if (!reader.scanner) return 'bail';
      const half = await splitPoint(fh, split, size, reader.scanner.crlf);
      // This thread's first chunk (the header in it) before the worker starts.
      end = half === undefined ? 'more' : await reader.read(Math.min(half, chunkBytes), { signal: opts.signal });
      second = half !== undefined && (end === 'done' || end === 'more') ? readSecondHalf(opts.parallel!.script, path, half, size, opts.roles, b, reader.scanner) : undefined;
      if (second) {
        end = await reader.read(half!, { signal: opts.signal, first, onProgress: opts.onProgress });
        // The rows of the second half stand when this thread's rows end exactly where they begin.
        const joined = end === 'done' && reader.at === half ? await second.join() : (second.cancel(), false);
        opts.parallel!.joined?.(joined);
        if (opts.signal?.aborted) return cancelled;
        if (joined) end = 'done';
        // Otherwise this thread reads on: the same rows as if it had read alone.
        else if (end === 'done' || end === 'more') end = await reader.read(Infinity, { signal: opts.signal, first, onProgress: opts.onProgress });
      } else if (end === 'done' || end === 'more') end = await reader.read(Infinity, { signal: opts.signal, first, onProgress: opts.onProgress });
    } else end = await reader.read(Infinity, { signal: opts.signal, first, onProgress: opts.onProgress });
    if (end === 'cancelled') return cancelled;
    if (end === 'bail') return 'bail';
  } catch (e) {
    return { ok: false, error: { code: 'read-error', file: path, message: `Could not read ${path}: ${(e as Error).message}` } };
  } finally {
    second?.cancel();
    await fh.close();
  }
  opts.onProgress?.(1);
  return finish(b, path, fileSource(path, delimiter), opts.duplicates);
}

/** The delimiter and line break papaparse would use for a file starting with `first`. */
function dialect(first: string): { delimiter: string; code: number; crlf: boolean } | undefined {
  const meta = Papa.parse<string[]>(first, { preview: 1 }).meta;
  const delimiter = meta.delimiter;
  if (delimiter.length !== 1 || delimiter.charCodeAt(0) > 127 || delimiter === '"') return undefined;
  if (meta.linebreak !== '\n' && meta.linebreak !== '\r\n') return undefined;
  return { delimiter, code: delimiter.charCodeAt(0), crlf: meta.linebreak === '\r\n' };
}

/** The reference path: papaparse over a stream of text. */
async function loadPapa(path: string, size: number, opts: LoadOptions): Promise<LoadResult> {
  const b = new RowReader(opts.roles);
  let delimiter = ',';
  const outcome = await new Promise<'done' | 'cancelled' | 'long-row' | Error>((resolve) => {
    const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
    let read = 0;
    let reported = 0;
    let sinceRow = 0;
    let stopped = false;
    const stop = (why: 'done' | 'cancelled' | 'long-row', parser?: Papa.Parser) => {
      stopped = true;
      parser?.abort();
      stream.destroy();
      resolve(why);
    };
    stream.on('data', (chunk) => {
      read += Buffer.byteLength(chunk as string);
      // papaparse would keep an unended row in one string until the end of the file.
      sinceRow += chunk.length;
      if (sinceRow > maxRowLength && !stopped) stop('long-row');
      if (opts.onProgress && read - reported > size / 50) {
        reported = read;
        opts.onProgress(Math.min(1, read / Math.max(1, size)));
      }
    });
    stream.on('error', (e) => resolve(e));
    Papa.parse<string[]>(stream as unknown as File, {
      step: (res, parser) => {
        if (stopped) return;
        sinceRow = 0;
        if (opts.signal?.aborted) return stop('cancelled', parser);
        delimiter = res.meta.delimiter;
        if (!b.row(res.data, res.errors)) stop('done', parser);
      },
      complete: () => resolve('done'),
      error: (e: Error) => resolve(e),
    });
  });
  if (outcome === 'cancelled') return { ok: false, error: { code: 'cancelled', file: path, message: 'Loading was cancelled.' } };
  if (outcome instanceof Error) return { ok: false, error: { code: 'read-error', file: path, message: `Could not read ${path}: ${outcome.message}` } };
  if (outcome === 'long-row') {
    b.problem(
      'bad-quote',
      b.line,
      -1,
      `No row ends within ${maxRowLength / (1024 * 1024)} MB from here: a quote opened on this line is probably never closed (or the file is not a CSV). Close the quote, or write a quote inside a quoted field as "".`,
    );
    return fail(b.problems, b.problemCount, path, fileSource(path, delimiter));
  }
  opts.onProgress?.(1);
  return finish(b, path, fileSource(path, delimiter), opts.duplicates);
}

/** No lone surrogate (which bytes could not carry): the byte path reads the same text. */
function wellFormed(s: string): boolean {
  return (s as string & { isWellFormed(): boolean }).isWellFormed();
}
