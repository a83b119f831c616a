import type { Database } from '@hal/db';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, freshDatabase } from '../support/servers';

// drizzle sends a statement once its query is awaited, a few ticks later: let them all be sent.
const sent = () => new Promise((resolve) => setTimeout(resolve, 50));

describe.each(BACKENDS)('database pool use as the metrics read it on %s', (backend) => {
  let database: Database;
  beforeAll(async () => {
    ({ database } = await freshDatabase(backend));
    await database.migrate();
  });
  afterAll(() => database.close());

  // PGlite runs a statement on the JavaScript thread: nothing can look at the pool while one runs.
  const concurrent = it.runIf(backend === 'postgres');

  concurrent('counts statements in flight, connections in use and statements waiting for one', async () => {
    const { activity } = database;
    const size = activity.poolSize;
    expect(size).toBe(backend === 'pglite' ? 1 : 20);
    const before = activity.sent;
    const sleeps = Array.from({ length: size + 2 }, async () =>
      database.db.execute(sql`select pg_sleep(0.3)`),
    );
    await sent();
    expect(activity.statements).toBe(size + 2);
    expect(activity.pool()).toEqual({ inUse: size, waiting: 2 });
    await Promise.all(sleeps);
    expect(activity.sent - before).toBe(size + 2);
    expect(activity.statements).toBe(0);
    expect(activity.pool()).toEqual({ inUse: 0, waiting: 0 });
  });

  concurrent(
    'counts a transaction as one connection for its whole life, its statements included',
    async () => {
      const { activity } = database;
      let inside: ReturnType<typeof activity.pool> | undefined;
      await database.db.transaction(async (tx) => {
        await tx.execute(sql`select 1`);
        const pending = (async () => tx.execute(sql`select pg_sleep(0.3)`))();
        await sent();
        inside = activity.pool();
        expect(activity.statements).toBe(1);
        await pending;
      });
      expect(inside).toEqual({ inUse: 1, waiting: 0 });
      expect(activity.transactions).toBe(0);
      expect(activity.pool()).toEqual({ inUse: 0, waiting: 0 });
    },
  );

  it('calls the tracing hook once per statement, with its error when it fails', async () => {
    const seen: { sql: string; error?: unknown }[] = [];
    database.activity.hook = (text) => (error) => void seen.push({ sql: text, error });
    try {
      await database.db.execute(sql`select 1 as one`);
      await expect(database.db.execute(sql`select * from no_such_table`)).rejects.toThrow();
    } finally {
      database.activity.hook = undefined;
    }
    expect(seen).toHaveLength(2);
    expect(database.activity.statements).toBe(0);
    expect(seen[0]).toEqual({ sql: 'select 1 as one', error: undefined });
    expect(seen[1]?.error).toMatchObject({ code: '42P01' }); // undefined_table
  });
});
