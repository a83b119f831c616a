import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { CreateApp, Id, UpdateApp } from '../../http/inputs';
import { protectedProcedure } from '../trpc';

const ById = z.object({ id: Id });

/** OAuth apps the user registered (the REST API's service). */
export const appsRouter = {
  list: protectedProcedure.query(({ ctx }) => ctx.services.apps.list(ctx.user.id)),
  get: protectedProcedure.input(ById).query(({ ctx, input }) => ctx.services.apps.get(ctx.user.id, input.id)),
  create: protectedProcedure
    .input(CreateApp)
    .mutation(({ ctx, input }) => ctx.services.apps.create(ctx.user.id, input)),
  update: protectedProcedure
    .input(UpdateApp.extend({ id: Id }))
    .mutation(({ ctx, input: { id, ...patch } }) => ctx.services.apps.update(ctx.user.id, id, patch)),
  rotateSecret: protectedProcedure
    .input(ById)
    .mutation(({ ctx, input }) => ctx.services.apps.rotateSecret(ctx.user.id, input.id)),
  delete: protectedProcedure.input(ById).mutation(async ({ ctx, input }) => {
    await ctx.services.apps.remove(ctx.user.id, input.id);
    return { deleted: true };
  }),
} satisfies TRPCRouterRecord;
