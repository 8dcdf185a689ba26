// A PostgreSQL server for tests: the one ARL_PG_URL names (CI starts it), or a throwaway cluster
// started here from Debian's `postgresql` binaries on a free loopback port, in a temporary folder,
// stopped when the test file ends. As root, the server runs as the `postgres` user (initdb
// refuses root). Where PostgreSQL is missing the tests say so in one line and are skipped, except
// under CI (or ARL_REQUIRE_PG=1), where a missing server fails the run.
import { execFile, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll } from 'vitest';

const run = promisify(execFile);

export interface Postgres {
  url: string;
  /** A connected client, closed when the test file ends. */
  client(): Promise<pg.Client>;
}

/** The server for this test file, or undefined (with the reason printed) when there is none. */
export async function postgresForTests(): Promise<Postgres | undefined> {
  const required = !!process.env.CI || process.env.ARL_REQUIRE_PG === '1';
  let started: { url: string; stop(): Promise<void> } | { missing: string };
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

/** The directory of initdb and pg_ctl: Debian's newest version, or what is on the PATH. */
function binDir(): string | undefined {
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => existsSync(join(debian, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions.length) return join(debian, versions[0], 'bin');
  }
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir;
  return undefined;
}

/**
 * Stops the server and removes its folder once the test process is gone, however it ended (a
 * killed run never leaves a server behind). A detached shell polls the process once a second.
 */
function watch(pid: number, pgCtl: string, data: string, dir: string, root: boolean): void {
  const stop = `${root ? 'runuser -u postgres -- ' : ''}"${pgCtl}" -D "${data}" -m immediate -w stop >/dev/null 2>&1`;
  const script = `while kill -0 ${pid} 2>/dev/null; do sleep 1; done; if [ -d "${data}" ]; then ${stop}; rm -rf "${dir}"; fi`;
  spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' }).unref();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function startCluster(): Promise<{ url: string; stop(): Promise<void> } | { missing: string }> {
  const bin = binDir();
  if (!bin) return { missing: 'PostgreSQL is not installed (no initdb found)' };
  const root = userInfo().uid === 0;
  const dir = mkdtempSync(join(tmpdir(), 'arl-pg-'));
  // The server refuses to run as root: it runs as `postgres`, which must own its folder.
  const as = async (cmd: string, args: string[]) => (root ? run('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args], { cwd: tmpdir() }) : run(join(bin, cmd), args, { cwd: tmpdir() }));
  if (root) {
    const { stdout } = await run('id', ['-u', 'postgres']).catch(() => ({ stdout: '' }));
    if (!stdout.trim()) return { missing: 'PostgreSQL is installed but there is no `postgres` user to run it as' };
    const uid = Number(stdout.trim());
    chownSync(dir, uid, Number((await run('id', ['-g', 'postgres'])).stdout.trim()));
  }
  chmodSync(dir, 0o700);
  const data = join(dir, 'data');
  await as('initdb', ['-D', data, '-A', 'trust', '-U', 'arl', '-E', 'UTF8', '--locale=C', '--no-sync']);
  let lastError: unknown;
  // Another process may take the free port before the server does: try a few.
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    try {
      await as('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start']);
      watch(process.pid, join(bin, 'pg_ctl'), data, dir, root);
      return {
        url: `postgres://arl@127.0.0.1:${port}/postgres`,
        async stop() {
          await as('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {});
          rmSync(dir, { recursive: true, force: true });
        },
      };
    } catch (e) {
      lastError = e;
    }
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}
