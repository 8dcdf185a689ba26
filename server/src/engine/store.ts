// Loaded datasets, shared by every rule file that names them. A file is read once and read again
// only when its size or modification time changes. With a cache root (a trusted workspace, the
// CLI's project), a loaded frame is also kept on disk (cache.ts), and the next process reads that.
import { promises as fs, statSync } from 'node:fs';
import type { SplitMethod } from '../../../grammar/src/check';
import { openCacheFile, removeCacheFile, writeCacheFile } from '../io/safefs';
import { cacheAvailable, CachedFrame, cacheFile, encodeFrame, openFrame } from './cache';
import { Evaluator, FeatureCache } from './evaluate';
import type { DataError, LoadOptions, Roles } from './csv';
import { loadDataset } from './dataset';
import { hasLabel, newFrameId, withId, withLabel, type Frame } from './frame';
import { mergeLabels, type LabelOverlay } from '../labels/merge';
import { readSidecar, sidecarStamp, type SidecarRead } from '../labels/sidecar';
import { ScoringIndex } from './metrics';
import { assignSplits } from './split';

export interface DataSession {
  frame: Frame;
  evaluator: Evaluator;
  /** How long loading took, in ms. */
  loadMs: number;
  /** Scoring indexes by split shares. */
  scoring(shares: [number, number, number]): ScoringIndex;
  /** The frame cache: read from it, written to it, not used, or refused (why). */
  cache: 'read' | 'written' | 'off' | { refused: string };
  /**
   * Reads the named columns now (a frame from the cache reads columns when first used): false when
   * the cache file does not check out, and the dataset must be got again.
   */
  prefetch(columns: Iterable<string>): boolean;
  /**
   * Reads now what scoring reads of a frame from the cache (the labelled points, the series
   * summary), and the label and time columns when `columns`: a part that does not check out shows
   * in damaged().
   */
  prefetchScoring?(columns: boolean): void;
  /** Whether a column read from the cache since did not check out (it read as missing values). */
  damaged(): boolean;
  /** What did not check out ("the column `x`"), when something did. */
  damage?(): string | undefined;
  /** The label sidecar merged over the label column (when asked for and the dataset has labels). */
  labels?: LabelsInfo;
}

export interface LabelsInfo {
  overlay: LabelOverlay;
  /** The sidecar as read (undefined when there is none). */
  sidecar?: SidecarRead;
  /** Why the sidecar could not be read (a link, too large): then only the CSV's labels count. */
  error?: string;
}

export interface SessionOptions extends Omit<LoadOptions, 'roles'> {
  /** How points are split into train, validation and test (scoring uses it). */
  splitMethod?: SplitMethod;
  /** The workspace root whose `.arl/cache/` keeps frames; none: no cache. */
  cacheRoot?: string;
  /** Columns the rule file reads, read first (the others are read from the cache when asked for). */
  want?: Iterable<string>;
  /**
   * Write the cache in the background and keep the frame in memory (the language server: the
   * first lenses do not wait for the write), instead of writing it first and keeping in memory only
   * the columns in `want` (the CLI: less memory). The write starts at the next startWrites().
   */
  writeBehind?: boolean;
  /** Merge the label sidecar (`.arl/labels/<dataset>.csv`) over the label column. */
  labels?: boolean;
  /**
   * Columns of a frame from the cache are not read when the file is opened (a one-shot run reads
   * those it needs itself: by blocks, a part at a time, or through DataSession.prefetch).
   */
  deferColumns?: boolean;
  /** The caller reads scores only (`arl eval`): a frame from the cache reads its series ids when first asked for. */
  idsWhenUsed?: boolean;
}

/** Frames read from cache files close their file once they are no longer used. */
const closing = new FinalizationRegistry<() => Promise<void>>((close) => void close().catch(() => undefined));

export type SessionResult = { ok: true; session: DataSession; fresh: boolean } | { ok: false; error: DataError };

interface Entry {
  stamp: string;
  result: Promise<SessionResult>;
}

/**
 * The feature cache's budget: 512 MB, or eight number columns of the frame when that is more, so
 * the columns one analysis needs stay together (a 1M-series file has 424 MB columns). A one-shot
 * run (`arl eval`, `arl run`) keeps two: what one declaration needs at a time.
 */
