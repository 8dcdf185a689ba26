// A byte range of a CSV file read into a ByteRows, chunk by chunk: the byte path's reading loop,
// shared by this thread (csv.ts) and the worker reading the second half of a large file
// (csvsplit.ts, csvWorker.ts).
import { readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { ByteRows } from './byterows';
import { Scanner, type ScanResult } from './scan';

/** Chunks the byte path reads; a row is at most maxRowLength, so a chunk grows to hold one. */
export const chunkBytes = 8 << 20;
/** No row ends within this many characters: a quote is never closed, or the file is not a CSV. */
export const maxRowLength = 64 * 1024 * 1024;

/**
 * How a read ended: every row before the limit read ('done'); a row runs on past the limit, which
 * is not the file's end ('more'); the file is one for papaparse ('bail'); the reader stopped
 * ('stop'); cancelled.
 */
export type SpanEnd = 'done' | 'more' | 'bail' | 'stop' | 'cancelled';

export class SpanReader {
  private buf: Buffer;
  /** Bytes at the start of buf not read into rows yet (an unfinished row). */
  private carry = 0;
  /** The file offset of the next byte to read from the file. */
  private pos: number;
  private reserved = false;

  constructor(
    private readonly fh: FileHandle,
    private readonly b: ByteRows,
    private readonly from: number,
    /** The file's size when it was opened (columns are sized from it). */
    private readonly size: number,
    /** Set once the dialect is known (by the caller, or from the first chunk). */
    public scanner?: Scanner,
  ) {
    this.pos = from;
    this.buf = Buffer.allocUnsafe(Math.min(chunkBytes, size - from + 2));
  }

  /** Where the rows not read yet start. */
  get at(): number {
    return this.pos - this.carry;
  }

  /**
   * Reads the rows up to file offset `limit`; Infinity: to the file's end, the last row may lack
   * its line break. `first` makes the scanner from the first chunk (undefined: not a file the byte
   * path reads).
   */
  async read(limit: number, opts: { signal?: AbortSignal; onProgress?: (fraction: number) => void; first?: (chunk: Buffer) => Scanner | undefined }): Promise<SpanEnd> {
    const b = this.b;
    const end = limit === Infinity;
    let reported = this.pos;
    for (;;) {
      if (opts.signal?.aborted) return 'cancelled';
      // One byte is kept free after the data: the fast path's sentinel.
      if (this.carry >= this.buf.length - 1) {
        if (this.carry > maxRowLength) return 'bail'; // papaparse's path says where the row starts
        const bigger = Buffer.allocUnsafe(this.buf.length * 2);
        this.buf.copy(bigger, 0, 0, this.carry);
        this.buf = bigger;
      }
      const want = Math.min(this.buf.length - 1 - this.carry, limit - this.pos);
      // Read on this thread (a copy from the page cache, about a millisecond per chunk), then a
      // turn of the event loop (a newer edit can cancel): a read through the thread pool left
      // this thread waiting for the pool's thread to be scheduled, 70-80 ms over 160 MB on a busy
      // 2-core machine.
      const bytesRead = want > 0 ? readSync(this.fh.fd, this.buf, this.carry, want, this.pos) : 0;
      await new Promise((r) => setImmediate(r));
      this.pos += bytesRead;
      const to = this.carry + bytesRead;
      if (!this.scanner) {
        this.scanner = opts.first?.(this.buf.subarray(0, to));
        if (!this.scanner) return 'bail';
      }
      // At the limit (no byte read), the rest is final only at the file's end.
      const last = bytesRead === 0;
      const r: ScanResult = readRows(b, this.scanner, this.buf, to, last && end);
      if (r === 'bail' || r === 'stop') return r;
      this.buf.copy(this.buf, 0, r, to);
      this.carry = to - r;
      if (last) return end || this.carry === 0 ? 'done' : 'more';
      if (!this.reserved && b.rows > 0) {
        // Columns sized for the rest of the file from the rows so far (pages are only touched
        // when written): the rows of a second half read elsewhere are added to them.
        this.reserved = true;
        const read = Math.max(1, this.at - this.from);
        b.reserve(b.rows + Math.ceil((b.rows / read) * Math.max(0, this.size - this.at) * 1.1) + 1024);
      }
      if (opts.onProgress && this.pos - reported > this.size / 50) {
        reported = this.pos;
        opts.onProgress(Math.min(1, (this.pos - this.from) / Math.max(1, Math.min(limit, this.size) - this.from)));
      }
    }
  }
}

/** Rows of buf[0, to): plain rows by the fast path, the others by the scanner. */
export function readRows(b: ByteRows, scanner: Scanner, buf: Buffer, to: number, final: boolean): ScanResult {
  let i = 0;
  let misses = 0;
  while (i < to) {
    const fast = b.fastRows(buf, i, to, scanner.delimiter, scanner.crlf);
    misses = fast === i ? misses + 1 : 0;
    // The scanner reads the row the fast path stopped at, or more when it read none several times.
    const r = fast >= to ? fast : scanner.scan(buf, fast, to, final, b, misses > 3 ? 64 : 1);
    if (r === 'bail' || r === 'stop') return r;
    if (r === fast && fast < to) return r; // an unfinished row: more of the file is needed
    i = r;
  }
  return i;
}
