import {
  InvalidRequest,
  parseClientCredentials,
  TOKEN_MANAGEMENT_PARAMS,
  UnauthorizedClient,
} from '@hal/core';
import { Hono } from 'hono';
import { bodyCredentials, oauthEndpoint, postOnly, readOAuthParams } from '../../http/oauth-endpoint';
import { oauthAnswer } from '../../http/oauth-json';
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
        if (limit) await limit(c);
        const params = await readOAuthParams(c);
        params.assertNoRepeats(TOKEN_MANAGEMENT_PARAMS);
        const token = params.get('token');
        // Read once for both checks below.
        const credentials = parseClientCredentials({
          authorization: c.req.header('authorization'),
          body: bodyCredentials(params),
        });
        // Contract "Registered resource servers": a resource server sees only tokens for itself.
        const resourceServer = s.oauth.authenticateResourceServer(credentials);
        if (resourceServer) {
          const resource = await resourceServer;
          if (!token) throw new InvalidRequest('token is required');
          return oauthAnswer(c, await s.oauth.introspect({ resource }, token));
        }
        const { client } = await s.oauth.authenticateClientWith(credentials);
        // RFC 7662 §2.1: the endpoint MUST require authorization: a client with a secret.
        if (client.clientType !== 'confidential')
          throw new UnauthorizedClient('introspection needs a confidential client');
        if (!token) throw new InvalidRequest('token is required');
        return oauthAnswer(c, await s.oauth.introspect(client, token));
      }),
    )
    .all('/oauth/introspect', postOnly);
}
