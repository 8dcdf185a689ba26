// One plan node to SQL: the columns it adds, in stages (a window over a window needs the inner
// result as a column first). Values: numbers are doubles (NULL missing), conditions booleans (NULL
// unknown, so SQL's AND, OR and NOT are ARL's three-valued logic), categories text. Windows run per
// series over `_p`, the point's position in its series (1-based), with ROWS frames. Each function
// mirrors its kernel in server/src/engine, order of operations included where rounding could show.
import { spreadFloorAbsolute, spreadFloorRelative } from '../engine/kernels';
import type { PlanNode } from '../engine/plan';
import type { Dialect } from './dialect';

/** Columns computed together, by name. */
export type Stage = Record<string, string>;

/** A function a dialect cannot compute exactly: reported at the call, never approximated. */
export class SqlUnsupported extends Error {
  constructor(
    readonly node: PlanNode,
    message: string,
  ) {
    super(message);
  }
}

export interface NodeContext {
  d: Dialect;
  /** SQL of an argument: a literal, a data column, or the column of a node computed earlier. */
  arg(n: PlanNode): string;
  /** The column name this node's result (and, with a suffix, its helpers) gets. */
  name: string;
}

const series = 'PARTITION BY _k ORDER BY _p';

/** The window of `lo` points before now (Infinity: from the series start) to `hi` points before now. */
function over(lo: number, hi: number): string {
  const start = lo === Infinity ? 'UNBOUNDED PRECEDING' : `${lo} PRECEDING`;
  const end = hi === 0 ? 'CURRENT ROW' : `${hi} PRECEDING`;
  return `${series} ROWS BETWEEN ${start} AND ${end}`;
}

const ordered = `OVER (${series})`;

function when(guard: string | undefined, e: string): string {
  return guard ? `CASE WHEN ${guard} THEN ${e} END` : e;
}

function and(...parts: (string | undefined)[]): string | undefined {
  const p = parts.filter((x): x is string => !!x);
  return p.length ? p.join(' AND ') : undefined;
}

/** The compiled stages of a node (its final column is `ctx.name`). */
export function nodeStages(n: PlanNode, ctx: NodeContext): Stage[] {
  const { name } = ctx;
  const a = n.args.map((x) => ctx.arg(x));
  const one = (e: string): Stage[] => [{ [name]: e }];
  switch (n.op) {
    case 'neg':
      return one(`(-${a[0]})`);
    case 'not':
      return one(`(NOT ${a[0]})`);
    case 'arith':
      return one(n.fn === '/' ? `(${a[0]} / NULLIF(${a[1]}, 0))` : `(${a[0]} ${n.fn} ${a[1]})`);
    case 'cmp':
      return one(`(${a[0]} ${n.fn === '==' ? '=' : n.fn === '!=' ? '<>' : n.fn} ${a[1]})`);
    case 'logic':
      return one(`(${a[0]} ${n.fn === 'and' ? 'AND' : 'OR'} ${a[1]})`);
    case 'call':
      return callStages(n, a, ctx);
    default:
      throw new Error(`a ${n.op} node has no stages`);
  }
}

