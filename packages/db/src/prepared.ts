import type { SQL } from 'drizzle-orm';
import type { Db } from './database';

/** What drizzle's `db.execute` uses inside (drizzle-orm 0.45 `PgDatabase`): its session and dialect. */
interface DrizzleInternals {
  session: {
    prepareQuery(
      query: { sql: string; params: unknown[] },
      fields: undefined,
      name: string,
      isResponseInArrayMode: boolean,
    ): { execute(): Promise<unknown> };
  };
  dialect: { sqlToQuery(query: SQL): { sql: string; params: unknown[] } };
}

/**
 * `db.execute(query)` as a prepared statement: postgres.js keeps it per connection by its text, so
 * PostgreSQL parses and plans it once per connection instead of on every call (a hot statement's
 * planning cost more than its execution). `db.execute` sends raw SQL unprepared.
 */
export function executePrepared(db: Db, name: string, query: SQL): Promise<unknown> {
  const { session, dialect } = db as unknown as DrizzleInternals;
  return session.prepareQuery(dialect.sqlToQuery(query), undefined, name, false).execute();
}
