import { createDatabase, createStores } from '@hal/db';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { BACKENDS, freshDatabase } from '../support/servers';

describe.each(BACKENDS)('database factory on %s', (backend) => {
  it('applies the committed migrations, idempotently, and the stores work', async () => {
    const { database } = await freshDatabase(backend);
    try {
      expect(database.kind).toBe(backend);
      await database.migrate();
      await database.migrate(); // a restart migrates again: nothing to do, no error
      await database.ping();
      const stores = createStores(database.db);
      const user = await stores.accounts.createUser({
        id: 'usr_1',
        email: 'A@Example.test',
        name: 'A',
        passwordHash: 'x',
      });
      expect(user?.id).toBe('usr_1');
      expect(
        await stores.accounts.createUser({
          id: 'usr_2',
          email: 'a@example.TEST',
          name: 'B',
          passwordHash: 'x',
        }),
      ).toBeUndefined();
      expect((await stores.accounts.userByEmail('a@EXAMPLE.test'))?.id).toBe('usr_1');
    } finally {
      await database.close();
    }
  });

  it('counts rate-limit hits atomically under concurrency', async () => {
    const { database } = await freshDatabase(backend);
    try {
      await database.migrate();
      const { limits } = createStores(database.db);
      const results = await Promise.all(Array.from({ length: 20 }, () => limits.hit('k', 60)));
      expect(results.map((r) => r.count).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
    } finally {
      await database.close();
    }
  });
});

describe.runIf(BACKENDS.includes('postgres'))('migrations on PostgreSQL', () => {
  it('serialises concurrent migrations from several processes with an advisory lock', async () => {
    const { url } = await freshDatabase('postgres');
    const dbs = [0, 1, 2].map(() => createDatabase({ url, maxConnections: 2 }));
    try {
      await Promise.all(dbs.map((d) => d.migrate()));
      const [first] = dbs;
      const rows = (await first?.db.execute(
        sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
      )) as unknown as { n: number }[];
      expect(rows[0]?.n).toBeGreaterThan(0);
    } finally {
      await Promise.all(dbs.map((d) => d.close()));
    }
  });
});

describe('embedded PGlite in a data folder', () => {
  it('keeps data across a restart of the same folder', async () => {
    const dir = `/tmp/hal-pglite-${Date.now()}`;
    const first = createDatabase({ dataDir: dir });
    await first.migrate();
    await createStores(first.db).accounts.createUser({
      id: 'usr_keep',
      email: 'keep@example.test',
      name: 'K',
      passwordHash: 'x',
    });
    await first.close();
    const second = createDatabase({ dataDir: dir });
    await second.migrate();
    expect((await createStores(second.db).accounts.userById('usr_keep'))?.email).toBe('keep@example.test');
    await second.close();
  });
});
