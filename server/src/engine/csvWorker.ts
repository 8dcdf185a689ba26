// A worker thread of csvsplit.ts: reads the rows of a CSV file from a byte offset to its end, with
// the header and dialect this file's first half was read with, and hands them over.
import { promises as fs } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { ByteRows } from './byterows';
import { partOf, type FromCsvWorker, type ToCsvWorker } from './csvsplit';
import { Scanner } from './scan';
import { SpanReader } from './span';

parentPort?.once('message', async (m: ToCsvWorker) => {
  let reply: FromCsvWorker;
  let buffers: ArrayBuffer[] = [];
  try {
    const b = new ByteRows(m.roles);
    b.row(m.header);
    b.timeKind = m.timeKind;
    b.readAsText(m.text);
    const base = b.line;
    const fh = await fs.open(m.path, 'r');
    try {
      const end = await new SpanReader(fh, b, m.from, m.size, new Scanner(m.delimiter, m.crlf)).read(Infinity, {});
      if (end === 'done') {
        const p = partOf(b, base);
        reply = { ok: true, part: p.part };
        buffers = p.buffers;
      } else reply = { ok: false, why: end };
    } finally {
      await fh.close();
    }
  } catch (e) {
    reply = { ok: false, why: (e as Error).message };
  }
  parentPort!.postMessage(reply, buffers);
});
