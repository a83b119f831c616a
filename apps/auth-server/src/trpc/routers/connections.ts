import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { Id } from '../../http/inputs';
import { notFound } from '../../services/errors';
import { protectedProcedure } from '../trpc';

/** Connected apps: the grants the user approved; revoking one kills every token of it. */
export const connectionsRouter = {
  list: protectedProcedure.query(async ({ ctx }) => {
    const rows = await ctx.services.stores.grants.forUser(ctx.user.id);
    return rows.map(({ grant, app }) => ({
      id: grant.id,
      app: { id: app.id, client_id: app.clientId, name: app.name },
      project_id: grant.projectId,
      scopes: grant.scopes,
      authorization_details: grant.authorizationDetails,
      approved_at: grant.createdAt.toISOString(),
      updated_at: grant.updatedAt.toISOString(),
      last_used_at: grant.lastUsedAt?.toISOString() ?? null,
    }));
  }),
  revoke: protectedProcedure.input(z.object({ id: Id })).mutation(async ({ ctx, input }) => {
    if (!(await ctx.services.stores.grants.revokeForUser(ctx.user.id, input.id)))
      throw notFound('connection');
    await ctx.services.stores.audit.write({
      type: 'oauth.grant_revoked',
      userId: ctx.user.id,
      data: { grant_id: input.id },
    });
    return { revoked: true };
  }),
} satisfies TRPCRouterRecord;
