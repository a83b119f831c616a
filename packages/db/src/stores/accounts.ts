import { and, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import type { ChangeFeed } from '../cache/change-feed';
import type { Db } from '../database';
import { personalAccessTokens, sessions, users } from '../schema';
import { batched } from './batch';

export type User = typeof users.$inferSelect;
/** A user as request handlers see it: never the password hash. */
export type AccountUser = Omit<User, 'passwordHash'>;
export const accountUser = ({ passwordHash: _hash, ...user }: User): AccountUser => user;
export type PersonalAccessToken = typeof personalAccessTokens.$inferSelect;
export type Session = typeof sessions.$inferSelect;

export function accountStore(db: Db, feed: ChangeFeed) {
  // After a commit that ends a credential: this process drops the ones it verified at once (the
  // triggers of migration 0005 tell the others).
  const changed = () => feed.changed('credentials');
  const userById = db
    .select()
    .from(users)
    .where(eq(users.id, sql.placeholder('id')))
    .prepare('user_by_id');
  const userByEmail = db
    .select()
    .from(users)
    .where(sql`lower(${users.email}) = lower(${sql.placeholder('email')})`)
    .prepare('user_by_email');
  // Hot path of every browser request and session-JWT request: one indexed lookup.
  const liveSession = db
    .select({ id: sessions.id, userId: sessions.userId, expiresAt: sessions.expiresAt })
    .from(sessions)
    .where(
      and(
        eq(sessions.id, sql.placeholder('id')),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, sql`now()`),
      ),
    )
    .prepare('live_session');
  const sessionByTokenHash = db
    .select({ id: sessions.id, userId: sessions.userId })
    .from(sessions)
    .where(
      and(
        eq(sessions.tokenHash, sql.placeholder('hash')),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, sql`now()`),
      ),
    )
    .prepare('session_by_token_hash');
  // Hot path of every PAT request: the token and its owner (never the password hash) in one lookup.
  const patByHash = db
    .select({
      pat: personalAccessTokens,
      user: { id: users.id, email: users.email, name: users.name, createdAt: users.createdAt },
    })
    .from(personalAccessTokens)
    .innerJoin(users, eq(users.id, personalAccessTokens.userId))
    .where(eq(personalAccessTokens.tokenHash, sql.placeholder('hash')))
    .prepare('pat_by_hash');

  // Group-committed: the tokens of many scripts whose minute passed cost one statement.
  const touchPats = batched<string>(async (ids) => {
    await db
      .update(personalAccessTokens)
      .set({ lastUsedAt: sql`now()` })
      .where(
        and(
          inArray(personalAccessTokens.id, ids),
          sql`(${personalAccessTokens.lastUsedAt} is null or ${personalAccessTokens.lastUsedAt} < now() - interval '1 minute')`,
        ),
      );
  });

  return {
    async userById(id: string): Promise<User | undefined> {
      return (await userById.execute({ id }))[0];
    },
    async userByEmail(email: string): Promise<User | undefined> {
      return (await userByEmail.execute({ email }))[0];
    },
    /** Inserts a user; returns undefined when the email is taken (case-insensitively). */
    async createUser(user: typeof users.$inferInsert): Promise<User | undefined> {
      const [row] = await db.insert(users).values(user).onConflictDoNothing().returning();
      return row;
    },

    async createSession(session: typeof sessions.$inferInsert) {
      await db.insert(sessions).values(session);
    },
    async liveSession(id: string) {
      return (await liveSession.execute({ id }))[0];
    },
    async sessionByTokenHash(hash: string) {
      return (await sessionByTokenHash.execute({ hash }))[0];
    },
    async revokeSession(id: string) {
      await db
        .update(sessions)
        .set({ revokedAt: sql`now()` })
        .where(and(eq(sessions.id, id), isNull(sessions.revokedAt)));
      changed();
    },

    async createPat(pat: typeof personalAccessTokens.$inferInsert): Promise<PersonalAccessToken> {
      const [row] = await db.insert(personalAccessTokens).values(pat).returning();
      return row as PersonalAccessToken;
    },
    async patByHash(hash: string): Promise<{ pat: PersonalAccessToken; user: AccountUser } | undefined> {
      return (await patByHash.execute({ hash }))[0];
    },
    /** Records use at most once a minute per token so a busy script does not write on every call. */
    touchPat: (id: string) => touchPats(id),
    listPats(userId: string) {
      return db
        .select()
        .from(personalAccessTokens)
        .where(and(eq(personalAccessTokens.userId, userId), isNull(personalAccessTokens.revokedAt)))
        .orderBy(sql`${personalAccessTokens.createdAt} desc`);
    },
    /** Revokes one of the user's live tokens; false when there is none with that id. */
    async revokePat(userId: string, id: string): Promise<boolean> {
      const rows = await db
        .update(personalAccessTokens)
        .set({ revokedAt: sql`now()` })
        .where(
          and(
            eq(personalAccessTokens.id, id),
            eq(personalAccessTokens.userId, userId),
            isNull(personalAccessTokens.revokedAt),
          ),
        )
        .returning({ id: personalAccessTokens.id });
      if (rows.length) changed();
      return rows.length > 0;
    },
  };
}
