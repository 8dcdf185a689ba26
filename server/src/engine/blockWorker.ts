// A worker thread of parallel.ts: evaluates the blocks it is sent, with the plans it got first.
import { parentPort } from 'node:worker_threads';
import { evaluateBlock } from './blocks';
import type { Categorical } from './frame';
import type { FromWorker, ToWorker } from './parallel';
import type { PlanNode } from './plan';
import { ColumnPool } from './pool';

let roots: PlanNode[] = [];
let dictionaries = new Map<string, string[]>();
// Every block's columns are written into one pool; the flags are copied out to be sent.
const pool = new ColumnPool();
parentPort?.on('message', (m: ToWorker) => {
  if ('roots' in m) {
    roots = m.roots;
    dictionaries = new Map(m.dictionaries);
    return;
  }
  let reply: FromWorker;
  try {
    const categories = new Map<string, Categorical>(m.codes.map(([n, codes]) => [n, { codes, values: dictionaries.get(n) ?? [] }]));
    const length = m.seriesStart[m.seriesStart.length - 1];
    const r = evaluateBlock({ length, seriesStart: m.seriesStart, columns: new Map(m.columns), categories }, roots, pool);
    reply = { id: m.id, ...r, flags: r.flags.map((f) => f.slice()) };
  } catch (e) {
    reply = { id: m.id, error: (e as Error).message };
  }
  parentPort!.postMessage(reply, 'flags' in reply ? reply.flags.map((f) => f.buffer as ArrayBuffer) : []);
});
