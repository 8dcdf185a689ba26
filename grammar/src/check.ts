// Name resolution and static types (number / boolean). Pure: the dataset is described by a Schema.
import * as A from './ast';
import { functionsByName, signatureLabel, type FunctionSpec, type Kind, type ParamSpec } from './functions';
import { closestNames, issue, type Issue } from './issues';
import { writeName } from './lexer';
import type { ParseResult } from './parse';

export interface ColumnInfo {
  name: string;
  numeric: boolean;
  /** Why a column is not numeric, e.g. `line 12, column 3 holds "n/a"`. */
  note?: string;
  /**
   * A text column loaded as categories (dictionary codes): its distinct values, most frequent
   * first (at most 1,000 listed). Absent for numeric columns.
   */
  categories?: string[];
}

/** What the checker needs to know of the dataset; absent while it is not loaded. */
export interface Schema {
  columns: ColumnInfo[];
  /** Points in the longest series. */
  maxSeriesLength: number;
}

export type Role = 'series' | 'time' | 'label' | 'reason';
export const roles: Role[] = ['series', 'time', 'label', 'reason'];
const datasetKeys = [...roles, 'split'];

export interface DatasetSpec {
  path?: string;
  pathSpan?: A.Span;
  columns: Partial<Record<Role, string>>;
  spans: Partial<Record<Role, A.Span>>;
  /** Train / validation / test shares, adding up to 1. */
  split: [number, number, number];
}

export type SymbolRef =
  | { kind: 'let'; name: string; decl: A.LetDecl }
  | { kind: 'column'; name: string }
  | { kind: 'rule'; name: string; decl: A.RuleDecl | A.ExcludeDecl }
  | { kind: 'function'; name: string; spec: FunctionSpec }
  | { kind: 'param'; name: string; spec: FunctionSpec };

export interface Reference extends A.Span {
  symbol: SymbolRef;
  /** This occurrence declares the symbol. */
  declaration?: boolean;
}

export interface CallInfo {
  spec: FunctionSpec;
  /** Arguments in parameter order (named ones placed); undefined where a default applies. */
  args: (A.Expr | undefined)[];
  /** Constant arguments by parameter name, defaults filled in. */
  consts: Record<string, number>;
}

/** The parameter that argument `i` of a call binds to. */
export function paramAt(spec: FunctionSpec, i: number): ParamSpec {
  return spec.variadic ? spec.params[0] : spec.params[i];
}

export interface CheckResult {
  parse: ParseResult;
  dataset: DatasetSpec;
  issues: Issue[];
  kinds: Map<A.Expr, Kind>;
  /** Earlier points each expression needs before it can have a value. */
  history: Map<A.Expr, number>;
  /** Every call to a known function, its arguments placed. */
  calls: Map<A.CallExpr, CallInfo>;
  references: Reference[];
  lets: Map<string, A.LetDecl>;
  /** Lets, rules and excludes that cannot be evaluated (an error in them or in a let they use). */
  broken: Set<A.Decl>;
  columnsUsed: Set<string>;
}

export function check(parsed: ParseResult, schema?: Schema): CheckResult {
  return new Checker(parsed, schema).run();
}

export const defaultSplit: [number, number, number] = [0.6, 0.2, 0.2];

class Checker {
  private readonly issues: Issue[] = [];
  private readonly kinds = new Map<A.Expr, Kind>();
  private readonly history = new Map<A.Expr, number>();
  private readonly calls = new Map<A.CallExpr, CallInfo>();
  private readonly references: Reference[] = [];
  private readonly lets = new Map<string, A.LetDecl>();
  private readonly letKinds = new Map<A.LetDecl, Kind | undefined>();
  private readonly letState = new Map<A.LetDecl, 'busy' | 'done'>();
  private readonly broken = new Set<A.Decl>();
  private readonly columnsUsed = new Set<string>();
  private readonly columns?: Map<string, ColumnInfo>;
  private dataset: DatasetSpec = { columns: {}, spans: {}, split: defaultSplit };
  private current?: A.Decl;

