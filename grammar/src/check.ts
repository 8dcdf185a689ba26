// Name resolution and static types (number / boolean). Pure: the dataset is described by a Schema.
import * as A from './ast';
import { functionHints, functionsByName, signatureLabel, type FunctionSpec, type Kind, type ParamSpec } from './functions';
import { excerpt, excerptList } from './excerpt';
import { closestNames, issue, LineIndex, type Issue } from './issues';
import { writeName } from './lexer';
import { count, limits, measure, type Measure } from './limits';
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
const datasetKeys = [...roles, 'split', 'objective', 'tolerance', 'duplicates', 'labels', 'context'];

/** The longest business context written in the block, in characters (a file may hold more). */
export const maxContextChars = 4000;

/** What a file is judged on (and learned for): the dataset block's `objective`. */
export type Objective = { kind: 'point_f1' } | { kind: 'event_f1' } | { kind: 'f_beta'; beta: number };
export const objectiveNames = ['point_f1', 'event_f1', 'f_beta'];

/** What to do with rows repeating a time within a series (`duplicates = ...`). */
export type DuplicatePolicy = 'error' | 'first' | 'last' | 'mean' | 'max';
export const duplicatePolicies: DuplicatePolicy[] = ['error', 'first', 'last', 'mean', 'max'];

/**
 * How points are split: `auto` (`split = 60/20/20`: by series with 20 series or more, else one time
 * cut), `time` (`split = time 60/20/20`: each series cut by its own time), `column`
 * (`split = column NAME`: the split is read from a column).
 */
export type SplitMethod = 'auto' | 'time' | 'column';

export interface DatasetSpec {
  path?: string;
  pathSpan?: A.Span;
  columns: Partial<Record<Role, string>>;
  spans: Partial<Record<Role, A.Span>>;
  /** Train / validation / test shares, adding up to 1. */
  split: [number, number, number];
  /** Set in the block; otherwise the engine picks one from the labels. */
  objective?: Objective;
  /** Points before and after an event where an alarm still counts as catching it. */
  tolerance: number;
  splitMethod: SplitMethod;
  /** The column holding each row's split (`split = column NAME`). */
  splitColumn?: string;
  splitColumnSpan?: A.Span;
  duplicates: DuplicatePolicy;
  /** What a label judges: its point (`points`), or, on a series' last row, the whole series as a session (`sessions`: rules are judged there only). */
  labels: 'points' | 'sessions';
  /** The business context for LLM labelling: text in the block, or a file relative to the rule file. */
  context?: { text: string; span: A.Span } | { file: string; span: A.Span };
}

export type SymbolRef =
  | { kind: 'let'; name: string; decl: A.LetDecl }
  | { kind: 'column'; name: string }
  | { kind: 'rule'; name: string; decl: A.RuleDecl | A.ExcludeDecl }
  | { kind: 'function'; name: string; spec: FunctionSpec }
  | { kind: 'param'; name: string; spec: FunctionSpec }
  /** A string compared with a category column: the category, and the columns it is a value of. */
  | { kind: 'category'; name: string; columns: string[] }
  /** The pattern of `columns("m*")`, and the columns it matches. */
  | { kind: 'group'; name: string; columns: string[] };

