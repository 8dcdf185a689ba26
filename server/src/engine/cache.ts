// The frame cache: a loaded frame kept in `.arl/cache/` of the workspace as one columnar file, so
// the next load of an unchanged dataset reads columns instead of parsing text. The file is found
// by a key (the dataset's path, size and modification time, the roles and the duplicates policy:
// everything that shapes the frame) and trusted only as far as it checks out: its layout is
// validated when it is opened (every offset and length within the file, the key equal) and each
// part by its CRC-32 when the part is read. Columns are read when first used, so a rule file
// reading two columns of a wide file loads two; a column of every point is checked in chunks (the
// blocks of evaluation by blocks, blocks.ts), so a block can be read and checked on its own, by
// any thread, and no column need be in memory whole. Beside the columns the file keeps what
// scoring reads: the labelled points (not a label per point) and a summary of each series
// (summary.ts), so scoring reads no id, time or label of every point. Files are written by
// io/safefs.ts.
//
// Layout: "ARLFRAME", u32 version, u32 header length, u32 header CRC, u32 0, the header (JSON),
// then the parts, each at an offset that is a multiple of 8.
import { createHash } from 'node:crypto';
import { readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as zlib from 'node:zlib';
import type { ColumnInfo } from '../../../grammar/src/check';
import { excerpt } from '../../../grammar/src/excerpt';
import { blockPoints, seriesBlocks } from './blocks';
import { lineLookup, newFrameId, sparseOf, sparseText, type Categorical, type Frame, type Lines, type PartialColumns, type TimeKind } from './frame';
import { labelledPoints, type Labelled } from './points';
import type { Roles } from './rows';
import { computedSummary, type SeriesSummary } from './summary';

/** Changes whenever the loader or this layout would give a different frame. */
export const cacheVersion = 2;

const MAGIC = 'ARLFRAME';
const HEAD = 24;

type Kind = 'f64' | 'i32' | 'u8' | 'u32';
const sizes: Record<Kind, number> = { f64: 8, i32: 4, u8: 1, u32: 4 };
type Typed = Float64Array | Int32Array | Uint8Array | Uint32Array;

/**
 * A part of the file: where, how many values of what, and its CRC-32; a part with a value per point
 * has one CRC per chunk of points instead (Header.chunks).
 */
interface Blob {
  at: number;
  n: number;
  kind: Kind;
  crc?: number;
  crcs?: number[];
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
  /**
   * Where the chunks of the per-point parts start, then the length: the blocks of whole series of
   * about `chunkPoints` points (seriesBlocks), checked against the series when the file is opened.
   */
  chunkPoints: number;
  chunks: number[];
  seriesStart: Blob;
  seriesIds: Strings;
  summary: { hash: Blob; first: Blob; last: Blob; step: Blob; gap: number };
  time: Blob;
  /** The labelled points and which are anomalies (labels are 1, 0 or missing). */
  labels?: { points: Blob; anomaly: Blob };
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

/** Point offsets where the chunks of per-point parts start, then the length: the blocks of evaluation. */
function chunksOf(seriesStart: Int32Array, points: number): number[] {
  const blocks = seriesBlocks(seriesStart, points);
  return blocks.length ? blocks.map((s) => seriesStart[s]) : [0, seriesStart[seriesStart.length - 1]];
}

/** The file's bytes, as pieces to write in order; columns are checked in chunks of about `chunkPoints` points (whole series). */
export function encodeFrame(frame: Frame, key: string, chunkPoints = blockPoints): Uint8Array[] {
  const out: Uint8Array[] = [];
  const chunks = chunksOf(frame.seriesStart, chunkPoints);
  let at = 0;
  const put = (a: Typed, kind: Kind, perPoint = false): Blob => {
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const size = sizes[kind];
    const blob: Blob = perPoint
      ? { at, n: a.length, kind, crcs: chunks.slice(1).map((end, c) => crc32!(bytes.subarray(chunks[c] * size, end * size))) }
      : { at, n: a.length, kind, crc: crc32!(bytes) };
    out.push(bytes);
    at += bytes.byteLength;
    const pad = (8 - (at % 8)) % 8;
    if (pad) out.push(new Uint8Array(pad)), (at += pad);
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
  let labels: Header['labels'];
  if (frame.label) {
    const { points, anomaly } = labelledPoints(frame);
    for (const i of points) if (frame.label[i] !== 0 && frame.label[i] !== 1) throw new Error('a label other than 1, 0 or missing');
    labels = { points: put(points, 'i32'), anomaly: put(anomaly, 'u8') };
  }
  const summary = computedSummary(frame);
  const header: Header = {
    key,
    length: frame.length,
    timeKind: frame.timeKind,
    columnInfo: frame.columnInfo,
    chunkPoints,
    chunks,
    seriesStart: put(frame.seriesStart, 'i32'),
    seriesIds: strings(frame.seriesIds, frame.seriesIds.length),
    summary: { hash: put(summary.hash, 'u32'), first: put(summary.first, 'f64'), last: put(summary.last, 'f64'), step: put(summary.step, 'f64'), gap: summary.gap },
    time: put(frame.time, 'f64', true),
    labels,
    splitOf: frame.splitOf && put(frame.splitOf, 'u8', true),
    columns: [...frame.columns].map(([name, v]) => ({ name, values: put(v, 'f64', true) })),
    categories: [...frame.categories].map(([name, c]) => ({ name, codes: put(c.codes, 'i32', true), values: c.values })),
    text,
    lines: frame.lines && {
      shiftRow: put(frame.lines.shiftRow, 'i32'),
      shiftLine: put(frame.lines.shiftLine, 'i32'),
      rowOf: frame.lines.rowOf && put(frame.lines.rowOf, 'i32', true),
    },
  };
  // Part offsets count from the end of the header so far; the header's room is known once the
  // offsets (which grow by the header's size) are at their largest.
  const parts = out.length;
  const room = Math.ceil((HEAD + Buffer.byteLength(JSON.stringify(header)) + 16 * parts + 64) / 8) * 8 - HEAD;
  const json = Buffer.from(JSON.stringify(header, (k, v) => (k === 'at' && typeof v === 'number' ? v + HEAD + room : v)), 'utf8');
  if (json.byteLength > room) throw new Error('the cache header does not fit its room');
  const head = Buffer.alloc(HEAD + room, 0x20); // padded with spaces: still JSON
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(cacheVersion, 8);
  head.writeUInt32LE(room, 12);
  json.copy(head, HEAD);
  head.writeUInt32LE(crc32!(head.subarray(HEAD)), 16);
  head.writeUInt32LE(0, 20);
  return [head, ...out];
}

/** A cache file that does not check out: it is removed and the dataset read again. */
export class CacheCorrupt extends Error {}

export interface OpenOptions {
  /** Columns already in memory (just loaded from the text), by name; no need to read them. */
  inMemory?: Frame;
  keep?: (name: string) => boolean;
  /** Called once when a part read later does not check out. */
  corrupt?: () => void;
  /**
   * The series ids are read when first asked for, not when the file is opened (a caller that
   * reads scores only: `arl eval`); ids that do not check out then read as empty and mark the
   * frame damaged.
   */
  idsWhenUsed?: boolean;
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

const isCrc = (c: unknown) => Number.isInteger(c) && (c as number) >= 0 && (c as number) <= 0xffffffff;

function validBlob(b: unknown, fileSize: number, start: number, chunks: number, n?: number): b is Blob {
  if (!b || typeof b !== 'object') return false;
  const { at, n: count, kind, crc, crcs } = b as Blob;
  if (!Number.isInteger(at) || !Number.isInteger(count) || !(kind in sizes)) return false;
  // One CRC for the part, or one per chunk for a part of every point (n given).
  if (n === undefined ? !isCrc(crc) || crcs !== undefined : crc !== undefined || !Array.isArray(crcs) || crcs.length !== chunks || !crcs.every(isCrc)) return false;
  if (at < start || at % 8 !== 0 || count < 0 || (n !== undefined && count !== n)) return false;
  return at + count * sizes[kind] <= fileSize;
}

function validChunks(c: unknown, n: number): c is number[] {
  if (!Array.isArray(c) || c.length < 2 || c[0] !== 0 || c[c.length - 1] !== n) return false;
  for (let k = 1; k < c.length; k++) if (!Number.isInteger(c[k]) || c[k] < c[k - 1]) return false;
  return true;
}

function validHeader(h: Header, fileSize: number, start: number): boolean {
  const n = h.length;
  if (!Number.isInteger(n) || n < 0 || !['number', 'date', 'row'].includes(h.timeKind) || !validChunks(h.chunks, n)) return false;
  // No larger chunks than evaluation's blocks: a block never reads much more than itself.
  if (!Number.isInteger(h.chunkPoints) || h.chunkPoints < 1 || h.chunkPoints > blockPoints) return false;
  const chunks = h.chunks.length - 1;
  // A part of the kind; `count` its values; per point: a value per point, checked by chunks.
  const blob = (b: unknown, kind: Kind, count?: number) => validBlob(b, fileSize, start, chunks, undefined) && (b as Blob).kind === kind && (count === undefined || (b as Blob).n === count);
  const perPoint = (b: unknown, kind: Kind) => validBlob(b, fileSize, start, chunks, n) && (b as Blob).kind === kind;
  const strings = (s: Strings | undefined, count?: number) => !!s && blob(s.lengths, 'i32', count) && blob(s.bytes, 'u8');
  const isString = (x: unknown) => typeof x === 'string';
  if (!Array.isArray(h.columnInfo) || !h.columnInfo.every((c) => c && isString(c.name) && typeof c.numeric === 'boolean')) return false;
  if (!blob(h.seriesStart, 'i32') || h.seriesStart.n < 2 || !strings(h.seriesIds, h.seriesStart.n - 1)) return false;
  const series = h.seriesStart.n - 1;
  const m = h.summary;
  if (!m || !blob(m.hash, 'u32', series) || !blob(m.first, 'f64', series) || !blob(m.last, 'f64', series) || !blob(m.step, 'f64', series) || typeof m.gap !== 'number') return false;
  if (!perPoint(h.time, 'f64') || (h.splitOf && !perPoint(h.splitOf, 'u8'))) return false;
  if (h.labels && (!blob(h.labels.points, 'i32') || !blob(h.labels.anomaly, 'u8', h.labels.points.n) || h.labels.points.n > n)) return false;
  if (!Array.isArray(h.columns) || !h.columns.every((c) => isString(c.name) && perPoint(c.values, 'f64'))) return false;
  if (!Array.isArray(h.categories) || !h.categories.every((c) => isString(c.name) && perPoint(c.codes, 'i32') && Array.isArray(c.values) && c.values.every(isString))) {
    return false;
  }
  if (!Array.isArray(h.text) || !h.text.every((t) => isString(t.name) && blob(t.points, 'i32') && strings(t.texts, t.points.n))) return false;
  const l = h.lines;
  if (l && (!blob(l.shiftRow, 'i32') || !blob(l.shiftLine, 'i32', l.shiftRow.n) || l.shiftRow.n < 1 || (l.rowOf && !perPoint(l.rowOf, 'i32')))) return false;
  return true;
}

/**
 * Where a column of every point lies in a cache file: any thread of this process may read part of
 * it (readPart), each chunk checked by its CRC-32. `values`: a category column's dictionary size
 * (its codes are checked against it).
 */
export interface ColumnPlace {
  fd: number;
  at: number;
  kind: 'f64' | 'i32';
  chunks: number[];
  crcs: number[];
  values?: number;
}

/** Reusable memory for parts read (each read's values hold until the next read into the same buffers). */
export class PartBuffers {
  private readonly buffers = new Map<number, ArrayBuffer>();

  /** `bytes` of memory kept for the part at `key`. */
  get(key: number, bytes: number): ArrayBuffer {
    let b = this.buffers.get(key);
    if (!b || b.byteLength < bytes) this.buffers.set(key, (b = new ArrayBuffer(bytes)));
    return b;
  }
}

/**
 * Values [a, b) of a column in a cache file: the chunks holding them are read whole and each
 * checked (CacheCorrupt when one does not check out, or a category code lies outside its
 * dictionary). With buffers, into memory kept from the last read of the same column.
 */
export function readPart(p: ColumnPlace, a: number, b: number, buffers?: PartBuffers): Float64Array | Int32Array {
  const { chunks, crcs } = p;
  const size = p.kind === 'f64' ? 8 : 4;
  // The chunk holding a, and the one holding b - 1 (chunks start at 0 and end at the length).
  const c0 = chunkOf(chunks, a);
  const c1 = b > a ? chunkOf(chunks, b - 1) : c0;
  const from = chunks[c0];
  const to = Math.max(chunks[c1 + 1], from);
  const bytes = (to - from) * size;
  const memory = buffers ? buffers.get(p.at, bytes) : new ArrayBuffer(bytes);
  const view = new Uint8Array(memory, 0, bytes);
  readFully(p.fd, view, p.at + from * size);
  for (let c = c0; c <= c1 && chunks[c + 1] > chunks[c]; c++) {
    if (crc32!(view.subarray((chunks[c] - from) * size, (chunks[c + 1] - from) * size)) !== crcs[c]) throw new CacheCorrupt('checksum');
  }
  const out = p.kind === 'f64' ? new Float64Array(memory, (a - from) * 8, b - a) : new Int32Array(memory, (a - from) * 4, b - a);
  if (p.values !== undefined) checkCodes(out as Int32Array, p.values);
  return out;
}

/** The chunk holding point i (the last chunk that starts at or before it). */
function chunkOf(chunks: number[], i: number): number {
  let lo = 0;
  let hi = chunks.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (chunks[mid] <= i) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Fills `into` from the file at `at`; CacheCorrupt when the file is shorter or unreadable. */
function readFully(fd: number, into: Uint8Array, at: number): void {
  let done = 0;
  try {
    while (done < into.byteLength) {
      const got = readSync(fd, into, done, Math.min(into.byteLength - done, 1 << 30), at + done);
      if (got === 0) break;
      done += got;
    }
  } catch {
    throw new CacheCorrupt('unreadable');
  }
  if (done !== into.byteLength) throw new CacheCorrupt('short');
}

/** A frame read from a cache file, part by part as they are used. */
export class CachedFrame implements Frame {
  readonly id = newFrameId();
  readonly length: number;
  readonly timeKind: TimeKind;
  readonly columnInfo: ColumnInfo[];
  seriesStart: Int32Array = new Int32Array(1);
  readonly columns: Map<string, Float64Array>;
  readonly categories: Map<string, Categorical>;
  readonly text: Map<string, string[]>;
  private seriesOfPoints?: Int32Array;
  private ids?: string[];
  private idBytes?: { lengths: Int32Array; bytes: Uint8Array };
  private labelList?: Labelled;
  private labelColumn?: Float64Array;
  private summaryParts?: SeriesSummary;
  private loaded = new Map<Blob, Typed>();
  /** What each part holds, for messages ("the column `x`"). */
  private readonly partNames = new Map<Blob, string>();
  private lineLookup?: (p: number) => number;
  private failed?: string;

  /** Called once when a part read later does not check out. */
  private readonly onCorrupt?: () => void;
  private readonly idsWhenUsed: boolean;

  constructor(
    private readonly handle: FileHandle,
    private readonly h: Header,
    readonly source: string,
    opts: OpenOptions,
  ) {
    // Not `opts` itself: it holds the frame read from the text, whose other columns must go.
    this.onCorrupt = opts.corrupt;
    this.idsWhenUsed = opts.idsWhenUsed === true;
    this.length = h.length;
    this.timeKind = h.timeKind;
    this.columnInfo = h.columnInfo;
    this.columns = new LazyMap(
      h.columns.map((c) => c.name),
      (name) => this.column(h.columns.find((c) => c.name === name)!.values) as Float64Array,
    );
    this.categories = new LazyMap(
      h.categories.map((c) => c.name),
      (name) => {
        const c = h.categories.find((x) => x.name === name)!;
        const codes = this.column(c.codes) as Int32Array;
        return { codes, values: c.values };
      },
    );
    this.text = new LazyMap(
      h.text.map((t) => t.name),
      (name) => this.textColumn(h.text.find((t) => t.name === name)!),
    );
    const names = this.partNames;
    for (const c of h.columns) names.set(c.values, columnName(c.name));
    for (const c of h.categories) names.set(c.codes, columnName(c.name));
    for (const t of h.text) names.set(t.points, columnName(t.name));
    names.set(h.time, 'the times');
    if (h.labels) names.set(h.labels.points, 'the labels').set(h.labels.anomaly, 'the labels');
    for (const b of [h.summary.hash, h.summary.first, h.summary.last, h.summary.step]) names.set(b, 'the series summary');
    if (h.splitOf) names.set(h.splitOf, 'the split column');
    if (opts.inMemory) this.adopt(opts.inMemory, opts.keep ?? (() => false));
  }

  /**
   * Reads and checks what every use needs: the series, and their ids' bytes (made strings when
   * first asked for; read then too with `idsWhenUsed`).
   */
  prepare(): void {
    const starts = this.read(this.h.seriesStart) as Int32Array;
    const n = this.length;
    if (starts[0] !== 0 || starts[starts.length - 1] !== n) throw new CacheCorrupt('series starts');
    for (let s = 1; s < starts.length; s++) if (starts[s] < starts[s - 1]) throw new CacheCorrupt('series starts');
    // The chunks are the series' blocks, as the file says it made them.
    const chunks = chunksOf(starts, this.h.chunkPoints);
    if (chunks.length !== this.h.chunks.length || chunks.some((c, k) => c !== this.h.chunks[k])) throw new CacheCorrupt('chunks');
    this.seriesStart = starts;
    if (!this.idsWhenUsed) this.idBytes = this.stringBytes(this.h.seriesIds);
  }

  get seriesIds(): string[] {
    if (!this.ids) {
      let bytes = this.idBytes;
      if (!bytes) {
        try {
          bytes = this.stringBytes(this.h.seriesIds);
        } catch (e) {
          if (!(e instanceof CacheCorrupt)) throw e;
          this.fail('the series ids');
          return (this.ids = new Array<string>(this.seriesStart.length - 1).fill(''));
        }
      }
      this.ids = decodeStrings(bytes);
      this.idBytes = undefined;
    }
    return this.ids;
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
    return this.column(this.h.time) as Float64Array;
  }

  /** The labelled points as kept in the file (checked: increasing, within the frame, 0 or 1). */
  get labelled(): Labelled | undefined {
    const l = this.h.labels;
    if (!l) return undefined;
    if (!this.labelList) {
      try {
        const points = this.load(l.points) as Int32Array;
        const anomaly = this.load(l.anomaly) as Uint8Array;
        let prev = -1;
        for (let k = 0; k < points.length; k++) {
          if (points[k] <= prev || points[k] >= this.length || anomaly[k] > 1) throw new CacheCorrupt('labels');
          prev = points[k];
        }
        this.labelList = { points, anomaly };
      } catch (e) {
        if (!(e instanceof CacheCorrupt)) throw e;
        this.fail('the labels');
        this.labelList = { points: new Int32Array(0), anomaly: new Uint8Array(0) };
      }
    }
    return this.labelList;
  }

  /** The label column, made from the labelled points when first asked for. */
  get label(): Float64Array | undefined {
    const l = this.labelled;
    if (!l) return undefined;
    if (!this.labelColumn) {
      const out = new Float64Array(this.length).fill(Number.NaN);
      for (let k = 0; k < l.points.length; k++) out[l.points[k]] = l.anomaly[k];
      this.labelColumn = out;
    }
    return this.labelColumn;
  }

  /** The series summary as kept in the file, each part read when first asked for. */
  get summary(): SeriesSummary {
    if (!this.summaryParts) {
      const m = this.h.summary;
      const part = (b: Blob) => () => this.column(b);
      const [hash, first, last, step] = [part(m.hash), part(m.first), part(m.last), part(m.step)];
      this.summaryParts = {
        get hash() {
          return hash() as Uint32Array;
        },
        get first() {
          return first() as Float64Array;
        },
        get last() {
          return last() as Float64Array;
        },
        get step() {
          return step() as Float64Array;
        },
        gap: m.gap,
      };
    }
    return this.summaryParts;
  }

  get splitOf(): Uint8Array | undefined {
    return this.h.splitOf && (this.column(this.h.splitOf) as Uint8Array);
  }

  get lines(): Lines | undefined {
    const l = this.h.lines;
    if (!l) return undefined;
    return { shiftRow: this.column(l.shiftRow) as Int32Array, shiftLine: this.column(l.shiftLine) as Int32Array, rowOf: l.rowOf && (this.column(l.rowOf) as Int32Array) };
  }

  lineOf(point: number): number {
    const lines = this.lines;
    if (!lines) return 0;
    this.lineLookup ??= lineLookup(lines);
    return this.lineLookup(point);
  }

  /** Number and category columns not in memory, read a block at a time (blocks.ts, parallel.ts). */
  readonly partial: PartialColumns = {
    place: (name) => this.place(name),
    dictionary: (name) => this.h.categories.find((c) => c.name === name)?.values,
    damaged: (name) => this.fail(columnName(name)),
  };

  /** Whether a part read later did not check out (it reads as missing values). */
  get damaged(): boolean {
    return this.failed !== undefined;
  }

  /** The first part that did not check out ("the column `x`", "the labels"), if any. */
  get damage(): string | undefined {
    return this.failed;
  }

  /**
   * Reads the named columns now and checks them: false when one does not check out (the file is
   * then reported corrupt). What scoring reads is read when first used (prefetchScoring).
   */
  prefetch(names: Iterable<string>): boolean {
    if (this.failed !== undefined) return false;
    try {
      for (const name of names) {
        if (this.columns.has(name)) this.load(this.h.columns.find((c) => c.name === name)!.values);
        if (this.categories.has(name)) this.load(this.h.categories.find((c) => c.name === name)!.codes);
      }
      if (this.h.splitOf) this.load(this.h.splitOf);
      return true;
    } catch (e) {
      if (!(e instanceof CacheCorrupt)) throw e;
      this.fail(this.reading ?? 'a column');
      return false;
    }
  }

  /**
   * Reads what scoring reads (the labelled points, the series summary), and the label and time
   * columns when `columns`: a part that does not check out marks the frame damaged.
   */
  prefetchScoring(columns: boolean): void {
    void this.labelled;
    const m = this.summary;
    void [m.hash, m.first, m.last, m.step];
    if (columns) void [this.label, this.time];
  }

  /** Closes the file (parts not read yet read as missing values afterwards). */
  async close(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }

  /** Where a number or category column lies in the file, when it is not in memory. */
  private place(name: string): ColumnPlace | undefined {
    const c = this.h.columns.find((x) => x.name === name);
    const k = c ? undefined : this.h.categories.find((x) => x.name === name);
    const b = c?.values ?? k?.codes;
    if (!b || this.loaded.has(b)) return undefined;
    return { fd: this.handle.fd, at: b.at, kind: c ? 'f64' : 'i32', chunks: this.h.chunks, crcs: b.crcs!, values: k?.values.length };
  }

  /** A part: read when first asked for; a part that does not check out reads as missing. */
  private column(b: Blob): Typed {
    try {
      return this.load(b);
    } catch (e) {
      if (!(e instanceof CacheCorrupt)) throw e;
      this.fail(this.partNames.get(b) ?? 'a part');
      const out = b.kind === 'f64' ? new Float64Array(b.n).fill(Number.NaN) : b.kind === 'i32' ? new Int32Array(b.n).fill(-1) : b.kind === 'u32' ? new Uint32Array(b.n) : new Uint8Array(b.n);
      this.loaded.set(b, out);
      return out;
    }
  }

  private fail(part: string): void {
    if (this.failed !== undefined) return;
    this.failed = part;
    this.onCorrupt?.();
  }

  /** The part being read, for the message when it does not check out. */
  private reading?: string;

  private load(b: Blob): Typed {
    let v = this.loaded.get(b);
    if (!v) {
      this.reading = this.partNames.get(b);
      v = this.read(b);
      const k = this.h.categories.find((c) => c.codes === b);
      if (k) checkCodes(v as Int32Array, k.values.length);
      this.loaded.set(b, v);
    }
    return v;
  }

  private read(b: Blob): Typed {
    const out = b.kind === 'f64' ? new Float64Array(b.n) : b.kind === 'i32' ? new Int32Array(b.n) : b.kind === 'u32' ? new Uint32Array(b.n) : new Uint8Array(b.n);
    const bytes = new Uint8Array(out.buffer);
    readFully(this.handle.fd, bytes, b.at);
    if (b.crcs) {
      const size = sizes[b.kind];
      const c = this.h.chunks;
      for (let k = 0; k + 1 < c.length; k++) if (crc32!(bytes.subarray(c[k] * size, c[k + 1] * size)) !== b.crcs[k]) throw new CacheCorrupt('checksum');
    } else if (crc32!(bytes) !== b.crc) throw new CacheCorrupt('checksum');
    return out;
  }

  /** The lengths and bytes of strings, read and checked (the lengths add up to the bytes). */
  private stringBytes(s: Strings): { lengths: Int32Array; bytes: Uint8Array } {
    const lengths = this.read(s.lengths) as Int32Array;
    const bytes = this.read(s.bytes) as Uint8Array;
    let o = 0;
    for (let i = 0; i < lengths.length; i++) {
      if (lengths[i] < 0 || o + lengths[i] > bytes.byteLength) throw new CacheCorrupt('strings');
      o += lengths[i];
    }
    if (o !== bytes.byteLength) throw new CacheCorrupt('strings');
    return { lengths, bytes };
  }

  private textColumn(t: Header['text'][number]): string[] {
    try {
      const points = this.load(t.points) as Int32Array;
      const texts = decodeStrings(this.stringBytes(t.texts));
      let prev = -1;
      for (let k = 0; k < points.length; k++) {
        if (points[k] <= prev || points[k] >= this.length) throw new CacheCorrupt('text points');
        prev = points[k];
      }
      return sparseText(points, texts, this.length);
    } catch (e) {
      if (!(e instanceof CacheCorrupt)) throw e;
      this.fail(columnName(t.name));
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

const columnName = (name: string) => `the column \`${excerpt(name)}\``;

/** Strings from checked lengths and bytes (UTF-8). */
function decodeStrings({ lengths, bytes }: { lengths: Int32Array; bytes: Uint8Array }): string[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: string[] = new Array(lengths.length);
  for (let i = 0, o = 0; i < lengths.length; i++) {
    out[i] = buf.toString('utf8', o, o + lengths[i]);
    o += lengths[i];
  }
  return out;
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
