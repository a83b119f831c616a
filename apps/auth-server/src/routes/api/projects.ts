import { Hono } from 'hono';
import { z } from 'zod';
import { requireScope } from '../../http/auth';
import { ProjectName, UpdateProject } from '../../http/inputs';
import { errorResponse, jsonInput, jsonResponse, operation, refusals } from '../../http/openapi';
import { data, Project } from '../../http/outputs';
import type { Env } from '../../http/types';
import type { Services } from '../../services';
import type { Principal } from '../../services/principal';

const viewer = (p: Principal) => ({ userId: p.user.id, projectId: p.projectId });
const tags = ['Projects'];
const CreateProject = z.object({ name: ProjectName });

/** `/api/v1/projects`: the caller's projects (an OAuth token sees only its connected project). */
export function projectRoutes(s: Services) {
  return new Hono<Env>()
    .post(
      '/',
      requireScope('projects:write'),
      jsonInput(CreateProject),
      operation({
        operationId: 'createProject',
        summary: 'Create a project',
        tags,
        responses: { 201: jsonResponse('the project, with the caller as owner', data(Project)) },
      }),
      async (c) => {
        const { name } = c.req.valid('json');
        return c.json({ data: await s.projects.create(c.get('principal').user.id, name) }, 201);
      },
    )
    .get(
      '/',
      requireScope('projects:read'),
      operation({
        operationId: 'listProjects',
        summary: 'List your projects',
        description: 'An OAuth access token sees only the project its grant is bound to.',
        tags,
        responses: { 200: jsonResponse('the caller’s projects', data(Project.array())) },
      }),
      async (c) => c.json({ data: await s.projects.list(viewer(c.get('principal'))) }),
    )
    .get(
      '/:id',
      requireScope('projects:read'),
      operation({
        operationId: 'getProject',
        summary: 'Get a project',
        tags,
        responses: { 200: jsonResponse('the project', data(Project)), ...refusals.notFound },
      }),
      async (c) => c.json({ data: await s.projects.get(viewer(c.get('principal')), c.req.param('id')) }),
    )
    .patch(
      '/:id',
      requireScope('projects:write'),
      jsonInput(UpdateProject),
      operation({
        operationId: 'updateProject',
        summary: 'Change a project',
        description: 'Needs the owner or admin role.',
        tags,
        responses: {
          200: jsonResponse('the changed project', data(Project)),
          ...refusals.notFound,
          403: errorResponse('`forbidden`: needs the owner or admin role (or `insufficient_scope`)'),
        },
      }),
      async (c) =>
        c.json({
          data: await s.projects.update(viewer(c.get('principal')), c.req.param('id'), c.req.valid('json')),
        }),
    )
    .delete(
      '/:id',
      requireScope('projects:write'),
      operation({
        operationId: 'deleteProject',
        summary: 'Delete a project',
        description: 'Needs the owner role.',
        tags,
        responses: {
          204: { description: 'deleted' },
          ...refusals.notFound,
          403: errorResponse('`forbidden`: needs the owner role (or `insufficient_scope`)'),
        },
      }),
      async (c) => {
        await s.projects.remove(viewer(c.get('principal')), c.req.param('id'));
        return c.body(null, 204);
      },
    );
}
