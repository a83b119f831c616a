import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { ChangeFeed } from '../cache/change-feed';
import type { Db } from '../database';
import { errorCodes } from '../error-codes';
import { accessTokens, grants, refreshTokens, resourceServers, users } from '../schema';

export type ResourceServer = typeof resourceServers.$inferSelect;
/** A resource server with its owner's display name (name, or email when it has none). */
type Resolved = ResourceServer & { ownerName: string };

// A safety net only: every change is announced (NOTIFY) the moment it commits.
const CACHE_TTL_MS = 60_000;

/** Revokes every live grant whose resources include `identifier`, and every token issued under them. */
async function revokeGrantsNaming(tx: Db, identifier: string) {
  const revoked = await tx
    .update(grants)
    .set({ revokedAt: sql`now()` })
    .where(and(sql`${identifier} = any(${grants.resources})`, isNull(grants.revokedAt)))
    .returning({ id: grants.id });
  const ids = revoked.map((g) => g.id);
  if (!ids.length) return;
  await tx
    .update(refreshTokens)
    .set({ revokedAt: sql`now()` })
    .where(and(inArray(refreshTokens.grantId, ids), isNull(refreshTokens.revokedAt)));
  await tx
    .update(accessTokens)
    .set({ revokedAt: sql`now()` })
    .where(and(inArray(accessTokens.grantId, ids), isNull(accessTokens.revokedAt)));
}

/** Registered resource servers (contract "Registered resource servers"). */
export function resourceServerStore(db: Db, feed: ChangeFeed) {
  // Read by authorization and token requests naming a resource (never by token verification,
  // whose audience check compares identifiers only), so cached per process like apps.
  const cache = feed.cache<string, Resolved>('resources', CACHE_TTL_MS, 'resources_by_identifier');
  const byIdCache = feed.cache<string, ResourceServer>('resources', CACHE_TTL_MS, 'resources_by_id');
  const changed = () => feed.changed('resources');
  const byIdentifier = db
    .select({ server: resourceServers, ownerName: users.name, ownerEmail: users.email })
    .from(resourceServers)
    .innerJoin(users, eq(users.id, resourceServers.ownerId))
    .where(eq(resourceServers.identifier, sql.placeholder('identifier')))
    .prepare('resource_server_by_identifier');

  return {
    /** The resource server whose identifier is `identifier`, with its owner's display name. */
    byIdentifier(identifier: string): Promise<Resolved | undefined> {
      return cache.get(identifier, async () => {
        const [row] = await byIdentifier.execute({ identifier });
        return row && { ...row.server, ownerName: row.ownerName || row.ownerEmail };
      });
    },

    /** Read by every introspection call of a resource server, so cached like `byIdentifier`. */
    byId(id: string): Promise<ResourceServer | undefined> {
      return byIdCache.get(id, async () => {
        const [row] = await db.select().from(resourceServers).where(eq(resourceServers.id, id));
        return row;
      });
    },

    async ownedBy(ownerId: string, id: string): Promise<ResourceServer | undefined> {
      const [row] = await db
        .select()
        .from(resourceServers)
        .where(and(eq(resourceServers.id, id), eq(resourceServers.ownerId, ownerId)));
      return row;
    },

    list(ownerId: string): Promise<ResourceServer[]> {
      return db
        .select()
        .from(resourceServers)
        .where(eq(resourceServers.ownerId, ownerId))
        .orderBy(resourceServers.createdAt);
    },

    /** Undefined when the identifier is taken (it is unique across HAL). */
    async create(server: typeof resourceServers.$inferInsert): Promise<ResourceServer | undefined> {
      const [row] = await db.insert(resourceServers).values(server).onConflictDoNothing().returning();
      return row;
    },

    /**
     * False when the new identifier is taken. A new identifier names another resource: the grants
     * that name `previous` are revoked with it.
     */
    async update(id: string, patch: Partial<typeof resourceServers.$inferInsert>, previous: string) {
      const moved = patch.identifier !== undefined && patch.identifier !== previous;
      const updated = await db
        .transaction(async (tx) => {
          const rows = await tx
            .update(resourceServers)
            .set({ ...patch, updatedAt: sql`now()` })
            .where(
              and(
                eq(resourceServers.id, id),
                moved
                  ? sql`not exists (select 1 from ${resourceServers} o where o.identifier = ${patch.identifier} and o.id <> ${id})`
                  : undefined,
              ),
            )
            .returning({ id: resourceServers.id });
          if (rows.length && moved) await revokeGrantsNaming(tx as unknown as Db, previous);
          return rows.length > 0;
        })
        // Two owners claiming one identifier at once: the loser's UPDATE hits the unique index.
        .catch((error: unknown) => {
          if (errorCodes(error).includes('23505')) return false; // unique_violation
          throw error;
        });
      changed();
      if (moved) feed.changed('tokens');
      return updated;
    },

    async rotateSecret(id: string, secretHash: string) {
      await db
        .update(resourceServers)
        .set({ secretHash, updatedAt: sql`now()` })
        .where(eq(resourceServers.id, id));
      changed();
    },

    /** Deletes the resource server and revokes every grant that names it, with all their tokens. */
    async remove(id: string, identifier: string) {
      await db.transaction(async (tx) => {
        await tx.delete(resourceServers).where(eq(resourceServers.id, id));
        await revokeGrantsNaming(tx as unknown as Db, identifier);
      });
      changed();
      feed.changed('tokens');
    },
  };
}
