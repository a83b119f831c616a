import { OAuthError } from '@hal/core';
import type { ErrorHandler } from 'hono';
import { renderApiError } from './api-errors';
import { oauthErrorResponse } from './oauth-json';
import type { Env } from './types';

/**
 * The application's error handler only picks a renderer: an OAuthError that escaped its endpoint
 * in the OAuth shape, anything else in the REST API's (outages as 503, bugs as a logged 500).
 * OAuth JSON endpoints render their own errors (`oauthEndpoint`), tRPC its own (`trpc/trpc.ts`),
 * and the HTML pages show theirs on the page.
 */
export const onError: ErrorHandler<Env> = (error, c) =>
  error instanceof OAuthError ? oauthErrorResponse(c, error) : renderApiError(c, error);
