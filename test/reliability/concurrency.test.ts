import { Agent } from 'node:http';
import { hashToken, newId, newRefreshToken, newUserId } from '@hal/core';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { postFormWithAgent } from '../support/api';
import { useInstance } from '../support/fixtures';
import { BACKENDS } from '../support/servers';

describe.each(BACKENDS)('refresh rotation under concurrency on %s (RFC 9700 §4.14.2)', (backend) => {
  const hal = useInstance(backend, { env: { HAL_RATE_LIMITS: 'off' }, app: { allowed_scopes: ['profile'] } });
  afterAll(() => agent.destroy());

  /**
   * A grant with one live refresh token, set up directly in the store as a code exchange would
   * (one grant per user × app × project, so each call uses its own user).
   */
  async function grantWithRefreshToken(): Promise<{ grantId: string; token: string }> {
    const stored = await hal.srv.services.stores.apps.byClientId(hal.app.client_id);
    const id = newUserId();
    await hal.srv.services.stores.accounts.createUser({
      id,
      email: `${id}@example.test`,
      name: id,
      passwordHash: 'unused',
    });
    const grant = await hal.srv.services.stores.grants.upsert({
      id: newId(),
      userId: id,
      appId: stored?.id as string,
      projectId: null,
      scopes: ['profile'],
      details: null,
    });
    const token = newRefreshToken();
    await hal.srv.services.stores.oauth.createRefreshToken({
      id: newId(),
      tokenHash: hashToken(token),
      expiresAt: new Date(Date.now() + 3600_000),
      sealed: null,
      grantId: grant.id,
      appId: stored?.id as string,
      codeHash: null,
      scopes: ['profile'],
    });
    return { grantId: grant.id, token };
  }

  const agent = new Agent({ keepAlive: true, maxSockets: 100 });
  const refresh = (token: string) =>
    postFormWithAgent(
      hal.url,
      '/oauth/token',
      { grant_type: 'refresh_token', refresh_token: token },
      `Basic ${Buffer.from(`${hal.app.client_id}:${hal.app.client_secret}`).toString('base64')}`,
      agent,
    );

  it('rotates 500 refresh tokens of 500 distinct grants, all at once, each exactly once', async () => {
    const grants = [];
    for (let i = 0; i < 500; i++) grants.push(await grantWithRefreshToken());
    const results = await Promise.all(grants.map((g) => refresh(g.token)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(500);
    expect(new Set(results.map((r) => r.json.refresh_token)).size).toBe(500);
    expect(new Set(results.map((r) => r.json.access_token)).size).toBe(500);
  }, 120_000);

  it('lets exactly one of 50 simultaneous uses of one refresh token win, then the grant is revoked', async () => {
    const { grantId, token } = await grantWithRefreshToken();
    const results = await Promise.all(Array.from({ length: 50 }, () => refresh(token)));
    const winners = results.filter((r) => r.status === 200);
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => r.status === 400 && r.json.error === 'invalid_grant')).toHaveLength(49);
    const grant = await hal.srv.services.stores.oauth.grant(grantId);
    expect(grant?.revokedAt).not.toBeNull();
    expect((await refresh(winners[0]?.json.refresh_token)).json.error).toBe('invalid_grant');
  }, 60_000);

  it('leaves no duplicate or orphan rows', async () => {
    const { db } = hal.srv.database;
    const rows = <T>(r: unknown) => ((r as { rows?: T[] }).rows ?? (r as T[])) as T[];
    const dupes = rows<{ n: number }>(
      await db.execute(
        sql`select count(*)::int as n from (select token_hash from refresh_tokens group by token_hash having count(*) > 1) d`,
      ),
    );
    expect(dupes[0]?.n).toBe(0);
    // Every rotated token points at exactly one successor that exists, and successors are never shared.
    const broken = rows<{ n: number }>(
      await db.execute(sql`select count(*)::int as n from refresh_tokens r
        where r.rotated_at is not null and not exists (select 1 from refresh_tokens s where s.id = r.replaced_by_id)`),
    );
    expect(broken[0]?.n).toBe(0);
    const shared = rows<{ n: number }>(
      await db.execute(
        sql`select count(*)::int as n from (select replaced_by_id from refresh_tokens where replaced_by_id is not null group by replaced_by_id having count(*) > 1) d`,
      ),
    );
    expect(shared[0]?.n).toBe(0);
    const orphans = rows<{ n: number }>(
      await db.execute(
        sql`select count(*)::int as n from access_tokens a where a.grant_id is not null and not exists (select 1 from grants g where g.id = a.grant_id)`,
      ),
    );
    expect(orphans[0]?.n).toBe(0);
  });
});
