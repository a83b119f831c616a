import { Hono } from 'hono';
import { ApiError } from '../../http/api-errors';
import { requireScope } from '../../http/auth';
import { jsonBody } from '../../http/body';
import { CreatePat } from '../../http/inputs';
import type { Env } from '../../http/types';
import type { Services } from '../../services';

/** `/api/v1/tokens`: personal access tokens; PAT, session or Basic only (contract). */
export function tokenRoutes(s: Services) {
  return new Hono<Env>()
    .use(async (c, next) => {
      // Contract: OAuth app tokens may never mint or see personal tokens. Refused before the scope
      // check: no step-up could grant an OAuth token `tokens:write`, so none is offered.
      if (c.get('principal').method === 'oauth')
        throw new ApiError(403, 'forbidden', 'OAuth access tokens cannot manage personal access tokens');
      await next();
    }, requireScope('tokens:write'))
    .post('/', async (c) => {
      const input = await jsonBody(c, CreatePat);
      const pat = await s.personalTokens.create(c.get('principal').user.id, {
        name: input.name,
        scopes: [...new Set(input.scopes)],
        expiresAt: input.expires_at,
      });
      c.header('Cache-Control', 'no-store');
      return c.json({ data: pat }, 201);
    })
    .get('/', async (c) => c.json({ data: await s.personalTokens.list(c.get('principal').user.id) }))
    .delete('/:id', async (c) => {
      await s.personalTokens.revoke(c.get('principal').user.id, c.req.param('id'));
      return c.body(null, 204);
    });
}
