import { Hono } from 'hono';
import { apiErrorResponse } from '../http/api-errors';
import { mayScrape } from '../http/metrics-access';
import type { Env } from '../http/types';
import type { Services } from '../services';

/**
 * `GET /metrics`: the Prometheus text exposition of this process. Refused callers get the same 404
 * as any unknown path, so the endpoint's existence tells nothing to the outside.
 */
export function metricsRoutes(s: Services) {
  return new Hono<Env>().get('/metrics', async (c) => {
    if (!mayScrape(c, s.config.metricsToken))
      return apiErrorResponse(c, 404, 'not_found', 'no such endpoint');
    c.header('Cache-Control', 'no-store');
    c.header('Content-Type', s.metrics.registry.contentType);
    return c.body(await s.metrics.registry.metrics());
  });
}
