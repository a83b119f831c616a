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
    .query(async ({ ctx, input }) => {
      const rows = await ctx.services.stores.audit.forUser(ctx.user.id, input.limit + 1, input.cursor);
      const page = rows.slice(0, input.limit);
      return {
        items: page.map((e) => ({
          id: e.id,
          type: e.type,
          project_id: e.projectId,
          app_id: e.appId,
          data: e.data,
          created_at: e.createdAt.toISOString(),
        })),
        next_cursor: rows.length > input.limit ? (page.at(-1)?.id ?? null) : null,
      };
    }),
} satisfies TRPCRouterRecord;
