import type { GrantRecord } from '@hal/core';
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { ChangeFeed } from '../../cache/change-feed';
import type { Db } from '../../database';
import { accessTokens, grants, oauthApps, refreshTokens, users } from '../../schema';

/** Grants: what a user approved for an app (and project), and everything issued under it. */
export function grantStore(db: Db, feed: ChangeFeed) {
  async function revokeIn(tx: Db, grantId: string) {
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

  /** Revokes the grant and every token issued under it. */
  async function revoke(grantId: string) {
    await db.transaction((tx) => revokeIn(tx as unknown as Db, grantId));
    // After the revoking commit: this process stops trusting its cached tokens at once.
    feed.changed('tokens');
  }

  return {
    async get(id: string) {
      const [row] = await db.select().from(grants).where(eq(grants.id, id));
      return row as GrantRecord | undefined;
    },

    revoke,

    /** Records the user's approval: one grant per user × app × project, scopes and resources accumulating. */
    async upsert(g: {
      id: string;
      userId: string;
      appId: string;
      projectId: string | null;
      scopes: string[];
      details: GrantRecord['authorizationDetails'];
      /** RFC 8707: absent or empty means the fallback resource (`<issuer>/api`). */
      resources?: string[];
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
          resources: g.resources ?? [],
        })
        .onConflictDoUpdate({
          target: [grants.userId, grants.appId, grants.projectId],
          set: {
            // A revoked grant starts over; a live one keeps what was approved before.
            scopes: sql`case when ${grants.revokedAt} is null then array(select distinct unnest(${grants.scopes} || excluded.scopes) order by 1) else excluded.scopes end`,
            resources: sql`case when ${grants.revokedAt} is null then array(select distinct unnest(${grants.resources} || excluded.resources) order by 1) else excluded.resources end`,
            authorizationDetails: sql`excluded.authorization_details`,
            revokedAt: null,
            updatedAt: sql`now()`,
          },
        })
        .returning();
      return row as GrantRecord;
    },

    /** The grants a user approved, with their app, newest first. */
    forUser(userId: string) {
      return db
        .select({
          grant: grants,
          app: {
            id: oauthApps.id,
            clientId: oauthApps.clientId,
            name: oauthApps.name,
            origin: oauthApps.origin,
          },
        })
        .from(grants)
        .innerJoin(oauthApps, eq(oauthApps.id, grants.appId))
        .where(and(eq(grants.userId, userId), isNull(grants.revokedAt)))
        .orderBy(desc(grants.updatedAt));
    },

    /** The live grants whose resources include `identifier`, with their user and app, newest first. */
    forResource(identifier: string) {
      return db
        .select({
          id: grants.id,
          scopes: grants.scopes,
          createdAt: grants.createdAt,
          lastUsedAt: grants.lastUsedAt,
          user: { id: users.id, name: users.name, email: users.email },
          app: { id: oauthApps.id, clientId: oauthApps.clientId, name: oauthApps.name },
        })
        .from(grants)
        .innerJoin(users, eq(users.id, grants.userId))
        .innerJoin(oauthApps, eq(oauthApps.id, grants.appId))
        .where(and(sql`${identifier} = any(${grants.resources})`, isNull(grants.revokedAt)))
        .orderBy(desc(grants.updatedAt));
    },

    /** Revokes one of the user's grants with everything issued under it; false when not theirs. */
    async revokeForUser(userId: string, grantId: string): Promise<boolean> {
      const [row] = await db
        .select({ id: grants.id })
        .from(grants)
        .where(and(eq(grants.id, grantId), eq(grants.userId, userId), isNull(grants.revokedAt)));
      if (!row) return false;
      await revoke(grantId);
      return true;
    },
  };
}

export type GrantStore = ReturnType<typeof grantStore>;
