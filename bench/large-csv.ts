// A CSV past 512 MB (the longest string Node can make) with a problem: the loader must still say
// file:line:col, which needs the streamed locator (no whole-file string). Writes the file to the
// system's temporary folder and removes it afterwards.
// Run: node bench/run.mjs large-csv [size in MB, default 600]
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCsv } from '../server/src/engine/csv';

const targetMb = Number(process.argv[2] ?? 600);
const dir = mkdtempSync(join(tmpdir(), 'arl-large-'));
// A long constant text column makes the file big without making the frame big.
const filler = 'lorem ipsum dolor sit amet '.repeat(20).trim();

async function write(path: string, fault: 'last-label' | 'early-quote'): Promise<{ rows: number; line: number }> {
  const out = createWriteStream(path);
  out.write('sku,t,x,y,note\n');
  let bytes = 0;
  let rows = 0;
  let line = 0;
  const target = targetMb * 1024 * 1024;
  let batch: string[] = [];
  while (bytes < target) {
    const s = rows >> 10;
    const t = rows & 1023;
    let row = `S${s},${t},${(rows * 7) % 100},${t === 1023 ? 1 : 0},${filler}`;
    if (fault === 'early-quote' && rows === 8) (row = `S${s},${t},"${(rows * 7) % 100},0,${filler}`), (line = rows + 2);
    batch.push(row);
    bytes += row.length + 1;
    rows++;
    if (batch.length === 4096) {
      if (!out.write(batch.join('\n') + '\n')) await once(out, 'drain');
      batch = [];
    }
  }
  if (fault === 'last-label') {
    batch.push(`S${rows >> 10},${rows & 1023},1,maybe,${filler}`);
    rows++;
    line = rows + 1;
  }
  out.end(batch.join('\n') + '\n');
  await once(out, 'finish');
  return { rows, line };
}

for (const fault of ['last-label', 'early-quote'] as const) {
  const path = join(dir, `${fault}.csv`);
  const t0 = performance.now();
  const { rows, line } = await write(path, fault);
  const mb = statSync(path).size / (1024 * 1024);
  const t1 = performance.now();
  const r = await loadCsv(path, { roles: { series: 'sku', time: 't', label: 'y' } });
  const t2 = performance.now();
  const rss = process.memoryUsage().rss / (1024 * 1024);
  console.log(`${fault}: ${mb.toFixed(0)} MB, ${rows.toLocaleString('en-US')} rows, written in ${((t1 - t0) / 1000).toFixed(1)} s`);
  if (r.ok) console.log('  loaded without an error: WRONG');
  else {
    const e = r.error;
    const where = `${e.line}:${e.column}`;
    console.log(`  ${fault}.csv:${where}: ${e.message}`);
    console.log(`  expected line ${line}: ${e.line === line ? 'yes' : 'NO'}; load + locate ${((t2 - t1) / 1000).toFixed(1)} s; rss ${rss.toFixed(0)} MB`);
  }
  rmSync(path, { force: true });
}
rmSync(dir, { recursive: true, force: true });
