import { InvalidRequest, OAuthError, TOKEN_MANAGEMENT_PARAMS, UnauthorizedClient } from '@hal/core';
import { Hono } from 'hono';
import { z } from 'zod';
import { ApiError } from '../../http/api-errors';
import { bodyCredentials, oauthEndpoint, postOnly, readOAuthParams } from '../../http/oauth-endpoint';
import { oauthJson } from '../../http/oauth-json';
import { errorResponse, jsonInput, jsonResponse, operation } from '../../http/openapi';
import { data, Revoked } from '../../http/outputs';
import type { Env } from '../../http/types';
import type { Services } from '../../services';

const JsonRevoke = z.object({
  token: z.string().min(1).max(4096),
  client_id: z.string().min(1).max(200),
  client_secret: z.string().max(200).optional(),
});

/**
 * `POST /oauth/revoke` (RFC 7009) and the JSON `POST /api/v1/oauth/token/revoke`.
 * Revoking an unknown, expired or already revoked token answers 200 (RFC 7009 §2.2).
 */
export function revokeRoutes(s: Services) {
  return new Hono<Env>()
    .post(
      '/oauth/revoke',
      oauthEndpoint(async (c) => {
        const params = await readOAuthParams(c);
        params.assertNoRepeats(TOKEN_MANAGEMENT_PARAMS);
        const { client } = await s.oauth.authenticateClient(
          c.req.header('authorization'),
          bodyCredentials(params),
        );
        const token = params.get('token');
        if (!token) throw new InvalidRequest('token is required');
        // RFC 7009 §2.1: the server verifies that the token was issued to the requesting client.
        if (!(await s.oauth.revoke(client, token)))
          throw new UnauthorizedClient('token was issued to another client');
        return oauthJson(c, {});
      }),
    )
    .all('/oauth/revoke', postOnly)
    .post(
      '/api/v1/oauth/token/revoke',
      jsonInput(JsonRevoke),
      operation({
        operationId: 'revokeOAuthToken',
        summary: 'Revoke an OAuth token (JSON)',
        description:
          'RFC 7009 with a JSON body and client credentials in it. Idempotent: an unknown, expired or already revoked token answers 200 too.',
        tags: ['OAuth apps'],
        responses: {
          200: jsonResponse('revoked', data(Revoked)),
          400: errorResponse(
            '`unauthorized_client`: the token was issued to another client; or a malformed body',
          ),
          401: errorResponse('`invalid_client`: unknown client or wrong secret'),
        },
      }),
      async (c) => {
        const body = c.req.valid('json');
        try {
          const { client } = await s.oauth.authenticateClient(undefined, body);
          if (!(await s.oauth.revoke(client, body.token))) {
            throw new ApiError(400, 'unauthorized_client', 'token was issued to another client');
          }
        } catch (error) {
          // A REST endpoint: the OAuth error keeps its status and code, in the REST shape.
          if (error instanceof OAuthError)
            throw new ApiError(error.status, error.error, error.error_description);
          throw error;
        }
        c.header('Cache-Control', 'no-store');
        return c.json({ data: { revoked: true } });
      },
    );
}
