// The frame cache (.arl/cache): a frame read back equals the frame read from the text; a file that
// does not check out (a flipped byte, a truncation, another key) is never used, and the text is
// read instead; writes never go through a link; concurrent writers leave a whole file.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../server/src/engine/analyze';
import { CachedFrame, cacheFile } from '../../server/src/engine/cache';
import type { Frame } from '../../server/src/engine/frame';
import { DatasetStore, type SessionOptions } from '../../server/src/engine/store';
import type { Roles } from '../../server/src/engine/rows';
import { plainFrame } from '../support/frame';
import { tempDir } from '../support/tmp';

const plain = plainFrame;

const roles: Roles = { series: 's', time: 't', label: 'y', reason: 'why', split: 'part' };
// Unsorted rows, a repeated time (merged by `mean`), a text column, a reason with a quoted comma,
// a blank line, a split column, dates.
const text = [
  's,t,x,units,kind,y,why,part',
  'b,2025-01-13,5,7,E1,1,"high, rising",test',
  'a,2025-01-06,1,,E2,0,,train',
  '',
  'b,2025-01-06,4,3,E1,0,,',
  'a,2025-01-13,2,9,,1,spike,validation',
  'a,2025-01-13,3,8,E2,,,',
  'c,2025-01-06,NA,1,E3,0,,train',
].join('\n');

function dataset(): { dir: string; path: string } {
  const dir = tempDir('arl-cache-');
  const path = join(dir, 'data.csv');
  writeFileSync(path, text);
  return { dir, path };
}

async function load(path: string, dir: string, extra: SessionOptions = {}) {
  const r = await new DatasetStore().get(path, roles, { duplicates: 'mean', cacheRoot: dir, ...extra });
  if (!r.ok) throw new Error(r.error.message);
  return r.session;
}

// The parts of a cache file's header the tests damage.
type Part = { at: number };
type Header = { time: Part; labels: { points: Part; anomaly: Part }; summary: { step: Part; hash: Part }; columns: { name: string; values: Part }[] };
const headerOf = (b: Buffer): Header => JSON.parse(b.toString('utf8', 24, 24 + b.readUInt32LE(12)));

const cacheFiles = (dir: string) => (existsSync(join(dir, '.arl', 'cache')) ? readdirSync(join(dir, '.arl', 'cache')).filter((f) => f.endsWith('.arlc')) : []);

