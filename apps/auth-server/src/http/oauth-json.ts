import { InvalidRequest, OAuthError } from '@hal/core';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ServiceError } from '../services/errors';
import { ApiError } from './api-errors';
import { isReferenceGone, REFERENCE_GONE_MESSAGE } from './conflict';
import { plainJson } from './plain-json';
import type { Env } from './types';
import { outage } from './unavailable';

/** An OAuth JSON answer: never cached (RFC 6749 §5.1). */
export function oauthJson(c: Context, body: unknown, status: ContentfulStatusCode = 200) {
  c.header('Cache-Control', 'no-store');
  c.header('Pragma', 'no-cache');
  return c.json(body, status);
}

// Shared by every answer: nothing writes to it (@hono/node-server copies before adding a length,
// and a Headers object, when anything asks for one, is built from it).
const ANSWER_HEADERS = Object.freeze({
  'Content-Type': 'application/json',
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
});

/** A successful OAuth JSON answer (token, introspection), as {@link oauthJson} writes it, by {@link plainJson}. */
export const oauthAnswer = (c: Context, body: object): Response =>
  plainJson(c, serialise(body), ANSWER_HEADERS);

// A frozen answer (introspection's, kept per verified token) cannot change: serialised once.
const serialised = new WeakMap<object, string>();
function serialise(body: object): string {
  if (!Object.isFrozen(body)) return JSON.stringify(body);
  let json = serialised.get(body);
  if (json === undefined) {
    json = JSON.stringify(body);
    serialised.set(body, json);
  }
  return json;
}

/**
 * An OAuth error in the RFC 6749 §5.2 shape; a failed client authentication adds the
 * `WWW-Authenticate: Basic` challenge (401).
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
 * The OAuth JSON endpoints' one renderer (token, revocation, introspection, PAR): protocol
 * errors, rate limits and outages in the RFC 6749 §5.2 shape. Anything else is a bug, left to
 * `onError` (undefined).
 */
export function renderOAuthError(c: Context<Env>, error: unknown): Response | undefined {
  if (error instanceof OAuthError) return oauthErrorResponse(c, error);
  // Refused before routing (body too large, NUL in the URL): the same refusal in the OAuth shape.
  if (error instanceof ApiError && error.status < 500)
    return oauthJson(
      c,
      { error: 'invalid_request', error_description: error.message },
      error.status as ContentfulStatusCode,
    );
  // A client, code or grant deleted while this request used it.
  if (isReferenceGone(error)) return oauthErrorResponse(c, new InvalidRequest(REFERENCE_GONE_MESSAGE));
  if (error instanceof ServiceError && error.kind === 'rate_limited') {
    // Refused before the request is read: no-store without Pragma, as these 429s always were.
    if (error.retryAfter !== undefined) c.header('Retry-After', String(error.retryAfter));
    c.header('Cache-Control', 'no-store');
    return c.json({ error: 'rate_limited', error_description: error.message }, 429);
  }
  // RFC 6749 §4.1.2.1 names temporarily_unavailable; token responses use it the same way.
  if (outage(c, error))
    return oauthJson(c, { error: 'temporarily_unavailable', error_description: 'retry shortly' }, 503);
  return undefined;
}
