import { errorCodes } from './error-codes';

// The connection died with the statement sent and its answer not yet received: the backend may
// have committed just before it went (a crash, pg_terminate_backend, a cut connection). A
// cancelled statement (57014) or a connection never made is no such doubt: nothing committed.
const OUTCOME_UNKNOWN = new Set(['CONNECTION_CLOSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', '57P01', '57P02']);

const codeOf = (error: unknown): string | undefined => errorCodes(error)[0];

/** Whether `error` leaves it unknown if the statement committed (its connection died with it). */
export const outcomeUnknown = (error: unknown): boolean => OUTCOME_UNKNOWN.has(codeOf(error) ?? '');

/**
 * Settles a write whose outcome `error` left unknown by asking the database, on another
 * connection, whether it committed: `check` reads what the write would have made (and nothing
 * else), retried for up to `withinMs` while the database is unreachable. Its answer is final
 * because the write's backend is gone, and a dead backend's open transaction rolls back: it cannot
 * commit later. Returns what `check` found; rethrows `error` when it found nothing (the write did
 * not commit), when the write failed outright, or when the database did not answer in time (the
 * doubt then stays: see RELIABILITY.md).
 */
export async function resolveInDoubt<T>(
  error: unknown,
  check: () => Promise<T | undefined>,
  withinMs = 1_000,
): Promise<T> {
  if (!outcomeUnknown(error)) throw error;
  const until = Date.now() + withinMs;
  for (;;) {
    let found: T | undefined;
    try {
      found = await check();
    } catch {
      if (Date.now() + 100 > until) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
      continue;
    }
    if (found === undefined) throw error;
    return found;
  }
}
