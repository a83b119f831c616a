import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { protectedProcedure } from '../trpc';

/** The user's audit log, newest first, paged with a cursor. */
export const auditRouter = {
  list: protectedProcedure
    .input(
      z
        .object({
          limit: z.number().int().min(1).max(100).default(50),
          cursor: z.number().int().positive().optional(),
        })
        .default({ limit: 50 }),
    )
    .query(({ ctx, input }) => ctx.services.connections.auditLog(ctx.user.id, input.limit, input.cursor)),
} satisfies TRPCRouterRecord;