function callStages(n: PlanNode, a: string[], ctx: NodeContext): Stage[] {
  const { d, name } = ctx;
  const c = n.consts;
  const x = a[0];
  const one = (e: string): Stage[] => [{ [name]: e }];
  const h = (suffix: string) => `${name}_${suffix}`;
  const num = d.num;
  switch (n.fn) {
    case 'lag':
      return one(`LAG(${x}, ${c.k}) ${ordered}`);
    case 'diff':
      return one(`(${x} - LAG(${x}, ${c.k}) ${ordered})`);
    case 'pct_change': {
      const before = `LAG(${x}, ${c.k}) ${ordered}`;
      return one(`((${x} - ${before}) / NULLIF(${before}, 0))`);
    }
    case 'mean':
    case 'sum':
    case 'min':
    case 'max':
    case 'std':
    case 'zero_rate':
    case 'count':
    case 'slope':
      return one(windowed(n, x, ctx));
    case 'median':
    case 'quantile':
      return orderedWindow(n, x, ctx);
    case 'ewma': {
      if (!d.fold) throw new SqlUnsupported(n, `ewma cannot be computed exactly in ${label(d)}: it is a running recursion, and ${label(d)} has no fold over arrays or recursion inside an expression. Use mean over a window, or run the rules with DuckDB or PostgreSQL.`);
      const alpha = 2 / (c.w + 1);
      const values = h('a');
      // As the kernel: start at the first present value, then alpha * v + (1 - alpha) * e.
      const fold = d.fold(values, (e, v) => `CASE WHEN ${e} IS NULL THEN ${v} ELSE ${num(alpha)} * ${v} + ${num(1 - alpha)} * ${e} END`);
      // Arrays of a window are columns before they are read: PostgreSQL takes no window inside a subquery.
      return [{ [values]: d.frameArray(x, over(Infinity, c.offset)) }, { [name]: when(`_p - ${c.offset} >= ${c.w}`, fold) }];
    }
    case 'zscore': {
      const f = baselineFrame(c);
      const guard = baselineGuard(c, x, f, 2);
      const spread = `STDDEV_SAMP(${x}) OVER (${f})`;
      const floor = `GREATEST(${num(spreadFloorRelative)} * AVG(ABS(${x})) OVER (${f}), ${num(spreadFloorAbsolute)})`;
      return one(when(guard, `(${now(x, c.offset)} - AVG(${x}) OVER (${f})) / GREATEST(${spread}, ${floor})`));
    }
    case 'robust_z':
      return robustZ(n, x, ctx);
    case 'rank': {
      const f = baselineFrame(c);
      const [arr, cur, count] = [h('a'), h('c'), h('n')];
      return [
        { [arr]: d.frameArray(x, f), [cur]: now(x, c.offset), [count]: `COUNT(${x}) OVER (${f})`, [h('g')]: baselineGuard(c, x, f, 1) },
        {
          [name]: when(`${h('g')} AND ${cur} IS NOT NULL`, `(${d.countWhere(arr, (v) => `${v} < ${cur}`)} + ${d.num(0.5)} * ${d.countWhere(arr, (v) => `${v} = ${cur}`)}) / CAST(${count} AS ${d.types.double})`),
        },
      ];
    }
    case 'rising':
    case 'falling': {
      const op = n.fn === 'rising' ? '>' : '<';
      const k = c.k;
      const at = (j: number) => (j === 0 ? x : `LAG(${x}, ${j}) ${ordered}`);
      // Up to 16 steps, written out: SQL's AND is the Kleene `and`, and the lags share one sort
      // with the other windows of the stage. Longer runs count the steps in a window instead.
      if (k <= 16) return one(when(`_p > ${k}`, `(${Array.from({ length: k }, (_, j) => `${at(j)} ${op} ${at(j + 1)}`).join(' AND ')})`));
      const step = h('s');
      return [{ [step]: `(${x} ${op} LAG(${x}, 1) ${ordered})` }, { [name]: when(`_p > ${k}`, allOf(step, k)) }];
    }
    case 'persist':
      return one(when(`_p >= ${c.k}`, allOf(x, c.k)));
    case 'abs':
      return one(`ABS(${x})`);
    case 'sqrt':
      return one(`SQRT(CASE WHEN ${x} >= 0 THEN ${x} END)`);
    case 'log':
      return one(`LN(CASE WHEN ${x} > 0 THEN ${x} END)`);
    case 'log1p': {
      // log(1 + x) loses x's digits when x is small; (x * log(u)) / (u - 1) with u = 1 + x does not
      // (Goldberg's formula), so the result stays within rounding of the kernel's Math.log1p.
      const u = h('u');
      return [
        { [u]: `(CASE WHEN ${x} > -1 THEN 1 + ${x} END)` },
        { [name]: `CASE WHEN ${u} = 1 THEN ${x} ELSE ${x} * LN(${u}) / (${u} - 1) END` },
      ];
    }
    case 'least':
    case 'greatest': {
      const anyMissing = a.map((v) => `${v} IS NULL`).join(' OR ');
      return one(`CASE WHEN ${anyMissing} THEN NULL ELSE ${n.fn.toUpperCase()}(${a.join(', ')}) END`);
    }
    case 'coalesce':
      return one(`COALESCE(${a[0]}, ${a[1]})`);
    case 'is_missing':
      return one(`(${x} IS NULL)`);
    case 'ever':
      return one(everOf(x, over(Infinity, 0)));
    case 'before':
      // b now, and a at some earlier point: the Kleene `or` of a before now, `and` b.
      return one(`(${everOf(x, over(Infinity, 1))} AND ${a[1]})`);
    case 'since':
      return one(`CAST(_p - MAX(CASE WHEN ${x} THEN _p END) OVER (${over(Infinity, 0)}) AS ${d.types.double})`);
    case 'first': {
      const firstPresent = `FIRST_VALUE(${x}) OVER (PARTITION BY _k ORDER BY CASE WHEN ${x} IS NULL THEN 1 ELSE 0 END, _p ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)`;
      return one(when(`COUNT(${x}) OVER (${over(Infinity, 0)}) > 0`, firstPresent));
    }
    case 'last': {
      // Points since a present value share a group number; the group's value is its first point's.
      const g = h('g');
      return [{ [g]: `COUNT(${x}) OVER (${over(Infinity, 0)})` }, { [name]: `MAX(${x}) OVER (PARTITION BY _k, ${g})` }];
    }
    case 'any':
      return one(`(${a.join(' OR ')})`);
    case 'all':
      return one(`(${a.join(' AND ')})`);
    case 'count_true':
      return one(`CAST(${a.map((v) => `CASE WHEN ${v} THEN 1 ELSE 0 END`).join(' + ')} AS ${d.types.double})`);
    case 'max_of':
    case 'min_of': {
      const sentinel = num(n.fn === 'max_of' ? -Infinity : Infinity);
      const allMissing = a.map((v) => `${v} IS NULL`).join(' AND ');
      return one(`CASE WHEN ${allMissing} THEN NULL ELSE ${n.fn === 'max_of' ? 'GREATEST' : 'LEAST'}(${a.map((v) => `COALESCE(${v}, ${sentinel})`).join(', ')}) END`);
    }
    case 'mean_of':
    case 'sum_of': {
      // Summed in argument order from 0, as the kernel does; a missing member adds nothing.
      const sum = [num(0), ...a.map((v) => `COALESCE(${v}, ${num(0)})`)].join(' + ');
      const present = a.map((v) => `CASE WHEN ${v} IS NULL THEN 0 ELSE 1 END`).join(' + ');
      return one(n.fn === 'sum_of' ? `CASE WHEN ${present} = 0 THEN NULL ELSE ${sum} END` : `(${sum}) / NULLIF(${present}, 0)`);
    }
    case 'in': {
      if (n.args[0].kind !== 'category') return one(`CAST(NULL AS ${d.types.bool})`);
      const list = (n.strings ?? []).map((s) => d.str(s));
      return one(list.length ? `(${x} IN (${list.join(', ')}))` : `CASE WHEN ${x} IS NULL THEN NULL ELSE FALSE END`);
    }
    case 'same':
      return one(`(${a[0]} = ${a[1]})`);
    default:
      throw new SqlUnsupported(n, `${n.fn} has no SQL form yet.`);
  }
}

