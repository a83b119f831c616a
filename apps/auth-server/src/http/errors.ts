import { ApiError, OAuthError } from '@hal/core';
import type { Context, ErrorHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ZodError } from 'zod';
import { isReferenceGone, REFERENCE_GONE_MESSAGE } from './conflict';
import type { Env } from './types';
import { isDatabaseUnavailable } from './unavailable';

/** The REST API's one error serializer (contract: `{ error: { code, message } }`). */
export function apiErrorResponse(c: Context, status: number, code: string, message: string) {
  return c.json({ error: { code, message } }, status as ContentfulStatusCode);
}

/** Turns a Zod failure into a one-line message naming the offending field. */
export function describeZodError(error: ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid input';
  const path = issue.path.join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}

/** Last-resort handler: known errors keep their status; anything else is a logged 500 without details. */
export const onError: ErrorHandler<Env> = (error, c) => {
  if (error instanceof ApiError) {
    for (const [name, value] of Object.entries(error.headers ?? {})) c.header(name, value);
    return apiErrorResponse(c, error.status, error.code, error.message);
  }
  if (error instanceof ZodError) return apiErrorResponse(c, 400, 'invalid_request', describeZodError(error));
  if (error instanceof OAuthError) {
    return c.json(
      { error: error.error, error_description: error.error_description },
      error.status as ContentfulStatusCode,
    );
  }
  if (error instanceof HTTPException) {
    const status = error.status;
    const code =
      status === 413
        ? 'payload_too_large'
        : status === 503
          ? 'unavailable'
          : status < 500
            ? 'invalid_request'
            : 'server_error';
    if (status === 503) {
      c.get('log')?.warn({ reqId: c.get('requestId'), path: c.req.path }, error.message);
      c.header('Retry-After', '1');
    }
    const message = status === 413 ? 'request body exceeds 64 KiB' : error.message || 'request refused';
    return apiErrorResponse(c, status, code, message);
  }
  if (isDatabaseUnavailable(error)) {
    // An outage, not a bug: tell clients to retry shortly (and /readyz reports it).
    c.get('log')?.warn({ reqId: c.get('requestId'), err: error }, 'database unavailable');
    c.header('Retry-After', '1');
    return apiErrorResponse(c, 503, 'unavailable', 'the service is temporarily unavailable; retry shortly');
  }
  if (isReferenceGone(error)) return apiErrorResponse(c, 409, 'conflict', REFERENCE_GONE_MESSAGE);
  c.get('log')?.error({ reqId: c.get('requestId'), err: error }, 'unhandled error');
  return apiErrorResponse(c, 500, 'server_error', 'internal error');
};
