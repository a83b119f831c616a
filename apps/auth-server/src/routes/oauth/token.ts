import { runGrant, TOKEN_PARAMS } from '@hal/core';
import { Hono } from 'hono';
import { bodyCredentials, oauthEndpoint, postOnly, readOAuthParams } from '../../http/oauth-endpoint';
import { oauthAnswer } from '../../http/oauth-json';
import type { RouteDeps } from '../../http/route-deps';
import type { Env } from '../../http/types';

const HANDS_ITS_SCOPE = new Set(['client_credentials', 'refresh_token']);

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
        if (limit) await limit(c);
        const params = await readOAuthParams(c);
        params.assertNoRepeats(TOKEN_PARAMS);
        const { client } = await s.oauth.authenticateClient(
          c.req.header('authorization'),
          bodyCredentials(params),
        );
        const grant = params.get('grant_type') as string; // a supported one once runGrant ran it
        const scope = c.get('requestScope');
        // client_credentials and refresh_token hand their few writes the scope (a scope running
        // makes every promise of the process dearer); every other grant runs inside the request's
        // scope (http/read-only.ts, `requestScoping`).
        const response =
          scope && !HANDS_ITS_SCOPE.has(grant)
            ? await scope.run(() => runGrant(s.oauth.grantContext, client, params))
            : await runGrant(
                scope ? { ...s.oauth.grantContext, scope } : s.oauth.grantContext,
                client,
                params,
              );
        s.metrics.tokenIssued(grant);
        return oauthAnswer(c, response);
      }),
    )
    .all('/oauth/token', postOnly);
}
