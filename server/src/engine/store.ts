// Loaded datasets, shared by every rule file that names them. A file is read once and read again
// only when its size or modification time changes.
import { promises as fs } from 'node:fs';
import type { SplitMethod } from '../../../grammar/src/check';
import { Evaluator, FeatureCache } from './evaluate';
import { loadCsv, type DataError, type LoadOptions, type Roles } from './csv';
import type { Frame } from './frame';
import { ScoringIndex } from './metrics';
import { assignSplits } from './split';

export interface DataSession {
  frame: Frame;
  evaluator: Evaluator;
  /** How long loading took, in ms. */
  loadMs: number;
  /** Scoring indexes by split shares. */
  scoring(shares: [number, number, number]): ScoringIndex;
}

export interface SessionOptions extends Omit<LoadOptions, 'roles'> {
  /** How points are split into train, validation and test (scoring uses it). */
  splitMethod?: SplitMethod;
}

export type SessionResult = { ok: true; session: DataSession; fresh: boolean } | { ok: false; error: DataError };

interface Entry {
  stamp: string;
  result: Promise<SessionResult>;
}

export class DatasetStore {
  private readonly entries = new Map<string, Entry>();

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
    if (cached && cached.stamp === stamp) {
      const r = await cached.result;
      return r.ok ? { ...r, fresh: false } : r;
    }
    const result = this.load(path, roles, opts);
    this.entries.set(key, { stamp, result });
    const r = await result;
    // A failed or cancelled load is not kept: the next request tries again.
    if (!r.ok) this.entries.delete(key);
    return r;
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
    const indexes = new Map<string, ScoringIndex>();
    const session: DataSession = {
      frame,
      evaluator: new Evaluator(frame, new FeatureCache(this.cacheBudgetBytes)),
      loadMs: performance.now() - t0,
      scoring(shares) {
        const k = shares.join('/');
        let s = indexes.get(k);
        if (!s) indexes.set(k, (s = new ScoringIndex(frame, assignSplits(frame, shares, opts.splitMethod))));
        return s;
      },
    };
    return { ok: true, session, fresh: true };
  }
}
