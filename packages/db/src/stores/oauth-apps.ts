import type { OAuthClient } from '@hal/core';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { ChangeFeed } from '../cache/change-feed';
import type { Db } from '../database';
import { grants, oauthApps, oauthRedirectUris, refreshTokens, users } from '../schema';

export type OAuthApp = typeof oauthApps.$inferSelect & { redirectUris: string[] };

const toClient = (app: OAuthApp): OAuthClient => ({
  id: app.id,
  clientId: app.clientId,
  ownerId: app.ownerId,
  clientType: app.clientType,
  kind: app.kind,
  projectId: app.projectId,
  redirectUris: app.redirectUris,
  allowedScopes: app.allowedScopes,
  accessTokenTtl: app.accessTokenTtl,
  refreshReuseGrace: app.refreshReuseGrace,
});

// A safety net only: every change is announced (NOTIFY) the moment it commits.
const CACHE_TTL_MS = 60_000;

/** OAuth apps and their redirect URIs. */
export function oauthAppStore(db: Db, feed: ChangeFeed) {
  // Apps are read on every token, revoke and introspect request and change rarely.
  const cache = feed.cache<string, OAuthApp>('apps', CACHE_TTL_MS, 'apps_by_client_id');
  const changed = () => feed.changed('apps');

  // Hot path of every token, revoke and introspect request: one indexed lookup with its URIs.
  const byClientId = db
    .select({
      app: oauthApps,
      redirectUris: sql<
        string[]
      >`coalesce((select array_agg(r.uri order by r.uri) from ${oauthRedirectUris} r where r.app_id = ${oauthApps.id}), '{}')`,
    })
    .from(oauthApps)
    .where(eq(oauthApps.clientId, sql.placeholder('clientId')))
    .prepare('oauth_app_by_client_id');

  async function withUris(rows: (typeof oauthApps.$inferSelect)[]): Promise<OAuthApp[]> {
    if (!rows.length) return [];
    const uris = await db
      .select()
      .from(oauthRedirectUris)
      .where(
        inArray(
          oauthRedirectUris.appId,
          rows.map((r) => r.id),
        ),
      );
    return rows.map((r) => ({
      ...r,
      redirectUris: uris
        .filter((u) => u.appId === r.id)
        .map((u) => u.uri)
        .sort(),
    }));
  }

  return {
    toClient,

    byClientId(clientId: string): Promise<OAuthApp | undefined> {
      return cache.get(clientId, async () => {
        const [row] = await byClientId.execute({ clientId });
        return row && { ...row.app, redirectUris: row.redirectUris };
      });
    },

    async ownedBy(ownerId: string, id: string): Promise<OAuthApp | undefined> {
      const rows = await db
        .select()
        .from(oauthApps)
        .where(and(eq(oauthApps.id, id), eq(oauthApps.ownerId, ownerId)));
      return (await withUris(rows))[0];
    },

    async list(ownerId: string): Promise<OAuthApp[]> {
      return withUris(
        await db.select().from(oauthApps).where(eq(oauthApps.ownerId, ownerId)).orderBy(oauthApps.createdAt),
      );
    },

    /** The private project clients of a project (contract: legacy private project clients), oldest first. */
    async privateClients(projectId: string, id?: string): Promise<OAuthApp[]> {
      const rows = await db
        .select()
        .from(oauthApps)
        .where(
          and(
            eq(oauthApps.projectId, projectId),
            eq(oauthApps.kind, 'private'),
            id === undefined ? undefined : eq(oauthApps.id, id),
          ),
        )
        .orderBy(oauthApps.createdAt);
      return withUris(rows);
    },

    async create(app: typeof oauthApps.$inferInsert, redirectUris: string[]): Promise<OAuthApp> {
      return db.transaction(async (tx) => {
        const [row] = await tx.insert(oauthApps).values(app).returning();
        if (redirectUris.length)
          await tx.insert(oauthRedirectUris).values(redirectUris.map((uri) => ({ appId: app.id, uri })));
        return { ...(row as typeof oauthApps.$inferSelect), redirectUris: [...redirectUris].sort() };
      });
    },

    async update(id: string, patch: Partial<typeof oauthApps.$inferInsert>, redirectUris?: string[]) {
      await db.transaction(async (tx) => {
        await tx
          .update(oauthApps)
          .set({ ...patch, updatedAt: sql`now()` })
          .where(eq(oauthApps.id, id));
        if (redirectUris) {
          await tx.delete(oauthRedirectUris).where(eq(oauthRedirectUris.appId, id));
          if (redirectUris.length)
            await tx.insert(oauthRedirectUris).values(redirectUris.map((uri) => ({ appId: id, uri })));
        }
      });
      changed();
    },

    async remove(id: string) {
      await db.delete(oauthApps).where(eq(oauthApps.id, id));
      changed();
      feed.changed('tokens'); // its grants and tokens went with it
    },

    /** New secret hash; every refresh token issued to the app is revoked in the same transaction. */
    async rotateSecret(id: string, secretHash: string) {
      await db.transaction(async (tx) => {
        await tx.update(oauthApps).set({ secretHash, updatedAt: sql`now()` }).where(eq(oauthApps.id, id));
        await tx
          .update(refreshTokens)
          .set({ revokedAt: sql`now()` })
          .where(
            and(
              // Through its grants (indexed by app): refresh tokens carry no index on app_id.
              inArray(
                refreshTokens.grantId,
                tx.select({ id: grants.id }).from(grants).where(eq(grants.appId, id)),
              ),
              sql`${refreshTokens.revokedAt} is null`,
            ),
          );
      });
      changed();
    },

    /** The name of the app's owner; empty for a client with none (registered or metadata-document). */
    async ownerName(ownerId: string | null): Promise<string> {
      if (!ownerId) return '';
      const [row] = await db.select({ name: users.name }).from(users).where(eq(users.id, ownerId));
      return row?.name ?? '';
    },
  };
}
