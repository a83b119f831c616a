import { type Context, Hono } from 'hono';
import { requireScope } from '../../http/auth';
import { CreateApp, UpdateApp } from '../../http/inputs';
import { jsonInput, jsonResponse, operation, refusals } from '../../http/openapi';
import { App, AppWithSecret, data, PublicApp } from '../../http/outputs';
import type { Env } from '../../http/types';
import type { Services } from '../../services';

const tags = ['OAuth apps'];

/** `/api/v1/oauth/apps`: the caller's OAuth apps; others' apps are 404. */
export function appRoutes(s: Services) {
  const owner = (c: Context<Env>) => c.get('principal').user.id;
  return new Hono<Env>()
    .post(
      '/',
      requireScope('apps:write'),
      jsonInput(CreateApp),
      operation({
        operationId: 'createApp',
        summary: 'Create an OAuth app',
        description:
          'A confidential app’s `client_secret` is in this answer only. `kind: "private"` with `project_id` creates a project client (owner or admin of the project).',
        tags,
        responses: { 201: jsonResponse('the app', data(AppWithSecret)), ...refusals.notFound },
      }),
      async (c) => {
        const input = c.req.valid('json');
        c.header('Cache-Control', 'no-store');
        return c.json({ data: await s.apps.create(owner(c), input, c.get('principal').projectId) }, 201);
      },
    )
    .get(
      '/',
      requireScope('apps:read'),
      operation({
        operationId: 'listApps',
        summary: 'List your OAuth apps',
        tags,
        responses: { 200: jsonResponse('the caller’s apps', data(App.array())) },
      }),
      async (c) => c.json({ data: await s.apps.list(owner(c)) }),
    )
    .get(
      '/:id',
      requireScope('apps:read'),
      operation({
        operationId: 'getApp',
        summary: 'Get an OAuth app',
        tags,
        responses: { 200: jsonResponse('the app', data(App)), ...refusals.notFound },
      }),
      async (c) => c.json({ data: await s.apps.get(owner(c), c.req.param('id')) }),
    )
    .patch(
      '/:id',
      requireScope('apps:write'),
      jsonInput(UpdateApp),
      operation({
        operationId: 'updateApp',
        summary: 'Change an OAuth app',
        tags,
        responses: { 200: jsonResponse('the changed app', data(App)), ...refusals.notFound },
      }),
      async (c) => c.json({ data: await s.apps.update(owner(c), c.req.param('id'), c.req.valid('json')) }),
    )
    .delete(
      '/:id',
      requireScope('apps:write'),
      operation({
        operationId: 'deleteApp',
        summary: 'Delete an OAuth app',
        tags,
        responses: { 204: { description: 'deleted' }, ...refusals.notFound },
      }),
      async (c) => {
        await s.apps.remove(owner(c), c.req.param('id'));
        return c.body(null, 204);
      },
    )
    .post(
      '/:id/secret',
      requireScope('apps:write'),
      operation({
        operationId: 'rotateAppSecret',
        summary: 'Rotate an app’s client secret',
        description: 'The new secret is in this answer only; the app’s refresh tokens are revoked.',
        tags,
        responses: {
          200: jsonResponse('the app with its new secret', data(AppWithSecret)),
          ...refusals.notFound,
        },
      }),
      async (c) => {
        c.header('Cache-Control', 'no-store');
        return c.json({ data: await s.apps.rotateSecret(owner(c), c.req.param('id')) });
      },
    );
}

/** `GET /api/v1/oauth/apps/public/{client_id}`: what the consent page shows; no authentication. */
export function publicAppRoutes(s: Services) {
  return new Hono<Env>().get(
    '/public/:client_id',
    operation({
      operationId: 'getPublicApp',
      summary: 'Get an app’s public description',
      description: 'What the consent page shows; no authentication.',
      tags,
      responses: { 200: jsonResponse('the app', data(PublicApp)), ...refusals.notFound },
    }),
    async (c) => c.json({ data: await s.apps.publicInfo(c.req.param('client_id')) }),
  );
}
