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

export const readOnlyRequest = (c: Context<Env>) => READ_ONLY.has(`${c.req.method} ${c.req.path}`);
