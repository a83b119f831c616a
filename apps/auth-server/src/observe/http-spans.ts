import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';
import type { Context, MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { Env } from '../http/types';

const fromRequest = {
  keys: (c: Context<Env>) => Object.keys(c.req.header()),
  get: (c: Context<Env>, key: string) => c.req.header(key),
};

/**
 * A server span per request, named `METHOD /route/pattern` once routing is known, continuing the
 * caller's W3C `traceparent`. The query string is never recorded: it may carry codes or state.
 * @see https://opentelemetry.io/docs/specs/semconv/http/http-spans/#http-server
 */
export function httpSpans(tracer: Tracer): MiddlewareHandler<Env> {
  return async (c, next) => {
    const parent = propagation.extract(ROOT_CONTEXT, c, fromRequest);
    const method = c.req.method;
    const span = tracer.startSpan(
      method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          [ATTR_HTTP_REQUEST_METHOD]: method,
          [ATTR_URL_PATH]: c.req.path,
          [ATTR_URL_SCHEME]: new URL(c.req.url).protocol.slice(0, -1),
          [ATTR_USER_AGENT_ORIGINAL]: c.req.header('user-agent'),
        },
      },
      parent,
    );
    try {
      await context.with(trace.setSpan(parent, span), next);
    } finally {
      const route = routePath(c);
      const status = c.res.status;
      span.updateName(`${method} ${route}`);
      span.setAttributes({
        [ATTR_HTTP_ROUTE]: route,
        [ATTR_HTTP_RESPONSE_STATUS_CODE]: status,
        [ATTR_CLIENT_ADDRESS]: c.get('clientIp'),
      });
      // Handlers' errors reach onError inside next(): Hono keeps the one it rendered in c.error.
      if (c.error) span.recordException(c.error);
      // A server span is an error for 5xx only; 4xx are the client's.
      if (status >= 500) {
        span.setAttribute(ATTR_ERROR_TYPE, String(status));
        span.setStatus({ code: SpanStatusCode.ERROR, message: c.error?.message });
      }
      span.end();
    }
  };
}
