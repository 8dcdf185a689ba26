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
    default:
      return '…';
  }
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
  const back = () => (offset && !(offset.kind === 'number' && offset.value === 0) ? `, ending ${num(offset)} points before now` : '');
  const win = (what: string) => `the ${what} of ${n(0)} over the last ${n(1)} points${back()}`;
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
      return `the number of points where ${n(0)} has a value over the last ${n(1)} points${back()}`;
    case 'quantile':
      return `the ${n(2)} quantile of ${n(0)} over the last ${n(1)} points${back()}`;
    case 'slope':
      return win('trend (slope per point)');
    case 'zero_rate':
      return win('share of zeros');
    case 'ewma':
      return `the exponentially weighted mean of ${n(0)}`;
    case 'zscore':
      return `how many standard deviations ${n(0)} is from its mean over the previous ${n(1)} points`;
    case 'robust_z':
      return `how far ${n(0)} is from its median over the previous ${n(1)} points, in MADs`;
    case 'rising':
      return `${n(0)} has risen for ${n(1)} points in a row`;
    case 'falling':
      return `${n(0)} has fallen for ${n(1)} points in a row`;
    case 'persist':
      return `(${pos[0] ? cond(pos[0]) : '…'}) for ${n(1)} points in a row`;
    case 'abs':
      return `the absolute value of ${n(0)}`;
    default:
      return `${e.callee.name}(${pos.map(num).join(', ')})`;
  }
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
