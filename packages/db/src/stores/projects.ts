import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../database';
import { projectMembers, projects, users, widgetIdentities } from '../schema';

export type Project = typeof projects.$inferSelect;
export type Role = (typeof projectMembers.$inferSelect)['role'];
export type ProjectWithRole = Project & { role: Role };

const withRole = { project: projects, role: projectMembers.role };

export function projectStore(db: Db) {
  return {
    /** Creates the project and its owner membership in one transaction. */
    async create(project: typeof projects.$inferInsert, ownerId: string): Promise<ProjectWithRole> {
      return db.transaction(async (tx) => {
        const [row] = await tx.insert(projects).values(project).returning();
        await tx.insert(projectMembers).values({ projectId: project.id, userId: ownerId, role: 'owner' });
        return { ...(row as Project), role: 'owner' as const };
      });
    },

    /** The project as seen by `userId`, or undefined when they are not a member. */
    async forMember(projectId: string, userId: string): Promise<ProjectWithRole | undefined> {
      const [row] = await db
        .select(withRole)
        .from(projects)
        .innerJoin(projectMembers, eq(projectMembers.projectId, projects.id))
        .where(and(eq(projects.id, projectId), eq(projectMembers.userId, userId)));
      return row && { ...row.project, role: row.role };
    },

    async listForMember(userId: string): Promise<ProjectWithRole[]> {
      const rows = await db
        .select(withRole)
        .from(projects)
        .innerJoin(projectMembers, eq(projectMembers.projectId, projects.id))
        .where(eq(projectMembers.userId, userId))
        .orderBy(projects.createdAt, projects.id);
      return rows.map((r) => ({ ...r.project, role: r.role }));
    },

    async byId(id: string): Promise<Project | undefined> {
      return (await db.select().from(projects).where(eq(projects.id, id)))[0];
    },

    async byAppId(appId: string): Promise<Project | undefined> {
      return (await db.select().from(projects).where(eq(projects.appId, appId)))[0];
    },

    async update(
      projectId: string,
      patch: Partial<Pick<Project, 'name' | 'allowedOrigins' | 'requireUserJwt' | 'widgetSecretSealed'>>,
    ) {
      const [row] = await db
        .update(projects)
        .set({ ...patch, updatedAt: sql`now()` })
        .where(eq(projects.id, projectId))
        .returning();
      return row;
    },

    async remove(projectId: string) {
      await db.delete(projects).where(eq(projects.id, projectId));
    },

    members(projectId: string) {
      return db
        .select({
          userId: users.id,
          email: users.email,
          name: users.name,
          role: projectMembers.role,
          createdAt: projectMembers.createdAt,
        })
        .from(projectMembers)
        .innerJoin(users, eq(users.id, projectMembers.userId))
        .where(eq(projectMembers.projectId, projectId))
        .orderBy(projectMembers.createdAt);
    },

    async setMember(projectId: string, userId: string, role: Role) {
      await db
        .insert(projectMembers)
        .values({ projectId, userId, role })
        .onConflictDoUpdate({ target: [projectMembers.projectId, projectMembers.userId], set: { role } });
    },

    async removeMember(projectId: string, userId: string) {
      await db
        .delete(projectMembers)
        .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.userId, userId)));
    },

    /** Records an identified widget user: first seen, last seen, how many times. */
    async recordIdentity(projectId: string, user: { user_id: string; name?: string; email?: string }) {
      await db
        .insert(widgetIdentities)
        .values({ projectId, userId: user.user_id, name: user.name ?? null, email: user.email ?? null })
        .onConflictDoUpdate({
          target: [widgetIdentities.projectId, widgetIdentities.userId],
          set: {
            lastSeenAt: sql`now()`,
            count: sql`${widgetIdentities.count} + 1`,
            name: sql`coalesce(excluded.name, ${widgetIdentities.name})`,
            email: sql`coalesce(excluded.email, ${widgetIdentities.email})`,
          },
        });
    },

    identities(projectId: string, limit = 100) {
      return db
        .select()
        .from(widgetIdentities)
        .where(eq(widgetIdentities.projectId, projectId))
        .orderBy(sql`${widgetIdentities.lastSeenAt} desc`)
        .limit(limit);
    },
  };
}
