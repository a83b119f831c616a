import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../database';
import { authorizationRequests } from '../../schema';

/** Authorization requests waiting for the user's decision, made at `/oauth/authorize` or pushed (PAR). */
export function requestStore(db: Db) {
  return {
    async create(r: typeof authorizationRequests.$inferInsert) {
      await db.insert(authorizationRequests).values(r);
    },

    /** A live pending request; `consume` marks it used atomically (one-time `request_uri`, decisions). */
    async pending(id: string) {
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
    async bind(id: string, userId: string) {
      await db
        .update(authorizationRequests)
        .set({ userId })
        .where(and(eq(authorizationRequests.id, id), isNull(authorizationRequests.userId)));
    },

    async consume(id: string) {
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
