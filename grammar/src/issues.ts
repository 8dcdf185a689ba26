// The one issue model: parser, checker, data loader and evaluator all report through it.
// One file in the server turns it into LSP diagnostics; the CLI prints it as file:line:col.

/** Zero-based line and character (UTF-16 code units), as LSP counts them. */
export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export type IssueSeverity = 'error' | 'warning' | 'info' | 'hint';

export interface TextEditData {
  /** Offsets into the .arl text. */
  start: number;
  end: number;
  newText: string;
}

/** What a quick-fix needs, carried on the issue. */
export interface IssueData {
  /** Replacement proposals for the issue's span ("did you mean"). */
  replacements?: string[];
  /** Edits that fix the issue, with a title. */
  fixes?: { title: string; edits: TextEditData[] }[];
  /** Free-form facts for providers (rule name, behaviour, ...). */
  [key: string]: unknown;
}

export interface Issue {
  code: string;
  severity: IssueSeverity;
  message: string;
  /** Offsets into the .arl text. */
  start: number;
  end: number;
  /** `unnecessary` greys out the text (an unused let). */
  tags?: ('unnecessary' | 'deprecated')[];
  data?: IssueData;
}

export function issue(
  code: string,
  severity: IssueSeverity,
  message: string,
  span: { start: number; end: number },
  data?: IssueData,
): Issue {
  return { code, severity, message, start: span.start, end: span.end, data };
}

/** Converts offsets to line/character positions and back. */
export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) this.starts.push(i + 1);
      else if (c === 13) {
        if (text.charCodeAt(i + 1) === 10) i++;
        this.starts.push(i + 1);
      }
    }
  }

  get lineCount(): number {
    return this.starts.length;
  }

  position(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: o - this.starts[lo] };
  }

  offset(pos: Position): number {
    if (pos.line < 0) return 0;
    if (pos.line >= this.starts.length) return this.text.length;
    const lineEnd = pos.line + 1 < this.starts.length ? this.starts[pos.line + 1] : this.text.length;
    return Math.min(this.starts[pos.line] + Math.max(0, pos.character), lineEnd);
  }

  range(start: number, end: number): Range {
    return { start: this.position(start), end: this.position(end) };
  }

  lineStart(line: number): number {
    return this.starts[Math.max(0, Math.min(line, this.starts.length - 1))];
  }
}

/** Damerau-free Levenshtein distance, for "did you mean". */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  let prev = new Array<number>(n + 1);
  let cur = new Array<number>(n + 1);
  for (let j = 0; j <= n; j++) prev[j] = j;
  for (let i = 1; i <= m; i++) {
    cur[0] = i;
    for (let j = 1; j <= n; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[n];
}

/** The closest candidates to `name`, best first (at most `max`). */
export function closestNames(name: string, candidates: Iterable<string>, max = 3): string[] {
  const lower = name.toLowerCase();
  const scored: { c: string; d: number }[] = [];
  for (const c of candidates) {
    const cl = c.toLowerCase();
    const limit = Math.max(1, Math.floor(Math.max(name.length, c.length) / 3));
    // Lengths apart by more than the limit cannot be close; very long names are only prefix-matched
    // (the distance costs the product of the lengths).
    const comparable = Math.abs(name.length - c.length) <= limit && name.length <= 64 && c.length <= 64;
    const d = comparable ? editDistance(lower, cl) : Infinity;
    if (d <= limit || cl.startsWith(lower) || lower.startsWith(cl)) scored.push({ c, d: Math.min(d, Math.abs(name.length - c.length)) });
  }
  scored.sort((x, y) => x.d - y.d || x.c.localeCompare(y.c));
  return scored.slice(0, max).map((s) => s.c);
}