export function label(d: Dialect): string {
  return { duckdb: 'DuckDB', postgres: 'PostgreSQL', spark: 'Spark SQL', bigquery: 'BigQuery' }[d.name];
}

/** now, or the point `offset` back. */
function now(x: string, offset: number): string {
  return offset ? `LAG(${x}, ${offset}) ${ordered}` : x;
}

/** The Kleene `or` of a condition over a frame: true if one is true, unknown if one is unknown. */
function everOf(c: string, frame: string): string {
  return `CASE WHEN COUNT(CASE WHEN ${c} THEN 1 END) OVER (${frame}) > 0 THEN TRUE WHEN COUNT(*) OVER (${frame}) > COUNT(${c}) OVER (${frame}) THEN NULL ELSE FALSE END`;
}

/** The Kleene `and` of a condition over the last k points, now included. */
function allOf(c: string, k: number): string {
  const f = over(k - 1, 0);
  return `CASE WHEN COUNT(CASE WHEN NOT ${c} THEN 1 END) OVER (${f}) > 0 THEN FALSE WHEN COUNT(CASE WHEN ${c} THEN 1 END) OVER (${f}) = ${k} THEN TRUE ELSE NULL END`;
}

/** The window of a window function: w points ending `offset` points before now. */
function windowFrame(c: Record<string, number>): string {
  return over(c.w === Infinity ? Infinity : c.w - 1 + c.offset, c.offset);
}

