// Evaluation by blocks of whole series (a one-shot run): every declaration over a few thousand
// series at a time, features computed and dropped per block, flags written into full columns.
// Kernels see one series at a time, so a block's values are the whole frame's, point by point;
// the columns of a block stay in the processor's cache and no column of the frame's length is
// ever made but the flags.
import { workOf, type Budget, type BudgetLimits } from './budget';
import { CacheCorrupt, readPart, type PartBuffers } from './cache';
import { Evaluator, FeatureCache } from './evaluate';
import type { Frame } from './frame';
import { evaluateFusedMany, isElementwise } from './fuse';
import type { PlanNode } from './plan';
import { scoreBlock, type BlockLabels, type BlockScores, type ScoringPlan } from './blockscore';
import { packFlags } from './points';
import type { ColumnPool } from './pool';

/**
 * What evaluation reads of a frame; a block's output columns come from its pool. A frame from the
 * cache gives the columns it does not hold in memory as parts of its file (`partial`).
 */
export type EvalFrame = Pick<Frame, 'length' | 'seriesStart' | 'columns' | 'categories' | 'partial'> & { pool?: ColumnPool };

/** Points per block: 64K (half a megabyte per number column). */
export const blockPoints = 1 << 16;

/** Series indices where blocks start, then the number of series: blocks of about `points` points, whole series each. */
export function seriesBlocks(starts: Int32Array, points = blockPoints): number[] {
  const out = [0];
  const series = starts.length - 1;
  let from = starts[0];
  for (let s = 1; s < series; s++) {
    if (starts[s + 1] - from > points) {
      out.push(s);
      from = starts[s];
    }
  }
  if (series > 0) out.push(series);
  else out.length = 0;
  return out;
}

/**
 * Series [s0, s1) as a frame of their own: the named columns as views (no copy), or read from the
 * cache file's part holding them and checked (into `buffers`, reused from block to block; a part
 * that does not check out marks the frame damaged and throws CacheCorrupt).
 */
export function blockOf(frame: EvalFrame, s0: number, s1: number, names: Iterable<string>, buffers?: PartBuffers): EvalFrame {
  const a = frame.seriesStart[s0];
  const b = frame.seriesStart[s1];
  const seriesStart = new Int32Array(s1 - s0 + 1);
  for (let s = s0; s <= s1; s++) seriesStart[s - s0] = frame.seriesStart[s] - a;
  const columns = new Map<string, Float64Array>();
  const categories: EvalFrame['categories'] = new Map();
  for (const name of names) {
    const place = frame.partial?.place(name);
    if (place) {
      let part: Float64Array | Int32Array;
      try {
        part = readPart(place, a, b, buffers);
      } catch (e) {
        if (e instanceof CacheCorrupt) frame.partial!.damaged(name);
        throw e;
      }
      if (place.values === undefined) columns.set(name, part as Float64Array);
      else categories.set(name, { codes: part as Int32Array, values: frame.partial!.dictionary(name) ?? [] });
      continue;
    }
    const c = frame.columns.get(name);
    if (c) columns.set(name, c.subarray(a, b));
    const k = frame.categories.get(name);
    if (k) categories.set(name, { ...k, codes: k.codes.subarray(a, b) });
  }
  return { length: b - a, seriesStart, columns, categories };
}

/**
 * Whether evaluating every node once over the whole frame stays within the budget's work and
 * memory, counting every node of the plans (more than is ever charged): then block by block
 * cannot end otherwise than column by column, and only time is checked per block.
 */
export function withinBudget(roots: PlanNode[], frame: EvalFrame, limits: BudgetLimits): boolean {
  const s = frame.seriesStart;
  let longest = 0;
  for (let i = 0; i + 1 < s.length; i++) longest = Math.max(longest, s[i + 1] - s[i]);
  let work = 0;
  let bytes = 0;
  for (const node of nodesOf(roots)) {
    if (node.op === 'num' || node.op === 'bool' || node.op === 'col') continue;
    work += workOf(node, frame.length, longest);
    bytes += frame.length * (node.kind === 'boolean' ? 1 : 8);
  }
  return work <= limits.work && bytes <= limits.bytes;
}

/** The column names the plans read. */
export function columnsRead(roots: PlanNode[]): Set<string> {
  return new Set(nodesOf(roots).flatMap((n) => (n.op === 'col' ? [n.name!] : [])));
}

