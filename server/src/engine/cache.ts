// The frame cache: a loaded frame kept in `.arl/cache/` of the workspace as one columnar file, so
// the next load of an unchanged dataset reads columns instead of parsing text. The file is found
// by a key (the dataset's path, size and modification time, the roles and the duplicates policy:
// everything that shapes the frame) and trusted only as far as it checks out: its layout is
// validated when it is opened (every offset and length within the file, the key equal) and each
// column's CRC-32 when the column is read. Columns are read when first used, so a rule file
// reading two columns of a wide file loads two. Files are written by io/safefs.ts.
//
// Layout: "ARLFRAME", u32 version, u32 header length, u32 header CRC, u32 0, the header (JSON),
// then the columns, each at an offset that is a multiple of 8.
import { createHash } from 'node:crypto';
import { readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as zlib from 'node:zlib';
import type { ColumnInfo } from '../../../grammar/src/check';
import { lineLookup, newFrameId, sparseOf, sparseText, type Categorical, type Frame, type Lines, type TimeKind } from './frame';
import type { Roles } from './rows';

/** Changes whenever the loader or this layout would give a different frame. */
export const cacheVersion = 1;

const MAGIC = 'ARLFRAME';
const HEAD = 24;

type Kind = 'f64' | 'i32' | 'u8';
const sizes: Record<Kind, number> = { f64: 8, i32: 4, u8: 1 };
type Typed = Float64Array | Int32Array | Uint8Array;

/** A column in the file: where, how many values of what, and its CRC-32. */
interface Blob {
  at: number;
  n: number;
  kind: Kind;
  crc: number;
}

/** Strings: their UTF-8 byte lengths, then the bytes. */
interface Strings {
  lengths: Blob;
  bytes: Blob;
}

interface Header {
  key: string;
  length: number;
  timeKind: TimeKind;
  columnInfo: ColumnInfo[];
  seriesStart: Blob;
  seriesIds: Strings;
  time: Blob;
  label?: Blob;
  splitOf?: Blob;
  columns: { name: string; values: Blob }[];
  categories: { name: string; codes: Blob; values: string[] }[];
  text: { name: string; points: Blob; texts: Strings }[];
  lines?: { shiftRow: Blob; shiftLine: Blob; rowOf?: Blob };
}

/** The CRC-32 function, when this Node has one (20.15 and later): without it there is no cache. */
const crc32 = (zlib as unknown as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
export const cacheAvailable = typeof crc32 === 'function';

export interface CacheKey {
  /** The dataset's absolute path, size and modification time. */
  path: string;
  size: number;
  mtimeMs: number;
  roles: Roles;
  duplicates: string;
}

const hash = (s: string, n: number) => createHash('sha256').update(s).digest('hex').slice(0, n);

/**
 * The file name of a key: the dataset and its roles, then its version (size, time). Older versions
 * of the same dataset share the first part, and a new write removes them.
 */
export function cacheFile(k: CacheKey): { key: string; name: string; prefix: string } {
  const roles = [k.roles.series, k.roles.time, k.roles.label, k.roles.reason, k.roles.split].map((r) => r ?? null);
  const dataset = JSON.stringify({ path: k.path, roles, duplicates: k.duplicates });
  const key = JSON.stringify({ v: cacheVersion, path: k.path, size: k.size, mtimeMs: k.mtimeMs, roles, duplicates: k.duplicates });
  const prefix = `f${hash(dataset, 24)}-`;
  return { key, prefix, name: `${prefix}${hash(key, 16)}.arlc` };
}

/** The file's bytes, as chunks to write in order. */
export function encodeFrame(frame: Frame, key: string): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let at = 0;
  const put = (a: Typed, kind: Kind): Blob => {
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const blob = { at, n: a.length, kind, crc: crc32!(bytes) };
    chunks.push(bytes);
    at += bytes.byteLength;
    const pad = (8 - (at % 8)) % 8;
    if (pad) chunks.push(new Uint8Array(pad)), (at += pad);
    return blob;
  };
  const strings = (list: ArrayLike<string>, n: number): Strings => {
    const lengths = new Int32Array(n);
    let total = 0;
    for (let i = 0; i < n; i++) total += lengths[i] = Buffer.byteLength(list[i] ?? '');
    const bytes = Buffer.allocUnsafe(total);
    let o = 0;
    for (let i = 0; i < n; i++) o += bytes.write(list[i] ?? '', o);
    return { lengths: put(lengths, 'i32'), bytes: put(bytes, 'u8') };
  };
  const text = [...frame.text].map(([name, values]) => {
    const { points, texts } = sparseOf(values);
    return { name, points: put(points, 'i32'), texts: strings(texts, texts.length) };
  });
  const header: Header = {
    key,
    length: frame.length,
    timeKind: frame.timeKind,
    columnInfo: frame.columnInfo,
    seriesStart: put(frame.seriesStart, 'i32'),
    seriesIds: strings(frame.seriesIds, frame.seriesIds.length),
    time: put(frame.time, 'f64'),
    label: frame.label && put(frame.label, 'f64'),
    splitOf: frame.splitOf && put(frame.splitOf, 'u8'),
    columns: [...frame.columns].map(([name, v]) => ({ name, values: put(v, 'f64') })),
    categories: [...frame.categories].map(([name, c]) => ({ name, codes: put(c.codes, 'i32'), values: c.values })),
    text,
    lines: frame.lines && {
      shiftRow: put(frame.lines.shiftRow, 'i32'),
      shiftLine: put(frame.lines.shiftLine, 'i32'),
      rowOf: frame.lines.rowOf && put(frame.lines.rowOf, 'i32'),
    },
  };
  // Blob offsets count from the end of the header so far; the header's room is known once the
  // offsets (which grow by the header's size) are at their largest.
  const blobs = chunks.length;
  const room = Math.ceil((HEAD + Buffer.byteLength(JSON.stringify(header)) + 16 * blobs + 64) / 8) * 8 - HEAD;
  const json = Buffer.from(JSON.stringify(header, (k, v) => (k === 'at' && typeof v === 'number' ? v + HEAD + room : v)), 'utf8');
  if (json.byteLength > room) throw new Error('the cache header does not fit its room');
  const head = Buffer.alloc(HEAD + room, 0x20); // padded with spaces: still JSON
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(cacheVersion, 8);
  head.writeUInt32LE(room, 12);
  json.copy(head, HEAD);
  head.writeUInt32LE(crc32!(head.subarray(HEAD)), 16);
  head.writeUInt32LE(0, 20);
  return [head, ...chunks];
}

/** A cache file that does not check out: it is removed and the dataset read again. */
export class CacheCorrupt extends Error {}

export interface OpenOptions {
  /** Columns already in memory (just loaded from the text), by name; no need to read them. */
  inMemory?: Frame;
  keep?: (name: string) => boolean;
  /** Called once when a column read later does not check out. */
  corrupt?: () => void;
}

/** Reads a cache file's header; undefined when it is not a frame cache of `key` or does not fit the file. */
export async function openFrame(handle: FileHandle, key: string, source: string, opts: OpenOptions = {}): Promise<CachedFrame | undefined> {
  const { size } = await handle.stat();
  if (size < HEAD) return undefined;
  const head = Buffer.alloc(HEAD);
  await handle.read(head, 0, HEAD, 0);
  if (head.toString('latin1', 0, 8) !== MAGIC || head.readUInt32LE(8) !== cacheVersion) return undefined;
  const room = head.readUInt32LE(12);
  if (room > size - HEAD || room > 1 << 30) return undefined;
  const json = Buffer.alloc(room);
  await handle.read(json, 0, room, HEAD);
  if (crc32!(json) !== head.readUInt32LE(16)) return undefined;
  let header: Header;
  try {
    header = JSON.parse(json.toString('utf8')) as Header;
  } catch {
    return undefined;
  }
  if (!header || header.key !== key || !validHeader(header, size, HEAD + room)) return undefined;
  const frame = new CachedFrame(handle, header, source, opts);
  try {
    frame.prepare();
  } catch (e) {
    if (e instanceof CacheCorrupt) return undefined;
    throw e;
  }
  return frame;
}

function validBlob(b: unknown, fileSize: number, start: number, n?: number): b is Blob {
  if (!b || typeof b !== 'object') return false;
  const { at, n: count, kind, crc } = b as Blob;
  if (!Number.isInteger(at) || !Number.isInteger(count) || !Number.isInteger(crc) || !(kind in sizes)) return false;
  if (at < start || at % 8 !== 0 || count < 0 || (n !== undefined && count !== n)) return false;
  return at + count * sizes[kind] <= fileSize;
}

function validHeader(h: Header, fileSize: number, start: number): boolean {
  const n = h.length;
  const blob = (b: unknown, kind: Kind, count?: number) => validBlob(b, fileSize, start, count) && (b as Blob).kind === kind;
  const strings = (s: Strings | undefined, count?: number) => !!s && blob(s.lengths, 'i32', count) && blob(s.bytes, 'u8');
  const isString = (x: unknown) => typeof x === 'string';
  if (!Number.isInteger(n) || n < 0 || !['number', 'date', 'row'].includes(h.timeKind)) return false;
  if (!Array.isArray(h.columnInfo) || !h.columnInfo.every((c) => c && isString(c.name) && typeof c.numeric === 'boolean')) return false;
  if (!blob(h.seriesStart, 'i32') || h.seriesStart.n < 2 || !strings(h.seriesIds, h.seriesStart.n - 1)) return false;
  if (!blob(h.time, 'f64', n) || (h.label && !blob(h.label, 'f64', n)) || (h.splitOf && !blob(h.splitOf, 'u8', n))) return false;
  if (!Array.isArray(h.columns) || !h.columns.every((c) => isString(c.name) && blob(c.values, 'f64', n))) return false;
  if (!Array.isArray(h.categories) || !h.categories.every((c) => isString(c.name) && blob(c.codes, 'i32', n) && Array.isArray(c.values) && c.values.every(isString))) {
    return false;
  }
  if (!Array.isArray(h.text) || !h.text.every((t) => isString(t.name) && blob(t.points, 'i32') && strings(t.texts, t.points.n))) return false;
  const l = h.lines;
  if (l && (!blob(l.shiftRow, 'i32') || !blob(l.shiftLine, 'i32', l.shiftRow.n) || l.shiftRow.n < 1 || (l.rowOf && !blob(l.rowOf, 'i32', n)))) return false;
  return true;
}

/** A frame read from a cache file, column by column as they are used. */
export class CachedFrame implements Frame {
  readonly id = newFrameId();
  readonly length: number;
  readonly timeKind: TimeKind;
  readonly columnInfo: ColumnInfo[];
  seriesIds: string[] = [];
  seriesStart: Int32Array = new Int32Array(1);
  readonly columns: Map<string, Float64Array>;
  readonly categories: Map<string, Categorical>;
  readonly text: Map<string, string[]>;
  private seriesOfPoints?: Int32Array;
  private loaded = new Map<Blob, Typed>();
  private lineLookup?: (p: number) => number;
  private failed = false;

  /** Called once when a column read later does not check out. */
  private readonly onCorrupt?: () => void;

  constructor(
    private readonly handle: FileHandle,
    private readonly h: Header,
    readonly source: string,
    opts: OpenOptions,
  ) {
    // Not `opts` itself: it holds the frame read from the text, whose other columns must go.
    this.onCorrupt = opts.corrupt;
    this.length = h.length;
    this.timeKind = h.timeKind;
    this.columnInfo = h.columnInfo;
    this.columns = new LazyMap(
      h.columns.map((c) => c.name),
      (name) => this.column(h.columns.find((c) => c.name === name)!.values, 'f64') as Float64Array,
    );
    this.categories = new LazyMap(
      h.categories.map((c) => c.name),
      (name) => {
        const c = h.categories.find((x) => x.name === name)!;
        const codes = this.column(c.codes, 'i32') as Int32Array;
        return { codes, values: c.values };
      },
    );
    this.text = new LazyMap(
      h.text.map((t) => t.name),
      (name) => this.textColumn(h.text.find((t) => t.name === name)!),
    );
    if (opts.inMemory) this.adopt(opts.inMemory, opts.keep ?? (() => false));
  }

  /** Reads and checks what every use needs: the series and their ids. */
  prepare(): void {
    const starts = this.read(this.h.seriesStart) as Int32Array;
    const n = this.length;
    if (starts[0] !== 0 || starts[starts.length - 1] !== n) throw new CacheCorrupt('series starts');
    for (let s = 1; s < starts.length; s++) if (starts[s] < starts[s - 1]) throw new CacheCorrupt('series starts');
    this.seriesStart = starts;
    this.seriesIds = this.strings(this.h.seriesIds);
  }

  get seriesOf(): Int32Array {
    if (!this.seriesOfPoints) {
      const out = new Int32Array(this.length);
      for (let s = 0; s + 1 < this.seriesStart.length; s++) out.fill(s, this.seriesStart[s], this.seriesStart[s + 1]);
      this.seriesOfPoints = out;
    }
    return this.seriesOfPoints;
  }

  get time(): Float64Array {
    return this.column(this.h.time, 'f64') as Float64Array;
  }

  get label(): Float64Array | undefined {
    return this.h.label && (this.column(this.h.label, 'f64') as Float64Array);
  }

  get splitOf(): Uint8Array | undefined {
    return this.h.splitOf && (this.column(this.h.splitOf, 'u8') as Uint8Array);
  }

  get lines(): Lines | undefined {
    const l = this.h.lines;
    if (!l) return undefined;
    return { shiftRow: this.column(l.shiftRow, 'i32') as Int32Array, shiftLine: this.column(l.shiftLine, 'i32') as Int32Array, rowOf: l.rowOf && (this.column(l.rowOf, 'i32') as Int32Array) };
  }

  lineOf(point: number): number {
    const lines = this.lines;
    if (!lines) return 0;
    this.lineLookup ??= lineLookup(lines);
    return this.lineLookup(point);
  }

  /** Whether a column read later did not check out (it reads as missing values). */
  get damaged(): boolean {
    return this.failed;
  }

  /**
   * Reads the named columns now and checks them: false when one does not check out (the file is
   * then reported corrupt). The label and times are read when first used (by scoring, after the
   * features are computed: they need not be in memory together).
   */
  prefetch(names: Iterable<string>): boolean {
    if (this.failed) return false;
    try {
      for (const name of names) {
        if (this.columns.has(name)) this.load(this.h.columns.find((c) => c.name === name)!.values);
        if (this.categories.has(name)) this.load(this.h.categories.find((c) => c.name === name)!.codes);
      }
      if (this.h.splitOf) this.load(this.h.splitOf);
      return true;
    } catch (e) {
      if (!(e instanceof CacheCorrupt)) throw e;
      this.fail();
      return false;
    }
  }

  /** Closes the file (columns not read yet read as missing values afterwards). */
  async close(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }

  /** A column: read when first asked for; a column that does not check out reads as missing. */
  private column(b: Blob, kind: Kind): Typed {
    try {
      return this.load(b);
    } catch (e) {
      if (!(e instanceof CacheCorrupt)) throw e;
      this.fail();
      const out = kind === 'f64' ? new Float64Array(b.n).fill(Number.NaN) : kind === 'i32' ? new Int32Array(b.n).fill(-1) : new Uint8Array(b.n);
      this.loaded.set(b, out);
      return out;
    }
  }

  private fail(): void {
    if (this.failed) return;
    this.failed = true;
    this.onCorrupt?.();
  }

  private load(b: Blob): Typed {
    let v = this.loaded.get(b);
    if (!v) {
      v = this.read(b);
      if (b.kind === 'i32' && this.h.categories.some((c) => c.codes === b)) checkCodes(v as Int32Array, this.h.categories.find((c) => c.codes === b)!.values.length);
      this.loaded.set(b, v);
    }
    return v;
  }

  private read(b: Blob): Typed {
    const out = b.kind === 'f64' ? new Float64Array(b.n) : b.kind === 'i32' ? new Int32Array(b.n) : new Uint8Array(b.n);
    const bytes = new Uint8Array(out.buffer);
    let done = 0;
    try {
      while (done < bytes.byteLength) {
        const got = readSync(this.handle.fd, bytes, done, Math.min(bytes.byteLength - done, 1 << 30), b.at + done);
        if (got === 0) break;
        done += got;
      }
    } catch {
      throw new CacheCorrupt('unreadable');
    }
    if (done !== bytes.byteLength || crc32!(bytes) !== b.crc) throw new CacheCorrupt('checksum');
    return out;
  }

  private strings(s: Strings): string[] {
    const lengths = this.load(s.lengths) as Int32Array;
    const bytes = this.load(s.bytes) as Uint8Array;
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const out: string[] = new Array(lengths.length);
    let o = 0;
    for (let i = 0; i < lengths.length; i++) {
      const e = o + lengths[i];
      if (lengths[i] < 0 || e > buf.byteLength) throw new CacheCorrupt('strings');
      out[i] = buf.toString('utf8', o, e);
      o = e;
    }
    if (o !== buf.byteLength) throw new CacheCorrupt('strings');
    // Read once: the bytes are not kept.
    this.loaded.delete(s.lengths);
    this.loaded.delete(s.bytes);
    return out;
  }

  private textColumn(t: Header['text'][number]): string[] {
    try {
      const points = this.load(t.points) as Int32Array;
      const texts = this.strings(t.texts);
      let prev = -1;
      for (let k = 0; k < points.length; k++) {
        if (points[k] <= prev || points[k] >= this.length) throw new CacheCorrupt('text points');
        prev = points[k];
      }
      return sparseText(points, texts, this.length);
    } catch (e) {
      if (!(e instanceof CacheCorrupt)) throw e;
      this.fail();
      return new Array(this.length);
    }
  }

  /**
   * Columns of a frame just loaded from text: those `keep` names are used as they are; the others
   * (the label and times too) are let go and read back when first used.
   */
  private adopt(f: Frame, keep: (name: string) => boolean): void {
    const h = this.h;
    if (h.splitOf && f.splitOf) this.loaded.set(h.splitOf, f.splitOf);
    for (const c of h.columns) if (keep(c.name)) this.loaded.set(c.values, f.columns.get(c.name)!);
    for (const c of h.categories) if (keep(c.name)) this.loaded.set(c.codes, f.categories.get(c.name)!.codes);
  }
}

function checkCodes(codes: Int32Array, values: number): void {
  for (let i = 0; i < codes.length; i++) if (codes[i] < -1 || codes[i] >= values) throw new CacheCorrupt('category codes');
}

/** A map whose values are made when first read, in the order of its names; iterating reads them all. */
class LazyMap<V> extends Map<string, V> {
  private readonly pending = new Set<string>();

  constructor(
    names: string[],
    private readonly make: (name: string) => V,
  ) {
    super();
    for (const n of names) {
      this.pending.add(n);
      super.set(n, undefined as V);
    }
  }

  override get(name: string): V | undefined {
    if (this.pending.has(name)) {
      this.pending.delete(name);
      super.set(name, this.make(name));
    }
    return super.get(name);
  }

  private all(): void {
    for (const n of [...this.pending]) this.get(n);
  }

  override values(): MapIterator<V> {
    this.all();
    return super.values();
  }

  override entries(): MapIterator<[string, V]> {
    this.all();
    return super.entries();
  }

  override [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  override forEach(f: (value: V, key: string, map: Map<string, V>) => void, thisArg?: unknown): void {
    this.all();
    super.forEach(f, thisArg);
  }
}
