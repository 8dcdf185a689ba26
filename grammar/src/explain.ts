// Rules in plain English, for hover and for people reading a rule they did not write.
import type { Expr, RuleDecl, ExcludeDecl } from './ast';

const cmpWords: Record<string, string> = {
  '>=': 'is at least',
  '>': 'is above',
  '<=': 'is at most',
  '<': 'is below',
  '==': 'equals',
  '!=': 'differs from',
};
const arithWords: Record<string, string> = { '+': 'plus', '-': 'minus', '*': 'times', '/': 'divided by' };

function num(e: Expr): string {
  switch (e.kind) {
    case 'number':
      return e.text;
    case 'name':
      return `\`${e.name}\``;
    case 'paren':
      return num(e.expr);
    case 'unary':
      return e.op === '-' ? `minus ${num(e.arg)}` : `not ${cond(e.arg)}`;
    case 'binary':
      return `${num(e.left)} ${arithWords[e.op] ?? e.op} ${num(e.right)}`;
    case 'call':
      return call(e);
    case 'string':
      return JSON.stringify(e.value);
    case 'list':
      return `each of ${e.items.map(num).join(', ')}`;
    default:
      return '…';
  }
}

/** Conditions or values of a function over several columns, in parentheses. */
function across(args: Expr[], each: (e: Expr) => string): string {
  return `(${args.map(each).join('; ')})`;
}

function call(e: Extract<Expr, { kind: 'call' }>): string {
  const pos = e.args.filter((a) => !a.name).map((a) => a.value);
  const named = new Map(e.args.filter((a) => a.name).map((a) => [a.name!.name, a.value]));
  // Each argument is put in words at most once (lazily): nested calls would otherwise be
  // explained again at every level, exponentially.
  const words = new Map<number, string>();
  const n = (i: number, d?: string) => {
    if (!pos[i]) return d ?? '…';
    let w = words.get(i);
    if (w === undefined) words.set(i, (w = num(pos[i])));
    return w;
  };
  const offset = named.get('offset');
  const back = offset && !(offset.kind === 'number' && offset.value === 0) ? `, ending ${num(offset)} points before now` : '';
  const minCount = named.get('min_count');
  const partial = minCount ? ` (from ${num(minCount)} values on)` : '';
  const w = pos[1];
  const all = w && w.kind === 'name' && w.name === 'all';
  const over = () => (all ? `over all points so far${back}` : `over the last ${n(1)} points${back}`);
  const before = () => (all ? 'all earlier points' : `the previous ${n(1)} points`);
  const win = (what: string) => `the ${what} of ${n(0)} ${over()}${partial}`;
  switch (e.callee.name) {
    case 'lag':
      return `${n(0)} ${n(1, '1')} point${n(1, '1') === '1' ? '' : 's'} earlier`;
    case 'diff':
      return `the change in ${n(0)} since ${n(1, '1')} point(s) earlier`;
    case 'pct_change':
      return `the percent change in ${n(0)} since ${n(1, '1')} point(s) earlier`;
    case 'mean':
    case 'median':
    case 'min':
    case 'max':
    case 'sum':
      return win(e.callee.name === 'min' ? 'minimum' : e.callee.name === 'max' ? 'maximum' : e.callee.name);
    case 'std':
      return win('standard deviation');
    case 'count':
      if (pos[0]?.kind === 'bool' && pos[0].value) return `the number of points ${over()}${partial}`;
      return pos[0] && isCondition(pos[0]) ? `the number of points where ${cond(pos[0])} ${over()}${partial}` : `the number of points where ${n(0)} has a value ${over()}${partial}`;
    case 'quantile':
      return `the ${n(2)} quantile of ${n(0)} ${over()}${partial}`;
    case 'slope':
      return win('trend (slope per point)');
    case 'zero_rate':
      return win('share of zeros');
    case 'ewma':
      return `the exponentially weighted mean of ${n(0)}`;
    case 'zscore':
      return `how many standard deviations ${n(0)} is from its mean over ${before()}${partial}`;
    case 'robust_z':
      return `how far ${n(0)} is from its median over ${before()}${partial}, in MADs`;
    case 'rank':
      return `where ${n(0)} ranks among ${before()}${partial} (0 below all, 1 above all)`;
    case 'ever':
      return `${pos[0] ? cond(pos[0]) : '…'} at some point so far`;
    case 'since':
      return `the number of points since ${pos[0] ? cond(pos[0]) : '…'} last held`;
    case 'before':
      return `${pos[1] ? cond(pos[1]) : '…'}, after ${pos[0] ? cond(pos[0]) : '…'} at an earlier point`;
    case 'first':
      return `the first value of ${n(0)}`;
    case 'last':
      return `the latest value of ${n(0)}`;
    case 'columns':
      return `each column matching ${n(0)}`;
    case 'any':
      return `any of ${across(pos, cond)} holds`;
    case 'all':
      return `all of ${across(pos, cond)} hold`;
    case 'count_true':
      return `how many of ${across(pos, cond)} hold`;
    case 'max_of':
    case 'min_of':
    case 'mean_of':
    case 'sum_of':
      return `the ${{ max_of: 'largest', min_of: 'smallest', mean_of: 'mean', sum_of: 'sum' }[e.callee.name]} of ${across(pos, num)}`;
    case 'rising':
      return `${n(0)} has risen for ${n(1)} points in a row`;
    case 'falling':
      return `${n(0)} has fallen for ${n(1)} points in a row`;
    case 'persist':
      return `(${pos[0] ? cond(pos[0]) : '…'}) for ${n(1)} points in a row`;
    case 'abs':
      return `the absolute value of ${n(0)}`;
    default:
      return `${e.callee.name}(${pos.map((_, i) => n(i)).join(', ')})`;
  }
}

