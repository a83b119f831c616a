import { bigserial, index, integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt, tz } from './columns';

/** Signing keys for session JWTs and access tokens; private halves sealed under HAL_SECRET_KEY. */
export const signingKeys = pgTable('signing_keys', {
  kid: text().primaryKey(),
  alg: text().notNull(),
  publicJwk: jsonb().$type<Record<string, unknown>>().notNull(),
  privateJwkSealed: text().notNull(),
  createdAt: createdAt(),
  /** Once set, the key no longer signs; it stays in the JWKS until `expiresAt`. */
  retiredAt: tz(),
  expiresAt: tz(),
});

export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    type: text().notNull(),
    userId: text(),
    projectId: text(),
    appId: text(),
    ip: text(),
    data: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [index('audit_events_user').on(t.userId, t.id), index('audit_events_project').on(t.projectId, t.id)],
);

/** Fixed-window counters shared by every server process (login throttling, rate limits). */
export const rateLimits = pgTable('rate_limits', {
  key: text().primaryKey(),
  count: integer().notNull(),
  resetAt: tz().notNull(),
});
