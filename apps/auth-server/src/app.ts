import { ACCESS_TOKEN_TYP } from '@hal/core';
import { trpcServer } from '@hono/trpc-server';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ApiError, apiErrorResponse } from './http/api-errors';
import { type AuthDeps, authenticate } from './http/auth';
import { requestDeadline } from './http/deadline';
import { onError } from './http/errors';
import { requestScoping } from './http/read-only';
import { requestLog } from './http/request-log';
import { routeDeps } from './http/route-deps';
import { HalRouter } from './http/router';
import type { Env } from './http/types';
import { accountPages } from './routes/accounts';
import { appRoutes, publicAppRoutes } from './routes/api/apps';
import { authRoutes } from './routes/api/auth';
import { openApiRoutes } from './routes/api/openapi';
import { projectRoutes } from './routes/api/projects';
import { resourceMetadataRoutes, resourceRoutes } from './routes/api/resources';
import { tokenRoutes } from './routes/api/tokens';
import { dashboardRoutes } from './routes/dashboard';
import { docsRoutes } from './routes/docs';
import { healthRoutes } from './routes/health';
import { mcpRoutes } from './routes/mcp';
import { metricsRoutes } from './routes/metrics';
import { authorizeRoutes } from './routes/oauth/authorize';
import { decisionRoutes } from './routes/oauth/decision';
import { introspectRoutes } from './routes/oauth/introspect';
import { metadataRoutes } from './routes/oauth/metadata';
import { parRoutes } from './routes/oauth/par';
import { registerRoutes } from './routes/oauth/register';
import { revokeRoutes } from './routes/oauth/revoke';
import { oauthTokenRoutes } from './routes/oauth/token';
import { widgetRoutes } from './routes/widget';
import type { Services } from './services';
import { SESSION_JWT_TYP } from './services/accounts';
import { appRouter } from './trpc/root';
import { createTrpcContext, trpcResponseMeta } from './trpc/trpc';
import { STYLESHEET } from './views/layout';

export const MAX_BODY_BYTES = 64 * 1024;

/**
 * Builds the HTTP application; `server.ts` serves it, adding the security headers of every
 * response (`http/security-headers.ts`). `secretKey` signs the CSRF tokens of the HTML forms.
 */
export function createApp(services: Services, secretKey: Uint8Array, tracing?: MiddlewareHandler<Env>) {
  const s = routeDeps(services, secretKey);
  const app = new Hono<Env>({ router: new HalRouter() });
  app.onError(onError);
  app.notFound((c) => apiErrorResponse(c, 404, 'not_found', 'no such endpoint'));

  // Only when traces are exported (OTEL_EXPORTER_OTLP_ENDPOINT): otherwise not even a layer.
  if (tracing) app.use(tracing);
  app.use(requestLog(s.logger, s.metrics));
  // No request may hang on a stuck dependency: past its deadline (or once its client is gone) its
  // database work is cancelled, and it is answered 503 (retry) only once nothing it wrote can commit.
  app.use(requestDeadline(s.config.requestTimeoutMs, s.config.requestTimeoutMs, requestScoping));
  // Refused before routing, rendered by onError in the shape of the surface the path belongs to.
  const tooLarge = (c: Context): never => {
    // RFC 9110 §15.5.14: the rest of the body is not read, so the connection ends with this answer.
    c.header('Connection', 'close');
    throw new ApiError(413, 'payload_too_large', 'request body exceeds 64 KiB');
  };
  const streamedLimit = bodyLimit({ maxSize: MAX_BODY_BYTES, onError: tooLarge });
  // Refused before any route runs (one middleware: every layer costs each request a promise; and
  // no async frame: Hono's compose catches a throw like a rejection).
  app.use((c, next) => {
    // A NUL in the URL would reach PostgreSQL through a route parameter, which text cannot hold.
    if (c.req.url.includes('%00')) throw new ApiError(400, 'invalid_request', 'the URL must not contain NUL');
    // The body limit, in the common case decided from the headers alone: touching the body here
    // would turn @hono/node-server's lazy request into a stream before the route reads it.
    const length = c.req.header('content-length');
    if (
      c.req.method === 'GET' ||
      c.req.method === 'HEAD' ||
      (length !== undefined && !c.req.header('transfer-encoding'))
    ) {
      if (Number(length ?? 0) > MAX_BODY_BYTES) return tooLarge(c);
      return next();
    }
    return streamedLimit(c, next); // chunked bodies are counted as they stream
  });

  app.route('/', healthRoutes(s));
  app.route('/', metricsRoutes(s));
  app.get('/.well-known/jwks.json', (c) => {
    c.header('Cache-Control', 'public, max-age=300');
    return c.json(s.keyring.jwks());
  });
  app.get('/assets/hal.css', (c) => {
    c.header('Content-Type', 'text/css; charset=utf-8');
    c.header('Cache-Control', 'public, max-age=3600');
    return c.body(STYLESHEET);
  });
  app.route('/', accountPages(s));
  app.route('/', dashboardRoutes());
  app.route('/', docsRoutes());
  app.use(
    '/trpc/*',
    trpcServer({
      router: appRouter,
      endpoint: '/trpc',
      createContext: (_opts, c) => createTrpcContext(s, c),
      responseMeta: trpcResponseMeta,
    }),
  );
  for (const routes of [
    metadataRoutes,
    authorizeRoutes,
    decisionRoutes,
    oauthTokenRoutes,
    revokeRoutes,
    introspectRoutes,
    parRoutes,
    registerRoutes,
  ]) {
    app.route('/', routes(s));
  }

  // One Bearer/Basic authentication for every protected resource, told which one it guards.
  const authDeps: AuthDeps = {
    accounts: s.accounts,
    personalTokens: s.personalTokens,
    jwtVerifiers: {
      [SESSION_JWT_TYP]: async (token) => {
        const user = await s.accounts.verifySessionJwt(token);
        return user && { user, method: 'session', scopes: s.accounts.fullScopes };
      },
      [ACCESS_TOKEN_TYP]: s.oauth.verifyAccessToken,
    },
  };
  // `<issuer>/api`: the REST API and sign-identity.
  const bearerAuth = authenticate(authDeps, s.resources.api);
  app.route('/', widgetRoutes(s, bearerAuth));
  // `<issuer>/mcp`: the MCP server.
  app.route('/', mcpRoutes(s, authenticate(authDeps, s.resources.mcp)));

  const auth = authRoutes(s);
  const api = new Hono<Env>();
  // Public API routes first: the authentication middleware below applies to what follows.
  api.route('/', openApiRoutes(app, s.config.issuer));
  api.route('/auth', auth.open);
  api.route('/oauth/apps', publicAppRoutes(s));
  api.route('/resources', resourceMetadataRoutes(s));
  api.use(bearerAuth);
  api.route('/auth', auth.authed);
  api.route('/tokens', tokenRoutes(s));
  api.route('/projects', projectRoutes(s));
  api.route('/oauth/apps', appRoutes(s));
  api.route('/resources', resourceRoutes(s));
  app.route('/api/v1', api);
  return app;
}
