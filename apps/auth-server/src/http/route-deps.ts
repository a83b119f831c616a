import type { Services } from '../services';
import { type BrowserSessions, browserSessions } from './browser-session';
import { type Csrf, csrfProtection } from './csrf';

/**
 * What the routes are built from: the services, plus the browser's session and CSRF cookies. Those
 * two are HTTP concerns, so the HTTP layer builds them here rather than services/index.ts.
 */
export type RouteDeps = Services & { sessions: BrowserSessions; csrf: Csrf };

export function routeDeps(services: Services, secretKey: Uint8Array): RouteDeps {
  const secure = services.config.secureCookies;
  return {
    ...services,
    sessions: browserSessions(services.accounts, secure),
    csrf: csrfProtection(secretKey, secure),
  };
}
