// The search space of rule discovery: features built from the dataset's columns (each an ARL
// expression, computed once by the engine), cut into predicates (RuAG's Gini discretisation of
// continuous attributes), each predicate a bit set over every point. Scale-free features (z-scores
// against the series' own history, ranks, relative changes) carry across series in any unit;
// column groups are combined with count_true / max_of; category columns give `==` tests, `ever`
// and counts, never thresholds on codes. Nothing here knows a dataset: windows and holds come
// from the series' lengths and the train labels.
import { writeName } from '../../../grammar/src/lexer';
import type { Frame } from '../engine/frame';
import { bitsWhere, hold, wordsFor, type Bits } from './bits';
import type { RefineContext } from './context';
import { giniCut, niceBetween } from './cuts';
import { compileFeatures, sharedScale } from './features';
import { evaluate } from './context';

export type Op = '>=' | '<';

/** A numeric feature: ARL text, and how people read it. */
export interface Feature {
  text: string;
  /** Conditions on one family (a column and its transforms) are not and'ed together. */
  family: string;
  /** Snake-case words for names: `value_z` -> `high_value_z`. */
  name: string;
  /** What a condition means, in a few words for a title (no numbers, so tuning keeps it true): `value far above its history`. */
  phrase(op: Op, cut: number): string;
  /** Counts of events so far: `>= 1` reads as `ever(...)`. */
  ever?: string;
  integer?: boolean;
  /** A standard score (zscore, robust_z and their group summaries): its cuts are bounded (see zCutLimit). */
  z?: boolean;
}

/**
 * The largest |cut| on a standard score. By Chebyshev's inequality at most 1 point in 1,000 lies
 * beyond sqrt(1000) ~ 31.6 standard deviations whatever the distribution, and the cuts already
 * stop at the 0.999 quantile of the normal points: a cut further out (robust_z >= 3000) separates
 * points by how flat the window before them was (a spread near 0), not by how far off they are,
 * and flat stretches come and go between splits.
 */
export const zCutLimit = Math.sqrt(1000);

/** One predicate: a feature, a comparison and a cut, or a condition written out. */
export interface Literal {
  feature: Feature;
  op: Op;
  cut: number;
  /** The condition's ARL text. */
  text: string;
  name: string;
  phrase: string;
  bits: Bits;
  /** Held: `count(text, w) >= 1`. */
  hold?: number;
}

export interface Space {
  literals: Literal[];
  /** Hold lengths worth trying (from the train events' lengths); empty for single-point events. */
  holds: number[];
  /** Feature columns by text, for rounding cuts. */
  values: Map<string, Float64Array>;
  frame: Frame;
}

export interface SpaceOptions {
  /** Most bytes of predicate bit sets kept (default 96 MB): fewer, better predicates on big data. */
  budgetBytes?: number;
  signal?: AbortSignal;
}

const space = new WeakMap<object, Map<string, Space>>();

/** The space for a context's data and objective (built once, reused by every search on it). */
export function spaceFor(ctx: RefineContext, opts: SpaceOptions = {}): Space {
  let m = space.get(ctx.data.evaluator);
  if (!m) space.set(ctx.data.evaluator, (m = new Map()));
  const key = JSON.stringify([ctx.scoring.objective.objective, ctx.scoring.tolerance, ctx.shares, ctx.roles]);
  let s = m.get(key);
  if (!s) m.set(key, (s = buildSpace(ctx, opts)));
  return s;
}

const snake = (s: string) => s.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '').toLowerCase() || 'x';
const clamp = (x: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, Math.round(x)));

/** Lengths of the series, and the median. */
function seriesLengths(frame: Frame): { median: number; max: number } {
  const l: number[] = [];
  for (let s = 0; s < frame.seriesIds.length; s++) l.push(frame.seriesStart[s + 1] - frame.seriesStart[s]);
  l.sort((a, b) => a - b);
  return { median: l[l.length >> 1] ?? 0, max: l[l.length - 1] ?? 0 };
}

/** The longest prefix shared by every name; '' when none. */
function commonPrefix(names: string[]): string {
  if (!names.length) return '';
  let p = names[0];
  for (const n of names) while (!n.startsWith(p)) p = p.slice(0, -1);
  return p;
}

