import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { CreatePat, Id } from '../../http/inputs';
import { protectedProcedure } from '../trpc';

/** Personal access tokens (the dashboard's tokens page). */
export const tokensRouter = {
  list: protectedProcedure.query(({ ctx }) => ctx.services.personalTokens.list(ctx.user.id)),
  create: protectedProcedure.input(CreatePat).mutation(({ ctx, input }) =>
    ctx.services.personalTokens.create(ctx.user.id, {
      name: input.name,
      scopes: [...new Set(input.scopes)],
      expiresAt: input.expires_at,
    }),
  ),
  revoke: protectedProcedure.input(z.object({ id: Id })).mutation(async ({ ctx, input }) => {
    await ctx.services.personalTokens.revoke(ctx.user.id, input.id);
    return { revoked: true };
  }),
} satisfies TRPCRouterRecord;
