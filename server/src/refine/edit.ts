// Building and checking rule edits: tree surgery on a rule's expression, printing it back to ARL,
// and re-reading whatever text comes out (ours or an LLM's) exactly as a user's edit would be.
import * as A from '../../../grammar/src/ast';
import { parse } from '../../../grammar/src/parse';
import { precedence, printExpr, requiredPrecedence } from '../../../grammar/src/print';
import { LineIndex } from '../../../grammar/src/issues';
import { evaluate, type Evaluation, type RefineContext } from './context';

/** Replace [start, end) of a file's text with newText. */
export interface TextEdit {
  start: number;
  end: number;
  newText: string;
}

export function applyEdit(text: string, e: TextEdit): string {
  return text.slice(0, e.start) + e.newText + text.slice(e.end);
}

const zero = { start: 0, end: 0 };

export function numberExpr(v: number): A.Expr {
  if (v < 0) return { kind: 'unary', op: '-', arg: numberExpr(-v), ...zero };
  return { kind: 'number', value: v, text: String(v), ...zero };
}

export function boolExpr(v: boolean): A.Expr {
  return { kind: 'bool', value: v, ...zero };
}

export function binary(op: A.BinaryOp, left: A.Expr, right: A.Expr): A.Expr {
  return { kind: 'binary', op, left, right, opSpan: zero, ...zero };
}

/** The value of a number literal (or a negated one), through parentheses. */
export function literalValue(e: A.Expr): number | undefined {
  const u = A.unparen(e);
  if (u.kind === 'number') return u.value;
  if (u.kind === 'unary' && u.op === '-') {
    const v = literalValue(u.arg);
    return v === undefined ? undefined : -v;
  }
  return undefined;
}

const compareOps: A.CompareOp[] = ['<', '<=', '>', '>=', '==', '!='];

export function isCompare(e: A.Expr): e is A.BinaryExpr & { op: A.CompareOp } {
  return e.kind === 'binary' && (compareOps as string[]).includes(e.op);
}

/** `t op x` read as `x op' t`. */
const flipOp: Record<A.CompareOp, A.CompareOp> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '==': '==', '!=': '!=' };

/** A comparison of an expression with a number: `x >= 35` or `35 <= x`, as `x >= 35`. */
export interface Threshold {
  cmp: A.BinaryExpr;
  /** The compared expression. */
  subject: A.Expr;
  op: A.CompareOp;
  value: number;
  /** The literal is on the left. */
  flipped: boolean;
}

export function thresholdOf(e: A.Expr): Threshold | undefined {
  if (!isCompare(e)) return undefined;
  const r = literalValue(e.right);
  const l = literalValue(e.left);
  if (r !== undefined && l === undefined) return { cmp: e, subject: e.left, op: e.op, value: r, flipped: false };
  if (l !== undefined && r === undefined) return { cmp: e, subject: e.right, op: flipOp[e.op], value: l, flipped: true };
  return undefined;
}

/** The comparison with its number changed to v, on the side where it was. */
export function withThreshold(t: Threshold, v: number): A.Expr {
  return t.flipped ? binary(t.cmp.op, numberExpr(v), t.cmp.right) : binary(t.cmp.op, t.cmp.left, numberExpr(v));
}

/** Operands of a chain of `op` (through parentheses), left to right; the nodes themselves are kept. */
export function chain(e: A.Expr, op: 'and' | 'or'): A.Expr[] {
  const u = A.unparen(e);
  if (u.kind === 'binary' && u.op === op) return [...chain(u.left, op), ...chain(u.right, op)];
  return [e];
}

/** Joins expressions with `op` (left-associative). */
export function join(parts: A.Expr[], op: 'and' | 'or'): A.Expr {
  return parts.reduce((acc, p) => binary(op, acc, p));
}

