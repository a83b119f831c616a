import { z } from 'zod';
import { CreateApp, Id } from '../http/inputs';
import { READ, tool, WRITE } from './tool';

const ById = z
  .object({ id: Id.describe("the app's id, as list_apps shows it (not its client_id)") })
  .strict();

/** Your OAuth apps, through the same service as `/api/v1/oauth/apps` and tRPC. */
export const appTools = [
  tool({
    name: 'list_apps',
    title: 'List OAuth apps',
    description: 'The OAuth apps you registered.',
    scope: 'apps:read',
    input: z.object({}).strict(),
    annotations: READ,
    run: async ({ s, principal }) => ({ apps: await s.apps.list(principal.user.id) }),
  }),
  tool({
    name: 'get_app',
    title: 'Get an OAuth app',
    description: 'One of your OAuth apps.',
    scope: 'apps:read',
    input: ById,
    annotations: READ,
    run: ({ s, principal }, { id }) => s.apps.get(principal.user.id, id),
  }),
  tool({
    name: 'create_app',
    title: 'Register an OAuth app',
    description:
      'Registers an OAuth app; a confidential app comes with its client_secret, shown only in this answer.',
    scope: 'apps:write',
    input: CreateApp,
    annotations: WRITE,
    run: ({ s, principal }, input) => s.apps.create(principal.user.id, input, principal.projectId),
  }),
  tool({
    name: 'rotate_app_secret',
    title: "Rotate an OAuth app's secret",
    description:
      "Replaces a confidential app's client_secret: the old one stops working at once; the new one is shown only in this answer.",
    scope: 'apps:write',
    input: ById,
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    run: ({ s, principal }, { id }) => s.apps.rotateSecret(principal.user.id, id),
  }),
];
