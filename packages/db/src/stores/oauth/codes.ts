import type { CodeRecord, OAuthStore } from '@hal/core';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { ChangeFeed } from '../../cache/change-feed';
import type { Db } from '../../database';
import { accessTokens, authorizationCodes, refreshTokens } from '../../schema';

/** Authorization codes: created on consent, redeemed once at the token endpoint. */
export function codeStore(db: Db, feed: ChangeFeed) {
  const redemption: Pick<OAuthStore, 'redeemCode' | 'revokeIssuedFromCode'> = {
    async redeemCode(codeHash) {
      // RFC 6749 §4.1.2: single use, decided by one conditional UPDATE (the loser of a race replays).
      const [won] = await db
        .update(authorizationCodes)
        .set({ consumedAt: sql`now()` })
        .where(and(eq(authorizationCodes.codeHash, codeHash), isNull(authorizationCodes.consumedAt)))
        .returning();
      if (won) return { status: 'redeemed', code: won as CodeRecord };
      const [seen] = await db
        .select()
        .from(authorizationCodes)
        .where(eq(authorizationCodes.codeHash, codeHash));
      return seen ? { status: 'replayed', code: seen as CodeRecord } : undefined;
    },

    async revokeIssuedFromCode(codeHash) {
      await db.transaction(async (tx) => {
        await tx
          .update(accessTokens)
          .set({ revokedAt: sql`now()` })
          .where(and(eq(accessTokens.codeHash, codeHash), isNull(accessTokens.revokedAt)));
        await tx
          .update(refreshTokens)
          .set({ revokedAt: sql`now()` })
          .where(and(eq(refreshTokens.codeHash, codeHash), isNull(refreshTokens.revokedAt)));
      });
      // After the revoking commit: this process stops trusting its cache at once.
      feed.changed('tokens');
    },
  };

  return {
    ...redemption,

    async createCode(code: CodeRecord) {
      await db.insert(authorizationCodes).values(code);
    },
  };
}
