// Parquet datasets (`dataset "x.parquet"`), read with hyparquet. Each row becomes the cells a CSV
// row would hold and goes through the same reader (rows.ts), so roles, category columns,
// duplicates, splits and problems are exactly those of a CSV file with the same content. A problem
// is placed at its row (1-based, counting data rows) and column (1-based position). Types:
// numbers and decimals are numbers, booleans 1 and 0, strings text, DATE and TIMESTAMP (and INT96)
// ISO date-times in UTC (millisecond precision), nested columns (lists, maps, structs) are listed
// as columns rules cannot use. Snappy, gzip, brotli and uncompressed pages are read (zstd too
// when Node has it); other codecs get an error saying how to write the file.
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as zlib from 'node:zlib';
import { parquetMetadataAsync, parquetRead, parquetSchema, type AsyncBuffer, type Compressors, type FileMetaData, type SchemaTree } from 'hyparquet';
import { excerpt } from '../../../grammar/src/excerpt';
import { finish, type DataError, type LoadOptions, type LoadResult, type Source } from './csv';
import { RowReader } from './rows';

/** Whether a path names a Parquet file (by its extension). */
export function isParquet(path: string): boolean {
  return /\.(parquet|parq|pq)$/i.test(path);
}

const zstd = (zlib as unknown as { zstdDecompressSync?: (b: Uint8Array) => Buffer }).zstdDecompressSync;

const compressors: Compressors = {
  GZIP: (input) => zlib.gunzipSync(input),
  BROTLI: (input) => zlib.brotliDecompressSync(input),
  ...(zstd ? { ZSTD: (input: Uint8Array) => zstd(input) } : {}),
};

/** Byte ranges of an open file, as hyparquet reads them. */
function fileBuffer(h: FileHandle, size: number): AsyncBuffer {
  return {
    byteLength: size,
    async slice(start: number, end?: number) {
      const stop = Math.min(end ?? size, size);
      const out = new Uint8Array(Math.max(0, stop - start));
      let done = 0;
      while (done < out.length) {
        const { bytesRead } = await h.read(out, done, out.length - done, start + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return out.buffer;
    },
  };
}

/** A Parquet value as the text a CSV cell would hold. */
function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
    case 'bigint':
      return String(v);
    case 'boolean':
      return v ? '1' : '0';
  }
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? '' : v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('utf8');
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? String(x) : x)) ?? '';
}

function readError(path: string, e: unknown): { ok: false; error: DataError } {
  const raw = (e as Error)?.message ?? String(e);
  const codec = /unsupported compression codec: (\w+)/.exec(raw)?.[1];
  const message = codec
    ? `${path} is compressed with ${codec}, which ARL's Parquet reader does not read. Write it with snappy, gzip or no compression (for example DuckDB's COPY ... (FORMAT parquet, COMPRESSION snappy)).`
    : `${path} could not be read as Parquet (${excerpt(raw)}). Check that it is a whole Parquet file.`;
  return { ok: false, error: { code: 'read-error', file: path, message } };
}

export async function loadParquet(path: string, opts: LoadOptions): Promise<LoadResult> {
  let h: FileHandle;
  let size: number;
  try {
    h = await fs.open(path, 'r');
    size = (await h.stat()).size;
  } catch {
    return { ok: false, error: { code: 'file-missing', file: path, message: `The dataset file ${path} does not exist. Check the path in the dataset block (it is relative to the .arl file).` } };
  }
  try {
    if (size === 0) return { ok: false, error: { code: 'empty-file', file: path, line: 1, column: 1, message: 'The file is empty.' } };
    const file = fileBuffer(h, size);
    let metadata: FileMetaData;
    try {
      metadata = await parquetMetadataAsync(file);
    } catch (e) {
      return readError(path, e);
    }
    const top = parquetSchema(metadata).children;
    // Flat columns are read; nested ones are listed, as columns rules cannot use.
    const flat = top.filter((c) => c.children.length === 0).map((c) => c.element.name);
    const nested = top.filter((c: SchemaTree) => c.children.length > 0).map((c) => c.element.name);
    const read = (columns: string[], rowStart: number, rowEnd: number) =>
      new Promise<unknown[][]>((resolve, reject) => {
        parquetRead({ file, metadata, columns, rowStart, rowEnd, compressors, rowFormat: 'array', onComplete: resolve }).catch(reject);
      });
    const b = new RowReader(opts.roles);
    b.textLines = false;
    b.row(flat);
    b.rowsFrom(1);
    const total = Number(metadata.num_rows);
    let start = 0;
    try {
      for (const group of metadata.row_groups) {
        if (opts.signal?.aborted) return { ok: false, error: { code: 'cancelled', file: path, message: 'Loading was cancelled.' } };
        const end = start + Number(group.num_rows);
        if (!b.stopped && end > start) {
          for (const row of await read(flat, start, end)) if (!b.row(row.map(cell))) break;
        }
        start = end;
        opts.onProgress?.(Math.min(1, start / Math.max(1, total)));
      }
    } catch (e) {
      return readError(path, e);
    }
    const source: Source = {
      locate: (targets) => targets.map((t) => ({ line: t.line, column: t.field + 1 < 1 ? 1 : t.field + 1 })),
      cells: async (columns, rows) => {
        const names = columns.map((c) => flat[c]);
        const out = names.map(() => [] as string[]);
        for (const row of await read(names, 0, Math.min(rows, total))) row.forEach((v, k) => out[k].push(cell(v)));
        return out;
      },
    };
    const r = await finish(b, path, source, opts.duplicates);
    if (r.ok && nested.length) {
      for (const name of nested) r.frame.columnInfo.push({ name, numeric: false, note: 'a nested Parquet column (a list, map or struct), which ARL does not read' });
    }
    return r;
  } finally {
    await h.close();
  }
}