/**
 * Columns of the frame's length for the function calls of the plans (not the plans' roots, whose
 * flags the blocks give anyway), while they fit in `room` bytes; over SharedArrayBuffers, which
 * worker threads write into.
 */
export function keptColumns(roots: PlanNode[], n: number, room: number): KeptColumns {
  const out: KeptColumns = new Map();
  const top = new Set(roots);
  for (const node of nodesOf(roots)) {
    if (node.op !== 'call' || node.kind === 'category' || top.has(node)) continue;
    const bytes = n * (node.kind === 'boolean' ? 1 : 8);
    if (bytes > room) continue;
    room -= bytes;
    const buffer = new SharedArrayBuffer(bytes);
    out.set(node.key, node.kind === 'boolean' ? new Uint8Array(buffer) : new Float64Array(buffer));
  }
  return out;
}

/** Every node of the plans, once. */
export function nodesOf(roots: PlanNode[]): PlanNode[] {
  const seen = new Set<PlanNode>();
  const stack = [...roots];
  while (stack.length) {
    const node = stack.pop()!;
    if (seen.has(node)) continue;
    seen.add(node);
    stack.push(...node.args);
  }
  return [...seen];
}

/**
 * Columns of the whole frame that blocks write some of their nodes' values into (by plan key; shared
 * between threads), so that they are kept after the blocks (the language server's features).
 */
export type KeptColumns = Map<string, Float64Array | Uint8Array>;

/**
 * Flags of every plan over one block, and the time its features and its conditions took. With a
 * pool, the block's columns (the flags too) are the pool's: they hold until the next block
 * evaluated with it. The values of the nodes in `keep` are written into its columns from point
 * `at` (the block's first point in the frame). With `score`, the block's scores instead of its
 * flags (blockscore.ts).
 */
export function evaluateBlock(block: EvalFrame, roots: PlanNode[], pool?: ColumnPool, keep?: { at: number; columns: KeptColumns }, score?: { plan: ScoringPlan; labels: BlockLabels }): BlockResult {
  pool?.reset();
  const ev = new Evaluator(pool ? { ...block, pool } : block, new FeatureCache(Infinity));
  const seen = new Set<PlanNode>();
  const t1 = performance.now();
  for (const root of roots) featuresOf(root, ev, seen);
  const t2 = performance.now();
  // The declarations' element-wise trees in one loop: the block's columns are read once per point.
  const trees = [...new Set(roots)].filter(isElementwise);
  evaluateFusedMany(trees, ev.frame, (leaf) => ev.values(leaf) as Float64Array | Uint8Array | number).forEach((col, k) => ev.cache.set(trees[k].key, col));
  const flags = roots.map((root) => ev.column(root) as Uint8Array);
  for (const [key, column] of keep?.columns ?? []) {
    const v = ev.cache.get(key);
    if (!v || 'codes' in v) throw new Error(`a kept node was not computed: ${key}`);
    column.set(v, keep!.at);
  }
  if (score) {
    const scores = scoreBlock(score.plan, flags, block.seriesStart, score.labels);
    return { flags: [], bits: [], unknown: [], scores, features: t2 - t1, evaluate: performance.now() - t2 };
  }
  // Where each is true and where unknown, as bits (scoring reads them): made here, block by block, on every thread.
  const packed = flags.map(packFlags);
  const bits = packed.map((p) => p[0]);
  const unknown = packed.map((p) => p[1]);
  return { flags, bits, unknown, features: t2 - t1, evaluate: performance.now() - t2 };
}

/**
 * A block's flags, the bit sets of their true and their unknown points (bit 0: the block's first
 * point), and the time its features and conditions took; or, when scored, its scores (no flags).
 */
export interface BlockResult {
  flags: Uint8Array[];
  bits: Uint32Array[];
  unknown: Uint32Array[];
  scores?: BlockScores;
  features: number;
  evaluate: number;
}

/** Computes the function calls under a node first (the "features"); each node of the DAG once. */
export function featuresOf(root: PlanNode, ev: Evaluator, seen: Set<PlanNode>, budget?: Budget): void {
  const stack = [root];
  while (stack.length) {
    const node = stack.pop()!;
    if (seen.has(node)) continue;
    seen.add(node);
    if (node.op === 'call') ev.values(node, budget);
    else stack.push(...node.args);
  }
}
