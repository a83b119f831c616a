import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Env } from './types';

// Errors that mean "the database cannot be reached right now", not "this request is wrong":
// connection failures of the postgres driver, and PostgreSQL's shutdown / connection classes.
const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
]);
const SQLSTATE = /^(08|57P0[1-3])/;
export const RETRY_AFTER_SECONDS = 1;

/** True when `error` (or its cause, as drizzle wraps driver errors) says the database is unavailable. */
function isDatabaseUnavailable(error: unknown): boolean {
  for (
    let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 5;
    e = e.cause as typeof e, depth++
  ) {
    const code = typeof e.code === 'string' ? e.code : '';
    if (NETWORK.has(code) || SQLSTATE.test(code)) return true;
  }
  return false;
}

/** True when `error` is an outage (the database is unavailable, or the request timed out). */
export const isOutage = (error: unknown) => error instanceof RequestTimeout || isDatabaseUnavailable(error);

/** Thrown by the request time limit (`app.ts`): a stuck dependency, answered like an outage. */
export class RequestTimeout extends HTTPException {
  constructor() {
    super(503, { message: 'the request timed out; retry shortly' });
  }
}

/** What the REST API says about an outage; the OAuth surface has its own words for it. */
export type Outage = { message: string };

/**
 * The one place that decides "503, retry shortly": the database cannot be reached, or the request
 * ran past its time limit. Either is an outage, not a bug: it is logged as a warning (`/readyz`
 * reports a database outage), `Retry-After` is set here, and the caller's surface writes the body.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-15.6.4
 */
export function outage(c: Context<Env>, error: unknown): Outage | undefined {
  const reqId = c.get('requestId');
  let message: string;
  if (error instanceof RequestTimeout) {
    message = error.message;
    c.get('log')?.warn({ reqId, path: c.req.path }, message);
  } else if (isDatabaseUnavailable(error)) {
    message = 'the service is temporarily unavailable; retry shortly';
    c.get('log')?.warn({ reqId, err: error }, 'database unavailable');
  } else {
    return undefined;
  }
  c.header('Retry-After', String(RETRY_AFTER_SECONDS));
  return { message };
}