  constructor(
    private readonly parsed: ParseResult,
    private readonly schema?: Schema,
  ) {
    if (schema) this.columns = new Map(schema.columns.map((c) => [c.name, c]));
  }

  run(): CheckResult {
    const f = this.parsed.file;
    this.checkDataset();
    this.declareNames();
    for (const l of f.lets) this.letKind(l);
    for (const d of [...f.rules, ...f.excludes]) {
      this.current = d;
      if (!d.expr) {
        this.broken.add(d);
        continue;
      }
      const k = this.infer(d.expr);
      if (k === 'number') {
        this.err('not-a-condition', d.expr, `A ${d.kind} needs a condition (true or false), but this is a number. Compare it, e.g. \`... > 10\`.`);
      }
      if (this.schema) this.checkHistory(d.expr);
    }
    this.current = undefined;
    this.checkUnusedLets();
    for (const t of f.tests) this.checkTest(t);
    return {
      parse: this.parsed,
      dataset: this.dataset,
      issues: [...this.parsed.issues, ...this.issues],
      kinds: this.kinds,
      history: this.history,
      calls: this.calls,
      references: this.references,
      lets: this.lets,
      broken: this.broken,
      columnsUsed: this.columnsUsed,
    };
  }

  private err(code: string, span: A.Span, message: string, data?: Issue['data']): void {
    this.issues.push(issue(code, 'error', message, span, data));
    if (this.current) this.broken.add(this.current);
  }

  private warn(code: string, span: A.Span, message: string, data?: Issue['data']): Issue {
    const i = issue(code, 'warning', message, span, data);
    this.issues.push(i);
    return i;
  }

  // The dataset block.

