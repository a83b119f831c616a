import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  unique,
} from 'drizzle-orm/pg-core';
import { users } from './accounts';
import { createdAt, tz } from './columns';
import { projects } from './projects';

export type AuthorizationDetail = { type: string; project_id?: string; actions?: string[] };

/**
 * RFC 8707 resource identifiers: what a grant, code or refresh token is for. Empty on rows written
 * before resource indicators, whose tokens were all for the issuer's `/api`.
 */
const resources = () => text().array().notNull().default([]);

export const oauthApps = pgTable(
  'oauth_apps',
  {
    id: text().primaryKey(),
    /** `hal_app_<ULID>`, or the document URL of a metadata-document client. */
    clientId: text().notNull().unique(),
    /** The HAL user who created it (origin `owner`); null for clients HAL has not vetted. */
    ownerId: text().references(() => users.id, { onDelete: 'cascade' }),
    /**
     * How HAL came to know the client: created by a HAL user (`owner`), registered through RFC 7591
     * (`registration`), or described by its client ID metadata document (`metadata_document`).
     */
    origin: text({ enum: ['owner', 'registration', 'metadata_document'] })
      .notNull()
      .default('owner'),
    name: text().notNull(),
    description: text().notNull().default(''),
    logoUrl: text(),
    clientType: text({ enum: ['public', 'confidential'] }).notNull(),
    kind: text({ enum: ['public', 'private'] })
      .notNull()
      .default('public'),
    /** Set for `kind: "private"` project clients: the one project they may be authorized for. */
    projectId: text().references(() => projects.id, { onDelete: 'cascade' }),
    allowedScopes: text().array().notNull(),
    accessTokenTtl: integer().notNull().default(900),
    refreshReuseGrace: integer().notNull().default(0),
    secretHash: text(),
    /** The client's own metadata: what RFC 7591 §3.2.1 echoes back, or what its document said. */
    metadata: jsonb().$type<Record<string, unknown>>(),
    /** Public registrations: what makes a repeat identical (one client per fingerprint). */
    registrationFingerprint: text(),
    /** Metadata-document clients: when the cached document must be fetched again. */
    metadataExpiresAt: tz(),
    createdAt: createdAt(),
    /** For clients HAL has not vetted: last registered or fetched (the unused-client sweep reads it). */
    updatedAt: createdAt(),
  },
  (t) => [
    index('oauth_apps_owner').on(t.ownerId),
    // A project's private clients, and the cascade when a project is deleted.
    index('oauth_apps_project').on(t.projectId).where(sql`${t.projectId} is not null`),
    unique('oauth_apps_registration_fingerprint').on(t.registrationFingerprint),
    index('oauth_apps_unvetted').on(t.updatedAt).where(sql`${t.origin} <> 'owner'`),
    check('oauth_apps_owner_origin', sql`(${t.origin} = 'owner') = (${t.ownerId} is not null)`),
  ],
);

export const oauthRedirectUris = pgTable(
  'oauth_redirect_uris',
  {
    appId: text()
      .notNull()
      .references(() => oauthApps.id, { onDelete: 'cascade' }),
    uri: text().notNull(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.uri] })],
);

/** What a user approved for an app (and project): one row per user × app × project. */
export const grants = pgTable(
  'grants',
  {
    id: text().primaryKey(),
    userId: text()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    appId: text()
      .notNull()
      .references(() => oauthApps.id, { onDelete: 'cascade' }),
    projectId: text().references(() => projects.id, { onDelete: 'cascade' }),
    scopes: text().array().notNull(),
    authorizationDetails: jsonb().$type<AuthorizationDetail[]>(),
    /** Every resource the user approved for this app and project (accumulating, as scopes do). */
    resources: resources(),
    createdAt: createdAt(),
    updatedAt: createdAt(),
    lastUsedAt: tz(),
    revokedAt: tz(),
  },
  (t) => [
    unique('grants_user_app_project').on(t.userId, t.appId, t.projectId).nullsNotDistinct(),
    // Finds an app's grants (the unused-client sweep, deleting an app) without scanning them all.
    index('grants_app').on(t.appId),
  ],
);

