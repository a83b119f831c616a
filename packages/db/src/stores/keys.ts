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
    /** Stops every key but `keepKid` from signing; each stays published until `expiresAt`. */
    async retireOthers(keepKid: string, expiresAt: Date) {
      await db
        .update(signingKeys)
        .set({ retiredAt: sql`now()`, expiresAt })
        .where(sql`${signingKeys.kid} <> ${keepKid} and ${signingKeys.retiredAt} is null`);
    },
  };
}
