// Blocks of series evaluated on more than one core: this thread and worker threads (the bundled
// blockWorker.ts) take blocks from one queue. A worker gets its block's columns as copies (it
// shares nothing but the columns kept values are written into), or, for a frame from the cache,
// where they lie in the cache file: it reads and checks them itself. It evaluates the plans and
// sends the flags back; they are written in place, so the flags are the same whichever thread
// made them. The budget's time and the cancellation
// are checked before every block this thread takes; past them the workers are ended.
import { availableParallelism } from 'node:os';
import { busyCores } from './busy';
import { Worker } from 'node:worker_threads';
import { blockOf, evaluateBlock, type BlockResult, type EvalFrame, type KeptColumns } from './blocks';
import type { Budget } from './budget';
import { CacheCorrupt, PartBuffers, type ColumnPlace } from './cache';
import type { PlanNode } from './plan';
import { addScores, emptyScores, type BlockLabels, type BlockScores, type ScoringPlan } from './blockscore';
import { orBitsAt } from './points';
import { ColumnPool } from './pool';

export interface BlockRun {
  /** The worker script (dist/evalworker.cjs); none: this thread only. */
  script?: string;
  /** Worker threads besides this one. */
  workers: number;
  /** Workers already started (taken first, before any is made). */
  started?: StartedWorkers;
  budget: Budget;
  checkCancelled?: () => void;
  /**
   * Columns of the frame's length the blocks write some nodes' values into (by plan key), on every
   * thread: over SharedArrayBuffers when there are workers.
   */
  keep?: KeptColumns;
  /**
   * Score every block where it is evaluated (blockscore.ts) rather than give the flags: the plan,
   * and the labels and splits of a block's series [s0, s1).
   */
  scoring?: { plan: ScoringPlan; labels: (s0: number, s1: number) => BlockLabels };
}

/**
 * Worker threads worth starting now: one per core other work leaves idle (busy.ts; half a core
 * counts), besides this thread's, at most seven. With every core busy a worker
 * only adds its start, its compilation and its copies, and waits for a core. ARL_THREADS=N says
 * how many threads in all, whatever the load (1: this one only).
 */
export function spareCores(): number {
  const cores = availableParallelism();
  const threads = Math.floor(Number(process.env.ARL_THREADS));
  if (threads >= 1) return Math.min(threads - 1, 7);
  return Math.max(0, Math.min(cores - 1, 7, Math.floor(cores - busyCores() + 0.5)));
}

/**
 * Worker threads started before their blocks are known (while the data loads, so that their own
 * start overlaps it), taken by evaluateBlocks; those not taken are ended by stop().
 */
export class StartedWorkers {
  /** Workers not taken yet, and whether each still runs. */
  private readonly waiting = new Map<Worker, boolean>();

  constructor(script: string, count: number) {
    for (let k = 0; k < count; k++) {
      const w = new Worker(script);
      this.waiting.set(w, true);
      // Until taken, a worker that fails to start or stops is only noted.
      const stopped = () => this.waiting.has(w) && this.waiting.set(w, false);
      w.on('error', stopped);
      w.on('exit', stopped);
    }
  }

  /** Workers not taken that still run. */
  get running(): number {
    let n = 0;
    for (const ok of this.waiting.values()) if (ok) n++;
    return n;
  }

  /** Up to n workers still running (others are ended). */
  take(n: number): Worker[] {
    const out: Worker[] = [];
    for (const [w, ok] of this.waiting) {
      if (out.length >= n) break;
      this.waiting.delete(w);
      if (ok) out.push(w);
      else void w.terminate();
    }
    return out;
  }

  /** Ends the workers not taken. */
  stop(): void {
    for (const w of this.waiting.keys()) void w.terminate();
    this.waiting.clear();
  }
}

/**
 * Message to a worker: the plans once, then blocks: the series' starts, the columns in memory (copies),
 * and the columns to read from the cache file from point `at` on (`parts`).
 */
export type ToWorker =
  | { roots: PlanNode[]; dictionaries: [string, string[]][]; keep: [string, Float64Array | Uint8Array][]; scoring?: ScoringPlan }
  | { id: number; at: number; seriesStart: Int32Array; columns: [string, Float64Array][]; codes: [string, Int32Array][]; parts: [string, ColumnPlace][]; labels?: BlockLabels };
/** A block's flags, an error, or a part of the cache file that did not check out. */
export type FromWorker = ({ id: number } & BlockResult) | { id: number; error: string } | { id: number; corrupt: string };

/**
 * Flags of every root over the whole frame, block by block (`starts`: series where blocks start,
 * then the series count), and the bit sets of their true and their unknown points; or, when
 * scoring (BlockRun.scoring), the sum of the blocks' scores and no flags.
 */