function buildFeatures(ctx: RefineContext): Feature[] {
  const frame = ctx.data.frame;
  const roles = new Set(Object.values(ctx.roles).filter(Boolean));
  const numeric = [...frame.columns.keys()].filter((c) => !roles.has(c));
  const cats = [...frame.categories.keys()].filter((c) => !roles.has(c));
  const { median, max } = seriesLengths(frame);
  const out: Feature[] = [];
  // Windows from the series' lengths: a short one and a long one; `all` needs a settled history.
  const short = clamp(median / 200, 5, 60);
  const long = clamp(median / 20, 20, 1000);
  const settled = clamp(median / 100, 10, 200);
  const hasHistory = median >= 3 * settled;
  const wide = numeric.length > 6;
  for (const col of numeric) {
    const c = writeName(col);
    const n = snake(col);
    // Raw units only when the series share a scale: a cut in one series' units means nothing in another's.
    const raw = sharedScale(frame, col);
    if (raw) out.push({ text: c, family: col, name: n, phrase: (op) => `${op === '>=' ? 'high' : 'low'} ${col}` });
    if (hasHistory) {
      out.push({
        text: `zscore(${c}, all, min_count = ${settled})`,
        family: col,
        name: `${n}_vs_history`,
        z: true,
        phrase: (op, cut) => `${col} ${versus(op, cut, 2)} its history`,
      });
    }
    if (wide) continue;
    // The level of the last points against the whole history, either way: a shift that lasts
    // (a window of labelled anomalies) rather than one odd point.
    if (hasHistory) {
      for (const w of new Set([short, long].filter((w) => max > w + settled))) {
        out.push({ text: `abs(zscore(mean(${c}, ${w}), all, min_count = ${settled}))`, family: `${col}~${w}`, name: `${n}_level_off`, z: true, phrase: (op) => (op === '>=' ? `${col} level off its history` : `${col} level near its history`) });
      }
    }
    if (max > long + 1) {
      out.push({ text: `robust_z(${c}, ${long})`, family: col, name: `${n}_vs_recent`, z: true, phrase: (op, cut) => `${col} ${versus(op, cut, 3)} its recent median` });
    }
    if (max > short + 1) {
      out.push({ text: `zscore(${c}, ${short})`, family: col, name: `${n}_jump`, z: true, phrase: (op, cut) => (op === '>=' && cut > 0 ? `jump in ${col}` : op === '<' && cut < 0 ? `drop in ${col}` : `${col} ${versus(op, cut, 2)} its last ${short} points`) });
      if (raw) out.push({ text: `max(${c}, ${short}, offset = 1)`, family: col, name: `${n}_recent_peak`, phrase: (op) => (op === '>=' ? `${col} high just before` : `${col} quiet just before`) });
    }
    if (hasHistory) {
      out.push({ text: `rank(${c}, all, min_count = ${settled})`, family: col, name: `${n}_rank`, phrase: (op, cut) => (op === '>=' ? (cut >= 0.9 ? `${col} near its highest so far` : `${col} not among its lowest`) : cut <= 0.1 ? `${col} near its lowest so far` : `${col} not among its highest`) });
    }
    if (max > 2) {
      out.push({ text: `pct_change(${c}, 1)`, family: col, name: `${n}_change`, phrase: (op, cut) => (op === '>=' ? (cut > 0 ? `sharp rise in ${col}` : `no sharp fall in ${col}`) : cut < 0 ? `sharp fall in ${col}` : `no sharp rise in ${col}`) });
    }
  }
  // Several columns sharing a prefix: how many of them are far from their history, the largest.
  const prefix = commonPrefix(numeric);
  if (numeric.length >= 3 && hasHistory) {
    const matches = prefix && [...frame.columns.keys()].filter((c) => c.startsWith(prefix) && !roles.has(c)).length === numeric.length && !frame.categories.size;
    const group = matches ? `columns(${JSON.stringify(prefix + '*')})` : numeric.length <= 12 ? `[${numeric.map(writeName).join(', ')}]` : undefined;
    const label = matches ? `${prefix}*` : 'the columns';
    if (group) {
      const z = `abs(zscore(${group}, all, min_count = ${settled}))`;
      for (const t of [2, 3, 4, 6]) {
        out.push({ text: `count_true(${z} > ${t})`, family: `group>${t}`, name: `${snake(prefix) || 'columns'}_off`, phrase: (op, cut) => (op === '>=' ? `${cut >= 2 ? 'several' : 'one'} of ${label} far off their history` : `few of ${label} far off their history`), integer: true });
      }
      out.push({ text: `max_of(${z})`, family: 'group-max', z: true, name: `${snake(prefix) || 'columns'}_max_off`, phrase: (op) => (op === '>=' ? `one of ${label} far off its history` : `all of ${label} near their history`) });
      out.push({ text: `mean_of(${z})`, family: 'group-mean', z: true, name: `${snake(prefix) || 'columns'}_mean_off`, phrase: (op) => (op === '>=' ? `${label} off their history on average` : `${label} near their history on average`) });
      // The same on each column's level over the last points (a shift that lasts, not one odd point).
      const level = `abs(zscore(mean(${group}, ${short}), all, min_count = ${settled}))`;
      for (const t of [2, 3, 4]) {
        out.push({ text: `count_true(${level} > ${t})`, family: `group-level>${t}`, name: `${snake(prefix) || 'columns'}_levels_off`, phrase: (op, cut) => (op === '>=' ? `${cut >= 2 ? 'several' : 'one'} of ${label} at a level off their history` : `few of ${label} at a level off their history`), integer: true });
      }
      out.push({ text: `max_of(${level})`, family: 'group-level-max', z: true, name: `${snake(prefix) || 'columns'}_max_level_off`, phrase: (op) => (op === '>=' ? `one of ${label} at a level far off its history` : `all of ${label} at levels near their history`) });
      out.push({ text: `mean_of(${level})`, family: 'group-level-mean', z: true, name: `${snake(prefix) || 'columns'}_levels_mean_off`, phrase: (op) => (op === '>=' ? `${label} at levels off their history on average` : `${label} at levels near their history on average`) });
    }
  }
  // Categories: compared with `==`, counted, never thresholded as numbers.
  for (const col of cats) {
    const cat = frame.categories.get(col)!;
    if (cat.values.length > 64 || cat.values.length > frame.length / 20) continue;
    const c = writeName(col);
    for (const v of cat.values) {
      const is = `${c} == ${JSON.stringify(v)}`;
      out.push({
        text: `count(${is}, all)`,
        family: `${col}=${v}`,
        name: `${snake(v)}`,
        ever: is,
        phrase: (op, cut) => (cut === 1 ? (op === '>=' ? `${v} seen` : `no ${v} yet`) : op === '>=' ? `${v} repeated` : `few ${v} so far`),
        integer: true,
      });
    }
  }
  // Points so far (a session's length), when whole series go to one split: under a split by
  // time, a position would only say when a series was cut.
  const bySeries = !ctx.scoring.index('train').labelled.length ? false : seriesWhole(ctx);
  if (bySeries && max > 2) {
    out.push({ text: 'count(true, all)', family: 'length', name: 'points_so_far', phrase: (op) => (op === '>=' ? 'many points so far' : 'few points so far'), integer: true });
  }
  return out;
}

