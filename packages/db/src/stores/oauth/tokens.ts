import type { OAuthStore } from '@hal/core';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { ChangeFeed } from '../../cache/change-feed';
import type { Db } from '../../database';
import { accessTokens, grants, oauthApps, refreshTokens, users } from '../../schema';
import type { RequestScope } from '../../scope';
import { batched } from '../batch';

// A safety net only: every revocation is announced (NOTIFY) the moment it commits.
const LIVENESS_TTL_MS = 10_000;
/** Rows per `jti` insert, and such inserts in flight at once (see saveAccessTokens). */
const JTI_BATCH = 500;
const JTI_BATCHES_IN_FLIGHT = 2;
/** How long a batch (`jti` inserts, rotations) is in flight before another goes out beside it. */
export const SECOND_BATCH_AFTER_MS = 100;

/** A refresh token as core's `RefreshRecord` sees it: everything but its hash. */
export const refreshColumns = {
  id: refreshTokens.id,
  grantId: refreshTokens.grantId,
  appId: refreshTokens.appId,
  codeHash: refreshTokens.codeHash,
  scopes: refreshTokens.scopes,
  resources: refreshTokens.resources,
  expiresAt: refreshTokens.expiresAt,
  rotatedAt: refreshTokens.rotatedAt,
  revokedAt: refreshTokens.revokedAt,
  replacedById: refreshTokens.replacedById,
  successorSealed: refreshTokens.successorSealed,
};

/** Access and refresh tokens: issued by the grants, looked up and revoked by the endpoints. */
export function tokenStore(db: Db, feed: ChangeFeed) {
  // Hot path of every OAuth-authenticated API request: one indexed join.
  const accessTokenByJti = db
    // The user without the password hash: nothing on a Bearer request needs it.
    .select({
      revokedAt: accessTokens.revokedAt,
      user: { id: users.id, email: users.email, name: users.name, createdAt: users.createdAt },
    })
    .from(accessTokens)
    .innerJoin(users, eq(users.id, accessTokens.userId))
    .where(eq(accessTokens.jti, sql.placeholder('jti')))
    .prepare('access_token_by_jti');
  // Revocation checks of every Bearer request and introspection, dropped on any revocation.
  const liveness = feed.cache<string, Awaited<ReturnType<typeof accessTokenByJti.execute>>[number]>(
    'tokens',
    LIVENESS_TTL_MS,
    'access_token_liveness',
  );
  // Every issued access token writes its `jti`: the hottest insert, group-committed. One batch in
  // flight while batches come back quickly: the largest batches, the least CPU per token (on a
  // quiet machine client_credentials cost 243 µs per request with one, 297 with two always). A
  // second once one is slow: then a token request arriving just after a batch went out would wait
  // for that batch's round trip and then its own (2.5 round trips inside HAL in a soak on a busy
  // core, 1.6 with two), and a batch held on a lock would hold up every token behind it.
  const saveAccessTokens = batched<typeof accessTokens.$inferInsert>(
    async (rows) => {
      // One statement text whatever the batch size (the rows travel as one JSON parameter): it is
      // parsed and planned once per connection, where a VALUES list of each size is a new statement.
      // Idempotent: a batch retried row by row after its connection died may have committed
      // (src/in-doubt.ts), and a `jti` is random, so a conflict can only be that row itself.
      const json = JSON.stringify(
        rows.map((r) => ({
          jti: r.jti,
          grant_id: r.grantId ?? null,
          app_id: r.appId,
          user_id: r.userId,
          code_hash: r.codeHash ?? null,
          expires_at: r.expiresAt,
        })),
      );
      await db.execute(
        sql`insert into access_tokens (jti, grant_id, app_id, user_id, code_hash, expires_at)
        select * from json_to_recordset(${json}::json)
          as t(jti text, grant_id text, app_id text, user_id text, code_hash text, expires_at timestamptz)
        on conflict do nothing`,
      );
    },
    { maxBatch: JTI_BATCH, maxInFlight: JTI_BATCHES_IN_FLIGHT, nextAfterMs: SECOND_BATCH_AFTER_MS },
  );

  const issue: Pick<OAuthStore, 'saveAccessToken' | 'createRefreshToken'> = {
    saveAccessToken: (token, scope) => saveAccessTokens(token, scope as RequestScope | undefined),

    async createRefreshToken(t) {
      await db.insert(refreshTokens).values({
        id: t.id,
        tokenHash: t.tokenHash,
        grantId: t.grantId,
        appId: t.appId,
        codeHash: t.codeHash,
        scopes: t.scopes,
        resources: t.resources ?? [],
        expiresAt: t.expiresAt,
      });
    },
  };

  return {
    ...issue,

    /** The access token's revocation state and user (cached per process, see ChangeFeed). */
    accessToken(jti: string) {
      return liveness.get(jti, async () => (await accessTokenByJti.execute({ jti }))[0]);
    },

    async revokeAccessToken(jti: string, appId: string) {
      await db
        .update(accessTokens)
        .set({ revokedAt: sql`now()` })
        .where(and(eq(accessTokens.jti, jti), eq(accessTokens.appId, appId), isNull(accessTokens.revokedAt)));
      // After the revoking commit: this process stops trusting its cache at once.
      feed.changed('tokens');
    },

    /** A refresh token of `appId` with its grant, for revocation and introspection. */
    async refreshToken(tokenHash: string) {
      const [row] = await db
        .select({ token: refreshColumns, grant: grants, clientId: oauthApps.clientId, user: users })
        .from(refreshTokens)
        .innerJoin(grants, eq(grants.id, refreshTokens.grantId))
        .innerJoin(oauthApps, eq(oauthApps.id, refreshTokens.appId))
        .innerJoin(users, eq(users.id, grants.userId))
        .where(eq(refreshTokens.tokenHash, tokenHash));
      return row;
    },
  };
}