/** Whether `target` sits inside a function call's argument in `root` (its value is read at other points). */
export function insideCall(root: A.Expr, target: A.Expr): boolean {
  let found = false;
  const visit = (e: A.Expr, inCall: boolean) => {
    if (e === target) found ||= inCall;
    switch (e.kind) {
      case 'unary':
        return visit(e.arg, inCall);
      case 'binary':
        visit(e.left, inCall);
        return visit(e.right, inCall);
      case 'paren':
        return visit(e.expr, inCall);
      case 'call':
        for (const a of e.args) visit(a.value, true);
    }
  };
  visit(root, false);
  return found;
}

/** Source text of a node, collapsed to one line. */
export function sourceOf(text: string, e: A.Span): string {
  return text.slice(e.start, e.end).replace(/\s+/g, ' ').trim();
}

/** Shortened for titles. */
export function short(s: string, max = 48): string {
  return s.length <= max ? s : s.slice(0, max - 3) + '...';
}

/**
 * The rule's source with one sub-expression replaced: the rest keeps its layout and comments.
 * The replacement is parenthesised when its place needs it.
 */
export function spliceRule(text: string, rule: A.RuleDecl, target: A.Expr, by: A.Expr): string {
  let parent: A.Expr | undefined;
  A.walkExpr(rule.expr, (e, p) => {
    if (e === target) parent = p;
  });
  const printed = printExpr(by);
  const inner = precedence(by) < requiredPrecedence(parent, target) ? `(${printed})` : printed;
  return text.slice(rule.start, target.start) + inner + text.slice(target.end, rule.end);
}

/** The edit replacing a whole rule declaration. */
export function ruleEdit(rule: A.RuleDecl, newText: string): TextEdit {
  return { start: rule.start, end: rule.end, newText };
}

export type Checked = { ok: true; ev: Evaluation; ruleText: string; edit: TextEdit } | { ok: false; errors: string[] };

function declLabel(d: A.Decl): string {
  const name = d.kind === 'dataset' || d.kind === 'test' ? (d.kind === 'test' ? d.title?.value : d.path?.value) : d.name?.name;
  return `\`${d.kind}${name ? ` ${short(name, 40)}` : ''}\``;
}

/**
 * Whether an edit left the rest of the file alone: the file after it, read whole, must hold the
 * new declaration `declText` (as read on its own, without a trailing comment) at `at`, and every other declaration of the file before it,
 * with the same text, in the same order (a trailing `#` comment must not swallow the next one on
 * its line). `replaced` is where the declaration the edit replaced started, if any. Returns what
 * went wrong.
 */
export function otherDeclarationsKept(beforeText: string, afterText: string, at: number, declText: string, replaced?: number): string[] {
  const before = parse(beforeText).file.decls.filter((d) => d.start !== replaced);
  const afterDecls = parse(afterText).file.decls;
  const own = afterDecls.find((d) => d.start === at);
  const after = afterDecls.filter((d) => d !== own);
  const text = (t: string, d: A.Decl) => t.slice(d.start, d.end);
  const wrong: string[] = [];
  if (!own || text(afterText, own) !== declText) wrong.push('In the file, the new text does not read as the declaration proposed.');
  const left = after.map((d) => text(afterText, d));
  let k = 0;
  for (const d of before) {
    const i = left.indexOf(text(beforeText, d), k);
    if (i < 0) wrong.push(`It would change or remove ${declLabel(d)}, elsewhere in the file: leave the rest of the file as it is (a trailing \`#\` comment hides what follows it on its line).`);
    else k = i + 1;
  }
  if (!wrong.length && after.length !== before.length) wrong.push('It would add declarations to the file.');
  return wrong;
}