/** Whether every series lies in one split. */
function seriesWhole(ctx: RefineContext): boolean {
  const frame = ctx.data.frame;
  const train = ctx.scoring.events('train');
  const validation = ctx.scoring.events('validation');
  for (let s = 0; s < frame.seriesIds.length; s++) {
    const a = frame.seriesStart[s];
    const b = frame.seriesStart[s + 1];
    if (a === b) continue;
    const k = train.segmentOf[a] >= 0 ? 0 : validation.segmentOf[a] >= 0 ? 1 : 2;
    for (let i = a; i < b; i++) {
      const j = train.segmentOf[i] >= 0 ? 0 : validation.segmentOf[i] >= 0 ? 1 : 2;
      if (j !== k) return false;
    }
  }
  return true;
}

/** How far from a baseline a cut on a z-score reads: `far above`, `above`, `not far below`... */
function versus(op: Op, cut: number, far: number): string {
  if (op === '>=') return cut >= far ? 'far above' : cut >= 0 ? 'above' : 'not far below';
  return cut <= -far ? 'far below' : cut <= 0 ? 'below' : 'not far above';
}

/** Cut points of a feature on the train labelled points: Gini splits to depth 3, and tail quantiles of the normal points. */
function cutsOf(values: Float64Array, points: Int32Array, isAnomaly: Uint8Array, integer: boolean): number[] {
  // At most 100,000 points, evenly spaced, so cutting stays fast on large data.
  const step = Math.max(1, Math.ceil(points.length / 100000));
  const v: number[] = [];
  const y: number[] = [];
  for (let k = 0; k < points.length; k += step) {
    const x = values[points[k]];
    if (x === x && Number.isFinite(x)) (v.push(x), y.push(isAnomaly[k]));
  }
  if (v.length < 2) return [];
  const cuts = new Set<number>();
  const split = (idx: number[], depth: number) => {
    if (depth === 0 || idx.length < 4) return;
    const c = giniCut(v, y, idx);
    if (!c || !(c.gain > 0)) return;
    cuts.add(c.cut);
    const lo = idx.filter((k) => v[k] < c.cut);
    const hi = idx.filter((k) => v[k] >= c.cut);
    split(lo, depth - 1);
    split(hi, depth - 1);
  };
  split(
    v.map((_, k) => k),
    3,
  );
  const normal = v.filter((_, k) => !y[k]).sort((a, b) => a - b);
  for (const q of [0.9, 0.99, 0.999]) {
    if (!normal.length) break;
    const j = Math.min(normal.length - 1, Math.floor(q * normal.length));
    const above = normal.find((x) => x > normal[j]);
    cuts.add(above === undefined ? niceBetween(normal[j], normal[j] + Math.max(1, Math.abs(normal[j])), false, true) : niceBetween(normal[j], above, false, true));
  }
  if (integer) for (const c of [...cuts]) (cuts.delete(c), cuts.add(Math.max(1, Math.ceil(c))));
  return [...cuts].filter(Number.isFinite).sort((a, b) => a - b);
}

