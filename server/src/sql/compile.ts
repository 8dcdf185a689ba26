// A compiled rule file (the plan) to one SQL query that returns the flagged points, as `arl run`
// writes them: series, time, rules, category, severity, then the text columns. The plan is walked
// as a DAG: every node is one column, computed once in the first stage (a CTE) where its inputs
// exist, so shared sub-expressions cost nothing twice and the query grows with the plan's size,
// not with the size of the expressions written out.
import type { DatasetSpec } from '../../../grammar/src/check';
import { severities } from '../../../grammar/src/ast';
import type { CompiledDecl, PlanNode, Program } from '../engine/plan';
import { splitIndex, type SplitName } from '../engine/split';
import { dialects, type Dialect, type DialectName } from './dialect';
import { nodeStages, type Stage } from './nodes';
import { sourceCtes, type Source } from './source';
import { splitCtes, splitStages } from './splits';

export interface SqlOptions {
  dialect: DialectName;
  source: Source;
  dataset: DatasetSpec;
  /** Only the points of this split (default: every point). */
  split?: SplitName | 'all';
  /** Category columns written after the fixed columns, as `arl run` writes them. */
  textColumns?: string[];
  /** Leave out the check that no time repeats within a series (the caller checked it). */
  skipDuplicateCheck?: boolean;
  /**
   * Every point, flagged or not, with these expressions' values as extra columns (to inspect
   * what a rule computes, and to compare engines value by value).
   */
  values?: { name: string; node: PlanNode }[];
}

export interface SqlQuery {
  sql: string;
  /** Output column names, in order. */
  columns: string[];
  /** CTE stages the plan needed (its depth), for tests of the query's size. */
  stages: number;
}

/** A column a node reads from the data: its internal name and kind. */
export interface DataColumn {
  name: string;
  internal: string;
  kind: 'number' | 'category';
}

