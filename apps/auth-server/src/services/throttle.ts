import type { Stores } from '@hal/db';
import type { Config } from '../env';
import { rateLimited } from './errors';

/**
 * Sign-in throttling (OWASP Authentication Cheat Sheet): failed attempts are counted per account
 * and per client address in the database, so every server process shares the counters. An attempt
 * is counted before the password is checked (so parallel guesses cannot slip past the limit) and
 * handed back when it succeeds, so scripts using Basic auth are never throttled for succeeding.
 */
export function loginThrottle(limits: Stores['limits'], config: Config['rateLimits']) {
  const keys = (email: string, ip: string) =>
    [
      { key: `login:account:${email.toLowerCase()}`, limit: config.loginPerAccount },
      { key: `login:ip:${ip}`, limit: config.loginPerIp },
    ] as const;
  const refuse = (resetAt: Date) => {
    const retryAfter = Math.max(1, Math.ceil((resetAt.getTime() - Date.now()) / 1000));
    return rateLimited(retryAfter, 'too many attempts; try again later');
  };

  return {
    /** Counts an attempt; throws `rate_limited` with the seconds to wait once a limit is passed. */
    async attempt(email: string, ip: string) {
      if (!config.enabled) return;
      for (const { key, limit } of keys(email, ip)) {
        const { count, resetAt } = await limits.hit(key, config.loginWindow);
        if (count > limit) throw refuse(resetAt);
      }
    },
    /** A successful attempt is not a failure: give back what {@link attempt} counted. */
    async succeeded(email: string, ip: string) {
      if (!config.enabled) return;
      for (const { key } of keys(email, ip)) await limits.release(key);
    },
    /**
     * Throws `rate_limited` when {@link attempt} would, counting nothing: for a password already
     * verified, where there is no guess to count, only a locked account or address to refuse.
     */
    async admits(email: string, ip: string) {
      if (!config.enabled) return;
      const all = keys(email, ip);
      const counts = await limits.peekAll(all.map(({ key }) => key));
      for (const { key, limit } of all) {
        const live = counts.get(key);
        // attempt() refuses once its own hit passes the limit: when the count had reached it.
        if (live && live.count >= limit) throw refuse(live.resetAt);
      }
    },
  };
}
