// What differs between the SQL engines ARL compiles to: quoting, literals, types, bit operations,
// arrays (for medians, ranks and folds) and how a query stops with an error. Everything a rule
// file or a data file names goes through `ident` or `str` here, and nowhere else.

export type DialectName = 'duckdb' | 'postgres' | 'spark' | 'bigquery';
export const dialectNames: DialectName[] = ['duckdb', 'postgres', 'spark', 'bigquery'];

/** A name or a text that cannot be written in a dialect (a NUL character, a name too long). */
export class SqlTextError extends Error {}

export interface Dialect {
  name: DialectName;
  /** A quoted identifier. */
  ident(name: string): string;
  /** A string literal. */
  str(s: string): string;
  /** A double-precision literal, exactly the double `v`. */
  num(v: number): string;
  types: { double: string; text: string; int: string; bool: string };
  /** NULL where a double is NaN (engines keep NaN apart from NULL; ARL does not). */
  nanToNull(e: string): string;
  xor(a: string, b: string): string;
  shr(a: string, k: number): string;
  mod(a: string, m: string): string;
  /** The values of `x` in a window frame, NULLs left out, as an array (order unspecified). */
  frameArray(x: string, over: string): string;
  sort(arr: string): string;
  /** Element i (0-based, an integer expression) of an array. */
  at(arr: string, i: string): string;
  /** How many elements satisfy `pred(v)`. */
  countWhere(arr: string, pred: (v: string) => string): string;
  /** Sum of f(v) over the elements. */
  sumOf(arr: string, f: (v: string) => string): string;
  /** f(v) of every element, sorted. */
  sortedMap(arr: string, f: (v: string) => string): string;
  /** A left fold from NULL over the elements, in order; undefined when the dialect has none. */
  fold?(arr: string, step: (acc: string, v: string) => string): string;
  /** Stops the query with `message` (text) when evaluated; `dependsOn` keeps it from being folded at plan time. */
  raise(message: string, dependsOn: string): string;
  /**
   * FNV-1a of every series id: the body of a CTE named `_fnv` over the relation `ids` (column
   * `_s`) giving `_s, _h0`; with `done`, a recursive one whose finished rows satisfy `done`.
   */
  fnv(ids: string): { body: string; done?: string };
  /** Text sorted byte by byte (series ids order ties the same way on every engine). */
  byteOrder(e: string): string;
  /** A CAST to integer of a whole number (engines differ in how they round others). */
  toInt(e: string): string;
  /**
   * Ends each stage's SELECT so the planner keeps the stages apart: a planner that merges them
   * writes a column out once per use, and a chain of lets doubling each other grows as 2^depth.
   */
  fence: string;
}

/** UTF-16 code units of a code point expression, as JS strings hold them (the hash reads those). */
function step(h: string, c: string, d: Pick<Dialect, 'xor' | 'mod'>): string {
  return d.mod(`(${d.xor(h, c)}) * 16777619`, '4294967296');
}

function fnvOfCodePoint(h: string, cp: string, d: Pick<Dialect, 'xor' | 'mod' | 'shr'>): string {
  const hi = `(55296 + ${d.shr(`(${cp} - 65536)`, 10)})`;
  const lo = `(56320 + ((${cp} - 65536) & 1023))`;
  return `CASE WHEN ${cp} > 65535 THEN ${step(step(h, hi, d), lo, d)} ELSE ${step(h, cp, d)} END`;
}

function doubleLiteral(v: number, cast: (text: string) => string, nonFinite: (v: number) => string): string {
  if (!Number.isFinite(v)) return nonFinite(v);
  if (Number.isSafeInteger(v) && !Object.is(v, -0)) return cast(String(v));
  // Through a string: engines read decimal literals as DECIMAL or NUMERIC, and a string cast is
  // the one form every engine turns into the nearest double, as JavaScript does.
  return cast(`'${String(v)}'`);
}

function noNul(s: string, what: string): string {
  if (s.includes('\u0000')) throw new SqlTextError(`${what} holds a NUL character, which SQL cannot hold.`);
  return s;
}

