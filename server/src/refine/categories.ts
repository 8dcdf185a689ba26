// Categories of rules (the seed's augmentation stage): a title, a one-line description and an
// optional group per rule, from an LLM reading the rules and how they fire, or offline from the
// conditions. Applying them rewrites rule headers (title and `category "..."`) and the comment
// line above each rule, and nothing else: the text is parsed again and refused if any condition,
// let or exclude would change. Nothing an LLM writes is run.
import type { Analysis } from '../engine/analyze';
import type * as A from '../../../grammar/src/ast';
import { parse } from '../../../grammar/src/parse';
import { printExpr } from '../../../grammar/src/print';
import { TRUE } from '../engine/kernels';

export interface CategoryProposal {
  rule: string;
  title: string;
  description: string;
  group?: string;
}

export interface RuleFiring {
  rule: string;
  title?: string;
  category?: string;
  severity: string;
  condition: string;
  /** Flagged points per split, and true / false positives on train. */
  fires: { train: number; validation: number; test: number; all: number };
  trainTp: number;
  trainFp: number;
}

const splitNames = ['train', 'validation', 'test'] as const;

/** How each rule fires, per split (train true and false positives where labelled). */
export function firingStats(a: Analysis): RuleFiring[] {
  const data = a.data;
  const splitOf = data?.scoring(a.shares).splits.of;
  const label = data?.frame.label;
  return a.program.rules.map((r, k) => {
    const flags = a.ruleFlags[k].flags;
    const fires = { train: 0, validation: 0, test: 0, all: 0 };
    let trainTp = 0;
    let trainFp = 0;
    if (flags && splitOf) {
      for (let i = 0; i < flags.length; i++) {
        if (flags[i] !== TRUE) continue;
        fires.all++;
        const s = splitOf[i];
        if (s <= 2) fires[splitNames[s]]++;
        if (s === 0 && label && label[i] === label[i]) (label[i] === 1 ? trainTp++ : trainFp++);
      }
    }
    const d = r.decl as A.RuleDecl;
    return { rule: r.name, title: r.title, category: r.category, severity: r.severity, condition: d.expr ? printExpr(d.expr) : '', fires, trainTp, trainFp };
  });
}

// The offline namer.

type Kind = 'Spikes' | 'Drops' | 'Trends' | 'Events' | 'Other';

function words(name: string): string {
  return name.replace(/_/g, ' ');
}

/** What a comparison looks at and which way, from its left side (lets followed). */
function describe(e: A.Expr, lets: Map<string, A.Expr>, depth = 0): { text: string; kind: Kind; column?: string } | undefined {
  if (depth > 8) return undefined;
  if (e.kind === 'paren') return describe(e.expr, lets, depth + 1);
  if (e.kind === 'binary' && (e.op === 'and' || e.op === 'or')) return describe(e.left, lets, depth + 1) ?? describe(e.right, lets, depth + 1);
  if (e.kind === 'unary' && e.op === 'not') return describe(e.arg, lets, depth + 1);
  if (e.kind === 'call' && ['rising', 'falling', 'persist'].includes(e.callee.name)) {
    const col = subject(e.args[0]?.value, lets, depth)?.column;
    return { text: `${col ? words(col) : 'value'} ${e.callee.name === 'persist' ? 'persisting' : e.callee.name}`, kind: 'Trends', column: col };
  }
  if (e.kind === 'call' && ['ever', 'since', 'before', 'count'].includes(e.callee.name)) {
    const inner = e.args[e.callee.name === 'before' ? 1 : 0]?.value;
    return inner ? describe(inner, lets, depth + 1) : undefined;
  }
  if (e.kind !== 'binary') return undefined;
  if (e.op === '==' || e.op === 'in' || e.op === '!=' || e.op === 'not in') {
    const col = subject(e.left, lets, depth)?.column;
    const value = e.right.kind === 'string' ? e.right.value : e.right.kind === 'list' ? e.right.items.map((x) => (x.kind === 'string' ? x.value : '')).filter(Boolean).join(' or ') : '';
    return { text: `${col ? words(col) : 'event'} ${e.op.startsWith('not') || e.op === '!=' ? 'not ' : ''}${value}`.trim(), kind: 'Events', column: col };
  }
  const up = e.op === '>' || e.op === '>=';
  const down = e.op === '<' || e.op === '<=';
  if (!up && !down) return undefined;
  // `c < x` reads as `x > c`.
  const constLeft = e.left.kind === 'number';
  const side = constLeft ? e.right : e.left;
  const high = constLeft ? down : up;
  const s = subject(side, lets, depth);
  if (!s) return undefined;
  const col = s.column ? words(s.column) : 'value';
  const text =
    s.how === 'baseline'
      ? `${col} far ${high ? 'above' : 'below'} its history`
      : s.how === 'change'
        ? `${col} ${high ? 'jumping' : 'falling'}`
        : s.how === 'trend'
          ? `${col} ${high ? 'climbing' : 'sinking'}`
          : `${high ? 'high' : 'low'} ${col}`;
  return { text, kind: s.how === 'trend' ? 'Trends' : high ? 'Spikes' : 'Drops', column: s.column };
}

