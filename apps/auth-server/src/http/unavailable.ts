import { errorCodes } from '@hal/db';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Env } from './types';

// Errors that mean "the database cannot serve this request right now, retry", not "this request is
// wrong": the postgres driver's connection failures, and PostgreSQL's own refusals. Every one is
// answered 503 with Retry-After, never 500.
const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
]);
// SQLSTATEs (PostgreSQL Appendix A): class 08 connection exception; class 53 insufficient
// resources (53300 too many connections); 57014 statement cancelled (statement_timeout, or HAL's
// request deadline / a client gone: @hal/db StatementCancelled); 57P01 terminated by an
// administrator or a fast/immediate shutdown, 57P02 crash of another backend, 57P03 cannot connect
// now (starting up, shutting down, in recovery), 57P05 idle session timeout; 25P03 idle in
// transaction timeout, 25P04 transaction timeout (PostgreSQL 17); 40001 serialization failure and
// 40P01 deadlock victim: the transaction was rolled back whole, so the request did nothing and a
// retry can succeed.
const SQLSTATE = /^(08...|53...|57014|57P0[1235]|25P0[34]|40001|40P01)$/;
export const RETRY_AFTER_SECONDS = 1;

/** True when `error` (or its cause, as drizzle wraps driver errors) says the database is unavailable. */
function isDatabaseUnavailable(error: unknown): boolean {
  return errorCodes(error).some((code) => NETWORK.has(code) || SQLSTATE.test(code));
}

/** True when `error` is an outage (the database is unavailable, or the request timed out). */
export const isOutage = (error: unknown) => error instanceof RequestTimeout || isDatabaseUnavailable(error);

/** Thrown by the request deadline (`http/deadline.ts`) for a handler stuck elsewhere than in the database. */
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
