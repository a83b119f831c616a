import { type IncomingMessage, type OutgoingHttpHeaders, ServerResponse } from 'node:http';

/**
 * The headers every response carries, whichever route answers it: the set `hono/secure-headers`
 * sends by default (OWASP's list), HSTS once the issuer is https, and no framing. A route's own
 * value of one of them wins (HTML pages send their CSP; the widget script its CORP).
 */
export function securityHeaders(https: boolean): [string, string][] {
  return [
    ['Cross-Origin-Opener-Policy', 'same-origin'],
    ['Origin-Agent-Cluster', '?1'],
    ['Referrer-Policy', 'no-referrer'],
    // RFC 6797 §7.2: HSTS only over a secure transport.
    ...(https
      ? [['Strict-Transport-Security', 'max-age=63072000; includeSubDomains'] as [string, string]]
      : []),
    ['X-Content-Type-Options', 'nosniff'],
    ['X-DNS-Prefetch-Control', 'off'],
    ['X-Download-Options', 'noopen'],
    ['X-Frame-Options', 'DENY'],
    ['X-Permitted-Cross-Domain-Policies', 'none'],
    ['X-XSS-Protection', '0'],
  ];
}

const REQUEST_ID = 'x-request-id';

/**
 * Node's response class for a server whose every response carries `headers`, added where the
 * headers are written (`writeHead`, also reached by an implicit header) under those of the route,
 * which win. One header object handed to `writeHead` is Node's fast path: a `setHeader` per header
 * before the route ran made Node store each, then merge every route header in through `setHeader`
 * again, a tenth of the CPU of a Bearer API request.
 */
export function secureResponse(headers: [string, string][]): typeof ServerResponse<IncomingMessage> {
  const defaults = headers.map(([name, value]) => [name, name.toLowerCase(), value] as const);
  return class SecureResponse extends ServerResponse<IncomingMessage> {
    /** The request's `X-Request-Id` (`http/request-log.ts`), written with the other headers. */
    requestId: string | undefined = undefined;

    // biome-ignore lint/suspicious/noExplicitAny: Node's overloads (status, [message], [headers]).
    override writeHead(status: number, ...rest: any[]): this {
      const last = rest[rest.length - 1];
      if (last === undefined || typeof last === 'string' || Array.isArray(last)) {
        // No header object of the route's (or Node's raw array form): set ours as headers of the
        // response, which Node merges under whatever the call brings.
        for (const [name, lower, value] of defaults) if (!this.hasHeader(lower)) this.setHeader(name, value);
        if (this.requestId !== undefined && !this.hasHeader(REQUEST_ID))
          this.setHeader('X-Request-Id', this.requestId);
        return super.writeHead(status, ...rest);
      }
      const routes = last as OutgoingHttpHeaders;
      // A route's value wins, whatever its case, as does one already set on the response.
      const overridden = new Set(this.getHeaderNames());
      for (const key in routes) overridden.add(key.toLowerCase());
      const merged: OutgoingHttpHeaders = {};
      for (const [name, lower, value] of defaults) if (!overridden.has(lower)) merged[name] = value;
      if (this.requestId !== undefined && !overridden.has(REQUEST_ID))
        merged['X-Request-Id'] = this.requestId;
      for (const key in routes) merged[key] = routes[key];
      rest[rest.length - 1] = merged;
      return super.writeHead(status, ...rest);
    }
  };
}
