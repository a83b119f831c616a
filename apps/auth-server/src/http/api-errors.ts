import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ZodError } from 'zod';
import { ServiceError, type ServiceErrorKind } from '../services/errors';
import { isReferenceGone, REFERENCE_GONE_MESSAGE } from './conflict';
import type { Env } from './types';
import { outage } from './unavailable';

/**
 * A refusal of the HTTP layer itself (authentication challenges, body parsing, route checks),
 * rendered in the REST API's shape; services throw {@link ServiceError} instead.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

/** The HTTP status of each kind of service refusal. */
export const SERVICE_STATUS: Record<ServiceErrorKind, ContentfulStatusCode> = {
  invalid_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
};

/** The REST API's error body (contract: `{ error: { code, message } }`). */
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

/**
 * The REST surface's one renderer (`/api`, the widget endpoints, and whatever else reaches
 * `onError`): known errors keep their status; anything else is a logged 500 without details.
 */
export function renderApiError(c: Context<Env>, error: unknown): Response {
  if (error instanceof ApiError) {
    for (const [name, value] of Object.entries(error.headers ?? {})) c.header(name, value);
    return apiErrorResponse(c, error.status, error.code, error.message);
  }
  if (error instanceof ServiceError) {
    // RFC 6585 §4: a 429 may say how long to wait.
    if (error.retryAfter !== undefined) c.header('Retry-After', String(error.retryAfter));
    return apiErrorResponse(c, SERVICE_STATUS[error.kind], error.code, error.message);
  }
  if (error instanceof ZodError) return apiErrorResponse(c, 400, 'invalid_request', describeZodError(error));
  const down = outage(c, error);
  if (down) return apiErrorResponse(c, 503, 'unavailable', down.message);
  if (isReferenceGone(error)) return apiErrorResponse(c, 409, 'conflict', REFERENCE_GONE_MESSAGE);
  if (error instanceof HTTPException) {
    const status = error.status;
    if (status === 413) return apiErrorResponse(c, 413, 'payload_too_large', 'request body exceeds 64 KiB');
    const code = status < 500 ? 'invalid_request' : 'server_error';
    return apiErrorResponse(c, status, code, error.message || 'request refused');
  }
  c.get('log')?.error({ reqId: c.get('requestId'), err: error }, 'unhandled error');
  return apiErrorResponse(c, 500, 'server_error', 'internal error');
}
