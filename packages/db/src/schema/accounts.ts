import { sql } from 'drizzle-orm';
import { index, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, tz } from './columns';

export const users = pgTable(
  'users',
  {
    id: text().primaryKey(),
    email: text().notNull(),
    name: text().notNull(),
    passwordHash: text().notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('users_email_lower').on(sql`lower(${t.email})`)],
);

/** Browser sessions (cookie) and API sessions (session JWT `sid`); the token is stored hashed. */
export const sessions = pgTable(
  'sessions',
  {
    id: text().primaryKey(),
    userId: text()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    kind: text({ enum: ['browser', 'api'] }).notNull(),
    tokenHash: text().unique(),
    createdAt: createdAt(),
    expiresAt: tz().notNull(),
    revokedAt: tz(),
  },
  (t) => [index('sessions_user').on(t.userId)],
);

/** Personal access tokens for scripts; only the SHA-256 of the raw token is kept. */
export const personalAccessTokens = pgTable(
  'personal_access_tokens',
  {
    id: text().primaryKey(),
    userId: text()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text().notNull(),
    tokenHash: text().notNull().unique(),
    prefix: text().notNull(),
    scopes: text().array().notNull(),
    expiresAt: tz(),
    lastUsedAt: tz(),
    revokedAt: tz(),
    createdAt: createdAt(),
  },
  (t) => [index('pats_user').on(t.userId)],
);
