// A throwaway PostgreSQL server from Debian's `postgresql` binaries (or initdb and pg_ctl on the
// PATH), on a free loopback port, in a temporary folder; as root, run as the `postgres` user
// (initdb refuses root). Used by the tests (postgres.ts) and the SQL benchmark.
import { execFile, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type Cluster = { url: string; stop(): Promise<void> } | { missing: string };

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

export async function startCluster(): Promise<{ url: string; stop(): Promise<void> } | { missing: string }> {
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
