import { and, eq, sql } from 'drizzle-orm';
import type { ChangeFeed } from '../cache/change-feed';
import type { Db } from '../database';
import { projectMembers, projects, users, widgetIdentities } from '../schema';
import { batched } from './batch';

export type Project = typeof projects.$inferSelect;
export type Role = (typeof projectMembers.$inferSelect)['role'];
export type ProjectWithRole = Project & { role: Role };

const withRole = { project: projects, role: projectMembers.role };

// A safety net only: every change is announced (NOTIFY) the moment it commits.
const CACHE_TTL_MS = 10_000;

export function projectStore(db: Db, feed: ChangeFeed) {
  // sign-identity reads the project with the approving user's role, identify the project by its
  // widget app_id: on every request, and both change rarely.
  const forMember = db
    .select(withRole)
    .from(projects)
    .innerJoin(projectMembers, eq(projectMembers.projectId, projects.id))
    .where(
      and(
        eq(projects.id, sql.placeholder('projectId')),
        eq(projectMembers.userId, sql.placeholder('userId')),
      ),
    )
    .prepare('project_for_member');
  const byAppId = db
    .select()
    .from(projects)
    .where(eq(projects.appId, sql.placeholder('appId')))
    .prepare('project_by_app_id');
  const memberships = feed.cache<string, ProjectWithRole>('projects', CACHE_TTL_MS, 'project_memberships');
  const byApp = feed.cache<string, Project>('projects', CACHE_TTL_MS, 'projects_by_app');
  /** After every committed change: this process drops its cached projects at once. */
  const changed = () => feed.changed('projects');

  // identify records its user on every call: group-committed like access tokens.
  const recordIdentities = batched<typeof widgetIdentities.$inferInsert>(async (seen) => {
    // One statement may not update a row twice (ON CONFLICT DO UPDATE): fold repeats together.
    const folded = new Map<string, typeof widgetIdentities.$inferInsert>();
    for (const s of seen) {
      const key = `${s.projectId} ${s.userId}`;
      const first = folded.get(key);
      if (!first) folded.set(key, { ...s });
      else {
        first.count = (first.count ?? 1) + (s.count ?? 1);
        first.name = s.name ?? first.name;
        first.email = s.email ?? first.email;
      }
    }
    await db
      .insert(widgetIdentities)
      .values([...folded.values()])
      .onConflictDoUpdate({
        target: [widgetIdentities.projectId, widgetIdentities.userId],
        set: {
          lastSeenAt: sql`now()`,
          count: sql`${widgetIdentities.count} + excluded.count`,
          name: sql`coalesce(excluded.name, ${widgetIdentities.name})`,
          email: sql`coalesce(excluded.email, ${widgetIdentities.email})`,
        },
      });
  });

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
    forMember(projectId: string, userId: string): Promise<ProjectWithRole | undefined> {
      // A space cannot occur in either id.
      return memberships.get(`${projectId} ${userId}`, async () => {
        const [row] = await forMember.execute({ projectId, userId });
        return row && { ...row.project, role: row.role };
      });
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

    byAppId(appId: string): Promise<Project | undefined> {
      return byApp.get(appId, async () => (await byAppId.execute({ appId }))[0]);
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
      changed();
      return row;
    },

    async remove(projectId: string) {
      await db.delete(projects).where(eq(projects.id, projectId));
      changed();
      feed.changed('tokens'); // the grants bound to it went with it
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
      changed();
    },

    async removeMember(projectId: string, userId: string) {
      await db
        .delete(projectMembers)
        .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.userId, userId)));
      changed();
    },

    /** Records an identified widget user: first seen, last seen, how many times. */
    recordIdentity(projectId: string, user: { user_id: string; name?: string; email?: string }) {
      return recordIdentities({
        projectId,
        userId: user.user_id,
        name: user.name ?? null,
        email: user.email ?? null,
        count: 1,
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