/** A number for rules: up to 4 significant digits, no trailing zeros. */
export function fmtCut(x: number): string {
  return String(Number(x.toPrecision(4)));
}

export function literalText(f: Feature, op: Op, cut: number): string {
  if (f.ever && cut === 1) return op === '>=' ? `ever(${f.ever})` : `not ever(${f.ever})`;
  return `${f.text} ${op} ${fmtCut(cut)}`;
}

export function makeLiteral(f: Feature, op: Op, cut: number, bits: Bits): Literal {
  const high = op === '>=';
  const name = f.ever && cut === 1 ? (high ? `saw_${f.name}` : `no_${f.name}`) : `${high ? (f.integer ? 'many' : 'high') : f.integer ? 'few' : 'low'}_${f.name}`;
  return { feature: f, op, cut, text: literalText(f, op, cut), name, phrase: f.phrase(op, cut), bits };
}

/** Points where `values op cut` is true (a missing value is not). */
export function cutBits(values: Float64Array, op: Op, cut: number): Bits {
  return op === '>=' ? bitsWhere(values.length, (i) => values[i] >= cut) : bitsWhere(values.length, (i) => values[i] < cut);
}

function buildSpace(ctx: RefineContext, opts: SpaceOptions): Space {
  const frame = ctx.data.frame;
  const ev = evaluate(ctx, ctx.text);
  const specs = buildFeatures(ctx);
  const compiled = compileFeatures(
    ev,
    specs.map((f) => ({ text: f.text, source: 'derived' as const })),
  );
  const byText = new Map(compiled.map((c) => [c.text, c]));
  const train = ctx.scoring.index('train');
  const values = new Map<string, Float64Array>();
  const literals: Literal[] = [];
  for (const f of specs) {
    if (opts.signal?.aborted) break;
    const c = byText.get(f.text);
    if (!c) continue;
    const col = ctx.data.evaluator.values(c.node);
    if (typeof col === 'number' || !(col instanceof Float64Array)) continue;
    const cuts = cutsOf(col, train.labelled, train.isAnomaly, !!f.integer).filter((c) => !f.z || Math.abs(c) <= zCutLimit);
    if (!cuts.length) continue;
    values.set(f.text, col);
    for (const cut of cuts) {
      for (const op of ['>=', '<'] as const) {
        // `not ever(...)` and "fewer than N so far" only for counts of categories and lengths.
        if (op === '<' && f.integer && !f.ever && f.family !== 'length') continue;
        literals.push(makeLiteral(f, op, cut, cutBits(col, op, cut)));
      }
    }
  }
  // Point tests of categories: `event == "T7"` at this point.
  const roles = new Set(Object.values(ctx.roles).filter(Boolean));
  for (const [col, cat] of frame.categories) {
    if (roles.has(col) || cat.values.length > 64 || cat.values.length > frame.length / 20) continue;
    cat.values.forEach((v, code) => {
      const f: Feature = { text: `${writeName(col)} == ${JSON.stringify(v)}`, family: `${col}=${v}`, name: `${snake(col)}_${snake(v)}`, phrase: () => `${col} ${v}` };
      literals.push({ feature: f, op: '>=', cut: 1, text: f.text, name: f.name, phrase: f.phrase('>=', 1), bits: bitsWhere(frame.length, (i) => cat.codes[i] === code) });
    });
  }
  return { literals: prune(ctx, literals, opts.budgetBytes ?? 96 * 1024 * 1024), holds: holdLengths(ctx), values, frame };
}

