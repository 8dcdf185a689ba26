// Checked rules to a plan: a DAG of operations in which each distinct sub-expression appears once,
// keyed by its structure (lets are inlined, so `z` and `zscore(x, 52)` share one node). Every
// backend (the in-memory evaluator today, SQL later) executes the same plan.
import { createHash } from 'node:crypto';
import * as A from '../../../grammar/src/ast';
import { paramAt, type CheckResult } from '../../../grammar/src/check';
import type { Kind } from '../../../grammar/src/functions';

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
}

export interface CompiledDecl {
  name: string;
  decl: A.RuleDecl | A.ExcludeDecl;
  /** Absent when the declaration has errors. */
  node?: PlanNode;
  title?: string;
  severity: A.Severity;
}

export interface Program {
  rules: CompiledDecl[];
  excludes: CompiledDecl[];
  /** Plan node of every checked expression, for explanations and previews. */
  nodeOf: Map<A.Expr, PlanNode>;
  /** Plan node of each let that compiled. */
  lets: Map<string, PlanNode>;
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
  /** Each let is compiled once, however many times it is used. */
  private readonly letMemo = new Map<A.LetDecl, PlanNode>();

  constructor(private readonly c: CheckResult) {}

  run(): Program {
    const f = this.c.parse.file;
    // Lets the checker ordered after the lets they use, so a long chain of lets compiles without
    // recursing through it; then listed by name in the file's order.
    for (const decl of this.c.letOrder) if (decl.expr && !this.c.broken.has(decl) && decl.name && this.c.lets.get(decl.name.name) === decl) this.letNode(decl);
    for (const [name, decl] of this.c.lets) {
      if (decl.expr && !this.c.broken.has(decl)) this.letNodes.set(name, this.letNode(decl));
    }
    const decl = (d: A.RuleDecl | A.ExcludeDecl): CompiledDecl => ({
      name: d.name?.name ?? '',
      decl: d,
      node: d.expr && d.name && !this.c.broken.has(d) ? this.expr(d.expr) : undefined,
      title: d.title?.value,
      severity: d.kind === 'rule' && d.severity && A.severities.includes(d.severity.name as A.Severity) ? (d.severity.name as A.Severity) : 'high',
    });
    return { rules: f.rules.map(decl), excludes: f.excludes.map(decl), nodeOf: this.nodeOf, lets: this.letNodes };
  }

  private node(op: PlanNode['op'], fn: string, kind: Kind, args: PlanNode[], consts: Record<string, number> = {}, extra: Partial<PlanNode> = {}): PlanNode {
    const constPart = Object.keys(consts).length ? `;${Object.entries(consts).map(([k, v]) => `${k}=${v}`).join(',')}` : '';
    // Column names are quoted: a name holding `(`, `,` or `)` cannot collide with another key.
    const own = extra.name !== undefined ? `:${JSON.stringify(extra.name)}` : extra.value !== undefined ? `:${extra.value}` : '';
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
        return this.node('col', '', 'number', [], {}, { name: e.name });
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
        return this.node('call', e.callee.name, info.spec.returns, args, info.consts);
      }
      case 'error':
        throw new Error('cannot compile an expression with errors');
    }
  }
}
