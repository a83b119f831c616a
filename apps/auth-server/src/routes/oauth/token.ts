import { runGrant, TOKEN_PARAMS } from '@hal/core';
import { Hono } from 'hono';
import { bodyCredentials, oauthEndpoint, postOnly, readOAuthParams } from '../../http/oauth-endpoint';
import { oauthJson } from '../../http/oauth-json';
import type { RouteDeps } from '../../http/route-deps';
import type { Env } from '../../http/types';

/**
 * `POST /oauth/token`: count the request, read the body once, authenticate the client, run the grant.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.2
 */
export function oauthTokenRoutes(s: RouteDeps) {
  const limit = s.rateLimits.limiter('token', s.config.rateLimits.token, (c) => c.get('clientIp'));
  return new Hono<Env>()
    .post(
      '/oauth/token',
      oauthEndpoint(async (c) => {
        await limit(c);
        const params = await readOAuthParams(c);
        params.assertNoRepeats(TOKEN_PARAMS);
        const { client } = await s.oauth.authenticateClient(
          c.req.header('authorization'),
          bodyCredentials(params),
        );
        const grant = params.get('grant_type') as string; // a supported one once runGrant ran it
        const scope = c.get('requestScope');
        // client_credentials writes one row, the access token's `jti`, and hands it its scope; every
        // other grant runs inside the request's scope (http/read-only.ts, `requestScoping`).
        const response =
          scope && grant !== 'client_credentials'
            ? await scope.run(() => runGrant(s.oauth.grantContext, client, params))
            : await runGrant(
                scope ? { ...s.oauth.grantContext, scope } : s.oauth.grantContext,
                client,
                params,
              );
        s.metrics.tokenIssued(grant);
        return oauthJson(c, response);
      }),
    )
    .all('/oauth/token', postOnly);
}
