// DuckDB in-process, when it is installed: `@duckdb/node-api` is an optional dependency of the
// arl package and never part of the VS Code extension. A database is opened per run, in memory
// (spilling to a folder of its own in the system's temporary folder past its memory limit, never
// to the current directory), allowed to read only the files named.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** DuckDB is not installed: what to do about it. */
export class DuckDbMissing extends Error {
  constructor() {
    super(
      'DuckDB is not installed. `--engine duckdb` runs the rules in DuckDB, an optional dependency of arl: install it with `npm install @duckdb/node-api` next to arl (or `npm install` in a clone), then run the command again.',
    );
  }
}

type Api = typeof import('@duckdb/node-api');
type Connection = Awaited<ReturnType<Awaited<ReturnType<Api['DuckDBInstance']['create']>>['connect']>>;

let api: Promise<Api> | undefined;

/** The DuckDB module, or DuckDbMissing. */
export function duckDbApi(): Promise<Api> {
  api ??= import('@duckdb/node-api').catch((e: NodeJS.ErrnoException) => {
    api = undefined;
    if (e?.code === 'MODULE_NOT_FOUND' || e?.code === 'ERR_MODULE_NOT_FOUND' || /Cannot find (module|package)/.test(String(e?.message))) throw new DuckDbMissing();
    throw e;
  });
  return api;
}

export interface Duck {
  /** Every row of a query, as plain values (BIGINT as number when exact, else bigint). */
  all(sql: string): Promise<Record<string, unknown>[]>;
  /** The rows of a query in chunks, as they come. */
  each(sql: string, onRows: (rows: unknown[][]) => void | Promise<void>): Promise<void>;
  /** Stops the running query (Ctrl-C). */
  interrupt(): void;
  close(): void;
}

export interface DuckOptions {
  /** The only files the database may read. */
  readable: string[];
  threads?: number;
  /** Bytes of memory the database may use before it spills to disk (default: DuckDB's, 80% of RAM). */
  memoryLimit?: number;
}

export async function openDuckDb(opts: DuckOptions): Promise<Duck> {
  const { DuckDBInstance } = await duckDbApi();
  const spill = mkdtempSync(join(tmpdir(), 'arl-duckdb-'));
  const config: Record<string, string> = { temp_directory: spill };
  if (opts.threads) config.threads = String(opts.threads);
  if (opts.memoryLimit) config.memory_limit = `${Math.max(1, Math.floor(opts.memoryLimit / 1024 ** 2))}MB`;
  let instance: Awaited<ReturnType<Api['DuckDBInstance']['create']>> | undefined;
  let c: Connection;
  try {
    instance = await DuckDBInstance.create(':memory:', config);
    c = await instance.connect();
    // Nothing but the data file: no other file, no network, no extension loaded on the fly.
    const list = opts.readable.map((p) => `'${p.replace(/'/g, "''")}'`).join(', ');
    await c.run(`SET allowed_paths = [${list}]`);
    await c.run('SET autoload_known_extensions = false');
    await c.run('SET enable_external_access = false');
  } catch (e) {
    instance?.closeSync();
    rmSync(spill, { recursive: true, force: true });
    throw e;
  }
  const db = instance;
  return {
    async all(sql) {
      const r = await c.runAndReadAll(sql);
      return r.getRowObjectsJS() as Record<string, unknown>[];
    },
    async each(sql, onRows) {
      const r = await c.stream(sql);
      for await (const rows of r.yieldRowsJs()) await onRows(rows as unknown[][]);
    },
    interrupt: () => c.interrupt(),
    close() {
      c.closeSync();
      db.closeSync();
      rmSync(spill, { recursive: true, force: true });
    },
  };
}
