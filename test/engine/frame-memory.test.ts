// A loaded frame holds its columns and nothing of the reader that made them: a column let go (as
// a one-shot run lets go those no rule reads) is freed, however the frame's lazy parts were made.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect, it } from 'vitest';
import { loadCsvText } from '../../server/src/engine/csv';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

it('frees a column deleted from a loaded frame', async () => {
  const rows = ['id,t,x,unused'];
  for (let s = 0; s < 50; s++) for (let t = 0; t < 20; t++) rows.push(`s${s},${t},${t * s},${t}`);
  const r = loadCsvText(rows.join('\n') + '\n', 'data.csv', { roles: { series: 'id', time: 't' } });
  if (!r.ok) throw new Error(r.error.message);
  const frame = r.frame;
  // The column's memory, which the reader's growable column may share.
  const unused = new WeakRef(frame.columns.get('unused')!.buffer);
  frame.columns.delete('unused');
  // WeakRefs hold their target until the current job ends.
  await new Promise((done) => setImmediate(done));
  gc();
  expect(unused.deref()).toBeUndefined();
  expect(frame.seriesOf.length).toBe(1000);
});
