import { InvalidRequest, OAuthError, Params } from '@hal/core';
import type { Context } from 'hono';
import { requestText } from './body';
import { oauthErrorResponse, renderOAuthError } from './oauth-json';
import type { Env } from './types';

const FORM = /^application\/x-www-form-urlencoded\s*(;|$)/i;
const JSON_TYPE = /^application\/json\s*(;|$)/i;

/**
 * Reads the parameters of a token, revocation, introspection or PAR request from a form or JSON
 * body (read once as text: several times faster than Hono's parseBody). Client credentials in the URL are refused
 * (RFC 6749 §2.3.1: they MUST NOT be included in the request URI).
 */
export async function readOAuthParams(c: Context): Promise<Params> {
  if (c.req.query('client_secret') !== undefined || c.req.query('client_id') !== undefined) {
    throw new InvalidRequest('client credentials are not accepted in the query string');
  }
  const type = c.req.header('content-type') ?? '';
  const text = await requestText(c);
  if (FORM.test(type)) return Params.fromForm(new URLSearchParams(text));
  if (JSON_TYPE.test(type)) {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new InvalidRequest('request body is not valid JSON');
    }
    return Params.fromJson(body);
  }
  throw new InvalidRequest('content-type must be application/x-www-form-urlencoded or application/json');
}

/** The client credentials a request carries in its body. */
export const bodyCredentials = (params: Params) => ({
  client_id: params.get('client_id'),
  client_secret: params.get('client_secret'),
});

/**
 * Wraps an OAuth JSON endpoint so that its errors (protocol errors, rate limits, outages) leave
 * through the OAuth renderer; anything else is a bug for `onError`.
 */
export function oauthEndpoint(handler: (c: Context<Env>) => Promise<Response>) {
  return async (c: Context<Env>) => {
    try {
      return await handler(c);
    } catch (error) {
      const response = renderOAuthError(c, error);
      if (response) return response;
      throw error;
    }
  };
}

/** `GET` and other methods on a POST-only OAuth endpoint. */
export const postOnly = (c: Context) => {
  c.header('Allow', 'POST');
  return oauthErrorResponse(c, new OAuthError('invalid_request', 'this endpoint accepts only POST', 405));
};
