// A worker thread of parallel.ts: evaluates the blocks it is sent, with the plans it got first.
import { parentPort } from 'node:worker_threads';
import { evaluateBlock } from './blocks';
import type { Categorical } from './frame';
import type { FromWorker, ToWorker } from './parallel';
import type { PlanNode } from './plan';

let roots: PlanNode[] = [];
let dictionaries = new Map<string, string[]>();
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
    const r = evaluateBlock({ length, seriesStart: m.seriesStart, columns: new Map(m.columns), categories }, roots);
    reply = { id: m.id, ...r };
  } catch (e) {
    reply = { id: m.id, error: (e as Error).message };
  }
  // Two rules with the same condition hand in one array: each buffer is transferred once.
  parentPort!.postMessage(reply, 'flags' in reply ? [...new Set(reply.flags.map((f) => f.buffer as ArrayBuffer))] : []);
});
