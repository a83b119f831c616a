import { OAuthError } from '@hal/core';
import type { ErrorHandler } from 'hono';
import { renderApiError } from './api-errors';
import { oauthErrorResponse, renderOAuthError } from './oauth-json';
import { renderPageError } from './page-errors';
import type { Env } from './types';

// The HTML pages: sign-in, sign-up, sign-out, the authorization request and the consent form.
const PAGE = /^\/(login|signup|logout)?$|^\/oauth\/authori[sz]e(\/|$)/;
// The OAuth JSON endpoints (token, revocation, introspection, PAR, ...).
const OAUTH_JSON = /^\/oauth\//;

/**
 * The application's error handler only picks the renderer of the request's surface: the HTML
 * pages', the OAuth JSON endpoints' (RFC 6749 §5.2), or the REST API's for everything else. The
 * surface is worked out from the path only here, when something failed: no request pays for it.
 * tRPC renders its own (`trpc/trpc.ts`).
 */
export const onError: ErrorHandler<Env> = (error, c) => {
  const path = c.req.path;
  if (PAGE.test(path)) return renderPageError(c, error);
  if (OAUTH_JSON.test(path)) return renderOAuthError(c, error) ?? renderApiError(c, error);
  // An OAuth error raised under the REST API (the JSON revocation endpoint) keeps its RFC shape.
  return error instanceof OAuthError ? oauthErrorResponse(c, error) : renderApiError(c, error);
};
