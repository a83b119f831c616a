/** @jsxImportSource preact */
/** @jsxRuntime automatic */
import { OAuthError } from '@hal/core';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ServiceError } from '../services/errors';
import { ErrorBox, renderPage } from '../views/layout';
import { ApiError, SERVICE_STATUS } from './api-errors';
import { isReferenceGone } from './conflict';
import type { Env } from './types';
import { outage } from './unavailable';

type PageStatus = Parameters<typeof renderPage>[3] & number;
const PAGE_STATUSES = new Set<number>([400, 401, 403, 404, 409, 413, 415, 429]);

/**
 * The HTML pages' renderer of what a page handler did not catch (a NUL in a form, an outage, a
 * bug): a page a person can read, never a JSON body in the browser. Outages are 503 with
 * `Retry-After`; bugs a logged 500 without details.
 */
export function renderPageError(c: Context<Env>, error: unknown): Response {
  const show = (status: PageStatus, message: string) =>
    renderPage(
      c,
      status >= 500 ? 'Something went wrong' : 'Request refused',
      <ErrorBox message={message} />,
      status,
    );
  if (outage(c, error)) return show(503, 'HAL is briefly unavailable. Please try again in a moment.');
  if (isReferenceGone(error)) return show(409, 'Something this page refers to was deleted meanwhile.');
  const refusal =
    error instanceof ServiceError
      ? { status: SERVICE_STATUS[error.kind] as number, message: error.message }
      : error instanceof ApiError || error instanceof HTTPException
        ? { status: error.status as number, message: error.message }
        : error instanceof OAuthError
          ? { status: 400, message: error.error_description }
          : undefined;
  if (refusal && PAGE_STATUSES.has(refusal.status)) {
    if (refusal.status === 413) return show(413, 'The form is too large.');
    return show(refusal.status as PageStatus, refusal.message || 'This request cannot be handled.');
  }
  c.get('log')?.error({ reqId: c.get('requestId'), err: error }, 'unhandled error');
  return show(500, 'Something went wrong on our side. Please try again.');
}