  private checkDataset(): void {
    const f = this.parsed.file;
    const all = f.decls.filter((d): d is A.DatasetDecl => d.kind === 'dataset');
    for (const extra of all.slice(1)) {
      this.err('duplicate-dataset', extra.keyword, 'A file names one dataset; this second `dataset` block is ignored. Remove it.');
    }
    const d = all[0];
    if (!d) return;
    this.dataset.path = d.path?.value;
    this.dataset.pathSpan = d.path;
    const seen = new Set<string>();
    for (const p of d.props) {
      const key = p.key.name;
      if (seen.has(key)) this.err('duplicate-key', p.key, `\`${key}\` is set twice in the dataset block; keep one.`);
      seen.add(key);
      if (!datasetKeys.includes(key)) {
        const near = closestNames(key, datasetKeys);
        this.err('unknown-key', p.key, `Unknown dataset setting \`${key}\`${near.length ? `: did you mean \`${near[0]}\`?` : ''} Settings are ${datasetKeys.join(', ')}.`, {
          replacements: near,
        });
        continue;
      }
      if (!p.value) continue;
      if (key === 'split') this.checkSplit(p.value);
      else if (p.value.kind === 'name' || p.value.kind === 'string') {
        const col = p.value.kind === 'name' ? p.value.name : p.value.value;
        this.dataset.columns[key as Role] = col;
        this.dataset.spans[key as Role] = p.value;
        this.references.push({ start: p.value.start, end: p.value.end, symbol: { kind: 'column', name: col } });
        if (this.columns && !this.columns.has(col)) {
          const near = closestNames(col, this.columns.keys());
          this.err('missing-column', p.value, `The dataset has no column \`${col}\`${near.length ? `: did you mean \`${near[0]}\`?` : '.'} Its columns: ${[...this.columns.keys()].join(', ')}.`, {
            replacements: near.map(writeName),
          });
        } else if (this.columns && key === 'label' && !this.columns.get(col)!.numeric) {
          this.err('bad-label', p.value, `The label column \`${col}\` must hold 1 (anomaly), 0 (normal) or nothing: ${this.columns.get(col)!.note ?? ''}`);
        }
      } else {
        this.err('bad-setting', p.value, `\`${key}\` takes a column name, e.g. \`${key} = my_column\`.`);
      }
    }
  }

  private checkSplit(v: A.DatasetValue): void {
    const parts = v.kind === 'split' ? v.parts : v.kind === 'number' ? [v.value] : [];
    const sum = parts.reduce((a, b) => a + b, 0);
    if (parts.length !== 3 || parts.some((p) => !(p >= 0)) || !(sum > 0)) {
      this.err('bad-split', v, 'A split gives train/validation/test shares, three numbers like `60/20/20`.');
      return;
    }
    if (Math.abs(sum - 100) > 1e-9 && Math.abs(sum - 1) > 1e-9) {
      this.err('bad-split', v, `The split adds up to ${sum}; make it 100 (e.g. 60/20/20).`);
      return;
    }
    this.dataset.split = parts.map((p) => p / sum) as [number, number, number];
  }

  // Declarations.

  private declareNames(): void {
    const f = this.parsed.file;
    for (const l of f.lets) {
      if (!l.name) continue;
      const prev = this.lets.get(l.name.name);
      if (prev) {
        this.current = l;
        this.err('duplicate-name', l.name, `\`${l.name.name}\` is already defined by the let on line ${this.line(prev.start)}. Rename one of them.`);
        continue;
      }
      this.lets.set(l.name.name, l);
      this.references.push({ ...l.name, symbol: { kind: 'let', name: l.name.name, decl: l }, declaration: true });
      if (this.columns?.has(l.name.name)) {
        this.warn('shadowed-column', l.name, `This let hides the column \`${l.name.name}\`: rules will read the let, not the column.`);
      }
    }
    const ruleNames = new Map<string, A.Decl>();
    for (const d of [...f.rules, ...f.excludes].sort((a, b) => a.start - b.start)) {
      if (!d.name) continue;
      const prev = ruleNames.get(d.name.name);
      if (prev) {
        this.current = d;
        this.err('duplicate-name', d.name, `\`${d.name.name}\` is already the name of the ${prev.kind} on line ${this.line(prev.start)}. Rename one of them.`);
        continue;
      }
      ruleNames.set(d.name.name, d);
      this.references.push({ ...d.name, symbol: { kind: 'rule', name: d.name.name, decl: d }, declaration: true });
      if (d.kind === 'rule' && d.severity && !A.severities.includes(d.severity.name as A.Severity)) {
        const near = closestNames(d.severity.name, A.severities);
        this.err('bad-severity', d.severity, `Unknown severity \`${d.severity.name}\`: use one of ${A.severities.join(', ')}.`, { replacements: near });
      }
    }
    this.current = undefined;
  }

  private line(offset: number): number {
    let n = 1;
    const t = this.parsed.text;
    for (let i = 0; i < offset && i < t.length; i++) if (t.charCodeAt(i) === 10) n++;
    return n;
  }

  private letKind(l: A.LetDecl): Kind | undefined {
    const state = this.letState.get(l);
    if (state === 'done') return this.letKinds.get(l);
    if (state === 'busy') return undefined;
    this.letState.set(l, 'busy');
    const saved = this.current;
    this.current = l;
    const k = l.expr ? this.infer(l.expr) : undefined;
    if (!l.expr) this.broken.add(l);
    else if (this.schema) this.checkHistory(l.expr);
    this.current = saved;
    this.letState.set(l, 'done');
    this.letKinds.set(l, k);
    return k;
  }

  // Expressions.

  private infer(e: A.Expr): Kind | undefined {
    const k = this.inferInner(e);
    if (k) this.kinds.set(e, k);
    return k;
  }

  private inferInner(e: A.Expr): Kind | undefined {
    switch (e.kind) {
      case 'number':
        this.history.set(e, 0);
        return 'number';
      case 'bool':
        this.history.set(e, 0);
        return 'boolean';
      case 'error':
        if (this.current) this.broken.add(this.current);
        return undefined;
      case 'paren': {
        const k = this.infer(e.expr);
        this.history.set(e, this.history.get(e.expr) ?? 0);
        return k;
      }
      case 'name':
        return this.inferName(e);
      case 'unary': {
        const k = this.infer(e.arg);
        this.history.set(e, this.history.get(e.arg) ?? 0);
        const want: Kind = e.op === 'not' ? 'boolean' : 'number';
        if (k && k !== want) {
          this.err('kind-mismatch', e.arg, e.op === 'not' ? '`not` applies to a condition, not a number.' : 'Only numbers can be negated; this is a condition.');
        }
        return want;
      }
      case 'binary':
        return this.inferBinary(e);
      case 'call':
        return this.inferCall(e);
    }
  }

  private inferName(e: A.NameExpr): Kind | undefined {
    this.history.set(e, 0);
    const l = this.lets.get(e.name);
    if (l) {
      this.references.push({ start: e.start, end: e.end, symbol: { kind: 'let', name: e.name, decl: l } });
      const k = this.letKind(l);
      if (this.letState.get(l) === 'busy') {
        this.err('let-cycle', e, `\`${e.name}\` is defined in terms of itself: a let cannot use itself, directly or through other lets.`);
        return undefined;
      }
      if (this.broken.has(l) && this.current) this.broken.add(this.current);
      if (l.expr) this.history.set(e, this.history.get(l.expr) ?? 0);
      return k;
    }
    const fn = functionsByName.get(e.name);
    if (fn && !this.columns?.has(e.name)) {
      this.err('function-as-name', e, `\`${e.name}\` is a function; call it: ${signatureLabel(fn)}.`);
      return undefined;
    }
    if (this.dataset.columns.label === e.name) {
      this.err('label-in-rule', e, `\`${e.name}\` is the label column: rules cannot read the labels they are scored against.`);
      return undefined;
    }
    this.references.push({ start: e.start, end: e.end, symbol: { kind: 'column', name: e.name } });
    if (!this.columns) {
      this.columnsUsed.add(e.name);
      return 'number';
    }
    const col = this.columns.get(e.name);
    if (!col) {
      // Never the label column: "did you mean" must not offer what the checker then rejects.
      const candidates = [...this.lets.keys(), ...[...this.columns].filter(([n, c]) => c.numeric && n !== this.dataset.columns.label).map(([n]) => n)];
      const near = closestNames(e.name, candidates);
      this.err('unknown-name', e, `Unknown name \`${e.name}\`${near.length ? `: did you mean \`${near[0]}\`?` : '.'} Names are the dataset's numeric columns and the lets.`, {
        replacements: near.map(writeName),
      });
      return undefined;
    }
    if (!col.numeric) {
      this.err('non-numeric-column', e, `The column \`${e.name}\` is not numeric${col.note ? ` (${col.note})` : ''}, so rules cannot compute with it.`);
      return undefined;
    }
    this.columnsUsed.add(e.name);
    return 'number';
  }

  private inferBinary(e: A.BinaryExpr): Kind | undefined {
    const l = this.infer(e.left);
    const r = this.infer(e.right);
    this.history.set(e, Math.max(this.history.get(e.left) ?? 0, this.history.get(e.right) ?? 0));
    const op = e.op;
    if (op === 'and' || op === 'or') {
      for (const [side, k] of [[e.left, l], [e.right, r]] as const) {
        if (k === 'number') this.err('kind-mismatch', side, `\`${op}\` joins conditions, but this is a number. Compare it, e.g. \`... > 0\`.`);
      }
      return 'boolean';
    }
    const isCompare = op !== '+' && op !== '-' && op !== '*' && op !== '/';
    for (const [side, k] of [[e.left, l], [e.right, r]] as const) {
      if (k !== 'boolean') continue;
      const inner = A.unparen(side);
      if (isCompare && inner.kind === 'binary' && inner === side && ['<', '<=', '>', '>=', '==', '!='].includes(inner.op)) {
        this.err('chained-comparison', e.opSpan, 'Comparisons do not chain: write `a < b and b < c`.');
      } else {
        this.err('kind-mismatch', side, `\`${op}\` needs numbers on both sides, but this is a condition.`);
      }
    }
    return isCompare ? 'boolean' : 'number';
  }

  private inferCall(e: A.CallExpr): Kind | undefined {
    const name = e.callee.name;
    const spec = functionsByName.get(name);
    if (!spec) {
      for (const a of e.args) this.infer(a.value);
      const near = closestNames(name, functionsByName.keys());
      this.err('unknown-function', e.callee, `Unknown function \`${name}\`${near.length ? `: did you mean \`${near[0]}\`?` : '.'} See the list of functions in docs/language.md.`, {
        replacements: near,
      });
      this.history.set(e, 0);
      return undefined;
    }
    this.references.push({ ...e.callee, symbol: { kind: 'function', name, spec } });
    const placed = this.placeArgs(e, spec);
    const consts: Record<string, number> = {};
    let argHistory = 0;
    let ok = true;
    placed.forEach((arg, i) => {
      const p = paramAt(spec, i);
      if (!arg) {
        if (p.default !== undefined) consts[p.name] = p.default;
        return;
      }
      if (p.constant) {
        const v = this.constantValue(arg);
        if (v === undefined) {
          this.err('not-constant', arg, `\`${p.name}\` of ${name} must be a number written in the rule (${p.doc}), not an expression.`);
          ok = false;
          return;
        }
        const bad =
          (p.constant === 'int' && !Number.isInteger(v)) || (p.min !== undefined && v < p.min) || (p.max !== undefined && v > p.max);
        if (bad) {
          const range = p.constant === 'int' ? `a whole number of at least ${p.min}` : `between ${p.min} and ${p.max}`;
          this.err('bad-constant', arg, `\`${p.name}\` of ${name} must be ${range}; it is ${v}.`);
          ok = false;
        }
        consts[p.name] = v;
        this.kinds.set(arg, 'number');
        this.history.set(arg, 0);
        return;
      }
      const k = this.infer(arg);
      argHistory = Math.max(argHistory, this.history.get(arg) ?? 0);
      if (k && p.kind !== 'any' && k !== p.kind) {
        this.err(
          'kind-mismatch',
          arg,
          p.kind === 'number'
            ? `\`${p.name}\` of ${name} is a number, but this is a condition.`
            : `\`${p.name}\` of ${name} is a condition (e.g. \`x > 3\`), but this is a number.`,
        );
      }
    });
    this.calls.set(e, { spec, args: placed, consts });
    this.history.set(e, ok ? argHistory + spec.history(consts) : argHistory);
    return spec.returns;
  }

  /** Puts positional and named arguments in parameter order; reports arity and naming errors. */
  private placeArgs(e: A.CallExpr, spec: FunctionSpec): (A.Expr | undefined)[] {
    const name = spec.name;
    if (spec.variadic) {
      for (const a of e.args) {
        if (a.name) this.err('named-arg', a.name, `${name} takes its arguments by position only.`);
      }
      if (e.args.length < 2) this.err('arity', e, `${name} compares at least two values: ${name}(a, b, ...).`);
      return e.args.map((a) => a.value);
    }
    const placed: (A.Expr | undefined)[] = spec.params.map(() => undefined);
    let sawNamed = false;
    e.args.forEach((a, i) => {
      if (a.name) {
        sawNamed = true;
        const idx = spec.params.findIndex((p) => p.name === a.name!.name);
        if (idx < 0) {
          const near = closestNames(a.name.name, spec.params.map((p) => p.name));
          this.err('named-arg', a.name, `${name} has no parameter \`${a.name.name}\`${near.length ? `: did you mean \`${near[0]}\`?` : '.'} It takes ${signatureLabel(spec)}.`, {
            replacements: near,
          });
          this.infer(a.value);
          return;
        }
        this.references.push({ ...a.name, symbol: { kind: 'param', name: a.name.name, spec } });
        if (placed[idx]) this.err('named-arg', a.name, `\`${a.name.name}\` is given twice.`);
        placed[idx] = a.value;
        return;
      }
      if (sawNamed) {
        this.err('named-arg', a, 'A positional argument cannot follow a named one.');
        return;
      }
      if (i >= spec.params.length) {
        this.err('arity', a, `Too many arguments: ${signatureLabel(spec)} takes at most ${spec.params.length}.`);
        this.infer(a.value);
        return;
      }
      placed[i] = a.value;
    });
    const missing = spec.params.filter((p, i) => !placed[i] && p.default === undefined);
    if (missing.length && e.closed) {
      this.err('arity', e, `${name} needs ${missing.map((p) => `\`${p.name}\``).join(' and ')}: ${signatureLabel(spec)}.`);
    } else if (missing.length) {
      if (this.current) this.broken.add(this.current);
    }
    return placed;
  }

  private constantValue(e: A.Expr): number | undefined {
    const u = A.unparen(e);
    if (u.kind === 'number') return u.value;
    if (u.kind === 'unary' && u.op === '-' && A.unparen(u.arg).kind === 'number') return -(A.unparen(u.arg) as A.NumberExpr).value;
    return undefined;
  }

  /** Warns at the innermost call that needs more history than the longest series has. */
  private checkHistory(expr: A.Expr): void {
    const max = this.schema!.maxSeriesLength;
    A.walkExpr(expr, (e) => {
      if (e.kind !== 'call') return;
      const h = this.history.get(e) ?? 0;
      const args = this.calls.get(e)?.args ?? [];
      const inner = Math.max(0, ...args.map((a) => (a ? this.history.get(a) ?? 0 : 0)));
      if (h >= max && inner < max) {
        this.warn(
          'window-too-long',
          e,
          `This needs ${h} earlier points before its first value, but the longest series has ${max} points: it is missing everywhere, so nothing using it can fire. Shorten the window.`,
        );
      }
    });
  }

  private checkUnusedLets(): void {
    const used = new Set<A.LetDecl>();
    for (const r of this.references) if (r.symbol.kind === 'let' && !r.declaration) used.add(r.symbol.decl);
    for (const l of this.parsed.file.lets) {
      if (!l.name || used.has(l) || this.lets.get(l.name.name) !== l) continue;
      const i = this.warn('unused-let', l.name, `\`${l.name.name}\` is never used.`, {
        fixes: [{ title: `Remove unused let \`${l.name.name}\``, edits: [{ ...this.lineSpan(l), newText: '' }] }],
      });
      i.tags = ['unnecessary'];
    }
  }

  /** The whole lines a declaration occupies, with its trailing newline. */
  private lineSpan(d: A.Span): A.Span {
    const t = this.parsed.text;
    let start = d.start;
    while (start > 0 && t[start - 1] !== '\n') start--;
    let end = d.end;
    while (end < t.length && t[end] !== '\n') end++;
    return { start, end: Math.min(t.length, end + 1) };
  }

  private checkTest(t: A.TestDecl): void {
    this.current = undefined;
    if (!t.columns.length) {
      this.err('empty-test', t.keyword, 'This test gives no values: add a column, e.g. `oos_ratio = [0, 0, 15]`.');
      return;
    }
    const n = t.columns[0].values.length;
    const seen = new Set<string>();
    for (const c of t.columns) {
      if (seen.has(c.name.name)) this.err('duplicate-name', c.name, `\`${c.name.name}\` is given twice in this test.`);
      seen.add(c.name.name);
      this.references.push({ ...c.name, symbol: { kind: 'column', name: c.name.name } });
      if (c.values.length !== n) {
        this.err('test-length', c, `Every column of a test needs the same number of values: \`${t.columns[0].name.name}\` has ${n}, \`${c.name.name}\` has ${c.values.length}.`);
      }
      if (this.lets.has(c.name.name)) this.err('test-let', c.name, `\`${c.name.name}\` is a let; a test gives values of dataset columns.`);
    }
    if (!t.expects.length) this.warn('no-expectation', t.keyword, 'This test expects nothing: add `expect anomaly` or `expect normal`.');
    for (const ex of t.expects) {
      ex.at.forEach((p, i) => {
        if (!Number.isInteger(p) || p < 0 || p >= n) {
          this.err('bad-position', ex.atSpans[i], `Positions count from 0 to ${n - 1} in this test; ${p} is not one.`);
        }
      });
    }
  }
}
