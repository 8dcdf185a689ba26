// Runs a rule file's `test` blocks: each block is a small one-series dataset, evaluated with the
// file's rules and excludes; a point is flagged when any rule holds and no exclude does.
import type { ExcludeDecl, LetDecl, RuleDecl, TestDecl } from '../../../grammar/src/ast';
import { check, type CheckResult, type ColumnInfo } from '../../../grammar/src/check';
import { issue, type Issue } from '../../../grammar/src/issues';
import type { ParseResult } from '../../../grammar/src/parse';
import { Evaluator } from './evaluate';
import { categoricalOf, missingCategories } from './categories';
import { newFrameId, schemaOf, type Categorical, type Frame } from './frame';
import { TRUE } from './kernels';
import { compile } from './plan';

export interface TestFailure {
  /** Zero-based position in the test's values. */
  at: number;
  expected: 'anomaly' | 'normal';
  /** Which rules fired and which excludes applied there. */
  rules: string[];
  excludes: string[];
}

export interface TestOutcome {
  decl: TestDecl;
  title: string;
  passed: boolean;
  failures: TestFailure[];
  /** Errors that stop the test from running (in the test or in the rules). */
  errors: Issue[];
}

function testFrame(t: TestDecl, used: Set<string>, textUsed: Set<string>): Frame {
  const n = t.columns[0]?.values.length ?? 0;
  const columns = new Map<string, Float64Array>();
  const categories = new Map<string, Categorical>();
  const columnInfo: ColumnInfo[] = [];
  for (const c of t.columns) {
    if (c.texts) {
      const { column, frequent } = categoricalOf(c.texts);
      categories.set(c.name.name, column);
      columnInfo.push({ name: c.name.name, numeric: false, categories: frequent });
    } else {
      columns.set(c.name.name, Float64Array.from(c.values));
      columnInfo.push({ name: c.name.name, numeric: true });
    }
  }
  // Columns the rules use but the test leaves out are missing everywhere (categories when the
  // rules compare them with strings).
  for (const name of used) {
    if (columns.has(name) || categories.has(name)) continue;
    if (textUsed.has(name)) {
      categories.set(name, missingCategories(n));
      columnInfo.push({ name, numeric: false, categories: [] });
    } else {
      columns.set(name, new Float64Array(n).fill(Number.NaN));
      columnInfo.push({ name, numeric: true });
    }
  }
  return {
    source: t.title?.value ?? 'test',
    id: newFrameId(),
    seriesIds: ['test'],
    seriesStart: Int32Array.from([0, n]),
    seriesOf: new Int32Array(n),
    length: n,
    time: Float64Array.from({ length: n }, (_, i) => i),
    timeKind: 'row',
    columns,
    columnInfo,
    categories,
    text: new Map(),
    lineOf: () => 0,
  };
}

export function runTests(parsed: ParseResult): TestOutcome[] {
  const outline = check(parsed);
  return parsed.file.tests.map((t) => {
    const title = t.title?.value ?? `test at offset ${t.start}`;
    const frame = testFrame(t, outline.columnsUsed, outline.textColumnsUsed);
    const checked = check(parsed, schemaOf(frame));
    const errors = checked.issues.filter((i) => i.severity === 'error' && i.start >= t.start && i.end <= t.end);
    const program = compile(checked);
    const broken = [...program.rules, ...program.excludes].filter((d) => !d.node);
    const why = whyBroken(checked);
    for (const d of broken) errors.push(...why(d.decl));
    if (errors.length || frame.length === 0) return { decl: t, title, passed: false, failures: [], errors: [...new Set(errors)] };
    const ev = new Evaluator(frame);
    const ruleCols = program.rules.map((r) => ({ name: r.name, col: ev.column(r.node!) }));
    const exclCols = program.excludes.map((r) => ({ name: r.name, col: ev.column(r.node!) }));
    const failures: TestFailure[] = [];
    for (const ex of t.expects) {
      const points = ex.at.length ? ex.at : [frame.length - 1];
      for (const at of points) {
        if (at < 0 || at >= frame.length) continue;
        const rules = ruleCols.filter((r) => r.col[at] === TRUE).map((r) => r.name);
        const excludes = exclCols.filter((r) => r.col[at] === TRUE).map((r) => r.name);
        const flagged = rules.length > 0 && excludes.length === 0;
        if (flagged !== (ex.outcome === 'anomaly')) failures.push({ at, expected: ex.outcome, rules, excludes });
      }
    }
    return { decl: t, title, passed: failures.length === 0, failures, errors };
  });
}

/**
 * Why a rule or exclude cannot run: its own first error, or else the let with an error it uses
 * (directly or through other lets) and that let's error. Errors and references are sorted once,
 * so thousands of broken rules over long chains of lets cost one search each.
 */
function whyBroken(checked: CheckResult): (decl: RuleDecl | ExcludeDecl) => Issue[] {
  const errors = checked.issues.filter((i) => i.severity === 'error').sort((a, b) => a.start - b.start);
  const refs = checked.references.filter((r) => r.symbol.kind === 'let' && !r.declaration && checked.broken.has(r.symbol.decl)).sort((a, b) => a.start - b.start);
  /** The first item of `list` (sorted by start) lying inside `s`. */
  const firstIn = <T extends { start: number; end: number }>(list: T[], s: { start: number; end: number }): T | undefined => {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid].start < s.start) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < list.length && list[i].start <= s.end; i++) if (list[i].end <= s.end) return list[i];
    return undefined;
  };
  return (decl) => {
    const own = firstIn(errors, decl);
    if (own) return [own];
    const name = decl.name?.name ?? decl.kind;
    const uses = firstIn(refs, decl);
    if (!uses || uses.symbol.kind !== 'let') {
      return [issue('not-evaluated', 'error', `\`${name}\` cannot be evaluated: fix the errors reported in the file.`, decl.name ?? decl.keyword)];
    }
    const letName = uses.symbol.name;
    const out = [issue('broken-let', 'error', `\`${name}\` uses \`${letName}\`, which has an error: fix \`${letName}\` first.`, uses)];
    // The error itself, down the lets that use lets.
    const seen = new Set<unknown>();
    for (let at: typeof uses | undefined = uses; at?.symbol.kind === 'let' && !seen.has(at.symbol.decl); ) {
      const l: LetDecl = at.symbol.decl;
      seen.add(l);
      const cause = firstIn(errors, l);
      if (cause) {
        out.push(cause);
        break;
      }
      at = firstIn(refs, l);
    }
    return out;
  };
}

/** "expected an anomaly at 4, got normal: no rule fired" */
export function describeFailure(f: TestFailure): string {
  const got = f.expected === 'anomaly' ? 'normal' : 'anomaly';
  let why: string;
  if (f.expected === 'anomaly') {
    why = f.rules.length ? `${f.rules.join(', ')} fired but ${f.excludes.join(', ')} excluded it` : 'no rule fired';
  } else {
    why = `${f.rules.join(', ')} fired`;
  }
  return `expected ${f.expected === 'anomaly' ? 'an anomaly' : 'normal'} at ${f.at}, got ${got}: ${why}`;
}
