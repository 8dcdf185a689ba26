// The baselines of the quality benchmark: a rolling z-score and an Isolation Forest, each giving
// a score per point, and the threshold that maximises the objective on a split.
import { ANOMALY, OUTSIDE, ObjectiveTracker, type EventIndex, type Objective } from '../../server/src/engine/events';
import type { Frame } from '../../server/src/engine/frame';
import { IsolationForest, type Matrix } from './iforest';

/**
 * Per point, the largest |z| over `columns`, where z compares a value with the mean and sample
 * standard deviation of the `w` points before it in its series. NaN for the first w points of a
 * series; a flat window (deviation 0) gives an infinite z to any different value.
 */
export function rollingZ(frame: Frame, columns: string[], w: number): Float64Array {
  const out = new Float64Array(frame.length).fill(Number.NaN);
  for (const name of columns) {
    const x = frame.columns.get(name);
    if (!x) throw new Error(`rolling z: no numeric column ${name}`);
    for (let s = 0; s < frame.seriesIds.length; s++) {
      const a = frame.seriesStart[s];
      const b = frame.seriesStart[s + 1];
      let sum = 0;
      let sq = 0;
      let n = 0;
      for (let i = a; i < b; i++) {
        if (i - a >= w) {
          const mean = sum / n;
          const sd = n > 1 ? Math.sqrt(Math.max(0, (sq - n * mean * mean) / (n - 1))) : 0;
          const d = Math.abs(x[i] - mean);
          // Running sums lose precision: deviations below 1e-9 of the level count as flat.
          const z = sd > 1e-9 * Math.max(1, Math.abs(mean)) ? d / sd : d > 1e-9 * Math.max(1, Math.abs(mean)) ? Infinity : 0;
          if (z === z && !(out[i] >= z)) out[i] = z;
        }
        const v = x[i];
        if (v === v) (sum += v), (sq += v * v), n++;
        if (i - a >= w) {
          const old = x[i - w];
          if (old === old) (sum -= old), (sq -= old * old), n--;
        }
      }
    }
  }
  return out;
}

/**
 * The threshold (flag where score >= it) with the best objective on the split `idx` describes,
 * found exactly by adding points from the highest score down. NaN when flagging nothing is best
 * (no score is >= NaN; Infinity would still flag infinite scores).
 */
export function bestThreshold(scores: Float64Array, idx: EventIndex, objective: Objective): { threshold: number; value: number } {
  const order: number[] = [];
  for (let i = 0; i < scores.length; i++) if (idx.kind[i] !== OUTSIDE && scores[i] === scores[i]) order.push(i);
  order.sort((p, q) => scores[q] - scores[p]);
  const t = new ObjectiveTracker(objective, idx);
  t.reset();
  let best = { threshold: Number.NaN, value: t.value() };
  for (let k = 0; k < order.length; ) {
    const v = scores[order[k]];
    while (k < order.length && scores[order[k]] === v) t.add(order[k++]);
    const value = t.value();
    if (value > best.value) best = { threshold: v, value };
  }
  return best;
}

export function flagsAbove(scores: Float64Array, threshold: number): Uint8Array {
  return Uint8Array.from(scores, (v) => (v >= threshold ? 1 : 0));
}

/** Rows of a frame as a matrix of `columns` (NaN read as 0). */
export function matrixOf(frame: Frame, columns: string[], rows: ArrayLike<number>): Matrix {
  const dim = columns.length;
  const data = new Float64Array(rows.length * dim);
  const cols = columns.map((c) => {
    const x = frame.columns.get(c);
    if (!x) throw new Error(`IsolationForest: no numeric column ${c}`);
    return x;
  });
  for (let r = 0; r < rows.length; r++) for (let k = 0; k < dim; k++) data[r * dim + k] = cols[k][rows[r]] === cols[k][rows[r]] ? cols[k][rows[r]] : 0;
  return { data, rows: rows.length, dim };
}

