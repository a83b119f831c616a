import { forbidden, PAT_SCOPES } from '@hal/core';
import { Hono } from 'hono';
import { z } from 'zod';
import { requireScope } from '../../http/auth';
import { jsonBody } from '../../http/body';
import type { Env } from '../../http/types';
import type { Services } from '../../services';

const YEAR_MS = 366 * 24 * 3600 * 1000;

const CreatePat = z.object({
  name: z.string().trim().min(1).max(100),
  scopes: z.array(z.enum(PAT_SCOPES)).min(1).max(PAT_SCOPES.length),
  expires_at: z.iso
    .datetime({ offset: true })
    .transform((s) => new Date(s))
    .refine((d) => d.getTime() > Date.now(), 'must be in the future')
    .refine((d) => d.getTime() <= Date.now() + YEAR_MS, 'must be at most one year ahead')
    .optional(),
});

/** `/api/v1/tokens`: personal access tokens; PAT, session or Basic only (hzel seed). */
export function tokenRoutes(s: Services) {
  return new Hono<Env>()
    .use(requireScope('tokens:write'), async (c, next) => {
      // hzel seed: OAuth app tokens may never mint or see personal tokens.
      if (c.var.principal.method === 'oauth')
        throw forbidden('OAuth access tokens cannot manage personal access tokens');
      await next();
    })
    .post('/', async (c) => {
      const input = await jsonBody(c, CreatePat);
      const pat = await s.personalTokens.create(c.var.principal.user.id, {
        name: input.name,
        scopes: [...new Set(input.scopes)],
        expiresAt: input.expires_at,
      });
      c.header('Cache-Control', 'no-store');
      return c.json({ data: pat }, 201);
    })
    .get('/', async (c) => c.json({ data: await s.personalTokens.list(c.var.principal.user.id) }))
    .delete('/:id', async (c) => {
      await s.personalTokens.revoke(c.var.principal.user.id, c.req.param('id'));
      return c.body(null, 204);
    });
}
