import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { DatabaseActivity } from './activity';
import { bindPglite, bindPostgres, cancelStatement } from './bind';
import * as schema from './schema';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export interface Database {
  db: Db;
  kind: 'postgres' | 'pglite';
  /** What its statements are doing now (for metrics), and the hook tracing sets. */
  activity: DatabaseActivity;
  /** Applies the committed drizzle-kit migrations (serialised across processes on PostgreSQL). */
  migrate(): Promise<void>;
  /**
   * A fresh round trip on the request pool (nothing cached); throws when it fails or takes longer
   * than `timeoutMs`, as requests would then fail or wait too.
   */
  ping(timeoutMs?: number): Promise<void>;
  /**
   * PostgreSQL LISTEN on `channel`, from a connection of its own: `notify` runs for every NOTIFY
   * from any process. `listening(false)` says the connection dropped, so NOTIFYs may be missed
   * until `listening(true)` says it listens again (it reconnects by itself).
   */
  listen(channel: string, listener: ChannelListener): Promise<void>;
  close(): Promise<void>;
}

export interface ChannelListener {
  notify(payload: string): void;
  listening(on: boolean): void;
}

export interface DatabaseOptions {
  /** A PostgreSQL URL; when absent the embedded PGlite in `dataDir` is used. */
  url?: string;
  /** PGlite data folder; `memory://` (or undefined) keeps it in memory. */
  dataDir?: string;
  /** Connection pool size for PostgreSQL. */
  maxConnections?: number;
  /**
   * PostgreSQL ends any statement of the pool running longer, and any session idle inside a
   * transaction longer, on its own: the bound that holds even when HAL cannot reach it to cancel.
   * The request deadline, which cancels sooner, is the same figure (default 15 s).
   */
  statementTimeoutMs?: number;
}

// Found through the package's exports, not relative to this file: the same folder from src/ and
// from the server's bundle in apps/auth-server/dist.
const migrationsFolder = join(
  dirname(createRequire(import.meta.url).resolve('@hal/db/drizzle/meta/_journal.json')),
  '..',
);
// An arbitrary constant: the advisory lock that lets one process at a time migrate.
const MIGRATION_LOCK = 7_415_001;

/** One factory for both engines: same schema, same migrations, same queries. */
export function createDatabase(options: DatabaseOptions): Database {
  return options.url
    ? onPostgres(options.url, options.maxConnections ?? 10, options.statementTimeoutMs ?? 15_000)
    : onPglite(options.dataDir);
}

/**
 * How every HAL connection to PostgreSQL behaves when the database goes away and comes back.
 * postgres.js by default waits `0.5–1 × min(3^n / 100, 20)` s before its n-th reconnection, n
 * counting failed attempts across the pool: after a restart, requests sat 5–20 s behind
 * connections that were still waiting to retry. Here the first reconnection is immediate and the
 * wait doubles from 50 ms to at most 400 ms, so service is back well within a second of
 * PostgreSQL accepting connections. A connection attempt that gets no answer fails after 2 s.
 */
const RECONNECT = {
  backoff: (failures: number) => (failures === 0 ? 0 : Math.min(0.025 * 2 ** failures, 0.4)),
  connect_timeout: 2,
  onnotice: () => {},
};

function onPostgres(url: string, max: number, statementTimeoutMs: number): Database {
  const client = postgres(url, {
    max,
    ...RECONNECT,
    connection: {
      // Server-side bounds (see DatabaseOptions.statementTimeoutMs).
      statement_timeout: statementTimeoutMs,
      idle_in_transaction_session_timeout: statementTimeoutMs,
      // A backend whose client vanished (HAL killed, connection cut) gives up its statement within
      // a second instead of running it to a commit nobody will hear of (PostgreSQL 14+).
      client_connection_check_interval: 1_000,
    },
  });
  // Every statement is bound to the request that sends it (src/scope.ts).
  const activity = new DatabaseActivity(max);
  const db = drizzlePostgres({
    client: bindPostgres(client, activity),
    schema,
    casing: 'snake_case',
  }) as unknown as Db;
  const listeners: (() => Promise<void>)[] = [];
  return {
    db,
    kind: 'postgres',
    activity,
    async migrate() {
      // A dedicated single connection so the advisory lock and the migration share a session.
      const one = postgres(url, { max: 1, onnotice: () => {} });
      try {
        await one`select pg_advisory_lock(${MIGRATION_LOCK})`;
        await migratePostgres(drizzlePostgres({ client: one }), { migrationsFolder });
      } finally {
        await one.end();
      }
    },
    async ping(timeoutMs = 1_000) {
      const query = client`select 1`;
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          cancelStatement(query);
          reject(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'CONNECT_TIMEOUT' }));
        }, timeoutMs);
      });
      try {
        await Promise.race([query, late]);
      } finally {
        clearTimeout(timer);
        query.catch(() => {}); // cancelled after the timeout: already answered
      }
    },
    async listen(channel, listener) {
      listeners.push(await listenOn(url, channel, listener));
    },
    async close() {
      await Promise.all(listeners.map((end) => end()));
      await client.end({ timeout: 5 });
    },
  };
}

function onPglite(dataDir?: string): Database {
  if (dataDir && !dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  const client = new PGlite(dataDir);
  const activity = new DatabaseActivity(1); // one connection: statements take turns
  const db = drizzlePglite({
    client: bindPglite(client, activity),
    schema,
    casing: 'snake_case',
  }) as unknown as Db;
  return {
    db,
    kind: 'pglite',
    activity,
    migrate: () => migratePglite(drizzlePglite({ client }), { migrationsFolder }),
    async ping() {
      // In-process: it answers unless the process itself is stuck.
      await db.execute(sql`select 1`);
    },
    async listen(channel, listener) {
      // In-process: nothing to lose, so it listens from the start and for good.
      await client.listen(channel, listener.notify);
      listener.listening(true);
    },
    close: () => client.close(),
  };
}

/**
 * One connection that only listens. postgres.js's own `listen` re-subscribes after a drop but says
 * nothing of it, and a cache must know when NOTIFYs may have been missed; so this connection is
 * ours: a drop reports `listening(false)`, then it retries until it listens again.
 * @returns a function that stops listening.
 */
async function listenOn(url: string, channel: string, listener: ChannelListener) {
  let ended = false;
  let retrying = false;
  let drops = 0;
  const conn = postgres(url, {
    max: 1,
    idle_timeout: 0,
    max_lifetime: null,
    fetch_types: false,
    ...RECONNECT,
    // Untyped, but what postgres.js's own `listen` uses: every NotificationResponse of the connection.
    ...{ onnotify: (name: string, payload: string) => name === channel && listener.notify(payload) },
    onclose: () => {
      if (ended) return;
      drops++;
      listener.listening(false);
      void retry();
    },
  });
  const subscribe = () => conn.unsafe(`listen "${channel.replaceAll('"', '""')}"`);

  async function retry() {
    if (retrying) return;
    retrying = true;
    for (let wait = 50; !ended; wait = Math.min(wait * 2, 500)) {
      await new Promise((resolve) => setTimeout(resolve, wait).unref());
      const seen = drops;
      try {
        await subscribe();
      } catch {
        continue; // still unreachable: try again, waiting longer
      }
      // Listening only if the connection did not drop again meanwhile.
      if (drops === seen && !ended) {
        listener.listening(true);
        break;
      }
    }
    retrying = false;
  }

  await subscribe();
  listener.listening(true);
  return async () => {
    ended = true;
    await conn.end({ timeout: 1 });
  };
}
