import { eq, getTableColumns, sql } from 'drizzle-orm';
import type { ChangeFeed } from '../cache/change-feed';
import type { Db } from '../database';
import { authorizationRequests, grants, oauthApps, oauthRedirectUris } from '../schema';
import type { OAuthApp } from './oauth-apps';

type NewApp = typeof oauthApps.$inferInsert;

/**
 * Clients HAL has not vetted: registered through RFC 7591, or described by a client ID metadata
 * document (cached in their row, so every server process shares one fetch). They have no owner.
 */
export function registeredClientStore(db: Db, feed: ChangeFeed) {
  async function urisOf(tx: Db, appId: string) {
    const rows = await tx.select().from(oauthRedirectUris).where(eq(oauthRedirectUris.appId, appId));
    return rows.map((r) => r.uri).sort();
  }

  async function replaceUris(tx: Db, appId: string, uris: string[]) {
    await tx.delete(oauthRedirectUris).where(eq(oauthRedirectUris.appId, appId));
    if (uris.length) await tx.insert(oauthRedirectUris).values(uris.map((uri) => ({ appId, uri })));
  }

  return {
    /**
     * Registers a client. A public registration carries a fingerprint: when one with the same
     * fingerprint exists, that client is returned instead (one statement, so concurrent identical
     * registrations make one client) and its registration renewed (the unused-client sweep starts over).
     */
    async register(app: NewApp, redirectUris: string[]): Promise<{ app: OAuthApp; created: boolean }> {
      const result = await db.transaction(async (t) => {
        const tx = t as unknown as Db;
        const insert = tx.insert(oauthApps).values(app);
        const [row] = await (app.registrationFingerprint
          ? insert.onConflictDoUpdate({
              target: oauthApps.registrationFingerprint,
              set: { updatedAt: sql`now()` },
            })
          : insert
        ).returning({ ...getTableColumns(oauthApps), created: sql<boolean>`(xmax = 0)` });
        const { created, ...saved } = row as typeof oauthApps.$inferSelect & { created: boolean };
        if (created) await replaceUris(tx, saved.id, redirectUris);
        return {
          app: { ...saved, redirectUris: created ? [...redirectUris].sort() : await urisOf(tx, saved.id) },
          created,
        };
      });
      if (!result.created) feed.changed('apps');
      return result;
    },

    /**
     * Keeps a metadata document's client: created on its first fetch, refreshed on later ones (same
     * internal id, so grants and tokens stay attached).
     */
    async saveMetadataDocument(app: NewApp, redirectUris: string[]): Promise<OAuthApp> {
      const saved = await db.transaction(async (t) => {
        const tx = t as unknown as Db;
        const [row] = await tx
          .insert(oauthApps)
          .values({ ...app, origin: 'metadata_document', ownerId: null })
          .onConflictDoUpdate({
            target: oauthApps.clientId,
            set: {
              name: sql`excluded.name`,
              logoUrl: sql`excluded.logo_url`,
              allowedScopes: sql`excluded.allowed_scopes`,
              metadata: sql`excluded.metadata`,
              metadataExpiresAt: sql`excluded.metadata_expires_at`,
              updatedAt: sql`now()`,
            },
            // Never takes over another kind of client (their client_ids are never URLs anyway).
            setWhere: sql`${oauthApps.origin} = 'metadata_document'`,
          })
          .returning();
        if (!row) throw new Error('client_id belongs to a client of another origin');
        await replaceUris(tx, row.id, redirectUris);
        return { ...row, redirectUris: [...redirectUris].sort() };
      });
      feed.changed('apps');
      return saved;
    },

    /**
     * Deletes up to `limit` unvetted clients that no user ever authorized, registered (or fetched)
     * more than `unusedSeconds` ago and with no authorization request in flight. Safe with several
     * processes sweeping at once: each skips the rows another is deleting.
     * @returns how many were deleted
     */
    async sweepUnused(unusedSeconds: number, limit = 500): Promise<number> {
      const deleted = await db
        .delete(oauthApps)
        .where(
          sql`${oauthApps.id} in (
            select a.id from ${oauthApps} a
            where a.origin <> 'owner'
              and a.updated_at < now() - make_interval(secs => ${unusedSeconds})
              and not exists (select 1 from ${grants} g where g.app_id = a.id)
              and not exists (select 1 from ${authorizationRequests} r where r.app_id = a.id and r.expires_at > now())
            limit ${limit}
            for update skip locked)`,
        )
        .returning({ id: oauthApps.id });
      if (deleted.length) feed.changed('apps');
      return deleted.length;
    },
  };
}
