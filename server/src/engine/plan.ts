// Checked rules to a plan: a DAG of operations in which each distinct sub-expression appears once,
// keyed by its structure (lets are inlined, so `z` and `zscore(x, 52)` share one node). Every
// backend (the in-memory evaluator today, SQL later) executes the same plan.
import { createHash } from 'node:crypto';
import * as A from '../../../grammar/src/ast';
import { paramAt, type CheckResult } from '../../../grammar/src/check';
import { functionsByName, type Kind } from '../../../grammar/src/functions';

export interface PlanNode {
  /**
   * Canonical structure, built bottom-up from the children's keys, e.g. `cmp>=(col:"oos_ratio",num:80)`;
   * equal keys compute equal values. Past `maxKeyLength` characters a key is replaced by a hash
   * of itself, so keys stay short however deep the plan (lets built on lets share their nodes).
   */
  key: string;
  op: 'col' | 'num' | 'bool' | 'neg' | 'not' | 'arith' | 'cmp' | 'logic' | 'call';
  /** Operator or function name. */
  fn: string;
  kind: Kind;
  args: PlanNode[];
  /** Constant arguments of a call, by parameter name. */
  consts: Record<string, number>;
  /** Column name (col) or literal value (num, bool: 0 or 1). */
  name?: string;
  value?: number;
  /** Categories of an `in` test, sorted: compared by dictionary code, never as code text. */
  strings?: string[];
}

export interface CompiledDecl {
  name: string;
  decl: A.RuleDecl | A.ExcludeDecl;
  /** Absent when the declaration has errors. */
  node?: PlanNode;
  title?: string;
  severity: A.Severity;
  /** The rule's `category "..."`, when it has one. */
  category?: string;
}

export interface Program {
  rules: CompiledDecl[];
  excludes: CompiledDecl[];
  /** Plan node of every checked expression, for explanations and previews. */
  nodeOf: Map<A.Expr, PlanNode>;
  /** Plan node of each let that compiled. */
  lets: Map<string, PlanNode>;
  /** Member nodes of each let that is a column group. */
  groupLets: Map<string, PlanNode[]>;
}

/** Longer keys are hashed (SHA-256, 144 bits): readable keys for small nodes, bounded keys for all. */
export const maxKeyLength = 128;

export function compile(checked: CheckResult): Program {
  return new Compiler(checked).run();
}

class Compiler {
  private readonly interned = new Map<string, PlanNode>();
  private readonly nodeOf = new Map<A.Expr, PlanNode>();
  private readonly letNodes = new Map<string, PlanNode>();
  private readonly groupLets = new Map<string, PlanNode[]>();
  private readonly groupMemo = new Map<A.Expr, PlanNode[]>();
  /** Each let is compiled once, however many times it is used. */
  private readonly letMemo = new Map<A.LetDecl, PlanNode>();

  constructor(private readonly c: CheckResult) {}

  run(): Program {
    const f = this.c.parse.file;
    // Lets the checker ordered after the lets they use, so a long chain of lets compiles without
    // recursing through it; then listed by name in the file's order.
    for (const decl of this.c.letOrder) {
      if (!decl.expr || this.c.broken.has(decl) || !decl.name || this.c.lets.get(decl.name.name) !== decl) continue;
      const e = decl.expr;
      if (this.c.groups.has(e)) sized(() => this.groupMembers(e));
      else sized(() => this.letNode(decl));
    }
    for (const [name, decl] of this.c.lets) {
      if (!decl.expr || this.c.broken.has(decl)) continue;
      const e = decl.expr;
      if (this.c.groups.has(e)) sized(() => this.groupLets.set(name, this.groupMembers(e)));
      else sized(() => this.letNodes.set(name, this.letNode(decl)));
    }
    const decl = (d: A.RuleDecl | A.ExcludeDecl): CompiledDecl => ({
      name: d.name?.name ?? '',
      decl: d,
      node: d.expr && d.name && !this.c.broken.has(d) ? sized(() => this.expr(d.expr!)) : undefined,
      title: d.title?.value,
      category: d.kind === 'rule' ? d.category?.value : undefined,
      severity: d.kind === 'rule' && d.severity && A.severities.includes(d.severity.name as A.Severity) ? (d.severity.name as A.Severity) : 'high',
    });
    return { rules: f.rules.map(decl), excludes: f.excludes.map(decl), nodeOf: this.nodeOf, lets: this.letNodes, groupLets: this.groupLets };
  }

