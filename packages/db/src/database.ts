import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import * as schema from './schema';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export interface Database {
  db: Db;
  kind: 'postgres' | 'pglite';
  /** Applies the committed drizzle-kit migrations (serialised across processes on PostgreSQL). */
  migrate(): Promise<void>;
  /** Round-trips to the database; throws when it cannot be reached. */
  ping(): Promise<void>;
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
}

const migrationsFolder = join(dirname(fileURLToPath(import.meta.url)), '..', 'drizzle');
// An arbitrary constant: the advisory lock that lets one process at a time migrate.
const MIGRATION_LOCK = 7_415_001;

/** One factory for both engines: same schema, same migrations, same queries. */
export function createDatabase(options: DatabaseOptions): Database {
  return options.url ? onPostgres(options.url, options.maxConnections ?? 10) : onPglite(options.dataDir);
}

function onPostgres(url: string, max: number): Database {
  const client = postgres(url, { max, onnotice: () => {} });
  const db = drizzlePostgres({ client, schema, casing: 'snake_case' }) as unknown as Db;
  const listeners: (() => Promise<void>)[] = [];
  return {
    db,
    kind: 'postgres',
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
    async ping() {
      await client`select 1`;
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
  const db = drizzlePglite({ client, schema, casing: 'snake_case' }) as unknown as Db;
  return {
    db,
    kind: 'pglite',
    migrate: () => migratePglite(drizzlePglite({ client }), { migrationsFolder }),
    async ping() {
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
    onnotice: () => {},
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
    for (let wait = 100; !ended; wait = Math.min(wait * 2, 2_000)) {
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