/** Reads a proposed text as exactly one rule declaration; the parse errors otherwise. */
function parseOneRule(proposed: string): { ok: true; ruleText: string; decl: A.RuleDecl; where: (offset: number) => string } | { ok: false; errors: string[] } {
  const ruleText = proposed.trim();
  const own = parse(ruleText);
  const at = new LineIndex(ruleText);
  const where = (o: number) => {
    const p = at.position(o);
    return `${p.line + 1}:${p.character + 1}`;
  };
  const syntax = own.issues.filter((i) => i.severity === 'error').map((i) => `${where(i.start)}: ${i.message}`);
  if (syntax.length) return { ok: false, errors: syntax };
  const decls = own.file.decls;
  if (decls.length !== 1 || decls[0].kind !== 'rule') {
    return { ok: false, errors: [`Expected exactly one \`rule\` declaration, found ${decls.map((d) => `\`${d.kind}\``).join(', ') || 'nothing'}.`] };
  }
  return { ok: true, ruleText, decl: decls[0] as A.RuleDecl, where };
}

/**
 * Reads a proposed rule declaration as a user's edit: it must parse on its own as exactly one
 * `rule` named `name`, and the file with it in place of the old rule must check without new errors.
 * Errors come back as `line:col: message` relative to the proposed text.
 */
export function checkRuleText(ctx: RefineContext, base: Evaluation, name: string, proposed: string): Checked {
  const one = parseOneRule(proposed);
  if (!one.ok) return one;
  const { ruleText, decl, where } = one;
  if (decl.name?.name !== name) return { ok: false, errors: [`The rule must keep its name \`${name}\`, not \`${decl.name?.name ?? ''}\`.`] };
  const old = base.rule(name);
  if (!old) return { ok: false, errors: [`No rule \`${name}\` in the file.`] };
  const edit = ruleEdit(old, ruleText);
  const changed = otherDeclarationsKept(base.text, applyEdit(base.text, edit), edit.start, ruleText.slice(decl.start, decl.end), old.start);
  if (changed.length) return { ok: false, errors: changed };
  const ev = evaluate(ctx, applyEdit(base.text, edit));
  const span = { start: edit.start, end: edit.start + ruleText.length };
  const inRule = ev.errors.filter((i) => i.start >= span.start && i.end <= span.end);
  const elsewhere = ev.errors.length - inRule.length;
  if (inRule.length) return { ok: false, errors: inRule.map((i) => `${where(i.start - span.start)}: ${i.message}`) };
  if (elsewhere > base.errors.length) return { ok: false, errors: ['This version breaks other declarations of the file.'] };
  const compiled = ev.program.rules.find((r) => r.name === name);
  if (!compiled?.node) return { ok: false, errors: ['This rule cannot be evaluated.'] };
  return { ok: true, ev, ruleText, edit };
}

/** Names declared by rules, excludes and lets of a parsed file. */
export function declaredNames(file: A.ArlFile): Set<string> {
  return new Set([...file.rules, ...file.excludes, ...file.lets].flatMap((d) => (d.name ? [d.name.name] : [])));
}

export type CheckedAddition = { ok: true; ev: Evaluation; ruleText: string; name: string } | { ok: false; errors: string[] };

/**
 * Reads a proposed new rule: it must parse on its own as exactly one `rule` with a name the file
 * does not use yet, and the file with it appended must check without errors in it.
 */
export function checkAddedRule(ctx: RefineContext, base: Evaluation, proposed: string): CheckedAddition {
  const one = parseOneRule(proposed);
  if (!one.ok) return one;
  const { ruleText, decl, where } = one;
  const name = decl.name!.name;
  if (declaredNames(base.parse.file).has(name)) return { ok: false, errors: [`The file already has a declaration named \`${name}\`: choose a new name.`] };
  const sep = base.text.endsWith('\n') ? '\n' : '\n\n';
  const start = base.text.length + sep.length;
  const changed = otherDeclarationsKept(base.text, base.text + sep + ruleText + '\n', start, ruleText.slice(decl.start, decl.end));
  if (changed.length) return { ok: false, errors: changed };
  const ev = evaluate(ctx, base.text + sep + ruleText + '\n');
  const inRule = ev.errors.filter((i) => i.start >= start);
  if (inRule.length) return { ok: false, errors: inRule.map((i) => `${where(i.start - start)}: ${i.message}`) };
  if (ev.errors.length > base.errors.length) return { ok: false, errors: ['This rule breaks other declarations of the file.'] };
  if (!ev.program.rules.find((r) => r.name === name)?.node) return { ok: false, errors: ['This rule cannot be evaluated.'] };
  return { ok: true, ev, ruleText, name };
}
