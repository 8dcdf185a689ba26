// The function catalog: signatures, kinds and documentation. Backends implement these by name.
import { limits } from './limits';

export type Kind = 'number' | 'boolean';

export interface ParamSpec {
  name: string;
  kind: Kind | 'any';
  /** The argument must be a literal: a whole number (windows, lags) or any number. */
  constant?: 'int' | 'number';
  min?: number;
  max?: number;
  /** Optional parameters have a default. */
  default?: number;
  doc: string;
}

export interface FunctionSpec {
  name: string;
  params: ParamSpec[];
  /** The last parameter repeats (least, greatest). */
  variadic?: boolean;
  returns: Kind;
  /** Earlier points the function needs before its first value, given its constant arguments. */
  history: (c: Record<string, number>) => number;
  summary: string;
  example: string;
}

const x: ParamSpec = { name: 'x', kind: 'number', doc: 'the values (a column, a let or any number expression)' };
const w: ParamSpec = { name: 'w', kind: 'number', constant: 'int', min: 1, max: limits.window, doc: 'window length in points' };
const k: ParamSpec = { name: 'k', kind: 'number', constant: 'int', min: 1, max: limits.window, default: 1, doc: 'how many points back' };
const offset: ParamSpec = {
  name: 'offset',
  kind: 'number',
  constant: 'int',
  min: 0,
  max: limits.window,
  default: 0,
  doc: 'shift the window into the past by this many points (offset = 1: the window ends just before now)',
};

/** Window functions over the `w` points ending `offset` points before now. */
function windowFn(name: string, summary: string, example: string, extra: ParamSpec[] = [], input: ParamSpec = x): FunctionSpec {
  return {
    name,
    params: [input, w, ...extra, offset],
    returns: 'number',
    history: (c) => c.w - 1 + c.offset,
    summary,
    example,
  };
}

/** Now compared with the `w` points before it. */
function baselineFn(name: string, summary: string, example: string): FunctionSpec {
  return { name, params: [x, w, offset], returns: 'number', history: (c) => c.w + c.offset, summary, example };
}

function pointwise(name: string, summary: string, example: string): FunctionSpec {
  return { name, params: [x], returns: 'number', history: () => 0, summary, example };
}

