import { InvalidClientMetadata } from '@hal/core';
import { type Context, Hono } from 'hono';
import { requestText } from '../../http/body';
import { oauthEndpoint, postOnly } from '../../http/oauth-endpoint';
import { oauthJson } from '../../http/oauth-json';
import type { RouteDeps } from '../../http/route-deps';
import type { Env } from '../../http/types';

const JSON_TYPE = /^application\/json\s*(;|$)/i;

/** The registration request's JSON body; anything else is `invalid_client_metadata`. */
async function jsonBody(c: Context): Promise<unknown> {
  if (!JSON_TYPE.test(c.req.header('content-type') ?? ''))
    throw new InvalidClientMetadata('content-type must be application/json');
  try {
    return JSON.parse(await requestText(c));
  } catch {
    throw new InvalidClientMetadata('request body is not valid JSON');
  }
}

/**
 * `POST /oauth/register`: OAuth 2.0 Dynamic Client Registration, rate limited per client address.
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3
 */
export function registerRoutes(s: RouteDeps) {
  const limit = s.rateLimits.limiter('register', s.config.rateLimits.register, (c) => c.get('clientIp'));
  return new Hono<Env>()
    .post(
      '/oauth/register',
      oauthEndpoint(async (c) => {
        if (limit) await limit(c);
        const body = await jsonBody(c);
        // RFC 7591 §3.2.1: 201 Created, also when an identical public registration is answered again
        return oauthJson(c, await s.registration.register(body, c.get('clientIp')), 201);
      }),
    )
    .all('/oauth/register', postOnly);
}
