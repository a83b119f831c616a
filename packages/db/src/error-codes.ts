/**
 * The codes along `error`'s cause chain, outermost first: drizzle wraps the driver's error, whose
 * `code` is a PostgreSQL SQLSTATE or a connection failure (`ECONNRESET`, `CONNECTION_CLOSED`…).
 */
export function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; depth++) {
    if (typeof e.code === 'string') codes.push(e.code);
    e = e.cause as typeof e;
  }
  return codes;
}