/** Keeps the predicates that flag some anomaly of train and differ from each other, within the byte budget. */
function prune(ctx: RefineContext, literals: Literal[], budget: number): Literal[] {
  const train = ctx.scoring.index('train');
  const anomalous = bitsWhere(ctx.data.frame.length, () => false);
  for (let k = 0; k < train.labelled.length; k++) if (train.isAnomaly[k]) anomalous[train.labelled[k] >>> 5] |= 1 << (train.labelled[k] & 31);
  const seen = new Set<string>();
  const kept: { l: Literal; hits: number }[] = [];
  for (const l of literals) {
    let hits = 0;
    let h = 0x811c9dc5;
    for (let w = 0; w < l.bits.length; w++) {
      const x = l.bits[w] & anomalous[w];
      if (x) hits += popcount(x);
      h = Math.imul(h ^ l.bits[w], 0x01000193);
    }
    if (!hits) continue;
    const key = `${h}:${hits}`;
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push({ l, hits });
  }
  const most = Math.max(64, Math.floor(budget / (wordsFor(ctx.data.frame.length) * 4)));
  if (kept.length <= most) return kept.map((k) => k.l);
  // Over the budget: the predicates whose hits are most often anomalies, per family in turn.
  const precision = (k: { l: Literal; hits: number }) => k.hits / Math.max(1, countBits(k.l.bits));
  return kept
    .sort((a, b) => precision(b) - precision(a))
    .slice(0, most)
    .map((k) => k.l);
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

function countBits(b: Bits): number {
  let c = 0;
  for (let w = 0; w < b.length; w++) if (b[w]) c += popcount(b[w]);
  return c;
}

/** Holds worth trying: around the median length of the train events, when events last. */
function holdLengths(ctx: RefineContext): number[] {
  const idx = ctx.scoring.events('train');
  const lengths: number[] = [];
  for (let e = 0; e < idx.events.length; e += 2) lengths.push(idx.events[e + 1] - idx.events[e]);
  lengths.sort((a, b) => a - b);
  const med = lengths[lengths.length >> 1] ?? 1;
  if (med < 3) return [];
  const { max } = seriesLengths(ctx.data.frame);
  return [...new Set([med / 2, med, 2 * med, 4 * med].map((x) => clamp(x, 2, 1000)))].filter((w) => w < max / 4);
}

/** A literal held over w points: true where it was true within the last w points. */
export function heldLiteral(l: Literal, w: number, frame: Frame): Literal {
  return { ...l, hold: w, text: `count(${l.text}, ${w}) >= 1`, name: `${l.name}_lately`, phrase: `${l.phrase} lately`, bits: hold(l.bits, w, frame.seriesStart) };
}

/** Recomputes a literal's bits at another cut (for rounding). */
export function recut(s: Space, l: Literal, cut: number): Literal | undefined {
  const v = s.values.get(l.feature.text);
  if (!v) return undefined;
  const base = makeLiteral(l.feature, l.op, cut, cutBits(v, l.op, cut));
  return l.hold ? heldLiteral(base, l.hold, s.frame) : base;
}

