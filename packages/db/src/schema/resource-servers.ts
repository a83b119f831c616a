import { index, integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { users } from './accounts';
import { createdAt } from './columns';

/** A scope a registered resource server defines, with what the consent page says about it. */
export type ResourceScope = { name: string; description: string };

/**
 * Resource servers users registered (contract "Registered resource servers"): HAL issues access
 * tokens whose `aud` is their identifier (RFC 8707) and answers their introspection calls.
 */
export const resourceServers = pgTable(
  'resource_servers',
  {
    /** `hal_rs_<ULID>`: also the username of its introspection credentials. */
    id: text().primaryKey(),
    ownerId: text()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text().notNull(),
    /** Canonical absolute URI (RFC 8707 §2); unique across HAL. */
    identifier: text().notNull().unique(),
    scopes: jsonb().$type<ResourceScope[]>().notNull(),
    /** Seconds; null: the client's own lifetime applies. */
    accessTokenTtl: integer(),
    /** Hash of the `hal_rss_` introspection secret (shown once). */
    secretHash: text().notNull(),
    createdAt: createdAt(),
    updatedAt: createdAt(),
  },
  (t) => [index('resource_servers_owner').on(t.ownerId)],
);
