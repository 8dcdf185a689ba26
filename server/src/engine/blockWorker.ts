// A worker thread of parallel.ts: evaluates the blocks it is sent, with the plans it got first.
import { parentPort } from 'node:worker_threads';
import type { ScoringPlan } from './blockscore';
import { evaluateBlock, type KeptColumns } from './blocks';
import { CacheCorrupt, PartBuffers, readPart } from './cache';
import type { Categorical } from './frame';
import type { FromWorker, ToWorker } from './parallel';
import type { PlanNode } from './plan';
import { ColumnPool } from './pool';

let roots: PlanNode[] = [];
let dictionaries = new Map<string, string[]>();
let keep: KeptColumns | undefined;
let scoring: ScoringPlan | undefined;
// Every block's columns are written into one pool, and the cache file's parts read into buffers
// kept from block to block; the flags are copied out to be sent.
const pool = new ColumnPool();
const buffers = new PartBuffers();
parentPort?.on('message', (m: ToWorker) => {
  if ('roots' in m) {
    roots = m.roots;
    dictionaries = new Map(m.dictionaries);
    keep = m.keep.length ? new Map(m.keep) : undefined;
    scoring = m.scoring;
    return;
  }
  let reply: FromWorker;
  let reading = '';
  try {
    const categories = new Map<string, Categorical>(m.codes.map(([n, codes]) => [n, { codes, values: dictionaries.get(n) ?? [] }]));
    const columns = new Map(m.columns);
    const length = m.seriesStart[m.seriesStart.length - 1];
    for (const [n, place] of m.parts) {
      reading = n;
      const part = readPart(place, m.at, m.at + length, buffers);
      if (place.values === undefined) columns.set(n, part as Float64Array);
      else categories.set(n, { codes: part as Int32Array, values: dictionaries.get(n) ?? [] });
    }
    const score = scoring && m.labels && { plan: scoring, labels: m.labels };
    const r = evaluateBlock({ length, seriesStart: m.seriesStart, columns, categories }, roots, pool, keep && { at: m.at, columns: keep }, score);
    reply = { id: m.id, ...r, flags: r.flags.map((f) => f.slice()) };
  } catch (e) {
    reply = e instanceof CacheCorrupt ? { id: m.id, corrupt: reading } : { id: m.id, error: (e as Error).message };
  }
  parentPort!.postMessage(reply, 'flags' in reply ? [...reply.flags, ...reply.bits, ...reply.unknown].map((f) => f.buffer as ArrayBuffer) : []);
});
