// The final choice among the versions a search went through, by Breiman's one-standard-error rule:
// the simplest version whose validation objective is within one standard error of the best. The
// standard error comes from a bootstrap over units of the validation split (its runs of points per
// series; cut into blocks when there are few), so it says how much the best figure owes to which
// series and incidents happened to fall in validation. A version more complex than another that
// validation cannot tell apart from it is fitted to those incidents, not to what recurs.
import { ANOMALY, NORMAL, type EventIndex, type Objective } from '../engine/events';
import { rng } from '../engine/random';
import { objOf, type Evaluation, type RefineContext } from './context';
import { complexityOf } from './proposal';

/** Fewest units resampled: a split with fewer runs of points is cut into blocks. */
const minUnits = 20;
const resamples = 200;

/** Additive counts of flags per unit: point tp, fp, anomalies; event points inside, judged, events detected, events. */
function unitCounts(flags: Uint8Array, idx: EventIndex): Float64Array[] {
  const { segments, kind, near, events, windows } = idx;
  const runs = segments.length >> 1;
  const per = runs >= minUnits ? 1 : Math.ceil(minUnits / Math.max(1, runs));
  const units: Float64Array[] = [];
  const unitAt = new Int32Array(idx.n).fill(-1);
  for (let g = 0; g < segments.length; g += 2) {
    const a = segments[g];
    const b = segments[g + 1];
    const k = Math.min(per, b - a);
    for (let j = 0; j < k; j++) {
      const u = units.length;
      units.push(new Float64Array(7));
      for (let i = a + Math.floor(((b - a) * j) / k), e = a + Math.floor(((b - a) * (j + 1)) / k); i < e; i++) unitAt[i] = u;
    }
  }
  for (let i = 0; i < idx.n; i++) {
    const u = unitAt[i];
    if (u < 0) continue;
    const c = units[u];
    if (kind[i] === ANOMALY) c[2]++;
    if (flags[i] !== 1) continue;
    if (kind[i] === ANOMALY) c[0]++;
    else if (kind[i] === NORMAL) c[1]++;
    if (near[i]) (c[3]++, c[4]++);
    else if (kind[i] === NORMAL) c[4]++;
  }
  for (let e = 0; e < events.length; e += 2) {
    const u = unitAt[events[e]];
    if (u < 0) continue;
    units[u][6]++;
    for (let i = windows[e]; i < windows[e + 1]; i++) if (flags[i] === 1) (units[u][5]++, (i = windows[e + 1]));
  }
  return units;
}

/** The counts of flags over a whole split (see unitCounts). */
export function splitCounts(flags: Uint8Array, idx: EventIndex): Float64Array {
  const out = new Float64Array(7);
  for (const u of unitCounts(flags, idx)) for (let j = 0; j < 7; j++) out[j] += u[j];
  return out;
}

/** The objective from summed counts (as objectiveScore computes it from flags). */
export function objectiveOfCounts(o: Objective, c: Float64Array): number {
  if (o.kind === 'point_f1') {
    const d = c[0] + c[1] + c[2];
    return d ? (2 * c[0]) / d : 0;
  }
  const p = c[4] ? c[3] / c[4] : 0;
  const r = c[6] ? c[5] / c[6] : 0;
  if (!(p > 0) || !(r > 0)) return 0;
  const b2 = o.kind === 'f_beta' ? o.beta * o.beta : 1;
  return ((1 + b2) * p * r) / (b2 * p + r);
}

/**
 * Bootstrap standard errors of the difference between the objective of `best` and of each of
 * `others` on a split: every version is scored on the same resamples of the split's units (a
 * paired bootstrap), so what the versions share does not count, only where they differ.
 */