export const functions: FunctionSpec[] = [
  {
    name: 'lag',
    params: [x, k],
    returns: 'number',
    history: (c) => c.k,
    summary: 'The value `k` points before now.',
    example: 'oos_ratio / lag(oos_ratio, 1) > 10',
  },
  {
    name: 'diff',
    params: [x, k],
    returns: 'number',
    history: (c) => c.k,
    summary: 'Now minus the value `k` points before: `x - lag(x, k)`.',
    example: 'diff(oos_ratio) > 20',
  },
  {
    name: 'pct_change',
    params: [x, k],
    returns: 'number',
    history: (c) => c.k,
    summary: 'Relative change from `k` points before, as a fraction: `(x - lag(x, k)) / lag(x, k)`; 0.5 is +50%.',
    example: 'pct_change(units, 1) < -0.5',
  },
  windowFn('mean', 'Mean of the `w` points ending now (or `offset` points before now).', 'mean(oos_ratio, 4, offset = 1) < 3'),
  windowFn('median', 'Median of the window.', 'oos_ratio > 3 * median(oos_ratio, 8, offset = 1)'),
  windowFn('min', 'Smallest value in the window.', 'min(oos_ratio, 3) > 40'),
  windowFn('max', 'Largest value in the window.', 'max(oos_ratio, 6, offset = 1) == 0'),
  windowFn('sum', 'Sum of the window.', 'sum(units, 4) < 10'),
  windowFn('std', 'Sample standard deviation of the window (needs two values).', 'std(oos_ratio, 12) > 15'),
  windowFn(
    'count',
    'For a condition: at how many points of the window it holds. For numbers: how many values are present.',
    'count(oos_ratio > 50, 8) >= 3',
    [],
    { name: 'x', kind: 'any', doc: 'a condition, or number values' },
  ),
  windowFn('quantile', 'The `q` quantile of the window (linear interpolation).', 'oos_ratio > quantile(oos_ratio, 26, 0.9, offset = 1)', [
    { name: 'q', kind: 'number', constant: 'number', min: 0, max: 1, doc: 'the quantile, between 0 and 1' },
  ]),
  windowFn('slope', 'Least-squares slope of the window, per point.', 'slope(oos_ratio, 6) > 5'),
  windowFn('zero_rate', 'Share of the window equal to 0, between 0 and 1.', 'zero_rate(oos_ratio, 8, offset = 1) > 0.7'),
  {
    name: 'ewma',
    params: [x, w, offset],
    returns: 'number',
    history: (c) => c.w - 1 + c.offset,
    summary: 'Exponentially weighted moving average with span `w` (alpha = 2 / (w + 1)); missing for the first `w - 1` points.',
    example: 'oos_ratio > 2 * ewma(oos_ratio, 8, offset = 1)',
  },
  baselineFn('zscore', 'How many standard deviations now is from the mean of the `w` points before it.', 'zscore(oos_ratio, 52) >= 5'),
  baselineFn(
    'robust_z',
    'Like zscore, with the median and the scaled median absolute deviation (1.4826 MAD) of the `w` points before now.',
    'robust_z(oos_ratio, 26) > 6',
  ),
  {
    name: 'rising',
    params: [x, k],
    returns: 'boolean',
    history: (c) => c.k,
    summary: 'True when the value went up at each of the last `k` steps.',
    example: 'rising(oos_ratio, 3) and oos_ratio > 30',
  },
  {
    name: 'falling',
    params: [x, k],
    returns: 'boolean',
    history: (c) => c.k,
    summary: 'True when the value went down at each of the last `k` steps.',
    example: 'falling(units, 4)',
  },
  {
    name: 'persist',
    params: [{ name: 'cond', kind: 'boolean', doc: 'the condition' }, { ...k, default: undefined, doc: 'how many points in a row' }],
    returns: 'boolean',
    history: (c) => c.k - 1,
    summary: 'True when the condition held at each of the last `k` points, now included.',
    example: 'persist(oos_ratio > 50, 3)',
  },
  pointwise('abs', 'Absolute value.', 'abs(zscore(oos_ratio, 26)) > 4'),
  pointwise('log1p', 'Natural logarithm of 1 + x (missing for x <= -1).', 'log1p(units) < 1'),
  pointwise('sqrt', 'Square root (missing for negative x).', 'sqrt(units) > 3'),
  pointwise('log', 'Natural logarithm (missing for x <= 0).', 'log(units) > 2'),
  {
    name: 'least',
    params: [{ name: 'x', kind: 'number', doc: 'values to compare' }],
    variadic: true,
    returns: 'number',
    history: () => 0,
    summary: 'The smallest of its arguments, point by point.',
    example: 'least(oos_ratio, lag(oos_ratio)) > 20',
  },
  {
    name: 'greatest',
    params: [{ name: 'x', kind: 'number', doc: 'values to compare' }],
    variadic: true,
    returns: 'number',
    history: () => 0,
    summary: 'The largest of its arguments, point by point.',
    example: 'greatest(lag(oos_ratio, 1), lag(oos_ratio, 2)) < 5',
  },
  {
    name: 'coalesce',
    params: [x, { name: 'default', kind: 'number', doc: 'the value used where x is missing' }],
    returns: 'number',
    history: () => 0,
    summary: 'x, or `default` where x is missing.',
    example: 'coalesce(zscore(oos_ratio, 8), 0) > 3',
  },
  {
    name: 'is_missing',
    params: [{ name: 'x', kind: 'number', doc: 'the values' }],
    returns: 'boolean',
    history: () => 0,
    summary: 'True where x is missing (blank cell, window not yet full, division by zero).',
    example: 'is_missing(lag(oos_ratio, 4))',
  },
];

export const functionsByName = new Map(functions.map((f) => [f.name, f]));

/** `mean(x, w, offset = 0)`: how the signature reads in docs and completion. */
export function signatureLabel(f: FunctionSpec): string {
  const ps = f.params.map((p) => (p.default !== undefined ? `${p.name} = ${p.default}` : p.name));
  if (f.variadic) ps.push('...');
  return `${f.name}(${ps.join(', ')})`;
}

/** Markdown documentation of a function. */
export function functionDoc(f: FunctionSpec): string {
  const params = f.params
    .map((p) => `- \`${p.name}\`: ${p.doc}${p.default !== undefined ? ` (default ${p.default})` : ''}`)
    .join('\n');
  return `\`\`\`arl\n${signatureLabel(f)}\n\`\`\`\n${f.summary}\n\n${params}\n\nExample: \`${f.example}\``;
}