  private node(op: PlanNode['op'], fn: string, kind: Kind, args: PlanNode[], consts: Record<string, number> = {}, extra: Partial<PlanNode> = {}): PlanNode {
    const constPart = Object.keys(consts).length ? `;${Object.entries(consts).map(([k, v]) => `${k}=${v}`).join(',')}` : '';
    // Column names are quoted: a name holding `(`, `,` or `)` cannot collide with another key.
    const own = (extra.name !== undefined ? `:${JSON.stringify(extra.name)}` : extra.value !== undefined ? `:${extra.value}` : '') + (extra.strings ? `:${JSON.stringify(extra.strings)}` : '');
    const text = `${op}${fn}${own}(${args.map((a) => a.key).join(',')}${constPart})`;
    const key = text.length <= maxKeyLength ? text : `#${createHash('sha256').update(text).digest('base64url').slice(0, 24)}`;
    let n = this.interned.get(key);
    if (!n) {
      n = { key, op, fn, kind, args, consts, ...extra };
      this.interned.set(key, n);
    }
    return n;
  }

  private letNode(l: A.LetDecl): PlanNode {
    let n = this.letMemo.get(l);
    if (!n) this.letMemo.set(l, (n = this.expr(l.expr!)));
    return n;
  }

  expr(e: A.Expr): PlanNode {
    const n = this.build(e);
    this.nodeOf.set(e, n);
    return n;
  }

  private build(e: A.Expr): PlanNode {
    const special = this.buildData(e, (x) => this.expr(x));
    if (special) return special;
    switch (e.kind) {
      case 'number':
        return this.node('num', '', 'number', [], {}, { value: e.value });
      case 'bool':
        return this.node('bool', '', 'boolean', [], {}, { value: e.value ? 1 : 0 });
      case 'paren':
        return this.expr(e.expr);
      case 'name': {
        const l = this.c.lets.get(e.name);
        if (l?.expr) return this.letNode(l);
        return this.node('col', '', this.c.kinds.get(e) === 'category' ? 'category' : 'number', [], {}, { name: e.name });
      }
      case 'unary': {
        const a = this.expr(e.arg);
        return e.op === 'not' ? this.node('not', '', 'boolean', [a]) : this.node('neg', '', 'number', [a]);
      }
      case 'binary': {
        const l = this.expr(e.left);
        const r = this.expr(e.right);
        if (e.op === 'and' || e.op === 'or') return this.node('logic', e.op, 'boolean', [l, r]);
        if (e.op === '+' || e.op === '-' || e.op === '*' || e.op === '/') return this.node('arith', e.op, 'number', [l, r]);
        return this.node('cmp', e.op, 'boolean', [l, r]);
      }
      case 'call': {
        const info = this.c.calls.get(e);
        if (!info) throw new Error(`unchecked call to ${e.callee.name}`);
        // Constant arguments travel in `consts`; the others become child nodes.
        const args = info.args.flatMap((a, i) => (a && !paramAt(info.spec, i).constant ? [this.expr(a)] : []));
        return this.node('call', e.callee.name, info.spec.passesCategory && args[0]?.kind === 'category' ? 'category' : info.spec.returns, args, info.consts);
      }
      case 'error':
      case 'string':
      case 'list':
        throw new Error(`cannot compile ${e.kind === 'error' ? 'an expression with errors' : `a ${e.kind} here`}`);
    }
  }

  // Categories and column groups.

  /**
   * Nodes for what the data of issue-free files can hold beyond numbers and conditions: category
   * tests, groups combined across columns, and expressions over groups; `sub` compiles children.
   */
  private buildData(e: A.Expr, sub: (x: A.Expr) => PlanNode): PlanNode | undefined {
    if (e.kind === 'binary' && (e.op === 'in' || e.op === 'not in')) {
      const list = A.unparen(e.right) as A.ListExpr;
      return this.membership(sub(e.left), list.items.map(A.unparen), e.op === 'not in');
    }
    if (e.kind === 'binary' && (e.op === '==' || e.op === '!=')) {
      const l = A.unparen(e.left);
      const r = A.unparen(e.right);
      if (l.kind === 'string' || r.kind === 'string') {
        const [str, other] = l.kind === 'string' ? [l, e.right] : [r as A.StringExpr, e.left];
        return this.membership(sub(other), [str], e.op === '!=');
      }
      if (this.c.kinds.get(e.left) === 'category' && this.c.kinds.get(e.right) === 'category') {
        const same = this.node('call', 'same', 'boolean', [sub(e.left), sub(e.right)]);
        return e.op === '!=' ? this.node('not', '', 'boolean', [same]) : same;
      }
    }
    if (e.kind === 'call') {
      const info = this.c.calls.get(e);
      if (info?.spec.variadic) {
        // Groups are spread into the arguments: one argument node per member.
        const args = e.args.flatMap((a) => (this.c.groups.has(a.value) ? this.groupMembers(a.value) : [sub(a.value)]));
        return this.node('call', e.callee.name, info.spec.returns, args);
      }
    }
    return undefined;
  }