/** Backslash escapes for dialects whose string literals read them (Spark, BigQuery). */
function backslashed(s: string): string {
  return s.replace(/[\\'"\u0000-\u001f\u007f\u2028\u2029]/g, (c) => {
    if (c === '\\') return '\\\\';
    if (c === "'") return "\\'";
    if (c === '"') return '\\"';
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

const duckdb: Dialect = {
  name: 'duckdb',
  ident: (n) => `"${noNul(n, 'A column name').replace(/"/g, '""')}"`,
  str: (s) => `'${noNul(s, 'A string').replace(/'/g, "''")}'`,
  num: (v) => doubleLiteral(v, (t) => `CAST(${t} AS DOUBLE)`, (x) => `CAST('${x !== x ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity'}' AS DOUBLE)`),
  types: { double: 'DOUBLE', text: 'VARCHAR', int: 'BIGINT', bool: 'BOOLEAN' },
  nanToNull: (e) => `(CASE WHEN isnan(${e}) THEN NULL ELSE ${e} END)`,
  xor: (a, b) => `xor(${a}, ${b})`,
  shr: (a, k) => `(${a} >> ${k})`,
  mod: (a, m) => `((${a}) % ${m})`,
  frameArray: (x, over) => `list(${x}) FILTER (WHERE ${x} IS NOT NULL) OVER (${over})`,
  sort: (a) => `list_sort(${a})`,
  at: (a, i) => `(${a})[(${i}) + 1]`,
  countWhere: (a, p) => `len(list_filter(${a}, lambda _v: ${p('_v')}))`,
  sumOf: (a, f) => `list_sum(list_transform(${a}, lambda _v: ${f('_v')}))`,
  sortedMap: (a, f) => `list_sort(list_transform(${a}, lambda _v: ${f('_v')}))`,
  fold: (a, s) => `list_reduce(${a}, lambda _a, _v: ${s('_a', '_v')}, CAST(NULL AS DOUBLE))`,
  raise: (m) => `error(${m})`,
  fnv(ids) {
    const units = `list_transform(list_filter(string_split(_s, ''), lambda _c: _c <> ''), lambda _c: CAST(unicode(_c) AS BIGINT))`;
    const body = `SELECT _s, list_reduce(${units}, lambda _h, _u: ${fnvOfCodePoint('_h', '_u', this)}, CAST(2166136261 AS BIGINT)) AS _h0 FROM ${ids}`;
    return { body };
  },
  byteOrder: (e) => e,
  toInt: (e) => `CAST(${e} AS BIGINT)`,
  fence: '',
};

const postgres: Dialect = {
  name: 'postgres',
  ident(n) {
    noNul(n, 'A column name');
    // PostgreSQL cuts longer names to 63 bytes without a word, which could address another column.
    if (Buffer.byteLength(n, 'utf8') > 63) throw new SqlTextError(`The name ${JSON.stringify(n.slice(0, 80))} is longer than PostgreSQL's 63 bytes: rename the column.`);
    return `"${n.replace(/"/g, '""')}"`;
  },
  // E'' strings read backslashes the same way whatever standard_conforming_strings says.
  str: (s) => `E'${noNul(s, 'A string').replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`,
  num: (v) => doubleLiteral(v, (t) => `CAST(${t} AS DOUBLE PRECISION)`, (x) => `CAST('${x !== x ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity'}' AS DOUBLE PRECISION)`),
  types: { double: 'DOUBLE PRECISION', text: 'TEXT', int: 'BIGINT', bool: 'BOOLEAN' },
  nanToNull: (e) => `NULLIF(${e}, CAST('NaN' AS DOUBLE PRECISION))`,
  xor: (a, b) => `(${a} # ${b})`,
  shr: (a, k) => `(${a} >> ${k})`,
  mod: (a, m) => `((${a}) % ${m})`,
  frameArray: (x, over) => `array_agg(${x}) FILTER (WHERE ${x} IS NOT NULL) OVER (${over})`,
  sort: (a) => `ARRAY(SELECT _v FROM unnest(${a}) AS _u(_v) ORDER BY _v)`,
  at: (a, i) => `(${a})[CAST(${i} AS INTEGER) + 1]`,
  countWhere: (a, p) => `(SELECT count(*) FROM unnest(${a}) AS _u(_v) WHERE ${p('_v')})`,
  sumOf: (a, f) => `(SELECT sum(${f('_v')}) FROM unnest(${a}) AS _u(_v))`,
  sortedMap: (a, f) => `ARRAY(SELECT ${f('_v')} AS _w FROM unnest(${a}) AS _u(_v) ORDER BY _w)`,
  // A recursive fold inside a scalar subquery: the same steps, in the same order, as a loop.
  fold: (a, s) =>
    `(WITH RECURSIVE _f(_i, _a) AS (SELECT 1, (${a})[1] UNION ALL SELECT _i + 1, ${s('_a', `(${a})[_i + 1]`)} FROM _f WHERE _i < cardinality(${a})) SELECT _a FROM _f ORDER BY _i DESC LIMIT 1)`,
  // PostgreSQL has no function that raises: a failing cast of the message does, with the message
  // in the error. It depends on a column, so the planner cannot evaluate it ahead of time.
  raise: (m, dep) => `CAST(${m} || CASE WHEN ${dep} IS NULL THEN '' ELSE '' END AS INTEGER)`,
  fnv(ids) {
    const cp = 'ascii(substr(_s, _i + 1, 1))';
    const body =
      `SELECT _s, 0 AS _i, CAST(2166136261 AS BIGINT) AS _h0 FROM ${ids} ` +
      `UNION ALL SELECT _s, _i + 1, ${fnvOfCodePoint('_h0', cp, this)} FROM _fnv WHERE _i < char_length(_s)`;
    return { body, done: '_i = char_length(_s)' };
  },
  byteOrder: (e) => `(${e} COLLATE "C")`,
  toInt: (e) => `CAST(${e} AS BIGINT)`,
  // PostgreSQL pulls subqueries up into their parent, expressions substituted: OFFSET 0 stops it.
  fence: ' OFFSET 0',
};

const spark: Dialect = {
  name: 'spark',
  ident: (n) => `\`${noNul(n, 'A column name').replace(/`/g, '``')}\``,
  str: (s) => `'${backslashed(noNul(s, 'A string'))}'`,
  num: (v) => doubleLiteral(v, (t) => `CAST(${t} AS DOUBLE)`, (x) => `CAST('${x !== x ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity'}' AS DOUBLE)`),
  types: { double: 'DOUBLE', text: 'STRING', int: 'BIGINT', bool: 'BOOLEAN' },
  nanToNull: (e) => `(CASE WHEN isnan(${e}) THEN NULL ELSE ${e} END)`,
  xor: (a, b) => `(${a} ^ ${b})`,
  shr: (a, k) => `shiftright(${a}, ${k})`,
  mod: (a, m) => `((${a}) % ${m})`,
  frameArray: (x, over) => `collect_list(${x}) OVER (${over})`,
  sort: (a) => `array_sort(${a})`,
  at: (a, i) => `element_at(${a}, CAST(${i} AS INT) + 1)`,
  countWhere: (a, p) => `size(filter(${a}, _v -> ${p('_v')}))`,
  sumOf: (a, f) => `aggregate(${a}, CAST(0 AS DOUBLE), (_a, _v) -> _a + ${f('_v')})`,
  sortedMap: (a, f) => `array_sort(transform(${a}, _v -> ${f('_v')}))`,
  fold: (a, s) => `aggregate(${a}, CAST(NULL AS DOUBLE), (_a, _v) -> ${s('_a', '_v')})`,
  raise: (m) => `raise_error(${m})`,
  fnv(ids) {
    const units = `transform(filter(split(_s, ''), _c -> _c <> ''), _c -> CAST(ascii(_c) AS BIGINT))`;
    return { body: `SELECT _s, aggregate(${units}, CAST(2166136261 AS BIGINT), (_h, _u) -> ${fnvOfCodePoint('_h', '_u', this)}) AS _h0 FROM ${ids}` };
  },
  byteOrder: (e) => e,
  toInt: (e) => `CAST(${e} AS BIGINT)`,
  // Catalyst does not merge projections when that would compute an expression twice.
  fence: '',
};

const bigquery: Dialect = {
  name: 'bigquery',
  ident: (n) => `\`${backslashed(noNul(n, 'A column name')).replace(/`/g, '\\`')}\``,
  str: (s) => `'${backslashed(noNul(s, 'A string'))}'`,
  num: (v) => doubleLiteral(v, (t) => `CAST(${t} AS FLOAT64)`, (x) => `CAST('${x !== x ? 'nan' : x > 0 ? 'inf' : '-inf'}' AS FLOAT64)`),
  types: { double: 'FLOAT64', text: 'STRING', int: 'INT64', bool: 'BOOL' },
  nanToNull: (e) => `(CASE WHEN IS_NAN(${e}) THEN NULL ELSE ${e} END)`,
  xor: (a, b) => `(${a} ^ ${b})`,
  shr: (a, k) => `(${a} >> ${k})`,
  mod: (a, m) => `MOD(${a}, ${m})`,
  frameArray: (x, over) => `ARRAY_AGG(${x} IGNORE NULLS) OVER (${over})`,
  sort: (a) => `ARRAY(SELECT _v FROM UNNEST(${a}) AS _v ORDER BY _v)`,
  at: (a, i) => `(${a})[OFFSET(CAST(${i} AS INT64))]`,
  countWhere: (a, p) => `(SELECT COUNT(*) FROM UNNEST(${a}) AS _v WHERE ${p('_v')})`,
  sumOf: (a, f) => `(SELECT SUM(${f('_v')}) FROM UNNEST(${a}) AS _v)`,
  sortedMap: (a, f) => `ARRAY(SELECT _w FROM (SELECT ${f('_v')} AS _w FROM UNNEST(${a}) AS _v) ORDER BY _w)`,
  // No fold over arrays and no recursion inside a subquery: ewma is not offered.
  raise: (m) => `ERROR(${m})`,
  fnv(ids) {
    const cp = '(TO_CODE_POINTS(_s))[OFFSET(_i)]';
    const body =
      `SELECT _s, 0 AS _i, CAST(2166136261 AS INT64) AS _h0 FROM ${ids} ` +
      `UNION ALL SELECT _s, _i + 1, ${fnvOfCodePoint('_h0', cp, this)} FROM _fnv WHERE _i < CHAR_LENGTH(_s)`;
    return { body, done: '_i = CHAR_LENGTH(_s)' };
  },
  byteOrder: (e) => e,
  toInt: (e) => `CAST(${e} AS INT64)`,
  fence: '',
};

export const dialects: Record<DialectName, Dialect> = { duckdb, postgres, spark, bigquery };