/**
 * When a window function has a value: a full window (it does not reach before the series start),
 * or with `min_count` enough values present (`known`: the count that min_count counts).
 */
function windowGuard(c: Record<string, number>, known: string): string | undefined {
  if (c.min_count !== undefined) return `${known} >= ${c.min_count}`;
  if (c.w === Infinity) return c.offset ? `_p > ${c.offset}` : undefined;
  return `_p >= ${c.w + c.offset}`;
}

function windowed(n: PlanNode, x: string, ctx: NodeContext): string {
  const { d } = ctx;
  const c = n.consts;
  const f = windowFrame(c);
  const w = (agg: string) => `${agg} OVER (${f})`;
  const isCondition = n.fn === 'count' && n.args[0].kind === 'boolean';
  const guard = windowGuard(c, w(`COUNT(${x})`));
  let e: string;
  switch (n.fn) {
    case 'mean':
      e = w(`AVG(${x})`);
      break;
    case 'sum':
      e = w(`SUM(${x})`);
      break;
    case 'min':
      e = w(`MIN(${x})`);
      break;
    case 'max':
      e = w(`MAX(${x})`);
      break;
    case 'std':
      e = w(`STDDEV_SAMP(${x})`);
      break;
    case 'zero_rate':
      e = `CAST(${w(`COUNT(CASE WHEN ${x} = 0 THEN 1 END)`)} AS ${d.types.double}) / NULLIF(${w(`COUNT(${x})`)}, 0)`;
      break;
    case 'count':
      e = `CAST(${w(isCondition ? `COUNT(CASE WHEN ${x} THEN 1 END)` : `COUNT(${x})`)} AS ${d.types.double})`;
      break;
    default: {
      // slope: least squares of the values present against their positions (needs two).
      const t = `CAST(_p AS ${d.types.double})`;
      e = `${w(`COVAR_SAMP(${t}, ${x})`)} / NULLIF(${w(`VAR_SAMP(CASE WHEN ${x} IS NOT NULL THEN ${t} END)`)}, 0)`;
    }
  }
  return when(guard, e);
}

/** The baseline of zscore, robust_z and rank: the w points before now (or before `offset` back). */
function baselineFrame(c: Record<string, number>): string {
  return over(c.w === Infinity ? Infinity : c.w + c.offset, c.offset + 1);
}

function baselineGuard(c: Record<string, number>, x: string, f: string, least: number): string {
  const need = Math.max(c.min_count ?? 0, least);
  const full = c.min_count === undefined && c.w !== Infinity ? `_p > ${c.w + c.offset}` : undefined;
  return and(full, `COUNT(${x}) OVER (${f}) >= ${need}`)!;
}

