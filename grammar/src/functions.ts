// The function catalog: signatures, kinds and documentation. Backends implement these by name.
import { limits } from './limits';

/** What an expression computes: numbers, conditions, or categories (a text column's values). */
export type Kind = 'number' | 'boolean' | 'category';

export interface ParamSpec {
  name: string;
  /** `any`: a number or a condition. */
  kind: Kind | 'any';
  /** Also takes a category (lag, first, last, count, is_missing). */
  categories?: boolean;
  /** The argument must be a literal: a whole number (windows, lags) or any number. */
  constant?: 'int' | 'number';
  /** A window length may also be `all`: every point of the series up to the window's end. */
  all?: boolean;
  /** The argument is a string written in the call (a column pattern). */
  text?: boolean;
  min?: number;
  max?: number;
  /** Optional parameters have a default, or are `optional` (the default is a behaviour, not a value). */
  default?: number;
  optional?: boolean;
  doc: string;
}

export interface FunctionSpec {
  name: string;
  params: ParamSpec[];
  /** The last parameter repeats (least, greatest, any, ...); column groups are spread into it. */
  variadic?: boolean;
  /** Fewest values a variadic function takes (groups count their columns); default 2. */
  minValues?: number;
  returns: Kind;
  /** Given a category, returns a category (lag, first, last). */
  passesCategory?: boolean;
  /** Returns a group of columns (columns). */
  group?: boolean;
  /** Earlier points the function needs before its first value, given its constant arguments. */
  history: (c: Record<string, number>) => number;
  summary: string;
  example: string;
}

const x: ParamSpec = { name: 'x', kind: 'number', doc: 'the values (a column, a let or any number expression)' };
const w: ParamSpec = { name: 'w', kind: 'number', constant: 'int', min: 1, max: limits.window, all: true, doc: 'window length in points, or `all`: every point of the series so far' };
const cond: ParamSpec = { name: 'cond', kind: 'boolean', doc: 'the condition' };
const minCount: ParamSpec = {
  name: 'min_count',
  kind: 'number',
  constant: 'int',
  min: 1,
  optional: true,
  doc: 'accept a partial window (at the start of a series) holding at least this many values; by default the window must be full',
};
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

/** Earlier points a window of `w` (or `all`) needs, given `min_count`. */
function windowHistory(c: Record<string, number>): number {
  const points = c.min_count !== undefined ? Math.min(c.w, c.min_count) : c.w === Infinity ? 1 : c.w;
  return points - 1 + c.offset;
}

/** Window functions over the `w` points ending `offset` points before now. */
function windowFn(name: string, summary: string, example: string, extra: ParamSpec[] = [], input: ParamSpec = x): FunctionSpec {
  return {
    name,
    params: [input, w, ...extra, offset, minCount],
    returns: 'number',
    history: windowHistory,
    summary,
    example,
  };
}

/** Now compared with the `w` points before it (at least `least` of them). */
function baselineFn(name: string, summary: string, example: string, least = 2, window: ParamSpec = w): FunctionSpec {
  return {
    name,
    params: [x, window, offset, minCount],
    returns: 'number',
    history: (c) => (c.min_count !== undefined ? Math.min(c.w, Math.max(c.min_count, least)) : c.w === Infinity ? least : c.w) + c.offset,
    summary,
    example,
  };
}

/** Reduces values across columns and arguments, point by point. */
function acrossFn(name: string, kind: Kind, returns: Kind, summary: string, example: string): FunctionSpec {
  return {
    name,
    params: [{ name: kind === 'boolean' ? 'cond' : 'x', kind, doc: kind === 'boolean' ? 'conditions, or groups of them' : 'values, or groups of them' }],
    variadic: true,
    minValues: 1,
    returns,
    history: () => 0,
    summary,
    example,
  };
}

function pointwise(name: string, summary: string, example: string): FunctionSpec {
  return { name, params: [x], returns: 'number', history: () => 0, summary, example };
}

