import { Hono } from 'hono';
import { z } from 'zod';
import { requireScope } from '../../http/auth';
import { jsonBody } from '../../http/body';
import { ProjectName, UpdateProject } from '../../http/inputs';
import type { Env } from '../../http/types';
import type { Services } from '../../services';
import type { Principal } from '../../services/principal';

const viewer = (p: Principal) => ({ userId: p.user.id, projectId: p.projectId });

/** `/api/v1/projects`: the caller's projects (an OAuth token sees only its connected project). */
export function projectRoutes(s: Services) {
  return new Hono<Env>()
    .post('/', requireScope('projects:write'), async (c) => {
      const { name } = await jsonBody(c, z.object({ name: ProjectName }));
      return c.json({ data: await s.projects.create(c.get('principal').user.id, name) }, 201);
    })
    .get('/', requireScope('projects:read'), async (c) =>
      c.json({ data: await s.projects.list(viewer(c.get('principal'))) }),
    )
    .get('/:id', requireScope('projects:read'), async (c) =>
      c.json({ data: await s.projects.get(viewer(c.get('principal')), c.req.param('id')) }),
    )
    .patch('/:id', requireScope('projects:write'), async (c) => {
      const patch = await jsonBody(c, UpdateProject);
      return c.json({ data: await s.projects.update(viewer(c.get('principal')), c.req.param('id'), patch) });
    })
    .delete('/:id', requireScope('projects:write'), async (c) => {
      await s.projects.remove(viewer(c.get('principal')), c.req.param('id'));
      return c.body(null, 204);
    });
}
