import { InvalidRequest, TOKEN_MANAGEMENT_PARAMS, UnauthorizedClient } from '@hal/core';
import { Hono } from 'hono';
import { bodyCredentials, oauthEndpoint, postOnly, readOAuthParams } from '../../http/oauth-endpoint';
import { oauthJson } from '../../http/oauth-json';
import type { RouteDeps } from '../../http/route-deps';
import type { Env } from '../../http/types';

/**
 * `POST /oauth/introspect`: client-authenticated; reflects revocation at once (one lookup).
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2
 */
export function introspectRoutes(s: RouteDeps) {
  const limit = s.rateLimits.limiter('introspect', s.config.rateLimits.introspect, (c) => c.get('clientIp'));
  return new Hono<Env>()
    .post(
      '/oauth/introspect',
      oauthEndpoint(async (c) => {
        await limit(c);
        const params = await readOAuthParams(c);
        params.assertNoRepeats(TOKEN_MANAGEMENT_PARAMS);
        const token = params.get('token');
        // Contract "Registered resource servers": a resource server sees only tokens for itself.
        const resource = await s.oauth.authenticateResourceServer(
          c.req.header('authorization'),
          bodyCredentials(params),
        );
        if (resource) {
          if (!token) throw new InvalidRequest('token is required');
          return oauthJson(c, await s.oauth.introspect({ resource }, token));
        }
        const { client } = await s.oauth.authenticateClient(
          c.req.header('authorization'),
          bodyCredentials(params),
        );
        // RFC 7662 §2.1: the endpoint MUST require authorization: a client with a secret.
        if (client.clientType !== 'confidential')
          throw new UnauthorizedClient('introspection needs a confidential client');
        if (!token) throw new InvalidRequest('token is required');
        return oauthJson(c, await s.oauth.introspect(client, token));
      }),
    )
    .all('/oauth/introspect', postOnly);
}