describe('the frame cache', () => {
  it('reads back the frame the text gives, column by column as they are used', async () => {
    const { dir, path } = dataset();
    const fromText = await load(path, dir, { cacheRoot: undefined });
    const first = await load(path, dir);
    expect(first.cache).toBe('written');
    expect(cacheFiles(dir)).toHaveLength(1);
    expect(readFileSync(join(dir, '.arl', 'cache', '.gitignore'), 'utf8')).toContain('*');
    const second = await load(path, dir, { want: ['x'] });
    expect(second.cache).toBe('read');
    expect(second.frame).toBeInstanceOf(CachedFrame);
    expect(plain(second.frame)).toEqual(plain(fromText.frame));
    expect(plain(first.frame)).toEqual(plain(fromText.frame));
  });

  it('a flipped byte, a truncated file or a damaged header: the file is not used, the text is read', async () => {
    const { dir, path } = dataset();
    const expected = plain((await load(path, dir, { cacheRoot: undefined })).frame);
    await load(path, dir);
    const file = join(dir, '.arl', 'cache', cacheFiles(dir)[0]);
    const good = readFileSync(file);
    const x = headerOf(good).columns.find((c) => c.name === 'x')!.values;
    const damages: [string, (b: Buffer) => void][] = [
      ['a column read first', (b) => (b[x.at + 3] ^= 0xff)],
      ['the header', (b) => (b[40] = b[40] === 0x7b ? 0x5b : 0x7b)],
      ['the magic', (b) => b.write('NOTFRAME', 0, 'latin1')],
    ];
    for (const [what, damage] of damages) {
      const bad = Buffer.from(good);
      damage(bad);
      writeFileSync(file, bad);
      const s = await load(path, dir, { want: ['x', 'units'] });
      expect(s.cache, what).toBe('written');
      expect(plain(s.frame), what).toEqual(expected);
      expect(readFileSync(file).equals(good), what).toBe(true);
    }
    truncateSync(file, good.length - 100);
    const s = await load(path, dir, { want: ['x'] });
    expect(s.cache).toBe('written');
    expect(plain(s.frame)).toEqual(expected);
  });

  it('a damaged column read later reads as missing, never a crash, and the file goes', async () => {
    const { dir, path } = dataset();
    await load(path, dir);
    const file = join(dir, '.arl', 'cache', cacheFiles(dir)[0]);
    const s = await load(path, dir, { want: [] });
    expect(s.cache).toBe('read');
    // Damage every byte after the header: whatever is read from now on fails its checksum.
    const b = readFileSync(file);
    const head = 24 + b.readUInt32LE(12);
    for (let i = head; i < b.length; i++) b[i] ^= 0x55;
    writeFileSync(file, b);
    expect(Array.from(s.frame.columns.get('units')!).every((v) => Number.isNaN(v))).toBe(true);
    await new Promise<void>((resolve) => {
      const wait = () => (existsSync(file) ? setImmediate(wait) : resolve());
      wait();
    });
    // Asked for more columns now, the session says the dataset must be got again: the text is read.
    expect(s.prefetch(['x'])).toBe(false);
    const again = await load(path, dir, { want: ['x'] });
    expect(again.cache).toBe('written');
    expect(Array.from(again.frame.columns.get('units')!).some((v) => !Number.isNaN(v))).toBe(true);
  });

  it('a damaged label, time or series summary, read after the features: the analysis runs again from the text, with the same figures', async () => {
    const { dir, path } = dataset();
    const rules = `dataset "data.csv" {\n    series = s\n    time = t\n    label = y\n    reason = why\n    split = column part\n    duplicates = mean\n}\nrule r when x > 1 and units >= 3\n`;
    const arl = join(dir, 'r.arl');
    const expected = (await analyze(rules, arl, { store: new DatasetStore() })).scores('all');
    const parts: [string, (h: Header) => { at: number }][] = [
      ['labelled points', (h) => h.labels.points],
      ['anomalies', (h) => h.labels.anomaly],
      ['time', (h) => h.time],
      ['median steps', (h) => h.summary.step],
      ['series hashes', (h) => h.summary.hash],
    ];
    for (const [what, part] of parts) {
      for (const oneShot of [false, true]) {
        await load(path, dir);
        const file = join(dir, '.arl', 'cache', cacheFiles(dir)[0]);
        const b = readFileSync(file);
        b[part(headerOf(b)).at + 1] ^= 0xff;
        writeFileSync(file, b);
        const a = await analyze(rules, arl, { store: new DatasetStore(), cacheRoot: dir, oneShot });
        expect(a.data?.cache, what).toBe('written');
        expect(a.scores('all'), what).toEqual(expected);
        expect(Array.from(a.data!.frame.time).some((t) => Number.isNaN(t)), what).toBe(false);
      }
    }
  });

  it('is keyed by the file and how it is read: a touched file or other roles get their own entry', async () => {
    const { dir, path } = dataset();
    await load(path, dir);
    const before = cacheFiles(dir);
    utimesSync(path, new Date(), new Date(Date.now() + 5000));
    expect((await load(path, dir)).cache).toBe('written');
    const after = cacheFiles(dir);
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(before[0]);
    expect(after[0].split('-')[0]).toBe(before[0].split('-')[0]);
    // A file put under another entry's name (or a name clash) is not taken for it: the key inside
    // must match too.
    const st = statSync(path);
    utimesSync(path, new Date(), new Date(Date.now() + 9000));
    const next = cacheFile({ path, size: st.size, mtimeMs: statSync(path).mtimeMs, roles, duplicates: 'mean' });
    copyFileSync(join(dir, '.arl', 'cache', after[0]), join(dir, '.arl', 'cache', next.name));
    expect((await load(path, dir)).cache).toBe('written');
    const r = await new DatasetStore().get(path, { series: 's', time: 't' }, { duplicates: 'mean', cacheRoot: dir });
    expect(r.ok && r.session.cache).toBe('written');
    expect(cacheFiles(dir)).toHaveLength(2);
  });

  it('never writes through a link: a planted .arl/cache link is refused and the data still loads', async () => {
    const { dir, path } = dataset();
    const elsewhere = tempDir('arl-elsewhere-');
    mkdirSync(join(dir, '.arl'));
    symlinkSync(elsewhere, join(dir, '.arl', 'cache'));
    const s = await load(path, dir);
    expect(s.cache).toEqual({ refused: expect.stringMatching(/symbolic link/) });
    expect(s.frame.length).toBe(5);
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  it('concurrent writers leave one whole file', async () => {
    const { dir, path } = dataset();
    const all = await Promise.all([1, 2, 3, 4].map(() => load(path, dir)));
    expect(all.every((s) => s.cache === 'written')).toBe(true);
    expect(cacheFiles(dir)).toHaveLength(1);
    expect(readdirSync(join(dir, '.arl', 'cache')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect((await load(path, dir)).cache).toBe('read');
  });
});
