import { InvalidRequest, OAuthError, Params } from '@hal/core';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { isReferenceGone, REFERENCE_GONE_MESSAGE } from '../../http/conflict';
import { isDatabaseUnavailable } from '../../http/unavailable';

/** An OAuth JSON answer: never cached (RFC 6749 §5.1). */
export function oauthJson(c: Context, body: unknown, status: ContentfulStatusCode = 200) {
  c.header('Cache-Control', 'no-store');
  c.header('Pragma', 'no-cache');
  return c.json(body, status);
}

/**
 * The one serializer of OAuth errors at JSON endpoints (RFC 6749 §5.2); a failed client
 * authentication adds the `WWW-Authenticate: Basic` challenge (401).
 */
export function oauthErrorResponse(c: Context, error: OAuthError) {
  if (error.error === 'invalid_client') c.header('WWW-Authenticate', 'Basic realm="hal", charset="UTF-8"');
  return oauthJson(
    c,
    { error: error.error, error_description: error.error_description },
    error.status as ContentfulStatusCode,
  );
}

/**
 * Sends the user agent back to the client with response parameters added to the redirect URI's
 * query, which is kept (RFC 6749 §3.1.2). After a form POST the redirect is 303 (never 307).
 */
export function redirectToClient(
  c: Context,
  redirectUri: string,
  params: Record<string, string | undefined>,
) {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params))
    if (value !== undefined) url.searchParams.append(name, value);
  return c.redirect(url.toString(), c.req.method === 'POST' ? 303 : 302);
}

/** The error redirect of the authorization endpoint, with RFC 9207 `iss`. */
export function redirectError(
  c: Context,
  redirectUri: string,
  error: OAuthError,
  state: string | undefined,
  issuer: string,
) {
  return redirectToClient(c, redirectUri, {
    error: error.error,
    error_description: error.error_description,
    state,
    iss: issuer,
  });
}

const FORM = /^application\/x-www-form-urlencoded\s*(;|$)/i;
const JSON_TYPE = /^application\/json\s*(;|$)/i;

/**
 * Reads the parameters of a token, revocation, introspection or PAR request from a form or JSON
 * body (read once as text: see shared/PERFORMANCE.md). Client credentials in the URL are refused
 * (RFC 6749 §2.3.1: they MUST NOT be included in the request URI).
 */
export async function readOAuthParams(c: Context): Promise<Params> {
  if (c.req.query('client_secret') !== undefined || c.req.query('client_id') !== undefined) {
    throw new InvalidRequest('client credentials are not accepted in the query string');
  }
  const type = c.req.header('content-type') ?? '';
  const text = await c.req.text();
  if (FORM.test(type)) return Params.from(new URLSearchParams(text));
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

/** Wraps an OAuth JSON endpoint so that every OAuthError leaves through {@link oauthErrorResponse}. */
export function oauthEndpoint(handler: (c: Context) => Promise<Response>) {
  return async (c: Context) => {
    try {
      return await handler(c);
    } catch (error) {
      if (error instanceof OAuthError) return oauthErrorResponse(c, error);
      // A client, code or grant deleted while this request used it.
      if (isReferenceGone(error)) return oauthErrorResponse(c, new InvalidRequest(REFERENCE_GONE_MESSAGE));
      if (isDatabaseUnavailable(error)) {
        // RFC 6749 §4.1.2.1 names temporarily_unavailable; token responses use it the same way.
        c.header('Retry-After', '1');
        return oauthJson(c, { error: 'temporarily_unavailable', error_description: 'retry shortly' }, 503);
      }
      throw error;
    }
  };
}

/** `GET` and other methods on a POST-only OAuth endpoint. */
export const postOnly = (c: Context) => {
  c.header('Allow', 'POST');
  return oauthJson(
    c,
    { error: 'invalid_request', error_description: 'this endpoint accepts only POST' },
    405,
  );
};
