import type { Context } from 'hono';
import type { Env } from './types';

/**
 * The endpoints whose requests only read: their statements need no request scope (see
 * `http/deadline.ts`). Each writes nothing but bookkeeping that a retry may repeat harmlessly (a
 * rate-limit counter; a personal access token's minute-granular `last_used_at`). A route that
 * comes to write more must leave this list.
 */
const READ_ONLY = new Set([
  'GET /api/v1/auth/me',
  'POST /oauth/introspect',
  'POST /api/oauth/widget/sign-identity',
  'GET /.well-known/jwks.json',
  'GET /.well-known/oauth-authorization-server',
  'GET /.well-known/oauth-protected-resource',
  'GET /healthz',
  'GET /readyz',
  'GET /assets/hal.css',
  'GET /widget/v1/hal-widget.js',
]);

/**
 * Routes that enter the request's scope themselves (`c.get('requestScope')`): the token endpoint,
 * whose client_credentials grant writes one row, handed its scope explicitly, and runs outside
 * the ambient one (@hal/db scope.ts: a running AsyncLocalStorage costs every promise).
 */
const ROUTE_SCOPED = new Set(['POST /oauth/token']);

/**
 * How a request's statements are bound to it (`http/deadline.ts`): `none` (it only reads),
 * `route` (its route enters or passes its scope), `request` (the whole request runs in it).
 */
export function requestScoping(c: Context<Env>): 'none' | 'route' | 'request' {
  // Looked up by method, then path: no key string built on every request.
  const path = c.req.path;
  const method = c.req.method;
  if (READ_ONLY_PATHS.get(method)?.has(path)) return 'none';
  return ROUTE_SCOPED_PATHS.get(method)?.has(path) ? 'route' : 'request';
}

function byMethod(endpoints: Set<string>): Map<string, Set<string>> {
  const paths = new Map<string, Set<string>>();
  for (const endpoint of endpoints) {
    const [method = '', path = ''] = endpoint.split(' ');
    paths.set(method, (paths.get(method) ?? new Set()).add(path));
  }
  return paths;
}

const READ_ONLY_PATHS = byMethod(READ_ONLY);
const ROUTE_SCOPED_PATHS = byMethod(ROUTE_SCOPED);
