import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { ApiError, apiErrorResponse } from '../http/api-errors';
import { requireScope } from '../http/auth';
import { jsonBody } from '../http/body';
import { SignIdentity } from '../http/inputs';
import { errorResponse, jsonInput, jsonResponse, operation, refusals } from '../http/openapi';
import { SignedIdentity } from '../http/outputs';
import { plainJson } from '../http/plain-json';
import type { RouteDeps } from '../http/route-deps';
import type { Env } from '../http/types';

const UserId = z.string().min(1).max(256);
const Name = z.string().max(200).optional();
const Email = z.email().max(254).optional();

const Identify = z.union([
  z.object({ app_id: z.string().min(1).max(64), user_jwt: z.string().min(1).max(8192) }).strict(),
  z
    .object({
      app_id: z.string().min(1).max(64),
      user_id: UserId,
      user_hash: z.string().min(1).max(128),
      name: Name,
      email: Email,
    })
    .strict(),
]);

/** The built widget script, read once; undefined when `@hal/widget` has not been built. */
function loadWidgetScript(): { body: string; etag: string } | undefined {
  try {
    const path = createRequire(import.meta.url).resolve('@hal/widget/dist/hal-widget.js');
    const body = readFileSync(path, 'utf8');
    return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
  } catch {
    return undefined;
  }
}

/**
 * The widget surface: the script, identify (CORS limited to the project's allowed origins), and
 * sign-identity for widget hosts (Bearer, `widget:serve`).
 */
export function widgetRoutes(s: RouteDeps, authenticate: MiddlewareHandler<Env>) {
  const script = loadWidgetScript();
  const app = new Hono<Env>();

  app.get('/widget/v1/hal-widget.js', (c) => {
    if (!script) return apiErrorResponse(c, 503, 'unavailable', 'the widget script has not been built');
    c.header('ETag', script.etag);
    c.header('Cache-Control', 'public, max-age=300, stale-while-revalidate=3600');
    c.header('Access-Control-Allow-Origin', '*');
    c.header('Cross-Origin-Resource-Policy', 'cross-origin');
    if (c.req.header('if-none-match') === script.etag) return c.body(null, 304);
    c.header('Content-Type', 'text/javascript; charset=utf-8');
    return c.body(script.body);
  });

  // The preflight carries no body, so no app_id: it may proceed; the POST itself is checked.
  app.options('/api/widget/v1/identify', (c) => {
    const origin = c.req.header('origin');
    if (origin) {
      c.header('Access-Control-Allow-Origin', origin);
      c.header('Vary', 'Origin');
    }
    c.header('Access-Control-Allow-Methods', 'POST');
    c.header('Access-Control-Allow-Headers', 'Content-Type');
    c.header('Access-Control-Max-Age', '600');
    return c.body(null, 204);
  });

  const limits = s.config.rateLimits;
  app.post(
    '/api/widget/v1/identify',
    s.rateLimits.middleware('identify', limits.identify, (c) => c.get('clientIp')),
    async (c) => {
      const input = await jsonBody(c, Identify);
      const project = await s.widget.projectForApp(input.app_id);
      if (!project) throw new ApiError(404, 'not_found', 'unknown app_id');
      allowOrigin(c, project.allowedOrigins);
      c.header('Cache-Control', 'no-store');
      return c.json({ data: await s.widget.identify(project, input) });
    },
  );

  app.post(
    '/api/oauth/widget/sign-identity',
    authenticate,
    // Only an OAuth token is bound to a project: Basic, PATs and sessions get 403 `forbidden`.
    requireScope('widget:serve', { oauthOnly: true }),
    // Per connection (client × project), so one busy widget host does not starve another.
    s.rateLimits.middleware('sign', limits.signIdentity, (c) => {
      const { clientId, user, projectId } = c.get('principal');
      return `${clientId ?? user.id}:${projectId}`;
    }),
    jsonInput(SignIdentity),
    operation({
      operationId: 'signWidgetIdentity',
      summary: 'Sign a widget user’s identity',
      description:
        'For a widget host holding an OAuth access token bound to a project. The answer is bare, not wrapped in `data`.',
      tags: ['Widget'],
      responses: {
        200: jsonResponse('the signed identity', SignedIdentity),
        403: errorResponse('`forbidden`: the token is bound to no project; or `insufficient_scope`'),
        ...refusals.rateLimited,
      },
    }),
    async (c) =>
      plainJson(
        c,
        JSON.stringify(await s.widget.signIdentity(c.get('principal'), c.req.valid('json'))),
        NO_STORE,
      ),
  );

  return app;
}

// The sign-identity answer's headers (http/plain-json.ts): no cache may keep it.
const NO_STORE = Object.freeze({ 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });

/** CORS only for the project's allowed origins; a browser call from any other origin is refused. */
function allowOrigin(c: Context, allowed: readonly string[]) {
  const origin = c.req.header('origin');
  c.header('Vary', 'Origin');
  if (!origin) return; // not a browser cross-origin call (a server or curl)
  if (!allowed.includes(origin))
    throw new ApiError(403, 'origin_not_allowed', 'this origin is not allowed for the project');
  c.header('Access-Control-Allow-Origin', origin);
}
