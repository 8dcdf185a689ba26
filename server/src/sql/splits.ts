// The train / validation / test split of every point (`_split`: 0, 1, 2), as server/src/engine/
// split.ts assigns it: by a hash of the series id with 20 series or more, else one time cut for
// all series; each series by its own time (`split = time`); or read from a column.
import type { DatasetSpec } from '../../../grammar/src/check';
import { minSeriesForHashSplit } from '../engine/split';
import type { Dialect } from './dialect';
import type { Stage } from './nodes';

const upToNow = 'PARTITION BY _k ORDER BY _p ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW';
const beforeNow = 'PARTITION BY _k ORDER BY _p ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING';
const labelled = 'COUNT(CASE WHEN _y THEN 1 END)';

/** Math.round of a non-negative double. */
function jsRound(e: string): string {
  return `CASE WHEN ${e} - FLOOR(${e}) >= 0.5 THEN FLOOR(${e}) + 1 ELSE FLOOR(${e}) END`;
}

/** Columns by stage; the last one holds `_split`. */
export function splitStages(d: Dialect, spec: DatasetSpec): Stage[] {
  const [s0, s1] = spec.split;
  const first = d.num(s0);
  const firstTwo = d.num(s0 + s1);
  // Unlabelled points go with the labelled point before them (train before the first one); a
  // series' labelled points never go back to an earlier split, so that is a running maximum.
  const carried = `COALESCE(MAX(_sl) OVER (${upToNow}), 0)`;
  if (spec.splitMethod === 'column') {
    const value = `lower(TRIM(_z))`;
    const bad = d.str('ARL: the split column holds a value other than train, validation or test (or a blank cell).');
    return [
      { _zc: `CASE WHEN _z IS NULL THEN NULL WHEN ${value} = 'train' THEN 0 WHEN ${value} = 'validation' THEN 1 WHEN ${value} = 'test' THEN 2 ELSE ${d.raise(bad, '_z')} END` },
      { _zg: `COUNT(_zc) OVER (${upToNow})` },
      // A blank cell follows the row before it: the last value given, in groups that start at one.
      { _split: `COALESCE(MAX(_zc) OVER (PARTITION BY _k, _zg), 0)` },
    ];
  }
  if (spec.splitMethod === 'time') {
    const pos = spec.split.map((x) => (x > 0 ? 1 : 0));
    const all = pos[0] + pos[1] + pos[2];
    return [
      { _yn: `${labelled} OVER (PARTITION BY _k)`, _yk: `${labelled} OVER (${beforeNow})` },
      { _c1r: jsRound(`${first} * _yn`), _c2r: jsRound(`${firstTwo} * _yn`) },
      { _c1a: `CASE WHEN _yn >= ${all} THEN LEAST(GREATEST(_c1r, ${pos[0]}), _yn - ${pos[1] + pos[2]}) ELSE _c1r END` },
      { _c2a: `CASE WHEN _yn >= ${all} THEN LEAST(GREATEST(_c2r, _c1a + ${pos[1]}), _yn - ${pos[2]}) ELSE _c2r END`, _c1: `LEAST(GREATEST(_c1a, 0), _yn)` },
      { _c2: `LEAST(GREATEST(_c2a, _c1), _yn)` },
      { _sl: `CASE WHEN _y THEN (CASE WHEN _yk < _c1 THEN 0 WHEN _yk < _c2 THEN 1 ELSE 2 END) END` },
      { _split: carried },
    ];
  }
  // auto: labelled points ranked by time, ties by series (then position), cut at the shares.
  const t1 = d.num(s0 * 2 ** 32);
  const t2 = d.num((s0 + s1) * 2 ** 32);
  return [
    { _lr: `CASE WHEN _y THEN ROW_NUMBER() OVER (PARTITION BY _y ORDER BY _t, _so, _p) - 1 END`, _ln: `${labelled} OVER ()` },
    { _sl: `CASE WHEN _y THEN (CASE WHEN _lr < FLOOR(${first} * _ln) THEN 0 WHEN _lr < FLOOR(${firstTwo} * _ln) THEN 1 ELSE 2 END) END` },
    { _split: `CASE WHEN _ns >= ${minSeriesForHashSplit} THEN (CASE WHEN _h < ${t1} THEN 0 WHEN _h < ${t2} THEN 1 ELSE 2 END) ELSE ${carried} END` },
  ];
}

/** h * m mod 2^32 without leaving 64-bit integers: m split in 16-bit halves. */
function mul32(d: Dialect, h: string, m: number): string {
  const lo = m & 0xffff;
  const hi = m >>> 16;
  return d.mod(`${h} * ${lo} + ${d.mod(`${h} * ${hi}`, '65536')} * 65536`, '4294967296');
}

/** `_ids`, `_fnv`, `_hash` (series id to seriesHash) and `_nseries`, for the `auto` split. */
export function splitCtes(d: Dialect, spec: DatasetSpec): string[] {
  if (spec.splitMethod !== 'auto') return [];
  const fnv = d.fnv('_ids');
  const x = (a: string, b: string) => d.xor(a, b);
  // murmur3's finaliser, one step per subquery so each step reads the previous one by name.
  const steps = [
    (h: string) => x(h, d.shr(h, 16)),
    (h: string) => mul32(d, h, 0x85ebca6b),
    (h: string) => x(h, d.shr(h, 13)),
    (h: string) => mul32(d, h, 0xc2b2ae35),
    (h: string) => x(h, d.shr(h, 16)),
  ];
  let rel = `(SELECT _s, _h0 AS _x FROM _fnv${fnv.done ? ` WHERE ${fnv.done}` : ''}) _q0`;
  steps.forEach((f, i) => (rel = `(SELECT _s, ${f('_x')} AS _x FROM ${rel}) _q${i + 1}`));
  return [`_ids AS (SELECT DISTINCT _s FROM _src)`, `_fnv AS (${fnv.body})`, `_hash AS (SELECT _s, _x AS _h FROM ${rel})`, `_nseries AS (SELECT COUNT(*) AS _ns FROM _ids)`];
}
