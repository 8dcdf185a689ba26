// The frame cache read in parts: a block of a column is read and checked on its own (any range,
// any thread), a damaged chunk fails only the reads that touch it, and an evaluation by blocks
// that meets one says so and gives the figures of the text. Scoring from what the file keeps
// (labelled points, series summary) equals scoring from the text.
import fc from 'fast-check';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { open as openFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { weeksOf } from '../../server/src/engine/alerts';
import { analyze } from '../../server/src/engine/analyze';
import { CacheCorrupt, CachedFrame, encodeFrame, openFrame, readPart } from '../../server/src/engine/cache';
import { loadCsvText } from '../../server/src/engine/csv';
import type { Frame } from '../../server/src/engine/frame';
import { score, type NamedFlags } from '../../server/src/engine/metrics';
import { DatasetStore, scoringOf } from '../../server/src/engine/store';
import { seriesSummary } from '../../server/src/engine/summary';
import { tempDir } from '../support/tmp';

const require = createRequire(import.meta.url);

// The cache files the tests open, closed at the end (a handle left to the collector is a warning).
const handles: FileHandle[] = [];
async function open(path: string, flags: string): Promise<FileHandle> {
  const h = await openFile(path, flags);
  handles.push(h);
  return h;
}
afterAll(async () => {
  await Promise.all(handles.map((h) => h.close().catch(() => undefined)));
});

/** Series of 1 to 30 weekly points: a number column with blanks, a category, labels 1, 0 or blank. */
function csvText(seed: number, series: number): string {
  let r = seed;
  const rnd = () => (r = (r * 1103515245 + 12345) % 2147483648) / 2147483648;
  const rows = ['id,t,x,kind,y'];
  for (let s = 0; s < series; s++) {
    const len = 1 + Math.floor(rnd() * 30);
    let day = Date.UTC(2024, 0, 1 + Math.floor(rnd() * 60));
    for (let k = 0; k < len; k++) {
      // Mostly weekly; now and then two weeks, or a week and a day.
      const t = new Date(day).toISOString().slice(0, 10);
      day += (rnd() < 0.05 ? 14 : 7) * 864e5 + (rnd() < 0.05 ? 864e5 : 0);
      const x = rnd() < 0.1 ? '' : (rnd() * 100).toFixed(1);
      const kind = rnd() < 0.2 ? '' : ['A', 'B', 'C'][Math.floor(rnd() * 3)];
      const y = rnd() < 0.6 ? '' : rnd() < 0.2 ? '1' : '0';
      rows.push(`s${s},${t},${x},${kind},${y}`);
    }
  }
  return rows.join('\n') + '\n';
}

const roles = { series: 'id', time: 't', label: 'y' };

function textFrame(text: string): Frame {
  const r = loadCsvText(text, 'data.csv', { roles });
  if (!r.ok) throw new Error(r.error.message);
  return r.frame;
}

/** The frame written to a cache file (checked in chunks of about `chunk` points) and opened again. */
async function cached(frame: Frame, chunk: number): Promise<{ frame: CachedFrame; file: string; header: Record<string, unknown> }> {
  const file = join(tempDir('arl-parts-'), 'f.arlc');
  writeFileSync(file, Buffer.concat(encodeFrame(frame, 'key', chunk)));
  const f = await openFrame(await open(file, 'r'), 'key', 'data.csv');
  if (!f) throw new Error('not opened');
  const b = readFileSync(file);
  return { frame: f, file, header: JSON.parse(b.toString('utf8', 24, 24 + b.readUInt32LE(12))) };
}

describe('the frame cache in parts', () => {
  it('a block of a column, read from the file, is the column there: any range, numbers and category codes', async () => {
    const text = textFrame(csvText(7, 300));
    const { frame } = await cached(text, 200);
    const x = frame.partial.place('x')!;
    const kind = frame.partial.place('kind')!;
    expect(x.chunks.length).toBeGreaterThan(10);
    const n = text.length;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: n }), fc.integer({ min: 0, max: n }), (p, q) => {
        const [a, b] = p <= q ? [p, q] : [q, p];
        expect(Array.from(readPart(x, a, b))).toEqual(Array.from(text.columns.get('x')!.subarray(a, b)));
        expect(Array.from(readPart(kind, a, b))).toEqual(Array.from(text.categories.get('kind')!.codes.subarray(a, b)));
      }),
      { numRuns: 300 },
    );
    // Read whole, the columns are the text's too.
    expect(Array.from(frame.columns.get('x')!)).toEqual(Array.from(text.columns.get('x')!));
  });

  it('a damaged chunk fails the reads that touch it, and only those', async () => {
    const text = textFrame(csvText(8, 300));
    const { frame, file, header } = await cached(text, 200);
    const place = frame.partial.place('x')!;
    const c = place.chunks;
    const values = (header.columns as { name: string; values: { at: number } }[]).find((k) => k.name === 'x')!.values;
    // A byte of the third chunk flipped, in the file the frame has open.
    const b = readFileSync(file);
    b[values.at + c[2] * 8 + 3] ^= 0x40;
    writeFileSync(file, b);
    expect(Array.from(readPart(place, c[0], c[2]))).toEqual(Array.from(text.columns.get('x')!.subarray(c[0], c[2])));
    expect(Array.from(readPart(place, c[3], c[4]))).toEqual(Array.from(text.columns.get('x')!.subarray(c[3], c[4])));
    expect(() => readPart(place, c[2], c[2] + 1)).toThrow(CacheCorrupt);
    expect(() => readPart(place, c[1], c[3])).toThrow(CacheCorrupt);
  });

  it('chunks other than the series blocks the header says, or larger than a block, and the file is not used', async () => {
    const { file } = await cached(textFrame(csvText(10, 60)), 100);
    const good = readFileSync(file);
    const room = good.readUInt32LE(12);
    const header = JSON.parse(good.toString('utf8', 24, 24 + room));
    // The header rewritten with chunks of its own, every CRC made again (the header's too): only
    // the check of the chunks against the series can refuse it.
    const zlib = require('node:zlib') as { crc32: (d: Uint8Array) => number };
    const rewrite = (h: Record<string, unknown>, chunkPoints: number, chunks: number[]) => {
      const b = Buffer.from(good);
      type Part = { at: number; kind: string; crcs?: number[] };
      const size: Record<string, number> = { f64: 8, i32: 4, u8: 1 };
      const perPoint = (p: Part): Part => ({ ...p, crcs: chunks.slice(1).map((end, c) => zlib.crc32(b.subarray(p.at + chunks[c] * size[p.kind], p.at + end * size[p.kind]))) });
      const parts = h as { time: Part; columns: { values: Part }[]; categories: { codes: Part }[]; lines?: { rowOf?: Part }; splitOf?: Part };
      const next = {
        ...h,
        chunkPoints,
        chunks,
        time: perPoint(parts.time),
        columns: parts.columns.map((c) => ({ ...c, values: perPoint(c.values) })),
        categories: parts.categories.map((c) => ({ ...c, codes: perPoint(c.codes) })),
        ...(parts.lines && { lines: { ...parts.lines, ...(parts.lines.rowOf && { rowOf: perPoint(parts.lines.rowOf) }) } }),
      };
      const json = Buffer.from(JSON.stringify(next));
      expect(json.length).toBeLessThanOrEqual(room);
      b.fill(0x20, 24, 24 + room);
      json.copy(b, 24);
      b.writeUInt32LE(zlib.crc32(b.subarray(24, 24 + room)), 16);
      writeFileSync(file, b);
    };
    const opened = async () => openFrame(await open(file, 'r'), 'key', 'data.csv');
    rewrite(header, header.chunkPoints, header.chunks);
    expect(await opened()).toBeDefined();
    // One chunk for the whole column: every block would read all of it.
    rewrite(header, 1 << 20, [0, header.length]);
    expect(await opened()).toBeUndefined();
    // Chunks moved off the series' blocks.
    rewrite(header, header.chunkPoints, header.chunks.map((c: number, k: number) => (k === 1 ? c + 1 : c)));
    expect(await opened()).toBeUndefined();
  });

  it('a category code outside its dictionary in a part: CacheCorrupt', async () => {
    const { frame, file, header } = await cached(textFrame(csvText(9, 50)), 100);
    const place = frame.partial.place('kind')!;
    const codes = (header.categories as { name: string; codes: { at: number; crcs: number[] } }[]).find((k) => k.name === 'kind')!.codes;
    const b = readFileSync(file);
    b.writeInt32LE(99, codes.at);
    writeFileSync(file, b);
    // The chunk's CRC still holds (a file written that way on purpose): the code check catches it.
    const zlib = await import('node:zlib');
    const crc = (zlib as unknown as { crc32: (d: Uint8Array) => number }).crc32(b.subarray(codes.at, codes.at + place.chunks[1] * 4));
    expect(() => readPart({ ...place, crcs: [crc, ...place.crcs.slice(1)] }, 0, 1)).toThrow(CacheCorrupt);
  });

  it('scores, weeks and the objective from what the file keeps equal those from the text, on every split', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 1, max: 40 }), fc.constantFrom('auto', 'time'), async (seed, series, method) => {
        const text = textFrame(csvText(seed, series));
        const { frame } = await cached(text, 64);
        // Flags at random, the same for both frames: 0, 1 or 2 (unknown) at each point.
        let r = seed;
        const flag = () => (r = (r * 69069 + 1) % 4294967296) % 3;
        const rules: NamedFlags[] = [0, 1].map((k) => ({ name: `r${k}`, flags: Uint8Array.from({ length: text.length }, flag) }));
        const excludes: NamedFlags[] = [{ name: 'e', flags: Uint8Array.from({ length: text.length }, () => +(flag() === 1)) }];
        const fromText = scoringOf(text, method)([0.6, 0.2, 0.2]);
        const fromFile = scoringOf(frame, method)([0.6, 0.2, 0.2]);
        for (const split of ['train', 'validation', 'test', 'all'] as const) {
          expect(score(fromFile, split, rules, excludes)).toEqual(score(fromText, split, rules, excludes));
          expect(weeksOf(frame, fromFile.get(split))).toBe(weeksOf(text, fromText.get(split)));
        }
        const [a, b] = [seriesSummary(frame), seriesSummary(text)];
        expect([Array.from(a.hash), Array.from(a.first), Array.from(a.last), Array.from(a.step), a.gap]).toEqual([Array.from(b.hash), Array.from(b.first), Array.from(b.last), Array.from(b.step), b.gap]);
        // Scoring by the hash split made no label column of the cached frame.
        if (method === 'auto' && series >= 20) expect((frame as unknown as { labelColumn?: unknown }).labelColumn).toBeUndefined();
        expect(Array.from(frame.label!)).toEqual(Array.from(text.label!));
      }),
      { numRuns: 40 },
    );
  });
});

