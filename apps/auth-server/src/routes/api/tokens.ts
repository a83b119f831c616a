import { Hono, type MiddlewareHandler } from 'hono';
import { ApiError } from '../../http/api-errors';
import { requireScope } from '../../http/auth';
import { CreatePat } from '../../http/inputs';
import { errorResponse, jsonInput, jsonResponse, operation, refusals } from '../../http/openapi';
import { data, Pat, PatCreated } from '../../http/outputs';
import type { Env } from '../../http/types';
import type { Services } from '../../services';

const tags = ['Personal access tokens'];

// Contract: OAuth app tokens may never mint or see personal tokens. Refused before the scope
// check (`use` runs first): no step-up could grant an OAuth token `tokens:write`, so none is offered.
const noOAuthTokens: MiddlewareHandler<Env> = async (c, next) => {
  if (c.get('principal').method === 'oauth')
    throw new ApiError(403, 'forbidden', 'OAuth access tokens cannot manage personal access tokens');
  await next();
};
const refused = {
  403: errorResponse('`forbidden` for an OAuth access token; `insufficient_scope` without `tokens:write`'),
};

/** `/api/v1/tokens`: personal access tokens; PAT, session or Basic only (contract). */
export function tokenRoutes(s: Services) {
  return new Hono<Env>()
    .use(noOAuthTokens)
    .post(
      '/',
      requireScope('tokens:write'),
      jsonInput(CreatePat),
      operation({
        operationId: 'createPersonalAccessToken',
        summary: 'Create a personal access token',
        description:
          'The raw `token` is in this answer only. `expires_at` is at most one year ahead. PAT, session JWT or Basic only: OAuth access tokens are refused.',
        tags,
        responses: { 201: jsonResponse('the token', data(PatCreated)), ...refused },
      }),
      async (c) => {
        const input = c.req.valid('json');
        const pat = await s.personalTokens.create(c.get('principal').user.id, {
          name: input.name,
          scopes: [...new Set(input.scopes)],
          expiresAt: input.expires_at,
        });
        c.header('Cache-Control', 'no-store');
        return c.json({ data: pat }, 201);
      },
    )
    .get(
      '/',
      requireScope('tokens:write'),
      operation({
        operationId: 'listPersonalAccessTokens',
        summary: 'List your personal access tokens',
        description: 'Never the tokens themselves. PAT, session JWT or Basic only.',
        tags,
        responses: { 200: jsonResponse('the caller’s tokens', data(Pat.array())), ...refused },
      }),
      async (c) => c.json({ data: await s.personalTokens.list(c.get('principal').user.id) }),
    )
    .delete(
      '/:id',
      requireScope('tokens:write'),
      operation({
        operationId: 'revokePersonalAccessToken',
        summary: 'Revoke a personal access token',
        description: 'PAT, session JWT or Basic only.',
        tags,
        responses: { 204: { description: 'revoked' }, ...refusals.notFound, ...refused },
      }),
      async (c) => {
        await s.personalTokens.revoke(c.get('principal').user.id, c.req.param('id'));
        return c.body(null, 204);
      },
    );
}
