/**
 * Zod schemas of what the REST API answers, for its OpenAPI document (`routes/api/openapi.ts`);
 * `test/foundation/openapi.test.ts` checks real answers against them, so they cannot drift from the
 * services' views (`appView`, `projectView`, `patView`, …). The `id` names each one's component.
 */
import { OAUTH_SCOPES, PAT_SCOPES } from '@hal/core';
import { z } from 'zod';

const Timestamp = z.iso.datetime({ offset: true });

/** Contract: every REST error is `{ error: { code, message } }`. */
export const ApiErrorBody = z
  .object({ error: z.object({ code: z.string(), message: z.string() }) })
  .meta({ id: 'Error' });

/** Contract: a success answer wraps its value in `{ data: … }`. */
export const data = <S extends z.ZodType>(schema: S) => z.object({ data: schema });

export const Session = z
  .object({ token: z.string().describe('a session JWT for `Authorization: Bearer`'), expires_in: z.int() })
  .meta({ id: 'Session' });

export const Me = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    auth: z.object({
      method: z.enum(['session', 'basic', 'pat', 'oauth']),
      scopes: z.array(z.string()),
      client_id: z.string().optional(),
      project_id: z.string().optional(),
    }),
  })
  .meta({ id: 'Me' });

export const Project = z
  .object({
    id: z.string().describe('`proj_<ULID>`'),
    name: z.string(),
    app_id: z.string().describe('the widget app id of the embed snippet, `hal_wa_…`'),
    role: z.enum(['owner', 'admin', 'member']),
    allowed_origins: z.array(z.string()),
    require_user_jwt: z.boolean(),
    created_at: Timestamp,
  })
  .meta({ id: 'Project' });

export const App = z
  .object({
    id: z.string(),
    client_id: z.string().describe('`hal_app_<ULID>`'),
    name: z.string(),
    description: z.string(),
    logo_url: z.string().nullable(),
    redirect_uris: z.array(z.string()),
    client_type: z.enum(['public', 'confidential']),
    kind: z.enum(['public', 'private']),
    project_id: z.string().optional(),
    allowed_scopes: z.array(z.enum(OAUTH_SCOPES as [string, ...string[]])),
    access_token_ttl: z.int(),
    refresh_reuse_grace: z.int(),
    created_at: Timestamp,
  })
  .meta({ id: 'App' });

export const AppWithSecret = App.extend({
  client_secret: z.string().optional().describe('`hal_cs_…`, shown this once (confidential apps)'),
}).meta({ id: 'AppWithSecret' });

export const PublicApp = z
  .object({ client_id: z.string(), name: z.string(), description: z.string(), owner_name: z.string() })
  .meta({ id: 'PublicApp' });

export const Pat = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string().describe('the first characters of the token, to recognise it'),
    scopes: z.array(z.enum(PAT_SCOPES)),
    expires_at: Timestamp.nullable(),
    last_used_at: Timestamp.nullable(),
    created_at: Timestamp,
  })
  .meta({ id: 'PersonalAccessToken' });

export const PatCreated = Pat.extend({
  token: z.string().describe('`hal_pat_…`, shown this once'),
}).meta({ id: 'PersonalAccessTokenCreated' });

export const ResourceServer = z
  .object({
    id: z.string().describe('`hal_rs_<ULID>`'),
    name: z.string(),
    identifier: z.string(),
    scopes: z.array(z.object({ name: z.string(), description: z.string() })),
    access_token_ttl: z.int().nullable(),
    created_at: Timestamp,
  })
  .meta({ id: 'ResourceServer' });

export const ResourceServerWithSecret = ResourceServer.extend({
  introspection_secret: z.string().describe('`hal_rss_…`, shown this once'),
}).meta({ id: 'ResourceServerWithSecret' });

/** RFC 9728 §2. */
export const ResourceMetadata = z
  .object({
    resource: z.string(),
    authorization_servers: z.array(z.string()),
    scopes_supported: z.array(z.string()),
    bearer_methods_supported: z.array(z.string()),
    resource_name: z.string(),
  })
  .meta({ id: 'ProtectedResourceMetadata' });

export const Revoked = z.object({ revoked: z.literal(true) }).meta({ id: 'Revoked' });

/** Contract: sign-identity answers bare, not wrapped in `data`. */
export const SignedIdentity = z
  .object({
    user_id: z.string(),
    user_hash: z.string().describe('lowercase hex HMAC-SHA256(project identity secret, user_id)'),
    user_jwt: z.string().describe('HS256 JWT under the same secret, valid at most one hour'),
    project_id: z.string(),
  })
  .meta({ id: 'SignedIdentity' });