describe('series ids read when first asked for', () => {
  it('are the text\'s, and ids that do not check out read as empty and mark the frame damaged', async () => {
    const text = textFrame(csvText(12, 50));
    const { file, header } = await cached(text, 64);
    const lazily = await openFrame(await open(file, 'r'), 'key', 'data.csv', { idsWhenUsed: true });
    expect(lazily!.seriesIds).toEqual(text.seriesIds);
    expect(lazily!.damaged).toBe(false);
    // A byte of the ids' text flipped: not read at opening, found when the ids are asked for.
    const b = readFileSync(file);
    b[(header.seriesIds as { bytes: { at: number } }).bytes.at + 2] ^= 0x01;
    writeFileSync(file, b);
    expect(await openFrame(await open(file, 'r'), 'key', 'data.csv')).toBeUndefined();
    const damaged = await openFrame(await open(file, 'r'), 'key', 'data.csv', { idsWhenUsed: true });
    expect(damaged!.damaged).toBe(false);
    expect(damaged!.seriesIds).toEqual(text.seriesIds.map(() => ''));
    expect(damaged!.damage).toBe('the series ids');
  });
});

describe('evaluation by blocks over a damaged cache file', () => {
  const script = fileURLToPath(new URL('../../dist/evalworker.cjs', import.meta.url));
  const rules = `dataset "data.csv" { series = id  time = t  label = y }\nlet m = median(x, 4, offset = 1)\nrule up when x > m + 20 or kind == "A" and rising(x, 2)\n`;

  for (const [workers, scored] of [
    [0, false],
    [1, false],
    [0, true],
    [1, true],
  ] as const) {
    it(`says what did not check out and gives the text's figures (${workers ? 'on a worker thread' : 'on this thread'}${scored ? ', blocks scored where evaluated' : ''})`, async () => {
      const dir = tempDir('arl-parts-e2e-');
      writeFileSync(join(dir, 'data.csv'), csvText(11, 120));
      const arl = join(dir, 'r.arl');
      const run = (cacheRoot?: string) =>
        analyze(rules, arl, { store: new DatasetStore('one-shot'), oneShot: true, blockPoints: 40, cacheRoot, scoresOnly: true, scoreSplits: scored ? ['all'] : undefined, workers: workers ? { script, count: workers } : undefined });
      const expected = (await run()).scores('all');
      await run(dir);
      const name = (await import('node:fs')).readdirSync(join(dir, '.arl', 'cache')).find((f) => f.endsWith('.arlc'))!;
      const file = join(dir, '.arl', 'cache', name);
      const b = readFileSync(file);
      const header = JSON.parse(b.toString('utf8', 24, 24 + b.readUInt32LE(12)));
      const column = workers ? 'kind' : 'x';
      const part = column === 'x' ? header.columns.find((c: { name: string }) => c.name === 'x').values : header.categories.find((c: { name: string }) => c.name === 'kind').codes;
      b[part.at + 5] ^= 0x10;
      writeFileSync(file, b);
      const a = await run(dir);
      expect(a.scores('all')).toEqual(expected);
      expect(a.data?.cache).toBe('written');
      const warning = a.issues.find((i) => i.code === 'cache-damaged');
      expect(warning?.severity).toBe('warning');
      expect(warning?.message).toContain(`the column \`${column}\``);
      // The next run reads the file written again, without a warning.
      const again = await run(dir);
      expect(again.data?.cache).toBe('read');
      expect(again.issues.some((i) => i.code === 'cache-damaged')).toBe(false);
      expect(again.scores('all')).toEqual(expected);
    });
  }
});