export const functions: FunctionSpec[] = [
  {
    name: 'lag',
    params: [{ ...x, categories: true, doc: 'the values (numbers or a category column)' }, k],
    returns: 'number',
    passesCategory: true,
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
    { name: 'x', kind: 'any', categories: true, doc: 'a condition, or values (numbers or categories)' },
  ),
  windowFn('quantile', 'The `q` quantile of the window (linear interpolation).', 'oos_ratio > quantile(oos_ratio, 26, 0.9, offset = 1)', [
    { name: 'q', kind: 'number', constant: 'number', min: 0, max: 1, doc: 'the quantile, between 0 and 1' },
  ]),
  windowFn('slope', 'Least-squares slope of the window, per point.', 'slope(oos_ratio, 6) > 5'),
  windowFn('zero_rate', 'Share of the window equal to 0, between 0 and 1.', 'zero_rate(oos_ratio, 8, offset = 1) > 0.7'),
  {
    name: 'ewma',
    params: [x, { ...w, all: false, doc: 'span in points' }, offset],
    returns: 'number',
    history: (c) => c.w - 1 + c.offset,
    summary: 'Exponentially weighted moving average with span `w` (alpha = 2 / (w + 1)); missing for the first `w - 1` points.',
    example: 'oos_ratio > 2 * ewma(oos_ratio, 8, offset = 1)',
  },
  baselineFn(
    'zscore',
    'How many standard deviations now is from the mean of the `w` points before it (the spread has a floor, so a flat baseline gives 0 or a large value, not a missing one).',
    'zscore(oos_ratio, 52) >= 5',
  ),
  baselineFn(
    'robust_z',
    'Like zscore, with the median and the scaled median absolute deviation (1.4826 MAD) of the `w` points before now (1.2533 times the mean absolute deviation when the MAD is 0; the spread has a floor).',
    'robust_z(oos_ratio, 26) > 6',
    2,
    { ...w, all: false, doc: 'window length in points' },
  ),
  baselineFn(
    'rank',
    'Where now falls among the `w` points before it: the share of them below now (ties count half), from 0 (below all) to 1 (above all).',
    'rank(latency, 60) > 0.99',
    1,
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
    name: 'ever',
    params: [cond],
    returns: 'boolean',
    history: () => 0,
    summary: 'True from the first point where the condition held, to the end of the series.',
    example: 'ever(event == "E11")',
  },
  {
    name: 'since',
    params: [cond],
    returns: 'number',
    history: () => 0,
    summary: 'Points since the condition was last true (0 where it is true now); missing before it first held.',
    example: 'since(event == "E5") > 20',
  },
  {
    name: 'before',
    params: [
      { name: 'a', kind: 'boolean', doc: 'what happened first, at some earlier point of the series' },
      { name: 'b', kind: 'boolean', doc: 'what holds now' },
    ],
    returns: 'boolean',
    history: () => 0,
    summary: '`b` holds now and `a` held at some earlier point of the series.',
    example: 'before(event == "E11", event == "E28")',
  },
  {
    name: 'first',
    params: [{ ...x, categories: true, doc: 'the values (numbers or a category column)' }],
    returns: 'number',
    passesCategory: true,
    history: () => 0,
    summary: 'The first present value of the series (missing until there is one).',
    example: 'first(event) != "E1"',
  },
  {
    name: 'last',
    params: [{ ...x, categories: true, doc: 'the values (numbers or a category column)' }],
    returns: 'number',
    passesCategory: true,
    history: () => 0,
    summary: 'The latest present value up to now: x, with missing values filled from the point before.',
    example: 'last(temperature) > 80',
  },
  {
    name: 'columns',
    params: [{ name: 'pattern', kind: 'number', text: true, doc: 'a column name pattern: `*` any characters, `?` one character' }],
    returns: 'number',
    group: true,
    history: () => 0,
    summary: 'The group of dataset columns whose names match the pattern, in header order. Functions and operators apply to each column; any, all, count_true, max_of... combine them.',
    example: 'count_true(robust_z(columns("m*"), 60) > 6) >= 3',
  },
  acrossFn('any', 'boolean', 'boolean', 'True when at least one of the conditions is true (`or` over a group).', 'any(columns("cpu*") > 0.9)'),
  acrossFn('all', 'boolean', 'boolean', 'True when every one of the conditions is true (`and` over a group).', 'all([m1, m2, m3] > 0.5)'),
  acrossFn('count_true', 'boolean', 'number', 'How many of the conditions are true (unknown ones do not count).', 'count_true(columns("m*") > 0.9) >= 3'),
  acrossFn('max_of', 'number', 'number', 'The largest of the values present, point by point (missing only when none is).', 'max_of(columns("disk*")) > 0.95'),
  acrossFn('min_of', 'number', 'number', 'The smallest of the values present, point by point.', 'min_of(columns("m*")) < 0.01'),
  acrossFn('mean_of', 'number', 'number', 'The mean of the values present, point by point.', 'mean_of(robust_z(columns("m*"), 60)) > 3'),
  acrossFn('sum_of', 'number', 'number', 'The sum of the values present, point by point.', 'sum_of([rx_bytes, tx_bytes]) > 1e9'),
  {
    name: 'is_missing',
    params: [{ name: 'x', kind: 'number', categories: true, doc: 'the values (numbers or a category column)' }],
    returns: 'boolean',
    history: () => 0,
    summary: 'True where x is missing (blank cell, window not yet full, division by zero).',
    example: 'is_missing(lag(oos_ratio, 4))',
  },
];

export const functionsByName = new Map(functions.map((f) => [f.name, f]));

/** Names people reach for that ARL spells differently, and what to write instead. */
export const functionHints: Record<string, string> = {
  count_all: 'count(cond, all)',
  mean_all: 'mean(x, all)',
  max_all: 'max(x, all)',
  min_all: 'min(x, all)',
  sum_all: 'sum(x, all)',
  percentile: 'rank(x, w)',
  count_of: 'count_true(...)',
  group: 'columns("pattern")',
};

/** A parameter as the signature shows it: `w`, `offset = 0`, `[min_count]`. */
export function paramLabel(p: ParamSpec): string {
  return p.default !== undefined ? `${p.name} = ${p.default}` : p.optional ? `[${p.name}]` : p.name;
}

/** `mean(x, w, offset = 0)`: how the signature reads in docs and completion. */
export function signatureLabel(f: FunctionSpec): string {
  const ps = f.params.map(paramLabel);
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