function subject(e: A.Expr | undefined, lets: Map<string, A.Expr>, depth: number): { column?: string; how: 'level' | 'baseline' | 'change' | 'trend' } | undefined {
  if (!e || depth > 8) return undefined;
  if (e.kind === 'paren') return subject(e.expr, lets, depth + 1);
  if (e.kind === 'name') {
    const l = lets.get(e.name);
    return l ? subject(l, lets, depth + 1) : { column: e.name, how: 'level' };
  }
  if (e.kind === 'call') {
    const inner = subject(e.args[0]?.value, lets, depth + 1);
    const f = e.callee.name;
    if (['zscore', 'robust_z', 'rank'].includes(f)) return { column: inner?.column, how: 'baseline' };
    if (['pct_change', 'diff'].includes(f)) return { column: inner?.column, how: 'change' };
    if (['slope', 'ewma'].includes(f)) return { column: inner?.column, how: f === 'slope' ? 'trend' : 'level' };
    return inner ? { column: inner.column, how: inner.how } : undefined;
  }
  if (e.kind === 'binary' && e.op === '/') {
    const l = subject(e.left, lets, depth + 1);
    const r = e.right.kind === 'call' && e.right.callee.name === 'lag' ? 'change' : undefined;
    return l ? { column: l.column, how: r ?? (e.right.kind === 'call' ? 'baseline' : l.how) } : undefined;
  }
  if (e.kind === 'binary' && (e.op === '-' || e.op === '+' || e.op === '*')) return subject(e.left, lets, depth + 1) ?? subject(e.right, lets, depth + 1);
  return undefined;
}

