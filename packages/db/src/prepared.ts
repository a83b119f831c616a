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
    ): { execute(placeholderValues: Record<string, unknown>): Promise<unknown> };
  };
  dialect: { sqlToQuery(query: SQL): { sql: string; params: unknown[] } };
}

/**
 * A raw statement built once, with `sql.placeholder`s for its values, run as a prepared statement:
 * postgres.js keeps it per connection by its text, so PostgreSQL parses and plans it once per
 * connection (`db.execute` sends raw SQL unprepared: a hot statement's planning cost more than its
 * execution), and nothing rebuilds its text per call.
 */
export function prepareStatement(db: Db, name: string, query: SQL) {
  const { session, dialect } = db as unknown as DrizzleInternals;
  const prepared = session.prepareQuery(dialect.sqlToQuery(query), undefined, name, false);
  return (values: Record<string, unknown>): Promise<unknown> => prepared.execute(values);
}