export function pairedSE(objective: Objective, best: Uint8Array, others: Uint8Array[], idx: EventIndex, seed = 1): number[] {
  const b = unitCounts(best, idx);
  const o = others.map((f) => unitCounts(f, idx));
  const n = b.length;
  if (n < 2) return others.map(() => 0);
  const next = rng(seed);
  const pick = new Int32Array(n);
  const sum = new Float64Array(7);
  const total = (units: Float64Array[]) => {
    sum.fill(0);
    for (let k = 0; k < n; k++) {
      const u = units[pick[k]];
      for (let j = 0; j < 7; j++) sum[j] += u[j];
    }
    return objectiveOfCounts(objective, sum);
  };
  const mean = new Float64Array(others.length);
  const m2 = new Float64Array(others.length);
  for (let r = 1; r <= resamples; r++) {
    for (let k = 0; k < n; k++) pick[k] = Math.floor(next() * n);
    const x0 = total(b);
    o.forEach((units, j) => {
      const d = x0 - total(units);
      const delta = d - mean[j];
      mean[j] += delta / r;
      m2[j] += delta * (d - mean[j]);
    });
  }
  return [...m2].map((v) => Math.sqrt(v / (resamples - 1)));
}

export interface Choice<T> {
  /** Index of the chosen version. */
  index: number;
  item: T;
  /** The best validation objective, the chosen version's, and the standard error of their difference. */
  best: number;
  value: number;
  se: number;
}

/**
 * The simplest version (least complexity cost: rules and conditions) whose validation objective is
 * within one bootstrap standard error of the best's (the standard error of their difference, by a
 * paired bootstrap); ties go to the better on validation, then to the later. Versions no better
 * than flagging every point on validation are passed over when some version is better.
 */
export function oneStandardError<T>(ctx: RefineContext, items: T[], evOf: (x: T) => Evaluation): Choice<T> {
  const evs = items.map(evOf);
  const vals = evs.map((e) => objOf(e.figures('validation')));
  const floor = ctx.scoring.flagAll('validation');
  const above = vals.map((v) => v > floor + 1e-12);
  const eligible = above.some(Boolean) ? above : vals.map(() => true);
  let best = -1;
  for (let k = 0; k < items.length; k++) if (eligible[k] && (best < 0 || vals[k] > vals[best] + 1e-12)) best = k;
  const flags = evs.map((e) => e.fileFlags());
  const ses = pairedSE(ctx.scoring.objective.objective, flags[best], flags, ctx.scoring.events('validation'));
  let pick = best;
  for (let k = 0; k < items.length; k++) {
    if (!eligible[k] || vals[k] < vals[best] - ses[k] - 1e-12) continue;
    const dc = complexityOf(evs[k]) - complexityOf(evs[pick]);
    if (dc < -1e-12 || (Math.abs(dc) <= 1e-12 && vals[k] >= vals[pick] - 1e-12)) pick = k;
  }
  return { index: pick, item: items[pick], best: vals[best], value: vals[pick], se: ses[pick] };
}

/**
 * The final choice among the versions of one or more searches (`run` -1: the start, shared by
 * all): first the search whose best version is best on validation (ties: train, then the earlier
 * search), then the one-standard-error rule among that search's versions and the start. Pooled
 * over searches, a search stuck at a worse optimum could win by being simpler: validation cannot
 * tell it from the best, train can.
 */
export function chooseVersion<T extends { run: number }>(ctx: RefineContext, items: T[], evOf: (x: T) => Evaluation): Choice<T> {
  const evs = new Map(items.map((x) => [x, evOf(x)] as const));
  const score = (x: T) => [objOf(evs.get(x)!.figures('validation')), objOf(evs.get(x)!.figures('train'))];
  let best: T | undefined;
  for (const x of items) {
    if (x.run < 0) continue;
    const [v, t] = score(x);
    const [bv, bt] = best ? score(best) : [-Infinity, -Infinity];
    if (v > bv + 1e-12 || (Math.abs(v - bv) <= 1e-12 && t > bt + 1e-12)) best = x;
  }
  const pool = best ? items.filter((x) => x.run < 0 || x.run === best!.run) : items;
  const c = oneStandardError(ctx, pool, (x) => evs.get(x)!);
  return { ...c, index: items.indexOf(c.item) };
}
