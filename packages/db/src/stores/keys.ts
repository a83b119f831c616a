import { desc, gt, isNull, or, sql } from 'drizzle-orm';
import type { Db } from '../database';
import { signingKeys } from '../schema';

export type SigningKey = typeof signingKeys.$inferSelect;

/** Signing keys, kept in the database so every server process signs and verifies with the same set. */
export function keyStore(db: Db) {
  return {
    /** Keys still published: active ones and retired ones whose tokens may not have expired. */
    published(): Promise<SigningKey[]> {
      return db
        .select()
        .from(signingKeys)
        .where(or(isNull(signingKeys.expiresAt), gt(signingKeys.expiresAt, sql`now()`)))
        .orderBy(desc(signingKeys.createdAt), desc(signingKeys.kid));
    },
    async insert(key: typeof signingKeys.$inferInsert) {
      await db.insert(signingKeys).values(key);
    },
    /**
     * Stops the keys older than `keepKid` from signing (in the order of {@link published}); each
     * stays published until `expiresAt`. Only older ones: of keys created at once (instances
     * started together on an empty database each create the first one), the newest signs, whatever
     * order the rotations run in. Rotations that each retired all the others left none signing.
     */
    async retireOlder(keepKid: string, expiresAt: Date) {
      await db
        .update(signingKeys)
        .set({ retiredAt: sql`now()`, expiresAt })
        .where(
          sql`${signingKeys.retiredAt} is null and (${signingKeys.createdAt}, ${signingKeys.kid}) <
              (select k.created_at, k.kid from ${signingKeys} k where k.kid = ${keepKid})`,
        );
    },
  };
}