/**
 * The q quantile of a sorted array of n values, interpolating as the kernels do:
 * s[lo] + (s[lo + 1] - s[lo]) * (pos - lo), pos = q (n - 1).
 */
function quantileOfSorted(d: Dialect, s: string, n: string, q: number): string {
  const pos = `(${d.num(q)} * (${n} - 1))`;
  const lo = `FLOOR(${pos})`;
  const at = (i: string) => d.at(s, d.toInt(i));
  return `CASE WHEN ${pos} = ${lo} THEN ${at(lo)} ELSE ${at(lo)} + (${at(`${lo} + 1`)} - ${at(lo)}) * (${pos} - ${lo}) END`;
}

/** median and quantile: the window's values sorted, then read as the kernels read them. */
function orderedWindow(n: PlanNode, x: string, ctx: NodeContext): Stage[] {
  const { d, name } = ctx;
  const c = n.consts;
  const f = windowFrame(c);
  const s = `${name}_s`;
  const k = `${name}_n`;
  const guard = windowGuard(c, k);
  let value: string;
  if (n.fn === 'median' && c.w !== Infinity) {
    // The sliding kernel averages the two middle values as (a + b) / 2 up to 8 values and as
    // a + (b - a) / 2 beyond; both are kept, since they can differ in the last bit.
    const mid = (i: string) => d.at(s, d.toInt(i));
    value = `CASE WHEN ${d.mod(k, '2')} = 1 THEN ${mid(`(${k} - 1) / 2`)} WHEN ${k} <= 8 THEN (${mid(`${k} / 2 - 1`)} + ${mid(`${k} / 2`)}) / 2 ELSE ${quantileOfSorted(d, s, k, 0.5)} END`;
  } else value = quantileOfSorted(d, s, k, n.fn === 'median' ? 0.5 : c.q);
  return [{ [`${name}_a`]: d.frameArray(x, f), [k]: `COUNT(${x}) OVER (${f})` }, { [s]: d.sort(`${name}_a`) }, { [name]: when(and(guard, `${k} > 0`), value) }];
}

/**
 * robust_z as slidingRobustZ computes it: median of the baseline, the MAD around it (1.4826 x),
 * 1.2533 x the mean absolute deviation when the MAD is 0, the spread floored.
 */
function robustZ(n: PlanNode, x: string, ctx: NodeContext): Stage[] {
  const { d, name } = ctx;
  const c = n.consts;
  const f = baselineFrame(c);
  const h = (suffix: string) => `${name}_${suffix}`;
  const [arr, s, k, cur, g, m, dev, sumDev, sumAbs, mad] = ['a', 's', 'n', 'c', 'g', 'm', 'd', 'sd', 'sa', 'mad'].map(h);
  const nd = `CAST(${k} AS ${d.types.double})`;
  return [
    { [arr]: d.frameArray(x, f), [k]: `COUNT(${x}) OVER (${f})`, [cur]: now(x, c.offset), [g]: baselineGuard(c, x, f, 2) },
    { [s]: d.sort(arr) },
    { [m]: when(g, quantileOfSorted(d, s, k, 0.5)) },
    { [dev]: d.sortedMap(s, (v) => `ABS(${v} - ${m})`), [sumDev]: d.sumOf(s, (v) => `ABS(${v} - ${m})`), [sumAbs]: d.sumOf(s, (v) => `ABS(${v})`) },
    { [mad]: `${d.num(1.4826)} * (${quantileOfSorted(d, dev, k, 0.5)})` },
    {
      [name]: when(
        `${g} AND ${cur} IS NOT NULL`,
        `(${cur} - ${m}) / GREATEST(CASE WHEN ${mad} = 0 THEN ${d.num(1.2533)} * (${sumDev} / ${nd}) ELSE ${mad} END, ${d.num(spreadFloorRelative)} * (${sumAbs} / ${nd}), ${d.num(spreadFloorAbsolute)})`,
      ),
    },
  ];
}
