import type { TRPCRouterRecord } from '@trpc/server';
import { protectedProcedure, publicProcedure } from '../trpc';

export const meRouter = {
  get: protectedProcedure.query(({ ctx }) => ({
    id: ctx.user.id,
    email: ctx.user.email,
    name: ctx.user.name,
  })),
  /** Whether a session exists, without an error when signed out (the dashboard's first call). */
  session: publicProcedure.query(({ ctx }) => ({ signed_in: ctx.user !== null })),
} satisfies TRPCRouterRecord;
