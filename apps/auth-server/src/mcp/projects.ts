import { widgetSnippet } from '@hal/core';
import { z } from 'zod';
import { Id, ProjectName, UpdateProject } from '../http/inputs';
import type { Principal } from '../services/principal';
import { READ, tool, WRITE } from './tool';

// As the REST API: an OAuth grant bound to a project sees only that project.
const viewer = (p: Principal) => ({ userId: p.user.id, projectId: p.projectId });
const ById = z.object({ id: Id.describe('the project id (proj_…)') }).strict();

/** Projects, through the same service as `/api/v1/projects` and tRPC. */
export const projectTools = [
  tool({
    name: 'list_projects',
    title: 'List projects',
    description: 'The projects this client may see, with your role in each.',
    scope: 'projects:read',
    input: z.object({}).strict(),
    annotations: READ,
    run: async ({ s, principal }) => ({ projects: await s.projects.list(viewer(principal)) }),
  }),
  tool({
    name: 'get_project',
    title: 'Get a project',
    description: "One project's settings and the HTML snippet that embeds its widget in a web page.",
    scope: 'projects:read',
    input: ById,
    annotations: READ,
    run: async ({ s, principal }, { id }) => {
      const project = await s.projects.get(viewer(principal), id);
      return { ...project, embed_snippet: widgetSnippet(project.app_id, s.config.issuer) };
    },
  }),
  tool({
    name: 'create_project',
    title: 'Create a project',
    description: 'Creates a project owned by you.',
    scope: 'projects:write',
    input: z.object({ name: ProjectName }).strict(),
    annotations: WRITE,
    run: ({ s, principal }, { name }) => s.projects.create(principal.user.id, name),
  }),
  tool({
    name: 'update_project',
    title: 'Update a project',
    description:
      "Changes a project's name, the origins allowed to embed its widget (replaces the list) or whether identify needs a signed user JWT.",
    scope: 'projects:write',
    input: UpdateProject.extend(ById.shape),
    annotations: { ...WRITE, idempotentHint: true },
    run: ({ s, principal }, { id, ...patch }) => s.projects.update(viewer(principal), id, patch),
  }),
];