/** The top-level conditions of a rule (its `and` parts, or the first branch of an `or`). */
function parts(e: A.Expr | undefined, depth = 0): A.Expr[] {
  if (!e || depth > 20) return [];
  if (e.kind === 'paren') return parts(e.expr, depth + 1);
  if (e.kind === 'binary' && e.op === 'and') return [...parts(e.left, depth + 1), ...parts(e.right, depth + 1)];
  if (e.kind === 'binary' && e.op === 'or') return parts(e.left, depth + 1);
  return [e];
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Titles, descriptions and groups from the conditions alone: the same file always gets the same names. */
export function offlineCategories(a: Analysis): CategoryProposal[] {
  const f = a.parse.file;
  const lets = new Map(f.lets.flatMap((l) => (l.name && l.expr ? [[l.name.name, l.expr] as const] : [])));
  const stats = firingStats(a);
  return f.rules.flatMap((d, k) => {
    if (!d.name || !d.expr) return [];
    const found = parts(d.expr).flatMap((p) => describe(p, lets) ?? []);
    const first = found[0] ?? describe(d.expr, lets);
    const title = cap(found.slice(0, 2).map((x) => x.text).join(' and ') || words(d.name.name));
    const s = stats[k];
    const rate = s && s.trainTp + s.trainFp ? ` ${Math.round((100 * s.trainTp) / (s.trainTp + s.trainFp))}% of its labelled alerts on train are anomalies.` : '';
    const description = `Flags ${title.charAt(0).toLowerCase() + title.slice(1)}${first?.kind === 'Events' ? ' events' : ''}.${rate}`;
    const group = first ? `${first.kind}${first.column ? ` in ${words(first.column)}` : ''}` : undefined;
    return [{ rule: d.name.name, title, description, group }];
  });
}

// Checking and applying.

/** One line of plain text, at most `max` characters: control characters and line breaks become spaces. */
function clean(s: unknown, max: number): string {
  return typeof s === 'string' ? s.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim().slice(0, max) : '';
}

/** Proposals read from untrusted input: known rules only, one each, short single-line text. */
export function validateCategories(input: unknown, rules: string[]): { ok: CategoryProposal[]; problems: string[] } {
  const problems: string[] = [];
  const ok: CategoryProposal[] = [];
  if (!Array.isArray(input)) return { ok, problems: ['`categories` must be a list'] };
  for (const x of input) {
    const o = (x ?? {}) as Record<string, unknown>;
    const rule = typeof o.rule === 'string' ? o.rule : '';
    if (!rules.includes(rule)) problems.push(`no rule \`${clean(rule, 40)}\` in the file`);
    else if (ok.some((p) => p.rule === rule)) problems.push(`\`${rule}\` named twice`);
    else {
      const title = clean(o.title, 80);
      if (!title) problems.push(`\`${rule}\` has no title`);
      else ok.push({ rule, title, description: clean(o.description, 160), group: clean(o.group, 60) || undefined });
    }
  }
  return { ok, problems };
}

/** The rules' conditions, lets and excludes as text: what applying categories must leave alone. */
function logic(text: string): string[] {
  const f = parse(text).file;
  return [
    ...f.lets.map((l) => `let ${l.name?.name} = ${l.expr ? printExpr(l.expr) : ''}`),
    ...f.rules.map((r) => `rule ${r.name?.name} ${r.severity?.name ?? ''} when ${r.expr ? printExpr(r.expr) : ''}`),
    ...f.excludes.map((e) => `exclude ${e.name?.name} when ${e.expr ? printExpr(e.expr) : ''}`),
    ...f.tests.map((t) => text.slice(t.start, t.end)),
  ];
}

/**
 * The file with the proposals applied: each rule's header gets its title and `category` clause,
 * and the line above it the description as a comment (replacing a comment ARL wrote there before,
 * which starts `# category:`). Throws when anything but headers and those comments would change.
 */
export function applyCategories(text: string, proposals: CategoryProposal[]): string {
  const parsed = parse(text);
  if (parsed.issues.some((i) => i.severity === 'error')) throw new Error('The file has syntax errors: fix them before adding categories.');
  const edits: { start: number; end: number; text: string }[] = [];
  for (const p of proposals) {
    const d = parsed.file.rules.find((r) => r.name?.name === p.rule);
    if (!d?.name || !d.when) continue;
    const header = [JSON.stringify(p.title), d.severity ? `severity ${d.severity.name}` : '', p.group ? `category ${JSON.stringify(p.group)}` : ''].filter(Boolean).join(' ');
    edits.push({ start: d.name.end, end: d.when.start, text: ` ${header} ` });
    const lineStart = text.lastIndexOf('\n', d.start - 1) + 1;
    const prevStart = lineStart > 0 ? text.lastIndexOf('\n', lineStart - 2) + 1 : -1;
    const prev = prevStart >= 0 ? text.slice(prevStart, lineStart - 1) : '';
    const indent = text.slice(lineStart, d.start);
    const comment = p.description ? `${indent}# category: ${p.description}\n` : '';
    if (prevStart >= 0 && /^\s*# category: /.test(prev)) edits.push({ start: prevStart, end: lineStart, text: comment });
    else if (comment) edits.push({ start: lineStart, end: lineStart, text: comment });
  }
  edits.sort((x, y) => y.start - x.start);
  let out = text;
  for (const e of edits) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  const before = logic(text);
  const after = logic(out);
  if (before.length !== after.length || before.some((x, k) => x !== after[k]) || parse(out).issues.some((i) => i.severity === 'error')) {
    throw new Error('Applying the categories would change more than titles, categories and their comments; nothing was changed.');
  }
  return out;
}
