import postgres, { type Sql } from 'postgres';
import { findPgBin, freePort, startCluster } from './postgres-cluster';
import { HalProcess } from './process';

/** Creates a login role and a database it owns; returns the role's URL. HAL runs as that role, not
 * as a superuser, so that a test can hold it to a connection limit (superusers ignore it). */
export async function createOwnedDatabase(adminUrl: string, name: string): Promise<string> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create role ${name} login`);
  await admin.unsafe(`create database ${name} owner ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.username = name;
  url.pathname = `/${name}`;
  return url.toString();
}

/** `url` with the superuser: for injecting faults into `url`'s database. */
export function asSuperuser(url: string): string {
  const u = new URL(url);
  u.username = 'postgres';
  return u.toString();
}

/**
 * Runs `statement` (taking locks) in a transaction of its own and keeps the locks until
 * `release()`: a statement of HAL's that needs them waits, as behind a slow statement.
 */
export async function holdLocks(
  url: string,
  statement: string,
  params: postgres.ParameterOrJSON<never>[] = [],
) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let locked = () => {};
  const holding = new Promise<void>((resolve) => {
    locked = resolve;
  });
  const done = sql
    .begin(async (tx) => {
      await tx.unsafe(statement, params);
      locked();
      await released;
      throw new Error('rollback'); // nothing of it commits
    })
    .catch(() => {});
  await Promise.race([holding, done]);
  return async () => {
    release();
    await done;
    await sql.end({ timeout: 1 }).catch(() => {});
  };
}

/** The pids of `user`'s backends waiting on a lock. */
export async function lockWaiters(admin: Sql, user: string): Promise<number[]> {
  const rows = await admin<{ pid: number }[]>`
    select pid from pg_stat_activity where usename = ${user} and wait_event_type = 'Lock'`;
  return rows.map((r) => r.pid);
}

/** Waits until a backend of `user` waits on a lock; returns its pid. */
export async function lockWaiter(admin: Sql, user: string, timeoutMs = 10_000): Promise<number> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const [pid] = await lockWaiters(admin, user);
    if (pid !== undefined) return pid;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no backend of ${user} waited on a lock within ${timeoutMs} ms`);
}

/** pg_terminate_backend of every backend of `user` (requests and the LISTEN connection alike). */
export async function terminateBackends(admin: Sql, user: string): Promise<number> {
  const rows = await admin`
    select pg_terminate_backend(pid) from pg_stat_activity where usename = ${user}`;
  return rows.length;
}

/**
 * Polls PostgreSQL with fresh connections from now on, every 10 ms: once it refused one (it went
 * down), returns when it answers a query again (performance.now()).
 */
export async function backUpAt(url: string, timeoutMs = 30_000): Promise<number> {
  const until = Date.now() + timeoutMs;
  let wentDown = false;
  for (;;) {
    const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 1, backoff: () => 0 });
    try {
      await sql`select 1`;
      if (wentDown) return performance.now();
    } catch (error) {
      wentDown = true;
      if (Date.now() > until) throw error;
    } finally {
      await sql.end({ timeout: 0 }).catch(() => {});
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Polls `check` every 20 ms until it is true; false when `timeoutMs` passed first. */
export async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return check();
}

/** True once a backend of `user` is listening for change notifications again (LISTEN). */
export async function listening(admin: Sql, user: string): Promise<boolean> {
  const rows = await admin`
    select 1 from pg_stat_activity where usename = ${user} and query ilike 'listen %'`;
  return rows.length > 0;
}

/**
 * A HAL process on its own throwaway cluster with synchronous commit on, running as a role that
 * owns its database (so a test can hold it to a connection limit), with rate limits off and the
 * request deadline `deadlineMs`; `admin` is a superuser connection to inject faults with.
 */
export async function startHalForFaults(deadlineMs: number) {
  const cluster = await startCluster(findPgBin() as string, { durable: true });
  const url = await createOwnedDatabase(cluster.url, 'hal');
  const adminUrl = asSuperuser(url);
  const admin = postgres(adminUrl, { max: 2, onnotice: () => {}, backoff: () => 0.05 });
  const hal = new HalProcess(await freePort(), url, {
    HAL_RATE_LIMITS: 'off',
    HAL_REQUEST_TIMEOUT_MS: String(deadlineMs),
  });
  await hal.start();
  return { cluster, adminUrl, admin, hal };
}