export function featureBudget(points: number, oneShot = false): number {
  return Math.max(512 * 1024 * 1024, (oneShot ? 2 : 8) * 8 * points);
}

export class DatasetStore {
  private readonly entries = new Map<string, Entry>();
  /** Cache files found damaged: not read again by this store until rewritten. */
  private readonly damagedFiles = new Set<string>();
  private readonly overlays = new WeakMap<DataSession, { stamp: string; result: Promise<DataSession> }>();
  /** Cache writes held back until the work that loaded their frames is done (writeBehind). */
  private readonly held: (() => Promise<unknown>)[] = [];

  /** `budget`: the feature cache's budget in bytes, or 'one-shot' (see featureBudget). */
  constructor(private readonly budget?: number | 'one-shot') {}

  async get(path: string, roles: Roles, opts: SessionOptions = {}): Promise<SessionResult> {
    const key = [path, roles.series, roles.time, roles.label, roles.reason, roles.split, opts.duplicates ?? 'error', opts.splitMethod ?? 'auto'].map((x) => x ?? '').join('\u0000');
    let stamp: string;
    let version: { size: number; mtimeMs: number } | undefined;
    try {
      // On this thread: asked at every edit, a system call of microseconds (a trip to the
      // thread pool and back took milliseconds on a busy machine).
      const st = statSync(path);
      stamp = `${st.size}:${st.mtimeMs}`;
      version = { size: st.size, mtimeMs: st.mtimeMs };
    } catch {
      stamp = 'missing';
    }
    const cached = this.entries.get(key);
    let r: SessionResult;
    if (cached && cached.stamp === stamp) {
      r = await cached.result;
      if (r.ok) r = { ...r, fresh: false };
    } else {
      const result = this.load(path, roles, opts, version);
      this.entries.set(key, { stamp, result });
      r = await result;
      // A failed or cancelled load is not kept: the next request tries again.
      if (!r.ok) this.entries.delete(key);
    }
    if (!r.ok || !opts.labels || !roles.label) return r;
    return { ...r, session: await this.withLabels(path, r.session, opts) };
  }

  /**
   * The session with the sidecar's labels merged in: a frame that is the loaded one with another
   * label column (features do not read labels, so the evaluator and its cache are shared), built
   * again only when the sidecar changes.
   */
  private async withLabels(path: string, base: DataSession, opts: SessionOptions): Promise<DataSession> {
    const stamp = await sidecarStamp(path);
    const cached = this.overlays.get(base);
    if (cached && cached.stamp === stamp) return cached.result;
    const result = (async (): Promise<DataSession> => {
      let sidecar: SidecarRead | undefined;
      let error: string | undefined;
      try {
        sidecar = await readSidecar(path);
      } catch (e) {
        error = (e as Error).message;
      }
      const entries = sidecar?.entries ?? [];
      const overlay = mergeLabels(base.frame, entries);
      // The loaded frame behind a new id and label column (its own labels, read through, when
      // there is no label file). A frame read from the cache reads its columns when first used
      // and notes damage on itself: everything else goes to it, unchanged.
      const frame = entries.length || !hasLabel(base.frame) ? withLabel(base.frame, overlay.label, newFrameId()) : withId(base.frame, newFrameId());
      return {
        ...base,
        frame,
        scoring: scoringOf(frame, opts.splitMethod),
        labels: { overlay, sidecar, error },
      };
    })();
    this.overlays.set(base, { stamp, result });
    return result;
  }

  /**
   * Starts the cache writes held back (writeBehind): the caller says when, once the work that
   * loaded their frames is done, so that work does not wait for the encoding.
   */
  startWrites(): void {
    for (const write of this.held.splice(0)) void write().catch(() => undefined);
  }

  /** Forgets a file (it changed on disk). */
  invalidate(path: string): void {
    for (const k of [...this.entries.keys()]) if (k.startsWith(`${path}\u0000`)) this.entries.delete(k);
  }