/** Whether an expression reads as a condition (for `count`, which takes both). */
function isCondition(e: Expr): boolean {
  const u = e.kind === 'paren' ? e.expr : e;
  return u.kind === 'bool' || (u.kind === 'unary' && u.op === 'not') || (u.kind === 'binary' && !(u.op in arithWords)) || (u.kind === 'call' && ['rising', 'falling', 'persist', 'is_missing', 'ever', 'before', 'any', 'all'].includes(u.callee.name));
}

function cond(e: Expr): string {
  switch (e.kind) {
    case 'paren':
      return cond(e.expr);
    case 'bool':
      return e.value ? 'always' : 'never';
    case 'unary':
      return e.op === 'not' ? `it is not the case that ${cond(e.arg)}` : num(e);
    case 'binary':
      if (e.op === 'and' || e.op === 'or') {
        const l = e.left.kind === 'binary' && e.left.op !== e.op && (e.left.op === 'and' || e.left.op === 'or') ? `(${cond(e.left)})` : cond(e.left);
        const r = e.right.kind === 'paren' || (e.right.kind === 'binary' && e.right.op !== e.op && (e.right.op === 'and' || e.right.op === 'or')) ? `(${cond(e.right)})` : cond(e.right);
        return `${l} ${e.op} ${r}`;
      }
      if (e.op === 'in' || e.op === 'not in') {
        const items = e.right.kind === 'list' ? e.right.items.map(num).join(', ') : num(e.right);
        return `${num(e.left)} is ${e.op === 'in' ? '' : 'not '}one of ${items}`;
      }
      if (cmpWords[e.op] && (e.left.kind === 'string' || e.right.kind === 'string')) return `${num(e.left)} ${e.op === '==' ? 'is' : 'is not'} ${num(e.right)}`;
      if (cmpWords[e.op]) return `${num(e.left)} ${cmpWords[e.op]} ${num(e.right)}`;
      return num(e);
    case 'call':
      return call(e);
    case 'name':
      return `\`${e.name}\` holds`;
    default:
      return num(e);
  }
}

/** "Flags a point when `oos_ratio` is at least 80 or ..." */
export function explainDecl(d: RuleDecl | ExcludeDecl): string {
  if (!d.expr) return '';
  const what = d.kind === 'rule' ? 'Flags a point as an anomaly when' : 'Never flags a point when';
  return `${what} ${cond(d.expr)}.`;
}

export function explainExpr(e: Expr): string {
  return cond(e);
}
