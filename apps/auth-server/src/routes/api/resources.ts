import { type Context, Hono } from 'hono';
import { requireScope } from '../../http/auth';
import { jsonBody } from '../../http/body';
import { CreateResource, UpdateResource } from '../../http/inputs';
import type { Env } from '../../http/types';
import type { Services } from '../../services';

/** `/api/v1/resources`: the caller's registered resource servers; others' are 404. */
export function resourceRoutes(s: Services) {
  const owner = (c: Context<Env>) => c.get('principal').user.id;
  return new Hono<Env>()
    .post('/', requireScope('apps:write'), async (c) => {
      const input = await jsonBody(c, CreateResource);
      c.header('Cache-Control', 'no-store');
      return c.json({ data: await s.resourceServers.create(owner(c), input) }, 201);
    })
    .get('/', requireScope('apps:read'), async (c) =>
      c.json({ data: await s.resourceServers.list(owner(c)) }),
    )
    .get('/:id', requireScope('apps:read'), async (c) =>
      c.json({ data: await s.resourceServers.get(owner(c), c.req.param('id')) }),
    )
    .patch('/:id', requireScope('apps:write'), async (c) => {
      const patch = await jsonBody(c, UpdateResource);
      return c.json({ data: await s.resourceServers.update(owner(c), c.req.param('id'), patch) });
    })
    .delete('/:id', requireScope('apps:write'), async (c) => {
      await s.resourceServers.remove(owner(c), c.req.param('id'));
      return c.body(null, 204);
    })
    .post('/:id/secret', requireScope('apps:write'), async (c) => {
      c.header('Cache-Control', 'no-store');
      return c.json({ data: await s.resourceServers.rotateSecret(owner(c), c.req.param('id')) });
    });
}

/** `GET /api/v1/resources/{id}/metadata`: the resource's RFC 9728 document; no authentication. */
export function resourceMetadataRoutes(s: Services) {
  return new Hono<Env>().get('/:id/metadata', async (c) =>
    c.json(await s.resourceServers.metadata(c.req.param('id'))),
  );
}
