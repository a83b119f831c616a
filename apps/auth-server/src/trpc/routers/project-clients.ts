import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { CreateApp, Id } from '../../http/inputs';
import { protectedProcedure } from '../trpc';

const InProject = z.object({ project_id: Id });
const Client = InProject.extend({ id: Id });
// The fields a project's settings ask for; the rest is fixed (confidential, private, widget:serve).
const NewClient = InProject.extend(
  CreateApp.pick({ name: true, description: true, redirect_uris: true }).shape,
).strict();

/** A project's private clients, in its settings (`projects.clients.*`; shares the REST API's rules). */
export const projectClientsRouter = {
  list: protectedProcedure
    .input(InProject)
    .query(({ ctx, input }) => ctx.services.projectClients.list(ctx.viewer, input.project_id)),
  create: protectedProcedure
    .input(NewClient)
    .mutation(({ ctx, input: { project_id, ...client } }) =>
      ctx.services.projectClients.create(ctx.viewer, project_id, client),
    ),
  rotateSecret: protectedProcedure
    .input(Client)
    .mutation(({ ctx, input }) =>
      ctx.services.projectClients.rotateSecret(ctx.viewer, input.project_id, input.id),
    ),
  delete: protectedProcedure.input(Client).mutation(async ({ ctx, input }) => {
    await ctx.services.projectClients.remove(ctx.viewer, input.project_id, input.id);
    return { deleted: true };
  }),
} satisfies TRPCRouterRecord;
