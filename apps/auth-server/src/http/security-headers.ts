import type { ServerResponse } from 'node:http';

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

/**
 * Sets them on Node's response before Hono runs: a plain `setHeader` per header, which Node merges
 * under the headers of `writeHead` (so a route's value wins). Set through Hono's context they went
 * through a WHATWG `Headers` object on every response, a tenth of the CPU of a Bearer API request.
 */
export function withSecurityHeaders<R extends (req: never, res: ServerResponse) => unknown>(
  headers: [string, string][],
  listener: R,
) {
  return ((req, res) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    return listener(req, res);
  }) as R;
}
