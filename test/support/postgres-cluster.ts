import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** Finds PostgreSQL's server binaries on PATH or in Debian's versioned folders. */
export function findPgBin(): string | undefined {
  const which = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) return join(which.stdout.trim(), '..');
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) if (existsSync(join(root, v, 'bin', 'initdb'))) return join(root, v, 'bin');
  return undefined;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface Cluster {
  url: string;
  port: number;
  dir: string;
  stop(): void;
  start(): void;
  /**
   * `pg_ctl stop -m immediate` (every backend killed, crash recovery at start), then start again
   * after `downMs`, without blocking this process (a test measuring answer times keeps running).
   */
  restart(downMs?: number): Promise<void>;
}

/**
 * A throwaway PostgreSQL cluster in a temp dir. `initdb` refuses to run as root, and CI runs as
 * root, so the cluster then belongs to the unprivileged `postgres` user.
 */
export async function startCluster(
  bin: string,
  /** `settings`: more `-c name=value` for the server (bench: pg_stat_statements). */
  options: { durable?: boolean; settings?: string[] } = {},
): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'hal-pg-'));
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]) =>
    asRoot
      ? execFileSync('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args], { stdio: 'pipe' })
      : execFileSync(join(bin, cmd), args, { stdio: 'pipe' });
  if (asRoot) {
    const ids = execFileSync('id', ['-u', 'postgres']).toString().trim();
    const gid = execFileSync('id', ['-g', 'postgres']).toString().trim();
    chownSync(dir, Number(ids), Number(gid));
    chmodSync(dir, 0o700);
  }
  const runAsync = (cmd: string, args: string[]) =>
    promisify(execFile)(
      asRoot ? 'runuser' : join(bin, cmd),
      asRoot ? ['-u', 'postgres', '--', join(bin, cmd), ...args] : args,
    );
  const data = join(dir, 'data');
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8']);
  // Fast by default. `durable` keeps synchronous_commit on, so a commit survives an immediate
  // shutdown of PostgreSQL (crash tests); fsync stays off because the machine itself never crashes.
  const settings = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=400${options.durable ? '' : ' -c synchronous_commit=off'}${(options.settings ?? []).map((s) => ` -c ${s}`).join('')}`;
  const startArgs = ['-w', '-D', data, '-o', settings, '-l', join(dir, 'log'), 'start'];
  const start = () => run('pg_ctl', startArgs);
  start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    start,
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
      } catch {
        // already stopped
      }
    },
    async restart(downMs = 0) {
      await runAsync('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await runAsync('pg_ctl', startArgs);
    },
  };
}

export function removeCluster(cluster: Cluster) {
  cluster.stop();
  rmSync(cluster.dir, { recursive: true, force: true });
}
