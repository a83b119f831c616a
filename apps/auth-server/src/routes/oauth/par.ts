import { PAR_PARAMS } from '@hal/core';
import { Hono } from 'hono';
import { bodyCredentials, oauthEndpoint, postOnly, readOAuthParams } from '../../http/oauth-endpoint';
import { oauthJson } from '../../http/oauth-json';
import type { Env } from '../../http/types';
import type { Services } from '../../services';

/**
 * `POST /oauth/par`: the client pushes its authorization request and gets a one-time `request_uri`.
 * @see https://www.rfc-editor.org/rfc/rfc9126#section-2
 */
export function parRoutes(s: Services) {
  return new Hono<Env>()
    .post(
      '/oauth/par',
      oauthEndpoint(async (c) => {
        const params = await readOAuthParams(c);
        params.assertNoRepeats(PAR_PARAMS);
        // A pushed request starts an authorization: a metadata document is fetched when stale.
        const { client } = await s.oauth.authenticateClient(
          c.req.header('authorization'),
          bodyCredentials(params),
          true,
        );
        return oauthJson(c, await s.authorization.push(params, client), 201);
      }),
    )
    .all('/oauth/par', postOnly);
}
