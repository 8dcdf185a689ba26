// CSV rows from bytes, read exactly as papaparse reads a well-formed file: a field is quoted only
// when its first byte is a quote, `""` inside quotes is a quote, and a row ends at the file's line
// break (`\n` or `\r\n`, guessed by papaparse from the first chunk). Anything papaparse would
// report or read in its own way (a quote never closed, text or spaces after a closing quote) is
// not guessed at: the scan gives up ('bail') and the file is read again by papaparse.

const LF = 10;
const CR = 13;
const QUOTE = 34;

/** Field flags. */
export const QUOTED = 1;
/** `""` inside the quotes: the text needs unescaping. */
export const ESCAPED = 2;
/** A `\r` or `\n` inside the field (it spans lines, or holds a break the file's line break is not). */
export const BREAK = 4;

/** Receives rows as byte ranges of `buf`; returns false to stop reading. */
export interface RowSink {
  rowBytes(buf: Buffer, n: number, starts: Int32Array, ends: Int32Array, flags: Uint8Array): boolean;
}

/** Where the unread rest starts, or why scanning ended. */
export type ScanResult = number | 'bail' | 'stop';

export class Scanner {
  starts = new Int32Array(64);
  ends = new Int32Array(64);
  flags = new Uint8Array(64);

  constructor(
    readonly delimiter: number,
    readonly crlf: boolean,
  ) {}

  /**
   * Rows of buf[from, to), at most maxRows. Returns where the first unfinished (or unread) row
   * starts (an unfinished one is scanned again with more of the file), or `to` when `final` and
   * all is read.
   */
  scan(buf: Buffer, from: number, to: number, final: boolean, sink: RowSink, maxRows = Infinity): ScanResult {
    const delim = this.delimiter;
    const crlf = this.crlf;
    let i = from;
    for (let rows = 0; i < to && rows < maxRows; rows++) {
      const rowStart = i;
      let n = 0;
      let atEnd = false;
      for (;;) {
        // One field, starting at i.
        if (n === this.starts.length) this.grow();
        let f = 0;
        let s = i;
        let e: number;
        if (i < to && buf[i] === QUOTE) {
          f = QUOTED;
          let j = i + 1;
          let q: number;
          for (;;) {
            q = buf.indexOf(QUOTE, j);
            if (q < 0 || q >= to) return final ? 'bail' : rowStart;
            if (q === to - 1) {
              if (!final) return rowStart;
              break; // the closing quote is the file's last byte
            }
            if (buf[q + 1] === QUOTE) {
              f |= ESCAPED;
              j = q + 2;
              continue;
            }
            break;
          }
          s = i + 1;
          e = q;
          for (let k = s; k < e; k++) {
            const c = buf[k];
            if (c === LF || c === CR) {
              f |= BREAK;
              break;
            }
          }
          i = q + 1;
          this.starts[n] = s;
          this.ends[n] = e;
          this.flags[n++] = f;
          if (i === to) {
            atEnd = true;
            break;
          }
          const c = buf[i];
          if (c === delim) {
            i++;
            continue;
          }
          if (c === LF && !crlf) {
            i++;
            break;
          }
          if (c === CR && crlf) {
            if (i + 1 >= to) {
              if (!final) return rowStart;
              return 'bail';
            }
            if (buf[i + 1] === LF) {
              i += 2;
              break;
            }
          }
          return 'bail'; // text or spaces after the closing quote
        }
        // An unquoted field: up to the delimiter or the line break.
        let ended = false;
        while (i < to) {
          const c = buf[i];
          if (c === delim) break;
          if (c === LF) {
            if (!crlf) {
              ended = true;
              break;
            }
            f |= BREAK;
          } else if (c === CR) {
            if (crlf) {
              if (i + 1 >= to) {
                if (!final) return rowStart;
              } else if (buf[i + 1] === LF) {
                ended = true;
                break;
              }
            }
            f |= BREAK;
          }
          i++;
        }
        if (i >= to && !final) return rowStart;
        e = i;
        this.starts[n] = s;
        this.ends[n] = e;
        this.flags[n++] = f;
        if (i >= to) {
          atEnd = true;
          break;
        }
        if (ended) {
          i += buf[i] === CR ? 2 : 1;
          break;
        }
        i++; // the delimiter
      }
      if (!sink.rowBytes(buf, n, this.starts, this.ends, this.flags)) return 'stop';
      if (atEnd) return to;
    }
    return i;
  }

  private grow(): void {
    const m = this.starts.length * 2;
    const s = new Int32Array(m);
    s.set(this.starts);
    const e = new Int32Array(m);
    e.set(this.ends);
    const f = new Uint8Array(m);
    f.set(this.flags);
    this.starts = s;
    this.ends = e;
    this.flags = f;
  }
}
