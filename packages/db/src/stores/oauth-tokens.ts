import type {
  CodeRecord,
  GrantRecord,
  NewRefreshToken,
  OAuthStore,
  RefreshRecord,
  Rotation,
} from '@hal/core';
import { and, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import type { ChangeFeed } from '../cache/change-feed';
import type { Db } from '../database';
import {
  accessTokens,
  authorizationCodes,
  authorizationRequests,
  grants,
  oauthApps,
  refreshTokens,
  users,
} from '../schema';
import { writeAudit } from './audit';
import { batched } from './batch';

// A safety net only: every revocation is announced (NOTIFY) the moment it commits.
const LIVENESS_TTL_MS = 10_000;

const refreshColumns = {
  id: refreshTokens.id,
  grantId: refreshTokens.grantId,
  appId: refreshTokens.appId,
  codeHash: refreshTokens.codeHash,
  scopes: refreshTokens.scopes,
  expiresAt: refreshTokens.expiresAt,
  rotatedAt: refreshTokens.rotatedAt,
  revokedAt: refreshTokens.revokedAt,
  replacedById: refreshTokens.replacedById,
  successorSealed: refreshTokens.successorSealed,
};

type RotatedRow = {
  id: string;
  grant_id: string;
  code_hash: string | null;
  scopes: string[];
  expires_at: string | Date;
  rotated_at: string | Date;
  user_id: string;
  project_id: string | null;
  grant_scopes: string[];
  authorization_details: GrantRecord['authorizationDetails'];
  grant_revoked_at: string | Date | null;
};

/** Rows of a raw `execute`: postgres-js returns them as the result, PGlite under `.rows`. */
const rowsOf = <T>(result: unknown): T[] => ((result as { rows?: T[] }).rows ?? (result as T[])) as T[];

/** Codes, grants, refresh and access tokens: the {@link OAuthStore} of packages/core, plus requests. */
export function oauthTokenStore(db: Db, feed: ChangeFeed) {
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
  );
  /** Called after every revoking commit: this process stops trusting its cache at once. */
  const revoked = () => feed.changed('tokens');
  // Every issued access token writes its `jti`: the hottest insert, group-committed.
  const saveAccessTokens = batched<typeof accessTokens.$inferInsert>(async (rows) => {
    await db.insert(accessTokens).values(rows);
  });

  async function revokeGrantIn(tx: Db, grantId: string) {
    await tx
      .update(grants)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(grants.id, grantId), isNull(grants.revokedAt)));
    await tx
      .update(refreshTokens)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(refreshTokens.grantId, grantId), isNull(refreshTokens.revokedAt)));
    await tx
      .update(accessTokens)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(accessTokens.grantId, grantId), isNull(accessTokens.revokedAt)));
  }

  const store: OAuthStore = {
    async redeemCode(codeHash) {
      // RFC 6749 §4.1.2: single use, decided by one conditional UPDATE (the loser of a race replays).
      const [won] = await db
        .update(authorizationCodes)
        .set({ consumedAt: sql`now()` })
        .where(and(eq(authorizationCodes.codeHash, codeHash), isNull(authorizationCodes.consumedAt)))
        .returning();
      if (won) return { status: 'redeemed', code: won as CodeRecord };
      const [seen] = await db
        .select()
        .from(authorizationCodes)
        .where(eq(authorizationCodes.codeHash, codeHash));
      return seen ? { status: 'replayed', code: seen as CodeRecord } : undefined;
    },

    async revokeIssuedFromCode(codeHash) {
      await db.transaction(async (tx) => {
        await tx
          .update(accessTokens)
          .set({ revokedAt: sql`now()` })
          .where(and(eq(accessTokens.codeHash, codeHash), isNull(accessTokens.revokedAt)));
        await tx
          .update(refreshTokens)
          .set({ revokedAt: sql`now()` })
          .where(and(eq(refreshTokens.codeHash, codeHash), isNull(refreshTokens.revokedAt)));
      });
      revoked();
    },

    async grant(id) {
      const [row] = await db.select().from(grants).where(eq(grants.id, id));
      return row as GrantRecord | undefined;
    },

    saveAccessToken: (token) => saveAccessTokens(token),

    async createRefreshToken(t) {
      await db.insert(refreshTokens).values({
        id: t.id,
        tokenHash: t.tokenHash,
        grantId: t.grantId,
        appId: t.appId,
        codeHash: t.codeHash,
        scopes: t.scopes,
        expiresAt: t.expiresAt,
      });
    },

    async rotateRefreshToken(
      tokenHash: string,
      appId: string,
      successor: NewRefreshToken,
    ): Promise<Rotation> {
      // RFC 9700 §4.14.2: rotation is one conditional UPDATE; of two concurrent uses exactly one
      // wins. The successor's INSERT and the grant's last use ride in the same statement (one
      // round trip, atomic without an explicit transaction).
      const won = rowsOf<RotatedRow>(
        await db.execute(sql`
          with old as (
            update refresh_tokens
               set rotated_at = now(), replaced_by_id = ${successor.id}, successor_sealed = ${successor.sealed}
             where token_hash = ${tokenHash} and app_id = ${appId}
               and rotated_at is null and revoked_at is null and expires_at > now()
            returning id, grant_id, code_hash, scopes, expires_at, rotated_at
          ), successor as (
            insert into refresh_tokens (id, token_hash, grant_id, app_id, code_hash, scopes, expires_at)
            select ${successor.id}, ${successor.tokenHash}, grant_id, ${appId}, code_hash, scopes, ${successor.expiresAt.toISOString()}::timestamptz
              from old
            returning id
          ), used as (
            update grants set last_used_at = now() from old where grants.id = old.grant_id
            returning grants.id, grants.user_id, grants.app_id, grants.project_id, grants.scopes,
                      grants.authorization_details, grants.revoked_at
          )
          select old.id, old.grant_id, old.code_hash, old.scopes, old.expires_at, old.rotated_at,
                 used.user_id, used.project_id, used.scopes as grant_scopes,
                 used.authorization_details, used.revoked_at as grant_revoked_at
            from old join used on used.id = old.grant_id`),
      )[0];
      if (won) {
        const token: RefreshRecord = {
          id: won.id,
          grantId: won.grant_id,
          appId,
          codeHash: won.code_hash,
          scopes: won.scopes,
          expiresAt: new Date(won.expires_at),
          rotatedAt: new Date(won.rotated_at),
          revokedAt: null,
          replacedById: successor.id,
          successorSealed: successor.sealed,
        };
        const grant: GrantRecord = {
          id: won.grant_id,
          userId: won.user_id,
          appId,
          projectId: won.project_id,
          scopes: won.grant_scopes,
          authorizationDetails: won.authorization_details,
          revokedAt: won.grant_revoked_at ? new Date(won.grant_revoked_at) : null,
        };
        return { status: 'rotated', token, grant };
      }
      // Not rotated: unknown, another client's, expired, revoked, or already rotated (reuse).
      const [seen] = await db
        .select(refreshColumns)
        .from(refreshTokens)
        .where(and(eq(refreshTokens.tokenHash, tokenHash), eq(refreshTokens.appId, appId)));
      if (!seen || seen.revokedAt || !seen.rotatedAt || seen.expiresAt <= new Date())
        return { status: 'invalid' };
      const [grant] = await db.select().from(grants).where(eq(grants.id, seen.grantId));
      const [next] = seen.replacedById
        ? await db.select(refreshColumns).from(refreshTokens).where(eq(refreshTokens.id, seen.replacedById))
        : [];
      const successorLive = Boolean(next && !next.rotatedAt && !next.revokedAt);
      return { status: 'reused', token: seen as RefreshRecord, grant: grant as GrantRecord, successorLive };
    },

    async revokeGrant(grantId) {
      await db.transaction((tx) => revokeGrantIn(tx as unknown as Db, grantId));
      revoked();
    },

    // Through the one audit writer; fields left out take the columns' defaults (null, `data` {}).
    audit: (event) => writeAudit(db, event),
  };

  return {
    ...store,

    /** The access token's revocation state and user (cached per process, see ChangeFeed). */
    accessToken(jti: string) {
      return liveness.get(jti, async () => (await accessTokenByJti.execute({ jti }))[0]);
    },

    async revokeAccessToken(jti: string, appId: string) {
      await db
        .update(accessTokens)
        .set({ revokedAt: sql`now()` })
        .where(and(eq(accessTokens.jti, jti), eq(accessTokens.appId, appId), isNull(accessTokens.revokedAt)));
      revoked();
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

    /** Records the user's approval: one grant per user × app × project, scopes accumulating. */
    async upsertGrant(g: {
      id: string;
      userId: string;
      appId: string;
      projectId: string | null;
      scopes: string[];
      details: GrantRecord['authorizationDetails'];
    }) {
      const [row] = await db
        .insert(grants)
        .values({
          id: g.id,
          userId: g.userId,
          appId: g.appId,
          projectId: g.projectId,
          scopes: g.scopes,
          authorizationDetails: g.details,
        })
        .onConflictDoUpdate({
          target: [grants.userId, grants.appId, grants.projectId],
          set: {
            // A revoked grant starts over; a live one keeps what was approved before.
            scopes: sql`case when ${grants.revokedAt} is null then array(select distinct unnest(${grants.scopes} || excluded.scopes) order by 1) else excluded.scopes end`,
            authorizationDetails: sql`excluded.authorization_details`,
            revokedAt: null,
            updatedAt: sql`now()`,
          },
        })
        .returning();
      return row as GrantRecord;
    },

    async createCode(code: CodeRecord) {
      await db.insert(authorizationCodes).values(code);
    },

    /** The grants a user approved, with their app, newest first. */
    userGrants(userId: string) {
      return db
        .select({
          grant: grants,
          app: { id: oauthApps.id, clientId: oauthApps.clientId, name: oauthApps.name },
        })
        .from(grants)
        .innerJoin(oauthApps, eq(oauthApps.id, grants.appId))
        .where(and(eq(grants.userId, userId), isNull(grants.revokedAt)))
        .orderBy(desc(grants.updatedAt));
    },

    /** Revokes one of the user's grants with everything issued under it; false when not theirs. */
    async revokeUserGrant(userId: string, grantId: string): Promise<boolean> {
      const [row] = await db
        .select({ id: grants.id })
        .from(grants)
        .where(and(eq(grants.id, grantId), eq(grants.userId, userId), isNull(grants.revokedAt)));
      if (!row) return false;
      await store.revokeGrant(grantId);
      return true;
    },

    async createRequest(r: typeof authorizationRequests.$inferInsert) {
      await db.insert(authorizationRequests).values(r);
    },

    /** A live pending request; `consume` marks it used atomically (one-time `request_uri`, decisions). */
    async pendingRequest(id: string) {
      const [row] = await db
        .select()
        .from(authorizationRequests)
        .where(
          and(
            eq(authorizationRequests.id, id),
            isNull(authorizationRequests.consumedAt),
            gt(authorizationRequests.expiresAt, sql`now()`),
          ),
        );
      return row;
    },

    /** Binds a request made while signed out to the user who signed in for it. */
    async bindRequest(id: string, userId: string) {
      await db
        .update(authorizationRequests)
        .set({ userId })
        .where(and(eq(authorizationRequests.id, id), isNull(authorizationRequests.userId)));
    },

    async consumeRequest(id: string) {
      const [row] = await db
        .update(authorizationRequests)
        .set({ consumedAt: sql`now()` })
        .where(
          and(
            eq(authorizationRequests.id, id),
            isNull(authorizationRequests.consumedAt),
            gt(authorizationRequests.expiresAt, sql`now()`),
          ),
        )
        .returning();
      return row;
    },
  };
}
