import { and, desc, eq, gt, isNull, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../database';
import { auditEvents, rateLimits, signingKeys } from '../schema';

export type SigningKey = typeof signingKeys.$inferSelect;
export type AuditEvent = typeof auditEvents.$inferInsert;

export function operationsStore(db: Db) {
  return {
    /** Keys still published: active ones and retired ones whose tokens may not have expired. */
    publishedKeys(): Promise<SigningKey[]> {
      return db
        .select()
        .from(signingKeys)
        .where(or(isNull(signingKeys.expiresAt), gt(signingKeys.expiresAt, sql`now()`)))
        .orderBy(desc(signingKeys.createdAt), desc(signingKeys.kid));
    },
    async insertKey(key: typeof signingKeys.$inferInsert) {
      await db.insert(signingKeys).values(key);
    },
    /** Stops every key but `keepKid` from signing; each stays published until `expiresAt`. */
    async retireOtherKeys(keepKid: string, expiresAt: Date) {
      await db
        .update(signingKeys)
        .set({ retiredAt: sql`now()`, expiresAt })
        .where(sql`${signingKeys.kid} <> ${keepKid} and ${signingKeys.retiredAt} is null`);
    },

    async audit(event: AuditEvent) {
      await db.insert(auditEvents).values(event);
    },

    /** The user's audit log, newest first, paged by id (`before` is the last id of the previous page). */
    auditFor(userId: string, limit: number, before?: number) {
      return db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.userId, userId), before ? lt(auditEvents.id, before) : undefined))
        .orderBy(desc(auditEvents.id))
        .limit(limit);
    },

    /**
     * Fixed-window counter, atomically incremented (one upsert, safe across processes).
     * Returns the count including this hit and when the window resets.
     */
    async hit(key: string, windowSeconds: number): Promise<{ count: number; resetAt: Date }> {
      const [row] = await db
        .insert(rateLimits)
        .values({ key, count: 1, resetAt: sql`now() + make_interval(secs => ${windowSeconds})` })
        .onConflictDoUpdate({
          target: rateLimits.key,
          set: {
            count: sql`case when ${rateLimits.resetAt} <= now() then 1 else ${rateLimits.count} + 1 end`,
            resetAt: sql`case when ${rateLimits.resetAt} <= now() then now() + make_interval(secs => ${windowSeconds}) else ${rateLimits.resetAt} end`,
          },
        })
        .returning({ count: rateLimits.count, resetAt: rateLimits.resetAt });
      return row as { count: number; resetAt: Date };
    },
    /** The live count for `key` (0 when its window has passed). */
    async peek(key: string): Promise<{ count: number; resetAt: Date } | undefined> {
      const [row] = await db
        .select({ count: rateLimits.count, resetAt: rateLimits.resetAt })
        .from(rateLimits)
        .where(sql`${rateLimits.key} = ${key} and ${rateLimits.resetAt} > now()`);
      return row;
    },
    /** Takes one hit back (a successful sign-in is not a failure). */
    async release(key: string) {
      await db
        .update(rateLimits)
        .set({ count: sql`greatest(${rateLimits.count} - 1, 0)` })
        .where(eq(rateLimits.key, key));
    },
  };
}
