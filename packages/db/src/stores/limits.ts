import { and, eq, gt, sql } from 'drizzle-orm';
import type { Db } from '../database';
import { rateLimits } from '../schema';

/** Fixed-window counters shared by every server process (rate limits, sign-in throttling). */
export function rateLimitStore(db: Db) {
  // Read on every request that signs in with a password verified a moment ago (Basic auth).
  const liveCounts = db
    .select({ key: rateLimits.key, count: rateLimits.count, resetAt: rateLimits.resetAt })
    .from(rateLimits)
    .where(and(sql`${rateLimits.key} = any(${sql.placeholder('keys')})`, gt(rateLimits.resetAt, sql`now()`)))
    .prepare('live_rate_limit_counts');
  return {
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
    /** The live counts of `keys` (a key whose window has passed, or never began, is absent). */
    async peekAll(keys: readonly string[]): Promise<Map<string, { count: number; resetAt: Date }>> {
      const rows = await liveCounts.execute({ keys });
      return new Map(rows.map(({ key, ...row }) => [key, row]));
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
