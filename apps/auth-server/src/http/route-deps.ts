import type { Services } from '../services';
import { type BrowserSessions, browserSessions } from './browser-session';
import { type Csrf, csrfProtection } from './csrf';
import { rateLimits } from './rate-limit';

/**
 * What the routes are built from: the services, plus the browser's session and CSRF cookies and the
 * rate limits. Those are HTTP concerns, so the HTTP layer builds them here rather than services/index.ts.
 */
export type RouteDeps = Services & {
  sessions: BrowserSessions;
  csrf: Csrf;
  rateLimits: ReturnType<typeof rateLimits>;
};

export function routeDeps(services: Services, secretKey: Uint8Array): RouteDeps {
  const secure = services.config.secureCookies;
  return {
    ...services,
    sessions: browserSessions(services.accounts, secure),
    csrf: csrfProtection(secretKey, secure),
    rateLimits: rateLimits(services.stores.limits),
  };
}
