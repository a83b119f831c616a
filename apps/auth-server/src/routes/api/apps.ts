import { type Context, Hono } from 'hono';
import { requireScope } from '../../http/auth';
import { jsonBody } from '../../http/body';
import { CreateApp, UpdateApp } from '../../http/inputs';
import type { Env } from '../../http/types';
import type { Services } from '../../services';

/** `/api/v1/oauth/apps`: the caller's OAuth apps; others' apps are 404. */
export function appRoutes(s: Services) {
  const owner = (c: Context<Env>) => c.get('principal').user.id;
  return new Hono<Env>()
    .post('/', requireScope('apps:write'), async (c) => {
      const input = await jsonBody(c, CreateApp);
      c.header('Cache-Control', 'no-store');
      return c.json({ data: await s.apps.create(owner(c), input, c.get('principal').projectId) }, 201);
    })
    .get('/', requireScope('apps:read'), async (c) => c.json({ data: await s.apps.list(owner(c)) }))
    .get('/:id', requireScope('apps:read'), async (c) =>
      c.json({ data: await s.apps.get(owner(c), c.req.param('id')) }),
    )
    .patch('/:id', requireScope('apps:write'), async (c) => {
      const patch = await jsonBody(c, UpdateApp);
      return c.json({ data: await s.apps.update(owner(c), c.req.param('id'), patch) });
    })
    .delete('/:id', requireScope('apps:write'), async (c) => {
      await s.apps.remove(owner(c), c.req.param('id'));
      return c.body(null, 204);
    })
    .post('/:id/secret', requireScope('apps:write'), async (c) => {
      c.header('Cache-Control', 'no-store');
      return c.json({ data: await s.apps.rotateSecret(owner(c), c.req.param('id')) });
    });
}

/** `GET /api/v1/oauth/apps/public/{client_id}`: what the consent page shows; no authentication. */
export function publicAppRoutes(s: Services) {
  return new Hono<Env>().get('/public/:clientId', async (c) =>
    c.json({ data: await s.apps.publicInfo(c.req.param('clientId')) }),
  );
}