export async function evaluateBlocks(
  frame: EvalFrame,
  roots: PlanNode[],
  starts: number[],
  names: Set<string>,
  run: BlockRun,
): Promise<{ flags: Uint8Array[]; bits: Uint32Array[]; unknown: Uint32Array[]; scores?: BlockScores; features: number; evaluate: number }> {
  const scoring = run.scoring;
  // Scored blocks give no flags: no column of the frame's length is made.
  const flags = scoring ? [] : roots.map(() => new Uint8Array(frame.length));
  const bits = scoring ? [] : roots.map(() => new Uint32Array((frame.length + 31) >>> 5));
  const unknown = scoring ? [] : roots.map(() => new Uint32Array((frame.length + 31) >>> 5));
  const scores = scoring && emptyScores(scoring.plan);
  let features = 0;
  let evaluate = 0;
  const blocks = starts.length - 1;
  const place = (b: number, r: BlockResult) => {
    const at = frame.seriesStart[starts[b]];
    if (scores && r.scores) addScores(scores, r.scores);
    r.flags.forEach((f, k) => flags[k].set(f, at));
    r.bits.forEach((f, k) => orBitsAt(bits[k], f, at));
    r.unknown.forEach((f, k) => orBitsAt(unknown[k], f, at));
    features += r.features;
    evaluate += r.evaluate;
  };
  const wanted = run.script && blocks >= 4 ? Math.min(run.workers, blocks >> 1) : 0;
  const workers = wanted ? (run.started?.take(wanted) ?? []) : [];
  while (workers.length < wanted) workers.push(new Worker(run.script!));
  let next = 0;
  // This thread's blocks write their columns into one pool, and read the cache file's parts into
  // buffers kept from block to block; each block's flags are copied out at once.
  const pool = new ColumnPool();
  const buffers = new PartBuffers();
  let failed: Error | undefined;
  let pending = 0;
  let settled: (() => void) | undefined;
  let done = false;
  // Blocks each worker holds; those of a worker that stopped are taken again by this thread.
  const held = new Map<Worker, Set<number>>(workers.map((w) => [w, new Set()]));
  const lost: number[] = [];
  const send = (w: Worker) => {
    if (next >= blocks || failed || !held.has(w)) return;
    const b = next++;
    // Columns of the cache file are read by the worker; the others are copied from memory.
    const parts: [string, ColumnPlace][] = [];
    const inMemory: string[] = [];
    for (const n of names) {
      const place = frame.partial?.place(n);
      if (place) parts.push([n, place]);
      else inMemory.push(n);
    }
    const block = blockOf(frame, starts[b], starts[b + 1], inMemory);
    // Copies of the block's columns, handed over (not shared, not copied twice).
    const columns = [...block.columns].map(([n, c]) => [n, c.slice()] as [string, Float64Array]);
    const codes = [...block.categories].map(([n, c]) => [n, c.codes.slice()] as [string, Int32Array]);
    const labels = scoring?.labels(starts[b], starts[b + 1]);
    const msg: ToWorker = { id: b, at: frame.seriesStart[starts[b]], seriesStart: block.seriesStart, columns, codes, parts, labels };
    pending++;
    held.get(w)!.add(b);
    w.postMessage(msg, [block.seriesStart.buffer as ArrayBuffer, ...columns.map((c) => c[1].buffer as ArrayBuffer), ...codes.map((c) => c[1].buffer as ArrayBuffer)]);
  };
  // A worker that fails to start or stops (killed, out of memory): its blocks go back to the queue.
  const stopped = (w: Worker) => {
    const mine = held.get(w);
    if (done || !mine) return;
    held.delete(w);
    lost.push(...mine);
    pending -= mine.size;
    settled?.();
  };
  try {
    for (const w of workers) {
      w.on('message', (m: FromWorker) => {
        if (!held.get(w)?.delete(m.id)) return;
        pending--;
        // An error in a block's evaluation is the run's error, as on this thread.
        if ('error' in m) failed ??= new Error(`block evaluation failed: ${m.error}`);
        else if ('corrupt' in m) {
          frame.partial?.damaged(m.corrupt);
          failed ??= new CacheCorrupt('a part of the cache file does not check out');
        } else place(m.id, m);
        send(w);
        if (!pending || failed) settled?.();
      });
      w.on('error', () => stopped(w));
      w.on('exit', () => stopped(w));
      // The dictionaries of the category columns read (from the cache file's header when it has them).
      const dictionaries = [...names].flatMap((n) => {
        const values = frame.partial?.dictionary(n) ?? frame.categories.get(n)?.values;
        return values ? [[n, values] as [string, string[]]] : [];
      });
      w.postMessage({ roots, dictionaries, keep: [...(run.keep ?? [])], scoring: scoring?.plan } satisfies ToWorker);
      // Three blocks ahead, so a worker never waits for this thread: its replies are handled
      // between this thread's own blocks, each about as long as one of the worker's (with two
      // ahead, a worker sat idle a tenth of the time).
      for (let k = 0; k < 3; k++) send(w);
    }
    let lastYield = performance.now();
    for (;;) {
      while ((next < blocks || lost.length) && !failed) {
        run.budget.charge(0, 0);
        const b = lost.length ? lost.pop()! : next++;
        const keep = run.keep && { at: frame.seriesStart[starts[b]], columns: run.keep };
        const score = scoring && { plan: scoring.plan, labels: scoring.labels(starts[b], starts[b + 1]) };
        place(b, evaluateBlock(blockOf(frame, starts[b], starts[b + 1], names, buffers), roots, pool, keep, score));
        if (workers.length || performance.now() - lastYield > 20) {
          // The workers' results (and their next blocks) are handled between this thread's blocks.
          await new Promise((r) => setImmediate(r));
          run.checkCancelled?.();
          lastYield = performance.now();
        }
      }
      if (failed || (!pending && !lost.length)) break;
      if (pending) await new Promise<void>((r) => (settled = r));
      settled = undefined;
    }
    if (failed) throw failed;
    return { flags, bits, unknown, scores, features, evaluate };
  } finally {
    done = true;
    for (const w of workers) void w.terminate();
  }
}
