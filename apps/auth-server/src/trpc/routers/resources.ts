import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { CreateResource, Id, UpdateResource } from '../../http/inputs';
import { protectedProcedure } from '../trpc';

const ById = z.object({ id: Id });

/** Resource servers the user registered (the REST API's service). */
export const resourcesRouter = {
  list: protectedProcedure.query(({ ctx }) => ctx.services.resourceServers.list(ctx.user.id)),
  get: protectedProcedure
    .input(ById)
    .query(({ ctx, input }) => ctx.services.resourceServers.get(ctx.user.id, input.id)),
  create: protectedProcedure
    .input(CreateResource)
    .mutation(({ ctx, input }) => ctx.services.resourceServers.create(ctx.user.id, input)),
  update: protectedProcedure
    .input(UpdateResource.extend({ id: Id }))
    .mutation(({ ctx, input: { id, ...patch } }) =>
      ctx.services.resourceServers.update(ctx.user.id, id, patch),
    ),
  rotateSecret: protectedProcedure
    .input(ById)
    .mutation(({ ctx, input }) => ctx.services.resourceServers.rotateSecret(ctx.user.id, input.id)),
  /** The users and apps holding access to one of the user's resources (owner only; others' are 404). */
  connections: protectedProcedure
    .input(ById)
    .query(({ ctx, input }) => ctx.services.resourceServers.connections(ctx.user.id, input.id)),
  delete: protectedProcedure.input(ById).mutation(async ({ ctx, input }) => {
    await ctx.services.resourceServers.remove(ctx.user.id, input.id);
    return { deleted: true };
  }),
} satisfies TRPCRouterRecord;
