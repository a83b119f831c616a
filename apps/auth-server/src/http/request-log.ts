import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { Logger } from 'pino';
import type { Metrics } from '../observe/metrics';
import type { Env } from './types';

const SAFE_REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * Gives each request an id (a caller's `X-Request-Id` when well-formed) and writes one JSON log
 * line when it ends. Only method, path (never the query: it may carry codes or state), status and
 * timing are logged: no headers, no bodies, no secrets. The same timing feeds the request metrics,
 * labelled with the route pattern that answered (never the raw path: one series per route).
 */
export function requestLog(logger: Logger, metrics: Metrics): MiddlewareHandler<Env> {
  return async (c, next) => {
    const started = performance.now();
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    c.set('requestId', requestId);
    c.set('log', logger);
    c.set('clientIp', clientIp(c));
    // Written by Node's response with the security headers (`http/security-headers.ts`): a header
    // set through Hono would give every answer a WHATWG Headers object to build and iterate.
    const outgoing = (c.env as { outgoing?: { requestId?: string } } | undefined)?.outgoing;
    if (outgoing && 'requestId' in outgoing) outgoing.requestId = requestId;
    else c.header('X-Request-Id', requestId);
    await next();
    const ms = performance.now() - started;
    metrics.request(c.req.method, routePath(c), c.res.status, ms / 1000);
    // Nothing built for a line nobody writes (HAL_LOG_LEVEL above info).
    if (!logger.isLevelEnabled('info')) return;
    // No child logger per request: binding one costs more than the whole line at level info.
    logger.info(
      {
        reqId: requestId,
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(ms),
      },
      'request',
    );
  };
}

// The peer's address straight from Node's socket (what @hono/node-server's getConnInfo reads,
// without the object it builds around it on every request).
function clientIp(c: Parameters<MiddlewareHandler<Env>>[0]): string {
  const env = c.env as { incoming?: IncomingMessage; server?: { incoming?: IncomingMessage } } | undefined;
  // app.request() in unit tests has no socket
  return (env?.server ?? env)?.incoming?.socket?.remoteAddress ?? 'unknown';
}