  private async load(path: string, roles: Roles, opts: SessionOptions, version?: { size: number; mtimeMs: number }): Promise<SessionResult> {
    const t0 = performance.now();
    const root = opts.cacheRoot && cacheAvailable && version ? opts.cacheRoot : undefined;
    const want = new Set(opts.want ?? []);
    const names = root ? cacheFile({ path, ...version!, roles, duplicates: opts.duplicates ?? 'error' }) : undefined;
    const corrupt = () => {
      // A column read later did not check out: the file goes, and the next request reads the text.
      this.invalidate(path);
      if (root && names) {
        this.damagedFiles.add(names.name);
        void removeCacheFile(root, names.name).catch(() => undefined);
      }
    };
    let frame: Frame | undefined;
    let cache: DataSession['cache'] = root ? 'read' : 'off';
    if (root && names && !this.damagedFiles.has(names.name)) {
      try {
        const h = await openCacheFile(root, names.name);
        const f = h && (await openFrame(h, names.key, path, { corrupt, idsWhenUsed: opts.idsWhenUsed }));
        if (f && f.prefetch(opts.deferColumns ? [] : want)) {
          frame = f;
          closing.register(f, () => h!.close());
        } else if (h) {
          await h.close();
          await removeCacheFile(root, names.name);
        }
      } catch (e) {
        cache = { refused: (e as Error).message };
      }
    }
    if (!frame) {
      const r = await loadDataset(path, { ...opts, roles });
      if (!r.ok) return r;
      frame = r.frame;
      if (root && names && cache === 'read' && opts.writeBehind) {
        cache = 'written';
        const loaded = r.frame;
        this.held.push(() => this.write(path, root, names, loaded, want, version!, corrupt, false));
      } else if (root && names && cache === 'read') cache = await this.write(path, root, names, r.frame, want, version!, corrupt).then(
        (f) => {
          if (f) frame = f;
          return f ? 'written' : 'off';
        },
        (e: Error) => ({ refused: e.message }),
      );
    }
    const loaded = frame;
    const evaluator = new Evaluator(loaded, new FeatureCache(typeof this.budget === 'number' ? this.budget : featureBudget(loaded.length, this.budget === 'one-shot')));
    // Kept across edits and rounds: parts of rules met again are cached (evaluate.ts).
    evaluator.reuseInner = this.budget !== 'one-shot';
    const session: DataSession = {
      frame: loaded,
      evaluator,
      loadMs: performance.now() - t0,
      cache,
      scoring: scoringOf(loaded, opts.splitMethod),
      prefetch: (columns) => !(loaded instanceof CachedFrame) || loaded.prefetch(columns),
      prefetchScoring: (columns) => {
        if (loaded instanceof CachedFrame) loaded.prefetchScoring(columns);
      },
      damaged: () => loaded instanceof CachedFrame && loaded.damaged,
      damage: () => (loaded instanceof CachedFrame ? loaded.damage : undefined),
    };
    return { ok: true, session, fresh: true };
  }

  /**
   * Writes a frame just read from text to the cache, and gives it back read from there: the
   * columns in `want` stay in memory, the others are let go and read again when asked for.
   * Nothing is written when the file changed while it was read.
   */
  private async write(
    path: string,
    root: string,
    names: ReturnType<typeof cacheFile>,
    frame: Frame,
    want: Set<string>,
    version: { size: number; mtimeMs: number },
    corrupt: () => void,
    reopen = true,
  ): Promise<CachedFrame | undefined> {
    const st = await fs.stat(path);
    if (st.size !== version.size || st.mtimeMs !== version.mtimeMs) return undefined;
    await writeCacheFile(root, names.name, encodeFrame(frame, names.key), names.prefix);
    this.damagedFiles.delete(names.name);
    if (!reopen) return undefined;
    const h = await openCacheFile(root, names.name);
    const f = h && (await openFrame(h, names.key, path, { inMemory: frame, keep: (n) => want.has(n), corrupt }));
    if (!f) {
      await h?.close();
      return undefined;
    }
    closing.register(f, () => h!.close());
    return f;
  }
}

/** A frame's scoring indexes, one per split shares, made when first asked for. */
export function scoringOf(frame: Frame, method?: SplitMethod): (shares: [number, number, number]) => ScoringIndex {
  const indexes = new Map<string, ScoringIndex>();
  return (shares) => {
    const k = shares.join('/');
    let s = indexes.get(k);
    if (!s) indexes.set(k, (s = new ScoringIndex(frame, assignSplits(frame, shares, method))));
    return s;
  };
}
