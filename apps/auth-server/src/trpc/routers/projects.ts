import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { Id, Origin, ProjectName } from '../../http/inputs';
import { protectedProcedure } from '../trpc';
import { projectClientsRouter } from './project-clients';

const ById = z.object({ id: Id });
const Role = z.enum(['owner', 'admin', 'member']);
// Ownership is granted through setRole only, so an invitation can never create an owner.
const AddedRole = z.enum(['admin', 'member']);

/** Projects, members, identity secret and private clients (shares the REST API's services). */
export const projectsRouter = {
  list: protectedProcedure.query(({ ctx }) => ctx.services.projects.list(ctx.viewer)),
  get: protectedProcedure
    .input(ById)
    .query(({ ctx, input }) => ctx.services.projects.get(ctx.viewer, input.id)),
  create: protectedProcedure
    .input(z.object({ name: ProjectName }))
    .mutation(({ ctx, input }) => ctx.services.projects.create(ctx.user.id, input.name)),
  rename: protectedProcedure
    .input(z.object({ id: Id, name: ProjectName }))
    .mutation(({ ctx, input }) => ctx.services.projects.update(ctx.viewer, input.id, { name: input.name })),
  update: protectedProcedure
    .input(
      z.object({
        id: Id,
        allowed_origins: z.array(Origin).max(50).optional(),
        require_user_jwt: z.boolean().optional(),
      }),
    )
    .mutation(({ ctx, input: { id, ...patch } }) => ctx.services.projects.update(ctx.viewer, id, patch)),
  delete: protectedProcedure.input(ById).mutation(async ({ ctx, input }) => {
    await ctx.services.projects.remove(ctx.viewer, input.id);
    return { deleted: true };
  }),
  members: {
    list: protectedProcedure
      .input(ById)
      .query(({ ctx, input }) => ctx.services.projects.members(ctx.viewer, input.id)),
    add: protectedProcedure
      .input(z.object({ id: Id, email: z.email(), role: AddedRole.default('member') }))
      .mutation(async ({ ctx, input }) => {
        await ctx.services.projects.addMember(ctx.viewer, input.id, input.email, input.role);
        return ctx.services.projects.members(ctx.viewer, input.id);
      }),
    setRole: protectedProcedure
      .input(z.object({ id: Id, user_id: Id, role: Role }))
      .mutation(async ({ ctx, input }) => {
        await ctx.services.projects.setRole(ctx.viewer, input.id, input.user_id, input.role);
        return ctx.services.projects.members(ctx.viewer, input.id);
      }),
    remove: protectedProcedure.input(z.object({ id: Id, user_id: Id })).mutation(async ({ ctx, input }) => {
      await ctx.services.projects.removeMember(ctx.viewer, input.id, input.user_id);
      return { removed: true };
    }),
  },
  clients: projectClientsRouter,
  secret: {
    reveal: protectedProcedure
      .input(ById)
      .mutation(({ ctx, input }) => ctx.services.projects.revealSecret(ctx.viewer, input.id)),
    rotate: protectedProcedure
      .input(ById)
      .mutation(({ ctx, input }) => ctx.services.projects.rotateSecret(ctx.viewer, input.id)),
  },
} satisfies TRPCRouterRecord;
