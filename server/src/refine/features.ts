// Features: numeric quantities a rule can compare with a threshold. Each is ARL text (a column, a
// let, an expression), compiled against the file so that it shares the engine's feature cache.
import * as A from '../../../grammar/src/ast';
import { writeName } from '../../../grammar/src/lexer';
import { printExpr } from '../../../grammar/src/print';
import type { PlanNode } from '../engine/plan';
import { evaluate, type Evaluation } from './context';
import type { Frame } from '../engine/frame';

export interface Feature {
  /** ARL text: `oos_ratio`, `z`, `zscore(oos_ratio, 52)`. */
  text: string;
  source: 'column' | 'let' | 'expression' | 'derived';
  /** The text, parsed: for building conditions on the feature. */
  expr: A.Expr;
  node: PlanNode;
}

const prefix = '__arl_feature_';

/** Compiles ARL expressions in the context of the file (its lets resolve); those with errors are left out. */
export function compileFeatures(ev: Evaluation, all: { text: string; source: Feature['source'] }[]): Feature[] {
  // The same text once (a file of thousands of rules repeats its calls), the first kept.
  const texts = new Set<string>();
  const items = all.filter((f) => !texts.has(f.text) && texts.add(f.text));
  if (!items.length) return [];
  const extra = items.map((f, k) => `\nlet ${prefix}${k} = ${f.text}`).join('');
  const withLets = evaluate(ev.ctx, ev.text + extra);
  const out: Feature[] = [];
  const seen = new Set<string>();
  items.forEach((f, k) => {
    const node = withLets.program.lets.get(`${prefix}${k}`);
    const expr = withLets.check.lets.get(`${prefix}${k}`)?.expr;
    if (!node || !expr || node.kind !== 'number' || seen.has(node.key)) return;
    seen.add(node.key);
    out.push({ ...f, expr, node });
  });
  return out;
}

/** Numeric dataset columns other than the series, time and label columns. */
export function featureColumns(ev: Evaluation): string[] {
  const roles = new Set(Object.values(ev.ctx.roles));
  return [...ev.ctx.data.frame.columns.keys()].filter((c) => !roles.has(c));
}

const fileMemo = new WeakMap<Evaluation, Feature[]>();

/** The file's own vocabulary: numeric columns, number lets, and number-valued calls in rules and excludes. */
export function fileFeatures(ev: Evaluation): Feature[] {
  let f = fileMemo.get(ev);
  if (!f) fileMemo.set(ev, (f = collectFileFeatures(ev)));
  return f;
}

function collectFileFeatures(ev: Evaluation): Feature[] {
  // Raw columns only when their series share a scale (see space.ts): a cut in one series' units
  // means nothing in another's.
  const items: { text: string; source: Feature['source'] }[] = featureColumns(ev)
    .filter((c) => sharedScale(ev.ctx.data.frame, c))
    .map((c) => ({ text: writeName(c), source: 'column' }));
  for (const l of ev.parse.file.lets) {
    if (l.name && l.expr && ev.check.kinds.get(l.expr) === 'number' && !ev.check.broken.has(l)) items.push({ text: writeName(l.name.name), source: 'let' });
  }
  const unshared = new Set(featureColumns(ev).filter((c) => !sharedScale(ev.ctx.data.frame, c)));
  for (const d of [...ev.parse.file.rules, ...ev.parse.file.excludes]) {
    if (ev.check.broken.has(d)) continue;
    A.walkExpr(d.expr, (e) => {
      // Not counts of a condition (a hold): their value is how often the rule's own part held.
      const ofCondition = e.kind === 'call' && e.callee.name === 'count' && e.args[0] && ev.check.kinds.get(e.args[0].value) === 'boolean';
      // Nor a column's units by another name (`mean(x, 20)` of a column whose series differ in scale).
      if (e.kind === 'call' && ev.check.kinds.get(e) === 'number' && !ofCondition && !inUnitsOf(e, unshared)) items.push({ text: printExpr(e), source: 'expression' });
    });
  }
  return compileFeatures(ev, items);
}

/** Calls whose value is in the units of their arguments. */
const keepsUnits = new Set(['mean', 'median', 'min', 'max', 'sum', 'std', 'quantile', 'lag', 'diff', 'ewma', 'slope', 'least', 'greatest', 'coalesce', 'default', 'first', 'last', 'abs']);

