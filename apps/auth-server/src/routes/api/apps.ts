import { OAUTH_SCOPES } from '@hal/core';
import { Hono } from 'hono';
import { z } from 'zod';
import { requireScope } from '../../http/auth';
import { jsonBody } from '../../http/body';
import type { Env } from '../../http/types';
import type { Services } from '../../services';

const fields = {
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

const CreateApp = z
  .object({
    ...fields,
    description: fields.description.optional(),
    logo_url: fields.logo_url.optional(),
    allowed_scopes: fields.allowed_scopes.optional(),
    access_token_ttl: fields.access_token_ttl.optional(),
    refresh_reuse_grace: fields.refresh_reuse_grace.optional(),
    client_type: z.enum(['public', 'confidential']).default('confidential'),
    kind: z.enum(['public', 'private']).default('public'),
    project_id: z.string().min(1).max(64).optional(),
  })
  .strict();

const UpdateApp = z.object(fields).partial().strict();

/** `/api/v1/oauth/apps` (hzel seed): the caller's OAuth apps; others' apps are 404. */
export function appRoutes(s: Services) {
  const owner = (c: { var: Env['Variables'] }) => c.var.principal.user.id;
  return new Hono<Env>()
    .post('/', requireScope('apps:write'), async (c) => {
      const input = await jsonBody(c, CreateApp);
      c.header('Cache-Control', 'no-store');
      return c.json({ data: await s.apps.create(owner(c), input) }, 201);
    })
    .get('/', requireScope('apps:read'), async (c) => c.json({ data: await s.apps.list(owner(c)) }))
    .get('/:id', requireScope('apps:read'), async (c) =>
      c.json({ data: await s.apps.get(owner(c), c.req.param('id')) }),
    )
    .patch('/:id', requireScope('apps:write'), async (c) => {
      const patch = await jsonBody(c, UpdateApp);
      return c.json({ data: await s.apps.update(owner(c), c.req.param('id'), patch) });
    })
    .delete('/:id', requireScope('apps:write'), async (c) => {
      await s.apps.remove(owner(c), c.req.param('id'));
      return c.body(null, 204);
    })
    .post('/:id/secret', requireScope('apps:write'), async (c) => {
      c.header('Cache-Control', 'no-store');
      return c.json({ data: await s.apps.rotateSecret(owner(c), c.req.param('id')) });
    });
}

/** `GET /api/v1/oauth/apps/public/{client_id}`: what the consent page shows; no authentication. */
export function publicAppRoutes(s: Services) {
  return new Hono<Env>().get('/public/:clientId', async (c) =>
    c.json({ data: await s.apps.publicInfo(c.req.param('clientId')) }),
  );
}
