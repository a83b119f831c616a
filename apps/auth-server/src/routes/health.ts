import { Hono } from 'hono';
import type { Env } from '../http/types';
import { RETRY_AFTER_SECONDS } from '../http/unavailable';
import type { Services } from '../services';

// Longer than a healthy round trip on a loaded machine, shorter than a load balancer's probe timeout.
const READY_WITHIN_MS = 1_000;

/**
 * `GET /healthz`: the process is up. `GET /readyz`: requests can be served now. Ready only while a
 * fresh query on the pool requests use (nothing cached) answers within a second; otherwise 503
 * with Retry-After, so a load balancer stops sending traffic that would get 503 anyway.
 */
export function healthRoutes(s: Services) {
  return new Hono<Env>()
    .get('/healthz', (c) => c.json({ status: 'ok' }))
    .get('/readyz', async (c) => {
      c.header('Cache-Control', 'no-store');
      try {
        await s.database.ping(READY_WITHIN_MS);
        return c.json({ status: 'ready', database: s.database.kind });
      } catch {
        c.header('Retry-After', String(RETRY_AFTER_SECONDS));
        return c.json({ status: 'unavailable', database: s.database.kind }, 503);
      }
    });
}
