import { boolean, index, integer, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { users } from './accounts';
import { createdAt, tz } from './columns';

export const projects = pgTable('projects', {
  id: text().primaryKey(),
  name: text().notNull(),
  /** Public widget app id (`hal_wa_…`), safe to embed in pages. */
  appId: text().notNull().unique(),
  /** The identity secret (`hal_ws_…`), AES-GCM sealed under HAL_SECRET_KEY. */
  widgetSecretSealed: text().notNull(),
  allowedOrigins: jsonb().$type<string[]>().notNull().default([]),
  requireUserJwt: boolean().notNull().default(false),
  createdAt: createdAt(),
  updatedAt: createdAt(),
});

export const projectMembers = pgTable(
  'project_members',
  {
    projectId: text()
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    userId: text()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text({ enum: ['owner', 'admin', 'member'] }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.userId] }), index('project_members_user').on(t.userId)],
);

/** End users a widget host identified through the widget, per project. */
export const widgetIdentities = pgTable(
  'widget_identities',
  {
    projectId: text()
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    userId: text().notNull(),
    name: text(),
    email: text(),
    firstSeenAt: createdAt(),
    lastSeenAt: tz().notNull().defaultNow(),
    count: integer().notNull().default(1),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.userId] })],
);
