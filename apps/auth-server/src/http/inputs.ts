/** Zod schemas at the edge, shared by the REST API and tRPC so both accept exactly the same input. */
import { OAUTH_SCOPES, PAT_SCOPES } from '@hal/core';
import { z } from 'zod';

export const ProjectName = z.string().trim().min(1).max(100);
export const Id = z.string().min(1).max(64);

/** Origins as browsers send them: scheme://host[:port], no path. */
export const Origin = z
  .string()
  .max(255)
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'https:' || u.protocol === 'http:') && u.origin === s;
    } catch {
      return false;
    }
  }, 'must be an origin such as https://example.com');

/** A change to a project (REST `PATCH /api/v1/projects/{id}`, MCP `update_project`). */
export const UpdateProject = z
  .object({
    name: ProjectName.optional(),
    allowed_origins: z.array(Origin).max(50).optional(),
    require_user_jwt: z.boolean().optional(),
  })
  .strict();

/** A widget user to sign (REST sign-identity, MCP `sign_widget_identity`). */
export const SignIdentity = z.object({
  user_id: z.string().min(1).max(256),
  name: z.string().max(200).optional(),
  email: z.email().max(254).optional(),
});

const appFields = {
  name: z.string().trim().min(1).max(100),
  description: z.string().trim().max(500),
  logo_url: z
    .url({ protocol: /^https$/ })
    .max(2000)
    .nullable(),
  redirect_uris: z.array(z.string().min(1).max(2000)).min(1).max(20),
  allowed_scopes: z.array(z.enum(OAUTH_SCOPES as [string, ...string[]])).min(1),
  // Contract: access tokens live 60 s to 8 h; the reuse grace period is 0–60 s.
  access_token_ttl: z.number().int().min(60).max(28_800),
  refresh_reuse_grace: z.number().int().min(0).max(60),
};

export const CreateApp = z
  .object({
    ...appFields,
    description: appFields.description.optional(),
    logo_url: appFields.logo_url.optional(),
    allowed_scopes: appFields.allowed_scopes.optional(),
    access_token_ttl: appFields.access_token_ttl.optional(),
    refresh_reuse_grace: appFields.refresh_reuse_grace.optional(),
    client_type: z.enum(['public', 'confidential']).default('confidential'),
    kind: z.enum(['public', 'private']).default('public'),
    project_id: z.string().min(1).max(64).optional(),
  })
  .strict();

export const UpdateApp = z.object(appFields).partial().strict();

const YEAR_MS = 366 * 24 * 3600 * 1000;

export const CreatePat = z.object({
  name: z.string().trim().min(1).max(100),
  scopes: z.array(z.enum(PAT_SCOPES)).min(1).max(PAT_SCOPES.length),
  expires_at: z.iso
    .datetime({ offset: true })
    .transform((s) => new Date(s))
    .refine((d) => d.getTime() > Date.now(), 'must be in the future')
    .refine((d) => d.getTime() <= Date.now() + YEAR_MS, 'must be at most one year ahead')
    .optional(),
});

const resourceFields = {
  name: z.string().trim().min(1).max(100),
  // Checked further by the service (https, or http on loopback; no fragment; canonical form).
  identifier: z.string().min(1).max(2000),
  scopes: z
    .array(
      z
        .object({
          // Contract "Registered resource servers": scope names.
          name: z.string().regex(/^[a-z][a-z0-9_.:-]{0,63}$/, 'must match ^[a-z][a-z0-9_.:-]{0,63}$'),
          description: z.string().trim().min(1).max(200),
        })
        .strict(),
    )
    .min(1)
    .max(50),
  // Contract: access tokens live 60 s to 8 h.
  access_token_ttl: z.number().int().min(60).max(28_800).nullable(),
};

/** A resource server to register (REST `POST /api/v1/resources`, tRPC `resources.create`). */
export const CreateResource = z
  .object({ ...resourceFields, access_token_ttl: resourceFields.access_token_ttl.optional() })
  .strict();

export const UpdateResource = z.object(resourceFields).partial().strict();
