// Open rule files and their latest analyses: debounced, cancelled when a newer edit arrives,
// shared by every provider. Datasets are loaded once (DatasetStore) and reloaded when they change.
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { URI } from './uri';
import { analyze, type Analysis, type AnalyzeOptions } from '../engine/analyze';
import { twoThreads } from '../engine/csvsplit';
import { spareCores } from '../engine/parallel';
import { DatasetStore } from '../engine/store';
import { sidecarLocation } from '../labels/sidecar';

class Superseded extends Error {}

/**
 * The frame cache of a dataset just loaded is written this long after the analysis that loaded it
 * (encoding it holds this thread for a while): the lenses and diagnostics asked for right after
 * the first analysis are answered first.
 */
const cacheWriteDelayMs = 1000;

interface State {
  timer?: NodeJS.Timeout;
  /** The analysis of `version`, and the one being computed. */
  done?: { version: number; analysis: Analysis };
  running?: { version: number; promise: Promise<Analysis | undefined> };
}

export interface WorkspaceEvents {
  /** A fresh analysis of the document's current version. */
  analyzed(doc: TextDocument, analysis: Analysis): void;
  /** The dataset of a document started loading (for a status bar). */
  loading?(doc: TextDocument): void;
  error?(doc: TextDocument, error: unknown): void;
}

export class Workspace {
  readonly store = new DatasetStore();
  debounceMs = 150;
  /** The bundled CSV worker (dist/csvworker.cjs), when there is one: large files are read by two threads. */
  csvWorker?: string;
  /** The bundled block worker (dist/evalworker.cjs), when there is one: a file's first analysis uses idle cores. */
  evalWorker?: string;
  /** Worker threads a file's first analysis may start (default: one per idle core, parallel.ts). */
  evalThreads: () => number = spareCores;
  /** Points per block of evaluation by blocks (tests use small blocks). */
  blockPoints?: number;
  /** What a rule file's analysis may read (trust, workspace folders, allowed roots). */
  policy: (path: string | undefined) => Pick<AnalyzeOptions, 'access' | 'noData' | 'cacheRoot' | 'cacheWriteBehind'> = () => ({});
  private readonly states = new Map<string, State>();

  constructor(
    private readonly current: (uri: string) => TextDocument | undefined,
    private readonly events: WorkspaceEvents,
  ) {}

  /** Re-analyse after the debounce (an edit). */
  changed(doc: TextDocument, delay?: number): void {
    const s = this.state(doc.uri);
    // A file seen for the first time is analysed at once; edits wait for the debounce.
    delay ??= s.done || s.running ? this.debounceMs : 0;
    if (s.timer) clearTimeout(s.timer);
    s.timer = setTimeout(() => {
      s.timer = undefined;
      this.analysis(doc.uri).catch(() => undefined);
    }, delay);
  }

  closed(uri: string): void {
    const s = this.states.get(uri);
    if (s?.timer) clearTimeout(s.timer);
    this.states.delete(uri);
  }

  /** The analysis of the document's current text, computed now if needed. */
  async analysis(uri: string): Promise<Analysis | undefined> {
    for (;;) {
      const doc = this.current(uri);
      if (!doc) return undefined;
      const s = this.state(uri);
      if (s.done?.version === doc.version) return s.done.analysis;
      if (s.running?.version !== doc.version) {
        if (s.timer) clearTimeout(s.timer), (s.timer = undefined);
        s.running = { version: doc.version, promise: this.run(doc, s) };
      }
      const r = await s.running.promise;
      if (r) return r;
      // Superseded by a newer version: go round and analyse that one.
    }
  }

  /** The last finished analysis, even of an older version (for instant answers while typing). */
  latest(uri: string): Analysis | undefined {
    return this.states.get(uri)?.done?.analysis;
  }

  /**
   * A dataset changed on disk: forget it and re-analyse the files that use it. A label sidecar
   * (`.arl/labels/x.csv`) re-analyses the files of its dataset; the dataset stays loaded.
   */
  datasetChanged(path: string): void {
    const labelsOf = (a: Analysis) => (a.datasetPath ? sidecarLocation(a.datasetPath).path === path : false);
    const sidecar = [...this.states.values()].some((s) => s.done && labelsOf(s.done.analysis));
    if (!sidecar) this.store.invalidate(path);
    for (const [uri, s] of this.states) {
      if (sidecar ? !(s.done && labelsOf(s.done.analysis)) : s.done?.analysis.datasetPath !== path && s.done?.analysis.dataError?.file !== path) continue;
      s.done = undefined;
      const doc = this.current(uri);
      if (doc) this.changed(doc, 0);
    }
  }

  /** Every open file again (settings changed). */
  refreshAll(): void {
    for (const [uri, s] of this.states) {
      s.done = undefined;
      const doc = this.current(uri);
      if (doc) this.changed(doc, 0);
    }
  }

  private state(uri: string): State {
    let s = this.states.get(uri);
    if (!s) this.states.set(uri, (s = {}));
    return s;
  }

  private async run(doc: TextDocument, s: State): Promise<Analysis | undefined> {
    const version = doc.version;
    const uri = doc.uri;
    const stale = () => this.current(uri)?.version !== version;
    try {
      const path = URI.toPath(uri);
      if (path && !s.done) this.events.loading?.(doc);
      const analysis = await analyze(doc.getText(), path, {
        ...this.policy(path),
        store: this.store,
        csvWorker: this.csvWorker && twoThreads() ? this.csvWorker : undefined,
        fillByBlocks: true,
        workers: this.evalWorker ? { script: this.evalWorker, count: this.evalThreads() } : undefined,
        blockPoints: this.blockPoints,
        checkCancelled: () => {
          if (stale()) throw new Superseded();
        },
      });
      if (stale()) return undefined;
      s.done = { version, analysis };
      this.events.analyzed(doc, analysis);
      return analysis;
    } catch (e) {
      if (e instanceof Superseded) return undefined;
      this.events.error?.(doc, e);
      throw e;
    } finally {
      if (s.running?.version === version) s.running = undefined;
      setTimeout(() => this.store.startWrites(), cacheWriteDelayMs).unref();
    }
  }
}
