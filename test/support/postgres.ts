// A PostgreSQL server for tests: the one ARL_PG_URL names (CI starts it), or a throwaway cluster
// started here from Debian's `postgresql` binaries on a free loopback port, in a temporary folder,
// stopped when the test file ends. As root, the server runs as the `postgres` user (initdb
// refuses root). Where PostgreSQL is missing the tests say so in one line and are skipped, except
// under CI (or ARL_REQUIRE_PG=1), where a missing server fails the run.
import pg from 'pg';
import { afterAll } from 'vitest';
import { startCluster, type Cluster } from './pg-cluster';

export interface Postgres {
  url: string;
  /** A connected client, closed when the test file ends. */
  client(): Promise<pg.Client>;
}

/** The server for this test file, or undefined (with the reason printed) when there is none. */
export async function postgresForTests(): Promise<Postgres | undefined> {
  const required = !!process.env.CI || process.env.ARL_REQUIRE_PG === '1';
  let started: Cluster;
  const given = process.env.ARL_PG_URL;
  try {
    started = given ? { url: given, stop: async () => {} } : await startCluster();
  } catch (e) {
    started = { missing: `PostgreSQL did not start (${(e as Error).message.split('\n')[0]})` };
  }
  // Test files share CI's server: each works in a schema of its own, dropped at the end.
  const schema = `arl_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = 'url' in started ? new pg.Client({ connectionString: started.url }) : undefined;
  if (admin && 'url' in started) {
    try {
      await admin.connect();
      await admin.query(`CREATE SCHEMA ${schema}`);
    } catch (e) {
      await started.stop();
      started = { missing: `No PostgreSQL server answers at ${given ? 'ARL_PG_URL' : started.url} (${(e as Error).message.split('\n')[0]})` };
    }
  }
  if ('missing' in started || !admin) {
    const why = 'missing' in started ? started.missing : 'PostgreSQL is missing';
    const line = `${why}: the PostgreSQL tests ${required ? 'cannot run, and CI needs them' : 'are skipped'}. Install it with \`apt-get install -y postgresql\` (Debian), or set ARL_PG_URL to a server's URL.`;
    if (required) throw new Error(line);
    console.warn(line);
    return undefined;
  }
  const clients: pg.Client[] = [];
  const { url, stop } = started;
  // Connections cut by the end of the file are expected; any other connection error is not.
  let closing = false;
  const onError = (e: Error) => {
    if (!closing) throw e;
  };
  admin.on('error', onError);
  afterAll(async () => {
    closing = true;
    // A query still running (a test that timed out) must not hold the end of the file: a server
    // of our own is stopped at once; on a shared one, our connections are ended by the server.
    if (!given) await stop();
    else {
      const pids = clients.map((c) => (c as unknown as { processID?: number }).processID).filter((p): p is number => typeof p === 'number');
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = ANY($1::int[])', [pids]).catch(() => {});
      await admin.query(`DROP SCHEMA ${schema} CASCADE`).catch(() => {});
    }
    await Promise.all([admin, ...clients].map((c) => c.end().catch(() => {})));
  });
  return {
    url,
    async client() {
      const c = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
      c.on('error', onError);
      await c.connect();
      clients.push(c);
      return c;
    },
  };
}

