// Where problems are in a CSV file: the line and column of a field, found by reading the text once
// more, chunk by chunk. No whole-file string is ever made, so a file of any size can be placed.
//
// Lines are counted as editors count them: `\n`, `\r\n` and a lone `\r` each end a line. Columns
// count UTF-16 code units from 1, as the language server's positions do. Quotes follow the CSV
// rules papaparse reads by: a quote opens a quoted field only at the start of a field, and `""`
// inside one is a quote.

export interface Target {
  /** The line where the row starts (1-based), as the loader counted it. */
  line: number;
  /** The field in the row (0-based); -1 for the field whose quotes are broken. */
  field: number;
}

export interface Place {
  line: number;
  column: number;
}

const LF = 10;
const CR = 13;
const QUOTE = 34;

/** Feed it the file's text in chunks, then call finish(); places come back in target order. */
export class Locator {
  private readonly places: (Place | undefined)[];
  /** Target indexes, by line. */
  private readonly order: number[];
  private next = 0;
  private line = 1;
  private col = 0;
  private prevCR = false;
  private readonly delimiter: number;
  // The row being scanned: its targets and where in it we are.
  private active: number[] = [];
  private field = 0;
  private fieldStart = true;
  private quoted = false;
  private closing = false;
  private fLine = 0;
  private fCol = 0;
  private left: number;

  constructor(
    private readonly targets: readonly Target[],
    delimiter: string,
  ) {
    this.places = targets.map(() => undefined);
    this.order = targets.map((_, i) => i).sort((a, b) => targets[a].line - targets[b].line);
    this.delimiter = (delimiter || ',').charCodeAt(0);
    this.left = targets.length;
    this.startRow();
  }

  /** Whether every target is placed (the rest of the file need not be read). */
  get done(): boolean {
    return this.left === 0;
  }

  feed(chunk: string): boolean {
    const n = chunk.length;
    const noCR = chunk.indexOf('\r') < 0;
    let i = 0;
    while (i < n && this.left > 0) {
      // Between targets, and no `\r` to care about: jump from line end to line end.
      if (this.active.length === 0 && noCR && !this.prevCR) {
        while (this.active.length === 0 && this.left > 0) {
          const j = chunk.indexOf('\n', i);
          if (j < 0) {
            this.col += n - i;
            return this.done;
          }
          this.line++;
          this.col = 0;
          i = j + 1;
          this.startRow();
        }
        continue;
      }
      // Inside a quoted field (no `\r` about): jump to the next quote, counting line ends.
      if (this.quoted && !this.closing && noCR && !this.prevCR && this.active.length) {
        const j = chunk.indexOf('"', i);
        const end = j < 0 ? n : j;
        let lastLF = -1;
        for (let k = chunk.indexOf('\n', i); k >= 0 && k < end; k = chunk.indexOf('\n', k + 1)) {
          this.line++;
          lastLF = k;
        }
        this.col = lastLF >= 0 ? end - lastLF - 1 : this.col + end - i;
        i = end;
        if (i >= n) break;
      }
      const c = chunk.charCodeAt(i++);
      if (c === LF && this.prevCR) {
        this.prevCR = false; // the second half of `\r\n`
        continue;
      }
      this.prevCR = c === CR;
      if (this.active.length) this.scan(c);
      if (c === LF || c === CR) {
        this.line++;
        this.col = 0;
        if (this.active.length === 0) this.startRow();
      } else this.col++;
    }
    return this.done;
  }

  /** The end of the file: a quoted field still open is the broken one. */
  finish(): Place[] {
    if (this.active.length) {
      if (this.quoted && !this.closing) this.resolve((t) => t.field < 0, { line: this.fLine, column: this.fCol + 1 });
      this.endRow();
    }
    return this.places.map((p, k) => p ?? { line: this.targets[k].line, column: 1 });
  }

  private startRow(): void {
    // A target inside an earlier row (not a row start): placed at its line's start.
    for (; this.next < this.order.length && this.targets[this.order[this.next]].line < this.line; this.next++) {
      const k = this.order[this.next];
      this.places[k] = { line: this.targets[k].line, column: 1 };
      this.left--;
    }
    while (this.next < this.order.length && this.targets[this.order[this.next]].line === this.line) this.active.push(this.order[this.next++]);
    this.field = 0;
    this.fieldStart = true;
    this.quoted = false;
    this.closing = false;
  }

  /** One character of a row with targets, at (line, col). */
  private scan(c: number): void {
    if (this.fieldStart) {
      this.fieldStart = false;
      this.fLine = this.line;
      this.fCol = this.col;
      this.resolve((t) => t.field === this.field, { line: this.line, column: this.col + 1 });
      if (c === QUOTE) {
        this.quoted = true;
        return;
      }
    }
    if (this.quoted) {
      if (!this.closing) {
        if (c === QUOTE) this.closing = true;
        return;
      }
      this.closing = false;
      if (c === QUOTE) return; // `""`: a quote inside the field
      this.quoted = false;
      if (c !== this.delimiter && c !== LF && c !== CR) {
        // Text after the closing quote: the quotes of this field are broken.
        this.resolve((t) => t.field < 0, { line: this.fLine, column: this.fCol + 1 });
        return;
      }
    }
    if (c === this.delimiter) {
      this.field++;
      this.fieldStart = true;
    } else if (c === LF || c === CR) this.endRow();
  }

  /** The row ended: targets past its last field are placed at its end. */
  private endRow(): void {
    this.resolve(() => true, { line: this.line, column: this.col + 1 });
    this.active = [];
  }

  private resolve(match: (t: Target) => boolean, at: Place): void {
    if (!this.active.length) return;
    const keep: number[] = [];
    for (const k of this.active) {
      if (match(this.targets[k])) {
        this.places[k] = at;
        this.left--;
      } else keep.push(k);
    }
    this.active = keep;
  }
}

/** Places targets in a text held in memory. */
export function locateInText(text: string, delimiter: string, targets: readonly Target[]): Place[] {
  const l = new Locator(targets, delimiter);
  if (targets.length) l.feed(text);
  return l.finish();
}

/** Places targets in a stream of text chunks, reading no further than needed. */
export async function locateInChunks(chunks: AsyncIterable<string>, delimiter: string, targets: readonly Target[]): Promise<Place[]> {
  const l = new Locator(targets, delimiter);
  if (targets.length) {
    for await (const chunk of chunks) if (l.feed(chunk)) break;
  }
  return l.finish();
}