/** An expression that stands for one value per column of a group (`columns("m*") > 0.9`). */
export interface Group {
  /** How many columns; undefined while the dataset is not loaded. */
  size?: number;
  /** What each member is, for messages and hover: the column names of the group it comes from. */
  labels: string[];
  /** The columns of a `columns(...)` call or a list of column names, in order. */
  columns?: string[];
}

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
  /** Every let, each after the lets it uses (cycles aside): compiling in this order needs no recursion through lets. */
  letOrder: A.LetDecl[];
  /** Lets, rules and excludes that cannot be evaluated (an error in them or in a let they use). */
  broken: Set<A.Decl>;
  columnsUsed: Set<string>;
  /** Expressions that are column groups (one value per member). */
  groups: Map<A.Expr, Group>;
  /** Columns compared with strings while no dataset is known (test blocks make them categories). */
  textColumnsUsed: Set<string>;
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
  private readonly letOrder: A.LetDecl[] = [];
  private readonly broken = new Set<A.Decl>();
  private readonly columnsUsed = new Set<string>();
  private readonly groups = new Map<A.Expr, Group>();
  private readonly textColumnsUsed = new Set<string>();
  private readonly columns?: Map<string, ColumnInfo>;
  private dataset: DatasetSpec = { columns: {}, spans: {}, split: defaultSplit, tolerance: 0, splitMethod: 'auto', duplicates: 'error', labels: 'points' };
  private current?: A.Decl;
  private readonly measures = new Map<A.Decl, Measure>();
  /** Depth of each let's tree with the lets it uses expanded. */
  private readonly letDepth = new Map<A.LetDecl, number>();
  /** Declarations past the file's size limit: not checked. */
  private readonly skipped = new Set<A.Decl>();
  /** "Did you mean" lookups left: each costs a pass over the names, so a file of thousands of unknown names stops asking. */
  private suggestions = 200;
  private lineIndex?: LineIndex;

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
    this.checkSizes();
    this.checkLets();
    for (const d of [...f.rules, ...f.excludes]) {
      this.current = d;
      if (!d.expr || this.skipped.has(d)) {
        this.broken.add(d);
        continue;
      }
      const k = this.infer(d.expr);
      this.checkDepth(d);
      if (k === 'number') {
        this.err('not-a-condition', d.expr, `A ${d.kind} needs a condition (true or false), but this is a number. Compare it, e.g. \`... > 10\`.`);
      } else if (k === 'category') {
        this.err('not-a-condition', d.expr, `A ${d.kind} needs a condition (true or false), but this is a category. Compare it with a string, e.g. \`... == "E11"\`.`);
      } else this.requireSingle(d.expr, `A ${d.kind}`);
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
      letOrder: this.letOrder,
      broken: this.broken,
      columnsUsed: this.columnsUsed,
      groups: this.groups,
      textColumnsUsed: this.textColumnsUsed,
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
      else if (key === 'objective') this.checkObjective(p.value);
      else if (key === 'tolerance') this.checkTolerance(p.value);
      else if (key === 'duplicates') this.checkDuplicates(p.value);
      else if (key === 'labels') this.checkLabels(p.value);
      else if (key === 'context') this.checkContext(p.value);
      else if (p.value.kind === 'name' || p.value.kind === 'string') {
        const col = this.datasetColumn(p.value);
        this.dataset.columns[key as Role] = col;
        this.dataset.spans[key as Role] = p.value;
        if (this.columns?.has(col) && key === 'label' && !this.columns.get(col)!.numeric) {
          this.err('bad-label', p.value, `The label column \`${excerpt(col)}\` must hold 1 (anomaly), 0 (normal) or nothing: ${this.columns.get(col)!.note ?? ''}`);
        }
      } else {
        this.err('bad-setting', p.value, `\`${key}\` takes a column name, e.g. \`${key} = my_column\`.`);
      }
    }
  }

  private checkObjective(v: A.DatasetValue): void {
    const name = v.kind === 'name' || v.kind === 'call' ? v.name : '';
    const args = v.kind === 'call' ? v.args : [];
    if (name === 'f_beta') {
      if (v.kind !== 'call' || args.length !== 1 || !(args[0] > 0)) {
        this.err('bad-objective', v, '`f_beta` takes one positive number B, e.g. `f_beta(2)` (recall counts twice as much as precision) or `f_beta(0.5)`.');
        return;
      }
      this.dataset.objective = { kind: 'f_beta', beta: args[0] };
    } else if ((name === 'point_f1' || name === 'event_f1') && v.kind === 'name') {
      this.dataset.objective = { kind: name };
    } else {
      const near = name ? closestNames(name, objectiveNames) : [];
      this.err('bad-objective', v, `${near.length ? `Did you mean \`${near[0]}\`? ` : ''}The objective is \`point_f1\`, \`event_f1\` or \`f_beta(B)\`.`, { replacements: near.map((x) => (x === 'f_beta' ? 'f_beta(2)' : x)) });
    }
  }

  private checkContext(v: A.DatasetValue): void {
    if (v.kind === 'string') {
      if (v.value.length > maxContextChars) {
        this.err('bad-context', v, `The context is ${v.value.length} characters; at most ${maxContextChars} fit here. Put it in a file: \`context = file "context.md"\`.`);
        return;
      }
      this.dataset.context = { text: v.value, span: v };
    } else if (v.kind === 'qualified' && v.word.name === 'file' && v.value?.kind === 'string' && v.value.value.trim()) {
      this.dataset.context = { file: v.value.value, span: v.value };
    } else {
      this.err('bad-context', v, 'The context is text for the LLM that labels the series: `context = "weekly out-of-stock ratio per product; a jump after quiet weeks matters"`, or a file beside the rule file: `context = file "context.md"`.');
    }
  }

  private checkTolerance(v: A.DatasetValue): void {
    if (v.kind !== 'number' || !Number.isInteger(v.value)) {
      this.err('bad-tolerance', v, 'The tolerance is a whole number of points, e.g. `tolerance = 5`: an alarm up to that many points before or after an event still catches it.');
      return;
    }
    this.dataset.tolerance = v.value;
  }

  /** A column named in the dataset block: a reference, and an error when the data lacks it. */
  private datasetColumn(v: { kind: 'name'; name: string; start: number; end: number } | { kind: 'string'; value: string; start: number; end: number }): string {
    const col = v.kind === 'name' ? v.name : v.value;
    this.references.push({ start: v.start, end: v.end, symbol: { kind: 'column', name: col } });
    if (this.columns && !this.columns.has(col)) {
      const near = closestNames(col, this.columns.keys());
      this.err('missing-column', v, `The dataset has no column \`${excerpt(col)}\`${near.length ? `: did you mean \`${excerpt(near[0])}\`?` : '.'} Its columns: ${excerptList([...this.columns.keys()])}.`, {
        replacements: near.map(writeName),
      });
    }
    return col;
  }

  private checkLabels(v: A.DatasetValue): void {
    if (v.kind === 'name' && (v.name === 'points' || v.name === 'sessions')) {
      this.dataset.labels = v.name;
      return;
    }
    const word = v.kind === 'name' ? v.name : undefined;
    const near = word ? closestNames(word, ['points', 'sessions']) : [];
    this.err(
      'bad-labels',
      v,
      `\`labels\` takes \`points\` (a label judges its point) or \`sessions\` (each series is a session, judged at its last row)${near.length ? `: did you mean \`${near[0]}\`?` : '.'}`,
      { replacements: near },
    );
  }

  private checkDuplicates(v: A.DatasetValue): void {
    const word = v.kind === 'name' ? v.name : v.kind === 'qualified' ? v.word.name : undefined;
    if (v.kind === 'name' && duplicatePolicies.includes(word as DuplicatePolicy)) {
      this.dataset.duplicates = word as DuplicatePolicy;
      return;
    }
    const near = word ? closestNames(word, duplicatePolicies) : [];
    this.err(
      'bad-duplicates',
      v,
      `\`duplicates\` takes one of ${duplicatePolicies.join(', ')}${near.length ? `: did you mean \`${near[0]}\`?` : '.'} It says what to do with rows that repeat a time within a series.`,
      { replacements: near },
    );
  }

  private checkSplit(v: A.DatasetValue): void {
    if ((v.kind === 'qualified' && v.word.name === 'column') || (v.kind === 'name' && v.name === 'column')) {
      if (v.kind === 'qualified' && (v.value?.kind === 'name' || v.value?.kind === 'string')) {
        this.dataset.splitMethod = 'column';
        this.dataset.splitColumn = this.datasetColumn(v.value);
        this.dataset.splitColumnSpan = v.value;
      } else this.err('bad-split', v, '`split = column` needs the column holding each row\'s split (train, validation or test), e.g. `split = column fold`.');
      return;
    }
    if (v.kind === 'qualified' && v.word.name === 'time') {
      if (!v.value) {
        this.dataset.splitMethod = 'time';
        return;
      }
      if (this.checkShares(v.value)) this.dataset.splitMethod = 'time';
      return;
    }
    if (v.kind === 'name' && v.name === 'time') {
      this.dataset.splitMethod = 'time';
      return;
    }
    if (v.kind === 'qualified' || v.kind === 'name' || v.kind === 'string') {
      const word = v.kind === 'qualified' ? v.word : v;
      const near = v.kind === 'string' ? [] : closestNames(v.kind === 'name' ? v.name : v.word.name, ['time', 'column']);
      this.err(
        'bad-split',
        word,
        `A split is shares like \`60/20/20\`, \`time 60/20/20\` (each series cut by its own time) or \`column NAME\` (a column of train, validation and test)${near.length ? `: did you mean \`${near[0]}\`?` : '.'}`,
        { replacements: near },
      );
      return;
    }
    this.checkShares(v);
  }

  private checkShares(v: A.DatasetValue): boolean {
    const parts = v.kind === 'split' ? v.parts : v.kind === 'number' ? [v.value] : [];
    const sum = parts.reduce((a, b) => a + b, 0);
    if (parts.length !== 3 || parts.some((p) => !(p >= 0)) || !(sum > 0)) {
      this.err('bad-split', v, 'A split gives train/validation/test shares, three numbers like `60/20/20`.');
      return false;
    }
    if (Math.abs(sum - 100) > 1e-9 && Math.abs(sum - 1) > 1e-9) {
      this.err('bad-split', v, `The split adds up to ${sum}; make it 100 (e.g. 60/20/20).`);
      return false;
    }
    this.dataset.split = parts.map((p) => p / sum) as [number, number, number];
    return true;
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
      if (d.kind === 'rule' && d.category && !d.category.value.trim()) {
        this.err('bad-category', d.category, 'The category is empty: name the group of the rule\'s alerts, e.g. `category "Stock-outs"`, or remove the clause.');
      }
    }
    this.current = undefined;
  }

  private line(offset: number): number {
    this.lineIndex ??= new LineIndex(this.parsed.text);
    return this.lineIndex.position(offset).line + 1;
  }

  private near(name: string, candidates: () => Iterable<string>): string[] {
    return this.suggestions-- > 0 ? closestNames(name, candidates()) : [];
  }

  // Limits (grammar/src/limits.ts). The parser already cut out trees deeper than limits.depth.

  /** Operations per declaration and per file; declarations past the file's limit are not checked. */
  private checkSizes(): void {
    let total = 0;
    const decls = this.parsed.file.decls;
    for (let i = 0; i < decls.length; i++) {
      const d = decls[i];
      const expr = A.declExpr(d);
      if (!expr) continue;
      const m = measure(expr);
      this.measures.set(d, m);
      total += m.size;
      this.current = d;
      if (total > limits.fileSize) {
        const rest = decls.slice(i).filter((x) => A.declExpr(x));
        for (const x of rest) this.skipped.add(x), this.broken.add(x);
        this.err(
          'size-limit',
          { start: d.keyword.start, end: (d as A.LetDecl).name?.end ?? d.keyword.end },
          `The file holds more than ${count(limits.fileSize)} operations (lets, rules and excludes together): this ${d.kind} and the ${count(rest.length - 1)} declarations after it are not checked or evaluated. Split the file.`,
        );
        break;
      }
      if (m.size > limits.declarationSize) {
        this.err('size-limit', expr, `This expression has ${count(m.size)} operations; ARL takes at most ${count(limits.declarationSize)} in one declaration. Split it into lets.`);
      }
    }
    this.current = undefined;
  }

  /**
   * Lets in dependency order, depth first without recursion (a chain of thousands of lets): each
   * let is inferred once the lets it uses are, while the lets that led to it are still busy, so a
   * cycle is found as the recursive definition would find it.
   */
  private checkLets(): void {
    const deps = (l: A.LetDecl): A.LetDecl[] => {
      const m = this.measures.get(l);
      if (!m || this.skipped.has(l)) return [];
      return m.names.flatMap((n) => this.lets.get(n.expr.name) ?? []);
    };
    for (const root of this.parsed.file.lets) {
      if (this.letState.has(root)) continue;
      this.letState.set(root, 'busy');
      const stack = [{ l: root, next: deps(root), i: 0 }];
      while (stack.length) {
        const top = stack[stack.length - 1];
        if (top.i < top.next.length) {
          const d = top.next[top.i++];
          if (!this.letState.has(d)) {
            this.letState.set(d, 'busy');
            stack.push({ l: d, next: deps(d), i: 0 });
          }
          continue;
        }
        stack.pop();
        this.letState.delete(top.l);
        this.letKind(top.l);
      }
    }
  }

  /** Depth with lets expanded: a let deeper than the limit is reported where it uses the let that makes it so. */
  private checkDepth(d: A.LetDecl | A.RuleDecl | A.ExcludeDecl): number {
    const m = this.measures.get(d);
    if (!m) return 0;
    let depth = m.depth;
    let via: { expr: A.NameExpr; depth: number } | undefined;
    let inheritsTooDeep = false;
    for (const n of m.names) {
      const l = this.lets.get(n.expr.name);
      const ld = l && this.letDepth.get(l);
      if (ld === undefined) continue;
      if (ld > limits.depth) inheritsTooDeep = true;
      if (n.at + ld > depth) {
        depth = n.at + ld;
        via = { expr: n.expr, depth: ld };
      }
    }
    if (d.kind === 'let') this.letDepth.set(d, depth);
    if (depth > limits.depth) {
      const saved = this.current;
      this.current = d;
      if (!inheritsTooDeep && via) {
        this.err(
          'depth-limit',
          via.expr,
          `With its lets expanded this expression is ${count(depth)} levels deep (\`${via.expr.name}\` alone is ${count(via.depth)}); ARL evaluates at most ${limits.depth}. Use fewer lets built on each other, or shorter \`and\`, \`or\` and \`+\` chains in them.`,
        );
      } else this.broken.add(d);
      this.current = saved;
    }
    return depth;
  }

  private letKind(l: A.LetDecl): Kind | undefined {
    const state = this.letState.get(l);
    if (state === 'done') return this.letKinds.get(l);
    if (state === 'busy') return undefined;
    this.letState.set(l, 'busy');
    const saved = this.current;
    this.current = l;
    const k = l.expr && !this.skipped.has(l) ? this.infer(l.expr) : undefined;
    if (!l.expr || this.skipped.has(l)) this.broken.add(l);
    else {
      this.checkDepth(l);
      if (this.schema) this.checkHistory(l.expr);
    }
    this.current = saved;
    this.letState.set(l, 'done');
    this.letOrder.push(l);
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
        this.broadcast(e, [e.expr]);
        return k;
      }
      case 'string':
        return this.inferString(e);
      case 'list':
        return this.inferList(e);
      case 'name':
        return this.inferName(e);
      case 'unary': {
        const k = this.infer(e.arg);
        this.history.set(e, this.history.get(e.arg) ?? 0);
        const want: Kind = e.op === 'not' ? 'boolean' : 'number';
        this.broadcast(e, [e.arg]);
        if (k === 'category') {
          this.err('kind-mismatch', e.arg, e.op === 'not' ? '`not` applies to a condition, but this is a category: compare it first, e.g. `not (event == "E11")`.' : 'Categories cannot be negated: they are text, not numbers.');
        } else if (k && k !== want) {
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
      if (l.expr) this.broadcast(e, [l.expr]);
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
      const columns = this.columns;
      const label = this.dataset.columns.label;
      const near = this.near(e.name, () => [...this.lets.keys(), ...[...columns].filter(([n, c]) => c.numeric && n !== label).map(([n]) => n)]);
      this.err('unknown-name', e, `Unknown name \`${e.name}\`${near.length ? `: did you mean \`${near[0]}\`?` : '.'} Names are the dataset's numeric columns and the lets.`, {
        replacements: near.map(writeName),
      });
      return undefined;
    }
    if (!col.numeric && col.categories) {
      this.columnsUsed.add(e.name);
      return 'category';
    }
    if (!col.numeric) {
      this.err('non-numeric-column', e, `The column \`${e.name}\` is not numeric${col.note ? ` (${col.note})` : ''}, so rules cannot compute with it.`);
      return undefined;
    }
    this.columnsUsed.add(e.name);
    return 'number';
  }

  private inferBinary(e: A.BinaryExpr): Kind | undefined {
    if (e.op === 'in' || e.op === 'not in') return this.inferIn(e);
    const comparison = ['<', '<=', '>', '>=', '==', '!='].includes(e.op);
    if (comparison && (A.unparen(e.left).kind === 'string' || A.unparen(e.right).kind === 'string')) return this.inferTextCompare(e);
    const l = this.infer(e.left);
    const r = this.infer(e.right);
    this.history.set(e, Math.max(this.history.get(e.left) ?? 0, this.history.get(e.right) ?? 0));
    this.broadcast(e, [e.left, e.right]);
    const op = e.op;
    if (l === 'category' || r === 'category') return this.categoryOperands(e, l, r);
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
      const hint = functionHints[name];
      this.err(
        'unknown-function',
        e.callee,
        hint
          ? `Unknown function \`${name}\`: write \`${hint}\`.`
          : `Unknown function \`${name}\`${near.length ? `: did you mean \`${near[0]}\`?` : '.'} See the list of functions in docs/language.md.`,
        { replacements: hint ? [] : near },
      );
      this.history.set(e, 0);
      return undefined;
    }
    this.references.push({ ...e.callee, symbol: { kind: 'function', name, spec } });
    if (spec.group) return this.inferColumns(e, spec);
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
      if (p.constant && this.isAllWord(arg)) {
        if (p.all) {
          consts[p.name] = Infinity;
          this.kinds.set(arg, 'number');
          this.history.set(arg, 0);
        } else {
          this.err('bad-constant', arg, `\`${p.name}\` of ${name} must be a whole number${spec.name === 'robust_z' ? ': the MAD of a window growing to the whole series would cost time quadratic in its length; use a long window, e.g. `robust_z(x, 500)`, or `zscore(x, all)`' : `; \`all\` (every point so far) is for window lengths`}.`);
          ok = false;
        }
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
          const range =
            p.constant !== 'int' ? `between ${p.min} and ${p.max}` : p.max === undefined ? `a whole number of at least ${p.min}` : `a whole number from ${p.min} to ${count(p.max)}`;
          const why = p.constant === 'int' && p.max !== undefined && v > p.max ? `, beyond ARL's limit for windows, steps and offsets` : '';
          this.err('bad-constant', arg, `\`${p.name}\` of ${name} must be ${range}; it is ${v}${why}.`);
          ok = false;
        }
        consts[p.name] = v;
        this.kinds.set(arg, 'number');
        this.history.set(arg, 0);
        return;
      }
      const k = this.infer(arg);
      argHistory = Math.max(argHistory, this.history.get(arg) ?? 0);
      if (k === 'category') {
        if (!p.categories) this.err('kind-mismatch', arg, `\`${p.name}\` of ${name} is ${p.kind === 'boolean' ? 'a condition' : 'a number'}, but this is a category (text): compare it with a string first, e.g. \`${name}(event == "E11"${spec.params.length > 1 && p === spec.params[0] && !spec.variadic ? ', ...' : ''})\`.`);
      } else if (k && p.kind !== 'any' && k !== p.kind) {
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
    if (consts.min_count !== undefined && consts.w !== undefined && consts.min_count > consts.w) {
      this.err('bad-constant', placed[spec.params.findIndex((p) => p.name === 'min_count')]!, `\`min_count\` of ${name} is ${consts.min_count}, more than the window's ${consts.w} points: it could never be met.`);
    }
    if (spec.variadic) return this.spreadArgs(e, spec);
    this.broadcast(e, placed);
    const first = placed[0] && this.kinds.get(placed[0]);
    return spec.passesCategory && first === 'category' ? 'category' : spec.returns;
  }

  /** Puts positional and named arguments in parameter order; reports arity and naming errors. */
  private placeArgs(e: A.CallExpr, spec: FunctionSpec): (A.Expr | undefined)[] {
    const name = spec.name;
    if (spec.variadic) {
      for (const a of e.args) {
        if (a.name) this.err('named-arg', a.name, `${name} takes its arguments by position only.`);
      }
      // How many values there are is known once groups are inferred (spreadArgs).
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
    const missing = spec.params.filter((p, i) => !placed[i] && p.default === undefined && !p.optional);
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
      const numberAt = c.texts ? c.values.findIndex((v, i) => c.texts![i] === undefined && !Number.isNaN(v)) : -1;
      if (numberAt >= 0) {
        this.err('test-mixed', c.valueSpans[numberAt], `\`${c.name.name}\` holds strings (categories), so every value must be a string or \`_\`: write \`"${c.values[numberAt]}"\`.`, {
          replacements: [JSON.stringify(String(c.values[numberAt]))],
        });
      }
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

  // Strings, categories, lists and column groups.

  /** `all` written as a window length. */
  private isAllWord(e: A.Expr): boolean {
    const u = A.unparen(e);
    return u.kind === 'name' && u.name === 'all';
  }

  /** An expression's source text on one line, shortened for messages. */
  private label(e: A.Span): string {
    const t = this.parsed.text.slice(e.start, e.end).replace(/\s+/g, ' ').trim();
    return t.length > 40 ? `${t.slice(0, 37)}...` : t;
  }

  private inferString(e: A.StringExpr): Kind | undefined {
    this.history.set(e, 0);
    this.err(
      'stray-string',
      e,
      `A string is compared with a category column (\`event == ${JSON.stringify(e.value)}\`, \`event in [...]\`) or names columns (\`columns("m*")\`); it is not a value by itself.`,
    );
    return undefined;
  }

  /** `[m1, m2, lag(m3)]`: a group with one member per item (groups inside are spread). */
  private inferList(e: A.ListExpr): Kind | undefined {
    this.history.set(e, 0);
    if (!e.items.length) {
      this.err('empty-list', e, 'This list is empty: a group needs at least one value, e.g. `[m1, m2]`.');
      return undefined;
    }
    let kind: Kind | undefined;
    let size: number | undefined = 0;
    let history = 0;
    const labels: string[] = [];
    const columns: string[] = [];
    let onlyColumns = true;
    for (const item of e.items) {
      const u = A.unparen(item);
      if (u.kind === 'string') {
        this.err('stray-string', item, 'Strings in a list go on the right of `in`: `event in ["E11", "E28"]`. A group holds columns or expressions, e.g. `[m1, m2]`.');
        continue;
      }
      const k = this.infer(item);
      history = Math.max(history, this.history.get(item) ?? 0);
      const g = this.groups.get(item);
      if (g) {
        size = size === undefined || g.size === undefined ? undefined : size + g.size;
        labels.push(...g.labels);
        if (g.columns) columns.push(...g.columns);
        else onlyColumns = false;
      } else {
        if (size !== undefined) size++;
        labels.push(this.label(item));
        if (u.kind === 'name' && !this.lets.has(u.name)) columns.push(u.name);
        else onlyColumns = false;
      }
      if (!k) continue;
      if (kind && k !== kind) this.err('kind-mismatch', item, `The values of a group are all of one kind: this is a ${kindWord(k)}, the first is a ${kindWord(kind)}.`);
      kind ??= k;
    }
    this.history.set(e, history);
    this.groups.set(e, { size, labels, columns: onlyColumns ? columns : undefined });
    return kind;
  }

  /** `x in [...]`, `x not in [...]`: strings for a category, numbers for a number. */
  private inferIn(e: A.BinaryExpr): Kind {
    const k = this.infer(e.left);
    this.history.set(e, this.history.get(e.left) ?? 0);
    this.broadcast(e, [e.left]);
    const list = A.unparen(e.right);
    if (list.kind !== 'list') {
      if (list.kind !== 'error') this.err('bad-in', e.right, `\`${e.op}\` takes a list written in place, e.g. \`event ${e.op} ["E11", "E28"]\` or \`code ${e.op} [1, 2, 3]\`.`);
      else if (this.current) this.broken.add(this.current);
      return 'boolean';
    }
    if (!list.items.length) {
      this.err('empty-list', list, `This list is empty: \`${e.op}\` needs at least one value.`);
      return 'boolean';
    }
    if (k === 'boolean') {
      this.err('kind-mismatch', e.left, `\`${e.op}\` compares a value with a list, but this is a condition.`);
      return 'boolean';
    }
    const strings = list.items.every((i) => A.unparen(i).kind === 'string');
    const text = k === 'category' || (k === 'number' && !this.columns && strings && this.noteText(e.left));
    for (const item of list.items) {
      const u = A.unparen(item);
      if (u.kind === 'error') {
        if (this.current) this.broken.add(this.current);
        continue;
      }
      if (text) {
        if (u.kind === 'string') this.category(u, e.left);
        else {
          const v = this.literalText(item);
          this.err('kind-mismatch', item, `\`${this.label(e.left)}\` holds categories (text): write its values as strings${v ? `, \`"${v}"\`` : ''}.`, { replacements: v ? [JSON.stringify(v)] : [] });
        }
      } else if (k === 'number') {
        if (this.constantValue(item) !== undefined) this.kinds.set(item, 'number');
        else if (u.kind === 'string') {
          const numeric = /^-?\d+(\.\d+)?$/.test(u.value.trim());
          this.err('kind-mismatch', item, `\`${this.label(e.left)}\` is a number; strings compare only with category (text) columns.${numeric ? ` Write the number: \`${u.value.trim()}\`.` : ''}`, {
            replacements: numeric ? [u.value.trim()] : [],
          });
        } else this.err('not-constant', item, 'The values of an `in` list are written in the rule: numbers like `1` or `-2`, or strings for a category column.');
      }
    }
    return 'boolean';
  }

  /** A comparison with a string on one side: `==` or `!=`, and the other side a category. */
  private inferTextCompare(e: A.BinaryExpr): Kind {
    const leftIsString = A.unparen(e.left).kind === 'string';
    const [strSide, other] = leftIsString ? [e.left, e.right] : [e.right, e.left];
    const str = A.unparen(strSide) as A.StringExpr;
    this.history.set(strSide, 0);
    if (A.unparen(other).kind === 'string') {
      this.err('kind-mismatch', e, 'This compares two strings: compare a category column with a string, e.g. `event == "E11"`.');
      return 'boolean';
    }
    const k = this.infer(other);
    this.history.set(e, this.history.get(other) ?? 0);
    this.broadcast(e, [other]);
    const ordering = e.op !== '==' && e.op !== '!=';
    if (ordering && (k === 'category' || (k === 'number' && !this.columns))) {
      this.err('kind-mismatch', e.opSpan, `Categories have no order: compare \`${this.label(other)}\` with \`==\`, \`!=\` or \`in [...]\`.`);
    } else if (k === 'category' || (k === 'number' && !this.columns && this.noteText(other))) this.category(str, other);
    else if (k === 'number') {
      const numeric = /^-?\d+(\.\d+)?$/.test(str.value.trim());
      this.err('kind-mismatch', strSide, `\`${this.label(other)}\` is a number; a string compares only with a category (text) column.${numeric ? ` Write the number: \`${str.value.trim()}\`.` : ''}`, {
        replacements: numeric ? [str.value.trim()] : [],
      });
    } else if (k === 'boolean') {
      this.err('kind-mismatch', other, `This is a condition; a string compares with a category column, e.g. \`event ${e.op} ${JSON.stringify(str.value)}\`.`);
    }
    return 'boolean';
  }

  /** A binary operator with a category operand that is not a string: only `==` and `!=` between categories. */
  private categoryOperands(e: A.BinaryExpr, l: Kind | undefined, r: Kind | undefined): Kind | undefined {
    const op = e.op;
    const both = l === 'category' && r === 'category';
    const [cat, otherSide, otherKind] = l === 'category' ? [e.left, e.right, r] : [e.right, e.left, l];
    const name = this.label(cat);
    // A column of numbers with a stray text cell loads as categories: say where the text is.
    const mixed = !both && otherKind === 'number' ? this.mixedColumnNote(cat) : undefined;
    if (mixed) {
      this.err('non-numeric-column', cat, mixed);
      return op === '+' || op === '-' || op === '*' || op === '/' ? 'number' : 'boolean';
    }
    if (op === '==' || op === '!=') {
      if (both) return 'boolean';
      if (otherKind === 'number') {
        const v = this.literalText(otherSide);
        this.err('kind-mismatch', otherSide, `\`${name}\` holds categories (text), not numbers: compare it with a string${v ? `: \`${name} ${op} "${v}"\`` : ', e.g. `... == "E11"`'}.`, {
          replacements: v ? [JSON.stringify(v)] : [],
        });
      } else if (otherKind === 'boolean') {
        this.err('kind-mismatch', otherSide, `\`${name}\` holds categories; compare it with a string, not with a condition.`);
      }
      return 'boolean';
    }
    if (op === 'and' || op === 'or') {
      for (const [side, k] of [[e.left, l], [e.right, r]] as const) {
        if (k === 'category') this.err('kind-mismatch', side, `\`${op}\` joins conditions, but this is a category: compare it, e.g. \`${this.label(side)} == "E11"\`.`);
        else if (k === 'number') this.err('kind-mismatch', side, `\`${op}\` joins conditions, but this is a number. Compare it, e.g. \`... > 0\`.`);
      }
      return 'boolean';
    }
    if (op === '<' || op === '<=' || op === '>' || op === '>=') {
      this.err('kind-mismatch', e.opSpan, `Categories have no order: compare \`${name}\` with \`==\`, \`!=\` or \`in [...]\`.`);
      return 'boolean';
    }
    this.err('kind-mismatch', cat, `\`${op}\` needs numbers, but \`${name}\` holds categories (text): ARL does not compute with them.`);
    return 'number';
  }

  /** For a category column that is mostly numbers, what the loader said about its text cells. */
  private mixedColumnNote(e: A.Expr): string | undefined {
    const u = A.unparen(e);
    const col = u.kind === 'name' && !this.lets.has(u.name) ? this.columns?.get(u.name) : undefined;
    if (!col?.note || col.numeric) return undefined;
    return `The column \`${excerpt(u.kind === 'name' ? u.name : '')}\` is not numeric (${col.note}), so it loads as categories. Fix that cell to use the column as a number, or compare it with strings (\`== "..."\`).`;
  }

  /** The text of a number literal as written (`11`, `-2`), for suggesting it as a string. */
  private literalText(e: A.Expr): string | undefined {
    return this.constantValue(e) === undefined ? undefined : this.parsed.text.slice(e.start, e.end).replace(/[\s()]/g, '');
  }

  /** Records a category literal and warns when its columns never hold it. */
  private category(str: A.StringExpr, subject: A.Expr): void {
    const cols = this.sourceColumns(subject);
    this.references.push({ start: str.start, end: str.end, symbol: { kind: 'category', name: str.value, columns: cols } });
    if (!this.columns || !cols.length) return;
    const known: string[] = [];
    for (const c of cols) {
      const values = this.columns.get(c)?.categories;
      // A long list may be cut (the most frequent values are kept): then nothing can be said.
      if (!values || values.length >= maxListedCategories) return;
      for (const v of values) if (!known.includes(v)) known.push(v);
    }
    if (known.includes(str.value)) return;
    const near = closestNames(str.value, known);
    const shown = known.length
      ? `Its values, most frequent first: ${known.slice(0, 12).map((v) => JSON.stringify(v)).join(', ')}${known.length > 12 ? `, ... (${known.length} in all)` : ''}.`
      : 'It holds no values (every cell is blank).';
    const who = cols.length === 1 ? `\`${cols[0]}\` never holds` : `None of ${cols.map((c) => `\`${c}\``).join(', ')} holds`;
    this.warn('unknown-category', str, `${who} ${JSON.stringify(str.value)}${near.length ? `: did you mean ${JSON.stringify(near[0])}?` : ','} so this comparison is never true. ${shown}`, {
      replacements: near.map((v) => JSON.stringify(v)),
    });
  }

  /** Dataset columns a category expression reads its values from (through lets, lag, first, last, groups). */
  private sourceColumns(e: A.Expr, seen = new Set<A.LetDecl>()): string[] {
    const u = A.unparen(e);
    if (u.kind === 'name') {
      const l = this.lets.get(u.name);
      if (!l) return [u.name];
      if (seen.has(l) || !l.expr) return [];
      seen.add(l);
      return this.sourceColumns(l.expr, seen);
    }
    if (u.kind === 'call') {
      const spec = functionsByName.get(u.callee.name);
      if (spec?.group) return this.groups.get(u)?.columns ?? [];
      if (spec?.passesCategory && u.args[0] && !u.args[0].name) return this.sourceColumns(u.args[0].value, seen);
    }
    if (u.kind === 'list') return u.items.flatMap((i) => this.sourceColumns(i, seen));
    return [];
  }

  /** Without a dataset: a column compared with strings is taken for a category column. */
  private noteText(e: A.Expr): boolean {
    const cols = this.sourceColumns(e);
    for (const c of cols) this.textColumnsUsed.add(c);
    return cols.length > 0;
  }

  /** `columns("m*")`: the dataset's columns matching a pattern, roles left out. */
  private inferColumns(e: A.CallExpr, spec: FunctionSpec): Kind | undefined {
    this.history.set(e, 0);
    const arg = e.args[0];
    const pat = arg && !arg.name && e.args.length === 1 ? A.unparen(arg.value) : undefined;
    if (!pat || pat.kind !== 'string') {
      for (const a of e.args) if (A.unparen(a.value).kind !== 'string') this.infer(a.value);
      if (e.closed) this.err('bad-pattern', e, `${spec.name} takes one column name pattern in quotes, e.g. \`columns("m*")\` (\`*\` any characters, \`?\` one).`);
      else if (this.current) this.broken.add(this.current);
      return undefined;
    }
    const pattern = pat.value;
    if (!this.schema) {
      this.references.push({ start: pat.start, end: pat.end, symbol: { kind: 'group', name: pattern, columns: [] } });
      this.groups.set(e, { labels: [pattern] });
      return 'number';
    }
    const roles = new Set(Object.values(this.dataset.columns));
    const re = globPattern(pattern);
    const candidates = this.schema.columns.filter((c) => !roles.has(c.name) && (c.numeric || c.categories));
    const matched = candidates.filter((c) => re.test(c.name));
    // Recorded even when nothing matches, so that completion can offer the columns while typing.
    const ref: Reference = { start: pat.start, end: pat.end, symbol: { kind: 'group', name: pattern, columns: matched.map((c) => c.name) } };
    this.references.push(ref);
    if (!matched.length) {
      const names = candidates.map((c) => c.name);
      this.err(
        'no-columns',
        pat,
        `\`columns(${JSON.stringify(pattern)})\` matches no column. ${names.length ? `Columns: ${names.slice(0, 40).join(', ')}${names.length > 40 ? `, ... (${names.length} in all)` : ''}.` : 'The dataset has no column rules can read.'} A pattern matches whole names: \`*\` stands for any characters, \`?\` for one.`,
      );
      return undefined;
    }
    const cats = matched.filter((c) => !c.numeric);
    if (cats.length && cats.length < matched.length) {
      const nums = matched.filter((c) => c.numeric);
      this.err(
        'mixed-group',
        pat,
        `\`columns(${JSON.stringify(pattern)})\` matches number columns (${nums.slice(0, 5).map((c) => c.name).join(', ')}) and category columns (${cats.slice(0, 5).map((c) => c.name).join(', ')}): a group holds one kind. Narrow the pattern, or list the columns: \`[a, b]\`.`,
      );
      return undefined;
    }
    const names = matched.map((c) => c.name);
    for (const n of names) this.columnsUsed.add(n);
    this.groups.set(e, { size: names.length, labels: names, columns: names });
    return cats.length ? 'category' : 'number';
  }

  /** any, all, count_true, max_of, least...: groups are spread; enough values in all? */
  private spreadArgs(e: A.CallExpr, spec: FunctionSpec): Kind {
    let count: number | undefined = 0;
    for (const a of e.args) {
      const g = this.groups.get(a.value);
      if (count !== undefined) count = g ? (g.size === undefined ? undefined : count + g.size) : count + 1;
    }
    const least = spec.minValues ?? 2;
    if (count !== undefined && count < least) {
      this.err(
        'arity',
        e,
        least === 2
          ? `${spec.name} compares at least two values: ${spec.name}(a, b, ...), or a group: ${spec.name}(columns("m*")).`
          : `${spec.name} needs at least one ${spec.params[0].kind === 'boolean' ? 'condition' : 'value'}, e.g. \`${spec.example}\`.`,
      );
    }
    return spec.returns;
  }

  /** An operation on groups applies member by member: the result is a group of the same size. */
  private broadcast(e: A.Expr, operands: (A.Expr | undefined)[]): void {
    let g: Group | undefined;
    for (const o of operands) {
      const og = o && this.groups.get(o);
      if (!og) continue;
      if (g && g.size !== undefined && og.size !== undefined && g.size !== og.size) {
        this.err('group-size', o!, `This group has ${og.size} members and the other ${g.size}: groups combine member by member, so they need the same size.`);
      }
      g ??= og;
    }
    if (g) this.groups.set(e, { size: g.size, labels: g.labels });
  }

  /** A rule or exclude needs one condition per point, not one per column. */
  private requireSingle(e: A.Expr, what: string): void {
    const g = this.groups.get(e);
    if (!g) return;
    const members = g.labels.slice(0, 4).join(', ') + (g.labels.length > 4 ? ', ...' : '');
    this.err(
      'group-condition',
      e,
      `${what} needs one condition per point, but this is a group of ${g.size ?? 'several'} (${members}): combine them with \`any(...)\`, \`all(...)\` or \`count_true(...) >= k\`.`,
    );
  }
}

/** Category lists longer than this may have been cut by the loader. */
const maxListedCategories = 1000;

function kindWord(k: Kind): string {
  return k === 'boolean' ? 'condition' : k;
}

/** A column name pattern (`*` any characters, `?` one) as a regular expression matching whole names. */
export function globPattern(pattern: string): RegExp {
  const body = [...pattern].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${body}$`, 's');
}
