import { and, eq, sql } from 'drizzle-orm';
import type { ChangeFeed } from '../cache/change-feed';
import type { Db } from '../database';
import { accessTokens, grants, refreshTokens, resourceServers, users } from '../schema';

export type ResourceServer = typeof resourceServers.$inferSelect;
/** A resource server with its owner's display name (name, or email when it has none). */
type Resolved = ResourceServer & { ownerName: string };

// A safety net only: every change is announced (NOTIFY) the moment it commits.
const CACHE_TTL_MS = 60_000;

/** Registered resource servers (contract "Registered resource servers"). */
export function resourceServerStore(db: Db, feed: ChangeFeed) {
  // Read by authorization and token requests naming a resource (never by token verification,
  // whose audience check compares identifiers only), so cached per process like apps.
  const cache = feed.cache<string, Resolved>('resources', CACHE_TTL_MS);
  const byIdCache = feed.cache<string, ResourceServer>('resources', CACHE_TTL_MS);
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

    /** False when the new identifier is taken. */
    async update(id: string, patch: Partial<typeof resourceServers.$inferInsert>): Promise<boolean> {
      const rows = await db
        .update(resourceServers)
        .set({ ...patch, updatedAt: sql`now()` })
        .where(
          and(
            eq(resourceServers.id, id),
            patch.identifier
              ? sql`not exists (select 1 from ${resourceServers} o where o.identifier = ${patch.identifier} and o.id <> ${id})`
              : undefined,
          ),
        )
        .returning({ id: resourceServers.id });
      changed();
      return rows.length > 0;
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
        const revoked = await tx
          .update(grants)
          .set({ revokedAt: sql`now()` })
          .where(and(sql`${identifier} = any(${grants.resources})`, sql`${grants.revokedAt} is null`))
          .returning({ id: grants.id });
        for (const { id: grantId } of revoked) {
          await tx
            .update(refreshTokens)
            .set({ revokedAt: sql`now()` })
            .where(and(eq(refreshTokens.grantId, grantId), sql`${refreshTokens.revokedAt} is null`));
          await tx
            .update(accessTokens)
            .set({ revokedAt: sql`now()` })
            .where(and(eq(accessTokens.grantId, grantId), sql`${accessTokens.revokedAt} is null`));
        }
      });
      changed();
      feed.changed('tokens');
    },
  };
}