export function compileSql(program: Program, opts: SqlOptions): SqlQuery {
  const d = dialects[opts.dialect];
  const decls = [...program.rules, ...program.excludes].filter((x) => x.node);
  const data = new Map<string, DataColumn>();
  const useColumn = (name: string, kind: DataColumn['kind']): DataColumn => {
    let c = data.get(name);
    if (!c) data.set(name, (c = { name, internal: `c${data.size}`, kind }));
    return c;
  };
  // Levels: stage L holds the columns whose inputs are all in stages below L.
  const levels: Stage[] = [];
  const done = new Map<PlanNode, { level: number; sql: string }>();
  let next = 0;
  const put = (level: number, cols: Stage) => {
    while (levels.length < level) levels.push({});
    Object.assign(levels[level - 1], cols);
  };
  const visit = (n: PlanNode): { level: number; sql: string } => {
    const seen = done.get(n);
    if (seen) return seen;
    let r: { level: number; sql: string };
    if (n.op === 'num') r = { level: 0, sql: d.num(n.value!) };
    else if (n.op === 'bool') r = { level: 0, sql: n.value ? 'TRUE' : 'FALSE' };
    else if (n.op === 'col') r = { level: 0, sql: useColumn(n.name!, n.kind === 'category' ? 'category' : 'number').internal };
    else {
      const base = Math.max(0, ...n.args.map((a) => visit(a).level));
      const name = `n${next++}`;
      const stages = nodeStages(n, { d, name, arg: (a) => visit(a).sql });
      stages.forEach((s, j) => put(base + 1 + j, s));
      r = { level: base + stages.length, sql: name };
    }
    done.set(n, r);
    return r;
  };
  // Iteratively deep plans: visit children bottom-up first so recursion stays shallow.
  const roots = [...decls.map((x) => x.node!), ...(opts.values ?? []).map((v) => v.node)];
  for (const root of roots) for (const n of postOrder(root)) visit(n);

  const text = (opts.textColumns ?? []).map((name) => useColumn(name, 'category'));
  const split = opts.split && opts.split !== 'all' ? opts.split : undefined;
  const splitting = split ? splitStages(d, opts.dataset) : [];
  splitting.forEach((s, j) => put(j + 1, s));

  // `labels = sessions`: rules are judged at each series' last row only, as the engine does.
  const sessions = opts.dataset.labels === 'sessions' && !opts.values;
  if (sessions) put(1, { _end: 'CASE WHEN ROW_NUMBER() OVER (PARTITION BY _k ORDER BY _p DESC) = 1 THEN 1 ELSE 0 END' });

  const source = sourceCtes(d, opts.source, opts.dataset, [...data.values()], { labels: !!split, checkDuplicates: !opts.skipDuplicateCheck });
  const ctes: string[] = [...source.ctes];
  if (split) ctes.push(...splitCtes(d, opts.dataset));
  ctes.push(`_base AS (${baseSelect(d, !!split && opts.dataset.splitMethod === 'auto', source.fileOrder)})`);
  levels.forEach((cols, i) => {
    const list = Object.entries(cols).map(([k, v]) => `${v} AS ${k}`);
    ctes.push(`_l${i + 1} AS (SELECT *, ${list.join(', ')} FROM ${i === 0 ? '_base' : `_l${i}`}${d.fence})`);
  });
  const last = levels.length ? `_l${levels.length}` : '_base';
  const flag = (x: CompiledDecl) => `COALESCE(${visit(x.node!).sql}, FALSE)`;
  const rules = program.rules.filter((r) => r.node);
  const excludes = program.excludes.filter((r) => r.node);
  const fired = rules.length ? rules.map(flag).join(' OR ') : 'FALSE';
  const vetoed = excludes.length ? excludes.map(flag).join(' OR ') : 'FALSE';
  const names = rules.length ? `RTRIM(${rules.map((r) => `CASE WHEN ${flag(r)} THEN ${d.str(`${r.name} `)} ELSE '' END`).join(' || ')})` : "''";
  // The category and severity of the most severe rule that fired, the first of equals.
  const bySeverity = rules.map((r, i) => ({ r, i })).sort((x, y) => severities.indexOf(y.r.severity) - severities.indexOf(x.r.severity) || x.i - y.i);
  const pick = (f: (r: CompiledDecl) => string) => (rules.length ? `CASE ${bySeverity.map(({ r }) => `WHEN ${flag(r)} THEN ${d.str(f(r))}`).join(' ')} END` : 'NULL');
  const columns = ['series', 'time', 'rules', 'category', 'severity'];
  const select = [`_s AS ${d.ident('series')}`, `_t AS ${d.ident('time')}`, `${names} AS ${d.ident('rules')}`, `${pick((r) => r.category ?? r.title ?? r.name)} AS ${d.ident('category')}`, `${pick((r) => r.severity)} AS ${d.ident('severity')}`];
  for (const c of text) {
    const out = columns.includes(c.name) ? `${c.name}_${columns.length + 1}` : c.name;
    columns.push(out);
    select.push(`${c.internal} AS ${d.ident(out)}`);
  }
  for (const v of opts.values ?? []) {
    columns.push(v.name);
    select.push(`${visit(v.node).sql} AS ${d.ident(v.name)}`);
  }
  const where = opts.values ? ['TRUE'] : [`(${fired})`, `NOT (${vetoed})`];
  if (split) where.push(`_split = ${splitIndex[split]}`);
  if (sessions) where.push('_end = 1');
  const from = source.check ? `${last} CROSS JOIN _check` : last;
  if (source.check) where.push('_ok = 1');
  const recursive = split !== undefined && opts.dataset.splitMethod === 'auto' && d.fnv('_ids').done !== undefined;
  const sql = `WITH ${recursive ? 'RECURSIVE ' : ''}\n${ctes.join(',\n')}\nSELECT ${select.join(', ')}\nFROM ${from}\nWHERE ${where.join(' AND ')}\nORDER BY _so, _t`;
  return { sql, columns, stages: levels.length };
}

/** The nodes under `root`, children before parents, each once (no recursion: plans can be deep). */
function postOrder(root: PlanNode): PlanNode[] {
  const out: PlanNode[] = [];
  const seen = new Set<PlanNode>();
  const stack: { n: PlanNode; i: number }[] = [{ n: root, i: 0 }];
  seen.add(root);
  while (stack.length) {
    const top = stack[stack.length - 1];
    if (top.i < top.n.args.length) {
      const c = top.n.args[top.i++];
      if (!seen.has(c)) {
        seen.add(c);
        stack.push({ n: c, i: 0 });
      }
    } else {
      out.push(top.n);
      stack.pop();
    }
  }
  return out;
}

/**
 * Every point with its position in its series (`_p`, from 1), the order of its series (`_so`: the
 * series' first row in the file, or its id byte by byte for a table), the key windows partition
 * by (`_k`: that first row, a number, which sorts faster than text; or the id), and what splits need.
 */
function baseSelect(d: Dialect, hashed: boolean, fileOrder: boolean): string {
  const cols = ['_src.*', 'ROW_NUMBER() OVER (PARTITION BY _src._s ORDER BY _src._t) AS _p'];
  if (fileOrder) cols.push('MIN(_src._r) OVER (PARTITION BY _src._s) AS _so', 'MIN(_src._r) OVER (PARTITION BY _src._s) AS _k');
  else cols.push(`${d.byteOrder('_src._s')} AS _so`, '_src._s AS _k');
  if (!hashed) return `SELECT ${cols.join(', ')} FROM _src`;
  return `SELECT ${cols.join(', ')}, _hash._h, _nseries._ns FROM _src JOIN _hash ON _hash._s = _src._s CROSS JOIN _nseries`;
}