/**
 * Isolation Forest scores of every point. `series`: one forest per series, fitted on the series'
 * train points when it has some, else on the whole series (as an unsupervised detector is used on
 * new data). `sessions`: each series is one session described by its last row (cumulative counts);
 * one forest is fitted on the train sessions (all sessions when none is in train) and a session's
 * score applies to all its points.
 */
export function forestScores(frame: Frame, columns: string[], splitOf: Uint8Array, mode: 'series' | 'sessions', seed = 1): Float64Array {
  const out = new Float64Array(frame.length);
  const range = (a: number, b: number) => Int32Array.from({ length: b - a }, (_, k) => a + k);
  if (mode === 'sessions') {
    const last: number[] = [];
    for (let s = 0; s < frame.seriesIds.length; s++) if (frame.seriesStart[s + 1] > frame.seriesStart[s]) last.push(frame.seriesStart[s + 1] - 1);
    const train = last.filter((i) => splitOf[i] === 0);
    const forest = new IsolationForest(matrixOf(frame, columns, train.length ? train : last), { seed });
    const scores = forest.score(matrixOf(frame, columns, last));
    last.forEach((i, k) => out.fill(scores[k], frame.seriesStart[frame.seriesOf[i]], i + 1));
    return out;
  }
  for (let s = 0; s < frame.seriesIds.length; s++) {
    const all = range(frame.seriesStart[s], frame.seriesStart[s + 1]);
    if (!all.length) continue;
    const train = all.filter((i) => splitOf[i] === 0);
    const forest = new IsolationForest(matrixOf(frame, columns, train.length ? train : all), { seed: seed + s });
    out.set(forest.score(matrixOf(frame, columns, all)), all[0]);
  }
  return out;
}

/** Series-level figures (a series is flagged when any of its points in the split is): for sessions. */
export function sessionF1(flags: Uint8Array, idx: EventIndex, frame: Frame): { precision: number; recall: number; f1: number } {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let s = 0; s < frame.seriesIds.length; s++) {
    let inSplit = false;
    let flagged = false;
    let anomalous = false;
    for (let i = frame.seriesStart[s]; i < frame.seriesStart[s + 1]; i++) {
      const k = idx.kind[i];
      if (k === OUTSIDE) continue;
      inSplit = true;
      if (flags[i] === 1) flagged = true;
      if (k === ANOMALY) anomalous = true;
    }
    if (!inSplit) continue;
    if (flagged && anomalous) tp++;
    else if (flagged) fp++;
    else if (anomalous) fn++;
  }
  return { precision: tp + fp ? tp / (tp + fp) : Number.NaN, recall: tp + fn ? tp / (tp + fn) : Number.NaN, f1: 2 * tp + fp + fn ? (2 * tp) / (2 * tp + fp + fn) : Number.NaN };
}

/**
 * The frame with, for each category column, one numeric column per category value: how many
 * times the value has occurred in the series so far (`event#T7`). What detectors that cannot read
 * text are given (HDFS: template counts of the session so far); the names say where they come from.
 */
export function withCategoryCounts(frame: Frame, categories: string[]): { frame: Frame; columns: string[] } {
  const columns = new Map(frame.columns);
  const names: string[] = [];
  for (const c of categories) {
    const cat = frame.categories.get(c);
    if (!cat) throw new Error(`category counts: no text column ${c}`);
    cat.values.forEach((value, code) => {
      const out = new Float64Array(frame.length);
      for (let s = 0; s < frame.seriesIds.length; s++) {
        let n = 0;
        for (let i = frame.seriesStart[s]; i < frame.seriesStart[s + 1]; i++) out[i] = cat.codes[i] === code ? ++n : n;
      }
      const name = `${c}#${value}`;
      columns.set(name, out);
      names.push(name);
    });
  }
  // The frame's own members may be getters (a frame with another label column): read through.
  const withCounts: Frame = Object.create(frame, { columns: { value: columns } });
  return { frame: withCounts, columns: names };
}
