import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { Id } from '../../http/inputs';
import { protectedProcedure } from '../trpc';

/** End users identified through the widget, per project. */
export const widgetRouter = {
  identities: protectedProcedure
    .input(z.object({ project_id: Id }))
    .query(({ ctx, input }) => ctx.services.projects.identities(ctx.viewer, input.project_id)),
} satisfies TRPCRouterRecord;