  /** `x in [...]`: strings test dictionary codes (one node); numbers become `x == a or x == b ...`. */
  private membership(subject: PlanNode, items: A.Expr[], negate: boolean): PlanNode {
    let n: PlanNode;
    if (items.every((i) => i.kind === 'string')) {
      const strings = [...new Set(items.map((i) => (i as A.StringExpr).value))].sort();
      n = this.node('call', 'in', 'boolean', [subject], {}, { strings });
    } else {
      const values = [...new Set(items.map((i) => constantOf(i)))];
      n = values
        .map((v) => this.node('cmp', '==', 'boolean', [subject, this.node('num', '', 'number', [], {}, { value: v })]))
        .reduce((acc, c) => this.node('logic', 'or', 'boolean', [acc, c]));
    }
    return negate ? this.node('not', '', 'boolean', [n]) : n;
  }

  /** One node per member of a group expression (a group has a known size once the dataset is loaded). */
  private groupMembers(e: A.Expr): PlanNode[] {
    let members = this.groupMemo.get(e);
    if (members) return members;
    const u = A.unparen(e);
    const g = this.c.groups.get(u) ?? this.c.groups.get(e)!;
    if (g.size === undefined) throw new UnsizedGroup();
    const l = u.kind === 'name' ? this.c.lets.get(u.name) : undefined;
    if (l?.expr) members = this.groupLets.get(l.name!.name) ?? this.groupMembers(l.expr);
    else if (u.kind === 'list') members = u.items.flatMap((item) => (this.c.groups.has(item) ? this.groupMembers(item) : [this.expr(item)]));
    else if (u.kind === 'call' && g.columns && functionsByName.get(u.callee.name)?.group) {
      const kind = this.c.kinds.get(u) === 'category' ? 'category' : 'number';
      members = g.columns.map((name) => this.node('col', '', kind, [], {}, { name }));
    } else members = Array.from({ length: g.size }, (_, i) => this.member(u, i));
    this.groupMemo.set(e, members);
    return members;
  }

  /** Member i of a group expression that is not a list, a let or `columns(...)`. */
  private member(e: A.Expr, i: number): PlanNode {
    const sub = (x: A.Expr): PlanNode => (this.c.groups.has(x) ? this.groupMembers(x)[i] : this.expr(x));
    const special = this.buildData(e, sub);
    if (special) return special;
    switch (e.kind) {
      case 'unary': {
        const a = sub(e.arg);
        return e.op === 'not' ? this.node('not', '', 'boolean', [a]) : this.node('neg', '', 'number', [a]);
      }
      case 'binary': {
        const l = sub(e.left);
        const r = sub(e.right);
        if (e.op === 'and' || e.op === 'or') return this.node('logic', e.op, 'boolean', [l, r]);
        if (e.op === '+' || e.op === '-' || e.op === '*' || e.op === '/') return this.node('arith', e.op, 'number', [l, r]);
        return this.node('cmp', e.op, 'boolean', [l, r]);
      }
      case 'call': {
        const info = this.c.calls.get(e)!;
        const args = info.args.flatMap((a, k) => (a && !paramAt(info.spec, k).constant ? [sub(a)] : []));
        return this.node('call', e.callee.name, info.spec.passesCategory && args[0]?.kind === 'category' ? 'category' : info.spec.returns, args, info.consts);
      }
      default:
        throw new Error(`cannot compile a group of ${e.kind}`);
    }
  }
}

/** A group whose members are not known (no dataset): the declaration is not compiled. */
class UnsizedGroup extends Error {}

function sized<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch (err) {
    if (err instanceof UnsizedGroup) return undefined;
    throw err;
  }
}

function constantOf(e: A.Expr): number {
  if (e.kind === 'number') return e.value;
  if (e.kind === 'unary' && e.op === '-') return -constantOf(A.unparen(e.arg));
  throw new Error('an `in` list holds literals');
}
