import { type Context, Hono } from 'hono';
import { requireScope } from '../../http/auth';
import { CreateResource, UpdateResource } from '../../http/inputs';
import { jsonInput, jsonResponse, operation, refusals } from '../../http/openapi';
import { data, ResourceMetadata, ResourceServer, ResourceServerWithSecret } from '../../http/outputs';
import type { Env } from '../../http/types';
import type { Services } from '../../services';

const tags = ['Resource servers'];

/** `/api/v1/resources`: the caller's registered resource servers; others' are 404. */
export function resourceRoutes(s: Services) {
  const owner = (c: Context<Env>) => c.get('principal').user.id;
  return new Hono<Env>()
    .post(
      '/',
      requireScope('apps:write'),
      jsonInput(CreateResource),
      operation({
        operationId: 'createResourceServer',
        summary: 'Register a resource server',
        description: 'The `introspection_secret` is in this answer only.',
        tags,
        responses: {
          201: jsonResponse('the resource server', data(ResourceServerWithSecret)),
          ...refusals.conflict,
        },
      }),
      async (c) => {
        const input = c.req.valid('json');
        c.header('Cache-Control', 'no-store');
        return c.json({ data: await s.resourceServers.create(owner(c), input) }, 201);
      },
    )
    .get(
      '/',
      requireScope('apps:read'),
      operation({
        operationId: 'listResourceServers',
        summary: 'List your resource servers',
        tags,
        responses: { 200: jsonResponse('the caller’s resource servers', data(ResourceServer.array())) },
      }),
      async (c) => c.json({ data: await s.resourceServers.list(owner(c)) }),
    )
    .get(
      '/:id',
      requireScope('apps:read'),
      operation({
        operationId: 'getResourceServer',
        summary: 'Get a resource server',
        tags,
        responses: { 200: jsonResponse('the resource server', data(ResourceServer)), ...refusals.notFound },
      }),
      async (c) => c.json({ data: await s.resourceServers.get(owner(c), c.req.param('id')) }),
    )
    .patch(
      '/:id',
      requireScope('apps:write'),
      jsonInput(UpdateResource),
      operation({
        operationId: 'updateResourceServer',
        summary: 'Change a resource server',
        tags,
        responses: {
          200: jsonResponse('the changed resource server', data(ResourceServer)),
          ...refusals.notFound,
          ...refusals.conflict,
        },
      }),
      async (c) =>
        c.json({ data: await s.resourceServers.update(owner(c), c.req.param('id'), c.req.valid('json')) }),
    )
    .delete(
      '/:id',
      requireScope('apps:write'),
      operation({
        operationId: 'deleteResourceServer',
        summary: 'Delete a resource server',
        tags,
        responses: { 204: { description: 'deleted' }, ...refusals.notFound },
      }),
      async (c) => {
        await s.resourceServers.remove(owner(c), c.req.param('id'));
        return c.body(null, 204);
      },
    )
    .post(
      '/:id/secret',
      requireScope('apps:write'),
      operation({
        operationId: 'rotateResourceServerSecret',
        summary: 'Rotate a resource server’s introspection secret',
        description: 'The new secret is in this answer only.',
        tags,
        responses: {
          200: jsonResponse('the resource server with its new secret', data(ResourceServerWithSecret)),
          ...refusals.notFound,
        },
      }),
      async (c) => {
        c.header('Cache-Control', 'no-store');
        return c.json({ data: await s.resourceServers.rotateSecret(owner(c), c.req.param('id')) });
      },
    );
}

/** `GET /api/v1/resources/{id}/metadata`: the resource's RFC 9728 document; no authentication. */
export function resourceMetadataRoutes(s: Services) {
  return new Hono<Env>().get(
    '/:id/metadata',
    operation({
      operationId: 'getResourceServerMetadata',
      summary: 'Get a resource server’s protected resource metadata (RFC 9728)',
      description:
        'The document the resource server serves at its own origin; no authentication. Not wrapped in `data`.',
      tags,
      responses: { 200: jsonResponse('RFC 9728 §2 metadata', ResourceMetadata), ...refusals.notFound },
    }),
    async (c) => c.json(await s.resourceServers.metadata(c.req.param('id'))),
  );
}
