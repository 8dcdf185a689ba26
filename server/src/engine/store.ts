// Loaded datasets, shared by every rule file that names them. A file is read once and read again
// only when its size or modification time changes.
import { promises as fs } from 'node:fs';
import type { SplitMethod } from '../../../grammar/src/check';
import { Evaluator, FeatureCache } from './evaluate';
import { loadCsv, type DataError, type LoadOptions, type Roles } from './csv';
import { newFrameId, type Frame } from './frame';
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
  /** Merge the label sidecar (`.arl/labels/<dataset>.csv`) over the label column. */
  labels?: boolean;
}

export type SessionResult = { ok: true; session: DataSession; fresh: boolean } | { ok: false; error: DataError };

interface Entry {
  stamp: string;
  result: Promise<SessionResult>;
}

export class DatasetStore {
  private readonly entries = new Map<string, Entry>();
  private readonly overlays = new WeakMap<DataSession, { stamp: string; result: Promise<DataSession> }>();

  constructor(private readonly cacheBudgetBytes?: number) {}

  async get(path: string, roles: Roles, opts: SessionOptions = {}): Promise<SessionResult> {
    const key = [path, roles.series, roles.time, roles.label, roles.reason, roles.split, opts.duplicates ?? 'error', opts.splitMethod ?? 'auto'].map((x) => x ?? '').join('\u0000');
    let stamp: string;
    try {
      const st = await fs.stat(path);
      stamp = `${st.size}:${st.mtimeMs}`;
    } catch {
      stamp = 'missing';
    }
    const cached = this.entries.get(key);
    let r: SessionResult;
    if (cached && cached.stamp === stamp) {
      r = await cached.result;
      if (r.ok) r = { ...r, fresh: false };
    } else {
      const result = this.load(path, roles, opts);
      this.entries.set(key, { stamp, result });
      r = await result;
      // A failed or cancelled load is not kept: the next request tries again.
      if (!r.ok) this.entries.delete(key);
    }
    if (!r.ok || !opts.labels || !roles.label) return r;
    return { ...r, session: await this.withLabels(path, r.session, opts) };
  }

  /**
   * The session with the sidecar's labels merged in: a frame sharing every column but the label
   * (features do not read labels, so the evaluator and its cache are shared), built again only
   * when the sidecar changes.
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
      const overlay = mergeLabels(base.frame, sidecar?.entries ?? []);
      const frame: Frame = { ...base.frame, id: newFrameId(), label: overlay.label };
      return { ...session(frame, base.evaluator, base.loadMs, opts), labels: { overlay, sidecar, error } };
    })();
    this.overlays.set(base, { stamp, result });
    return result;
  }

  /** Forgets a file (it changed on disk). */
  invalidate(path: string): void {
    for (const k of [...this.entries.keys()]) if (k.startsWith(`${path}\u0000`)) this.entries.delete(k);
  }

  private async load(path: string, roles: Roles, opts: SessionOptions): Promise<SessionResult> {
    const t0 = performance.now();
    const r = await loadCsv(path, { ...opts, roles });
    if (!r.ok) return r;
    const frame = r.frame;
    return { ok: true, session: session(frame, new Evaluator(frame, new FeatureCache(this.cacheBudgetBytes)), performance.now() - t0, opts), fresh: true };
  }
}

function session(frame: Frame, evaluator: Evaluator, loadMs: number, opts: SessionOptions): DataSession {
  const indexes = new Map<string, ScoringIndex>();
  return {
    frame,
    evaluator,
    loadMs,
    scoring(shares) {
      const k = shares.join('/');
      let s = indexes.get(k);
      if (!s) indexes.set(k, (s = new ScoringIndex(frame, assignSplits(frame, shares, opts.splitMethod))));
      return s;
    },
  };
}