/** Pending authorization requests, keyed by the consent form's `request_id`; they expire. */
export const authorizationRequests = pgTable('authorization_requests', {
  id: text().primaryKey(),
  appId: text()
    .notNull()
    .references(() => oauthApps.id, { onDelete: 'cascade' }),
  userId: text().references(() => users.id, { onDelete: 'cascade' }),
  params: jsonb().$type<Record<string, unknown>>().notNull(),
  /** RFC 9126 pushed requests: one-time use through `request_uri`. */
  pushed: boolean().notNull().default(false),
  createdAt: createdAt(),
  expiresAt: tz().notNull(),
  consumedAt: tz(),
});

export const authorizationCodes = pgTable('authorization_codes', {
  codeHash: text().primaryKey(),
  grantId: text()
    .notNull()
    .references(() => grants.id, { onDelete: 'cascade' }),
  appId: text()
    .notNull()
    .references(() => oauthApps.id, { onDelete: 'cascade' }),
  redirectUri: text().notNull(),
  /** RFC 6749 §4.1.3: when the request named redirect_uri, the token request must repeat it. */
  redirectUriGiven: boolean().notNull(),
  codeChallenge: text().notNull(),
  scopes: text().array().notNull(),
  authorizationDetails: jsonb().$type<AuthorizationDetail[]>(),
  resources: resources(),
  createdAt: createdAt(),
  expiresAt: tz().notNull(),
  consumedAt: tz(),
});

export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: text().primaryKey(),
    tokenHash: text().notNull().unique(),
    grantId: text()
      .notNull()
      .references(() => grants.id, { onDelete: 'cascade' }),
    /**
     * The grant's app, so a token is looked up by hash and client in one index probe. No foreign
     * key: the grant's cascades from its app already, and the key check share-locked the app's one
     * row on every rotation (every client's rotations queueing on it).
     */
    appId: text().notNull(),
    /** The code this token family was issued from (RFC 6749 §4.1.2: replay revokes it). */
    codeHash: text(),
    scopes: text().array().notNull(),
    /** RFC 8707 §2.2: bound to the whole grant of its code, carried across rotations. */
    resources: resources(),
    createdAt: createdAt(),
    expiresAt: tz().notNull(),
    rotatedAt: tz(),
    replacedById: text(),
    /** The successor's raw value, AES-GCM sealed, kept only for the app's reuse grace period. */
    successorSealed: text(),
    revokedAt: tz(),
  },
  (t) => [index('refresh_tokens_grant').on(t.grantId), index('refresh_tokens_code').on(t.codeHash)],
);

/** Access tokens are JWTs; this row is their `jti`, kept for revocation and introspection. */
export const accessTokens = pgTable(
  'access_tokens',
  {
    jti: text().primaryKey(),
    grantId: text().references(() => grants.id, { onDelete: 'cascade' }),
    appId: text()
      .notNull()
      .references(() => oauthApps.id, { onDelete: 'cascade' }),
    /**
     * The user the token acts for: the grant's user, or the app's owner for client_credentials.
     * No foreign key: the row goes with its grant, or with its app, which goes with its owner; the
     * key check locked the user's row on every token issued.
     */
    userId: text().notNull(),
    codeHash: text(),
    createdAt: createdAt(),
    expiresAt: tz().notNull(),
    revokedAt: tz(),
  },
  // Partial: a client_credentials token has neither grant nor code, and a B-tree indexes NULLs too
  // (two index entries written per token that no lookup can use). `grant_id = $1` and
  // `code_hash = $1` imply NOT NULL, so every lookup and the grants' cascade still use them.
  (t) => [
    index('access_tokens_grant').on(t.grantId).where(sql`${t.grantId} is not null`),
    index('access_tokens_code').on(t.codeHash).where(sql`${t.codeHash} is not null`),
  ],
);