/** Whether a call's value is in the units of one of `columns` (a level, not a standard score). */
function inUnitsOf(e: A.Expr, columns: Set<string>): boolean {
  if (e.kind === 'name') return columns.has(e.name);
  if (e.kind === 'paren') return inUnitsOf(e.expr, columns);
  if (e.kind === 'unary') return inUnitsOf(e.arg, columns);
  if (e.kind === 'binary' && (e.op === '+' || e.op === '-')) return inUnitsOf(e.left, columns) || inUnitsOf(e.right, columns);
  if (e.kind === 'call') return keepsUnits.has(e.callee.name) && e.args.some((a) => inUnitsOf(a.value, columns));
  return false;
}

/** Whether a plan node is a standard score (zscore, robust_z, their absolute values and group summaries), whose cuts are bounded. */
export function isStandardScore(n: PlanNode): boolean {
  if (n.op === 'neg') return isStandardScore(n.args[0]);
  if (n.op !== 'call') return false;
  if (n.fn === 'zscore' || n.fn === 'robust_z') return true;
  return (n.fn === 'abs' || n.fn === 'max_of' || n.fn === 'min_of' || n.fn === 'mean_of') && n.args.length > 0 && n.args.every(isStandardScore);
}

/** Standard derived features of each numeric column, the statistics drafting starts from. */
export function derivedFeatures(ev: Evaluation): Feature[] {
  const maxLen = ev.ctx.schema.maxSeriesLength;
  const items: { text: string; source: Feature['source'] }[] = [];
  for (const col of featureColumns(ev)) {
    const c = writeName(col);
    const w = Math.min(52, maxLen - 1);
    items.push({ text: c, source: 'column' });
    if (w >= 3) items.push({ text: `zscore(${c}, ${w})`, source: 'derived' });
    if (maxLen > 5) items.push({ text: `median(${c}, 4, offset = 1)`, source: 'derived' });
    if (maxLen > 2) items.push({ text: `${c} / lag(${c}, 1)`, source: 'derived' }, { text: `diff(${c}, 1)`, source: 'derived' });
    if (maxLen > 9) items.push({ text: `zero_rate(${c}, 8, offset = 1)`, source: 'derived' });
    if (maxLen > 4) items.push({ text: `slope(${c}, 4)`, source: 'derived' });
  }
  for (const l of ev.parse.file.lets) {
    if (l.name && l.expr && ev.check.kinds.get(l.expr) === 'number' && !ev.check.broken.has(l)) items.push({ text: writeName(l.name.name), source: 'let' });
  }
  return compileFeatures(ev, items);
}

/** A number node's values at the labelled train points. */
export function trainValues(ev: Evaluation, node: PlanNode): Float64Array {
  const v = ev.at(node, 'train');
  const n = ev.index('train').labelled.length;
  return typeof v === 'number' ? new Float64Array(n).fill(v) : (v as Float64Array);
}

/**
 * Whether a column's series share a scale: the spread of the series' medians (10th to 90th
 * percentile) is no wider than a typical series' own spread. One series always does. Up to 500
 * series are looked at.
 */
export function sharedScale(frame: Frame, col: string): boolean {
  const x = frame.columns.get(col);
  const n = frame.seriesIds.length;
  if (!x || n < 2) return true;
  const q = (v: number[], p: number) => v[Math.min(v.length - 1, Math.floor(p * (v.length - 1)))];
  const medians: number[] = [];
  const spreads: number[] = [];
  const step = Math.max(1, Math.floor(n / 500));
  for (let s = 0; s < n; s += step) {
    const v: number[] = [];
    for (let i = frame.seriesStart[s]; i < frame.seriesStart[s + 1]; i++) if (x[i] === x[i]) v.push(x[i]);
    if (v.length < 5) continue;
    v.sort((a, b) => a - b);
    medians.push(q(v, 0.5));
    spreads.push(q(v, 0.9) - q(v, 0.1));
  }
  if (medians.length < 2) return true;
  medians.sort((a, b) => a - b);
  spreads.sort((a, b) => a - b);
  return q(medians, 0.9) - q(medians, 0.1) <= q(spreads, 0.5);
}
