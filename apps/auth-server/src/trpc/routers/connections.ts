import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { Id } from '../../http/inputs';
import { protectedProcedure } from '../trpc';

/** Connected apps: the grants the user approved; revoking one kills every token of it. */
export const connectionsRouter = {
  list: protectedProcedure.query(({ ctx }) => ctx.services.connections.list(ctx.user.id)),
  revoke: protectedProcedure.input(z.object({ id: Id })).mutation(async ({ ctx, input }) => {
    await ctx.services.connections.revoke(ctx.user.id, input.id);
    return { revoked: true };
  }),
} satisfies TRPCRouterRecord;
