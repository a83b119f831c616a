import type { OAuthError } from '@hal/core';
import type { Context } from 'hono';

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
