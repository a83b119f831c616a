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

/** True when `error` (or its cause, as drizzle wraps driver errors) says the database is unavailable. */
export function isDatabaseUnavailable(error: unknown): boolean {
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
