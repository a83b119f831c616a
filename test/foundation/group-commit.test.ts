import { createStores } from '@hal/db';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { BACKENDS, freshDatabase } from '../support/servers';

/**
 * The `jti` inserts of issued access tokens are group-committed, one batch in flight while batches
 * come back quickly: a token whose batch is stuck (here behind another session's uncommitted row
 * with the same `jti`) holds up the next token's only briefly, which then goes out as a second
 * batch. With one batch in flight at most the second token would wait for the first.
 */
describe.runIf(BACKENDS.includes('postgres'))('access-token jti group commit on PostgreSQL', () => {
  it('writes a second batch while the first is still in flight, and acknowledges each only once written', async () => {
    const { database, url } = await freshDatabase('postgres');
    const other = postgres(url as string, { max: 2, onnotice: () => {} });
    try {
      await database.migrate();
      const stores = createStores(database.db);
      await other`insert into oauth_apps (id, client_id, origin, name, client_type, allowed_scopes)
                  values ('app_1', 'client_1', 'registration', 'App', 'confidential', '{profile}')`;
      const token = (jti: string) => ({
        jti,
        grantId: null,
        appId: 'app_1',
        userId: 'usr_1',
        codeHash: null,
        expiresAt: new Date(Date.now() + 60_000),
      });
      // Another session holds an uncommitted row with the first jti: the first batch's insert waits
      // for that transaction to end (a unique index decides ON CONFLICT only then).
      const held = await other.reserve();
      await held`begin`;
      await held`insert into access_tokens (jti, app_id, user_id, expires_at)
                 values ('jti_blocked', 'app_1', 'usr_1', now() + interval '1 minute')`;
      let firstDone = false;
      const first = stores.oauth.saveAccessToken(token('jti_blocked')).then(() => {
        firstDone = true;
      });
      // Until the first insert is on its way and blocked.
      await expect
        .poll(
          async () =>
            (
              await other`select count(*)::int as n from pg_stat_activity
                           where datname = current_database() and wait_event_type = 'Lock'
                             and query like 'insert into access_tokens%'`
            )[0]?.n,
        )
        .toBe(1);
      await stores.oauth.saveAccessToken(token('jti_free'));
      expect(firstDone).toBe(false);
      const written = await other`select jti from access_tokens where jti = 'jti_free'`;
      expect(written).toHaveLength(1);
      await held`rollback`;
      held.release();
      await first;
      expect(await other`select jti from access_tokens where jti = 'jti_blocked'`).toHaveLength(1);
    } finally {
      await other.end();
      await database.close();
    }
  });
});
