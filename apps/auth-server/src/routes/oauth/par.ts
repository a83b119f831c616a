import {
  checkAuthorizationRequest,
  InvalidRequest,
  newId,
  PAR_PARAMS,
  resolveRedirectUri,
  UnsafeRedirectError,
} from '@hal/core';
import { Hono } from 'hono';
import type { Env } from '../../http/types';
import type { Services } from '../../services';
import { bodyCredentials, oauthEndpoint, oauthJson, postOnly, readOAuthParams } from './serialize';

export const REQUEST_URI_PREFIX = 'urn:ietf:params:oauth:request_uri:';
const PAR_TTL = 60;

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
        const { client } = await s.oauth.authenticateClient(
          c.req.header('authorization'),
          bodyCredentials(params),
        );
        // RFC 9126 §2.1: request_uri is not allowed inside a pushed request.
        if (params.get('request_uri'))
          throw new InvalidRequest('request_uri is not allowed in a pushed request');
        let redirectUri: string;
        try {
          redirectUri = resolveRedirectUri(params, client);
        } catch (error) {
          if (error instanceof UnsafeRedirectError) throw new InvalidRequest(error.message);
          throw error;
        }
        checkAuthorizationRequest(params, client, redirectUri);
        const id = newId();
        const { client_secret: _secret, ...request } = params.toObject();
        await s.stores.oauth.createRequest({
          id,
          appId: client.id,
          params: { ...request, client_id: client.clientId },
          pushed: true,
          expiresAt: new Date(Date.now() + PAR_TTL * 1000),
        });
        return oauthJson(c, { request_uri: `${REQUEST_URI_PREFIX}${id}`, expires_in: PAR_TTL }, 201);
      }),
    )
    .all('/oauth/par', postOnly);
}
