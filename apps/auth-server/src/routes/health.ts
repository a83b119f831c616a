import { Hono } from 'hono';
import type { Env } from '../http/types';
import type { Services } from '../services';

/** `GET /healthz`: the process is up. `GET /readyz`: the database answers. */
export function healthRoutes(s: Services) {
  return new Hono<Env>()
    .get('/healthz', (c) => c.json({ status: 'ok' }))
    .get('/readyz', async (c) => {
      try {
        await s.database.ping();
        return c.json({ status: 'ready', database: s.database.kind });
      } catch {
        return c.json({ status: 'unavailable', database: s.database.kind }, 503);
      }
    });
}
