import { Hono } from 'hono';
import { openAPIRouteHandler } from 'hono-openapi';
import { z } from 'zod';
import { jsonResponse, operation } from '../../http/openapi';
import type { Env } from '../../http/types';

const OpenApiDocument = z.looseObject({ openapi: z.string(), paths: z.record(z.string(), z.unknown()) });

/**
 * `GET /api/v1/openapi.json`: the REST API's OpenAPI 3.1 document, collected from `app`'s route
 * table (each route's middlewares describe it: `http/openapi.ts`) once, at the first request.
 * @see https://spec.openapis.org/oas/v3.1.0
 */
export function openApiRoutes(app: Hono<Env>, issuer: string) {
  const serve = openAPIRouteHandler(app, {
    documentation: {
      info: {
        title: 'HAL REST API',
        version: '1',
        description:
          'Manage projects, OAuth apps, resource servers and personal access tokens. Successes wrap their value in `{ "data": … }`; errors are `{ "error": { "code", "message" } }`. The interactive reference is at `/docs`.',
      },
      servers: [{ url: issuer }],
      tags: [
        { name: 'Account', description: 'Sign in; who is calling' },
        { name: 'Projects', description: 'Projects and their widget settings' },
        { name: 'OAuth apps', description: 'OAuth clients you own, and token revocation' },
        { name: 'Resource servers', description: 'APIs that accept HAL access tokens (RFC 8707, RFC 9728)' },
        { name: 'Personal access tokens', description: 'Tokens for scripts' },
        { name: 'Widget', description: 'Signing widget users’ identities' },
        { name: 'Meta', description: 'This document' },
      ],
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description:
              'A personal access token (`hal_pat_…`), an OAuth access token (JWT, RFC 9068) whose audience is this API, or a session JWT from `POST /api/v1/auth/login`. Never in the query string.',
          },
          basic: {
            type: 'http',
            scheme: 'basic',
            description: '`email:password` of a HAL account; carries every scope.',
          },
        },
      },
    },
    // `openapi.json` itself would otherwise be taken for a static file and left out.
    excludeStaticFile: false,
    // Validation failures keep HAL's error shape, documented by `jsonInput` itself.
    defaultValidationErrorResponse: false,
  });
  return new Hono<Env>().get(
    '/openapi.json',
    operation({
      operationId: 'getOpenApiDocument',
      summary: 'This OpenAPI document',
      tags: ['Meta'],
      responses: { 200: jsonResponse('the OpenAPI 3.1 document', OpenApiDocument) },
    }),
    async (c, next) => {
      c.header('Cache-Control', 'no-cache');
      return serve(c, next);
    },
  );
}
