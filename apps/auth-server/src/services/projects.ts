import {
  decryptSecret,
  encryptSecret,
  forbidden,
  hasRole,
  newProjectId,
  newWidgetAppId,
  newWidgetSecret,
  notFound,
  PROJECT_POLICY,
} from '@hal/core';
import type { ProjectWithRole, Stores } from '@hal/db';

/** The project as the API shows it (contract: `{ id, name, app_id, role, created_at }`). */
export const projectView = (p: ProjectWithRole) => ({
  id: p.id,
  name: p.name,
  app_id: p.appId,
  role: p.role,
  allowed_origins: p.allowedOrigins,
  require_user_jwt: p.requireUserJwt,
  created_at: p.createdAt.toISOString(),
});

// Binds each sealed secret to its project: a ciphertext copied onto another row will not open.
const aad = (projectId: string) => `widget-secret:${projectId}`;

/**
 * Projects and their roles; shared by the REST API and tRPC. `viewer.projectId` narrows an OAuth
 * token to the one project its grant is bound to.
 */
export function projectService(stores: Stores, secretKey: Uint8Array) {
  const { projects, ops } = stores;
  type Viewer = { userId: string; projectId?: string };

  async function load(viewer: Viewer, id: string, needed: keyof typeof PROJECT_POLICY) {
    const project =
      viewer.projectId && viewer.projectId !== id ? undefined : await projects.forMember(id, viewer.userId);
    if (!project) throw notFound('project');
    if (!hasRole(project.role, PROJECT_POLICY[needed])) {
      throw forbidden(`this action needs the ${PROJECT_POLICY[needed]} role on the project`);
    }
    return project;
  }

  return {
    load,

    async create(userId: string, name: string) {
      const id = newProjectId();
      const sealed = encryptSecret(newWidgetSecret(), secretKey, aad(id));
      const project = await projects.create(
        { id, name, appId: newWidgetAppId(), widgetSecretSealed: sealed },
        userId,
      );
      await ops.audit({ type: 'project.created', userId, projectId: id });
      return projectView(project);
    },

    async list(viewer: Viewer) {
      const all = await projects.listForMember(viewer.userId);
      return all.filter((p) => !viewer.projectId || p.id === viewer.projectId).map(projectView);
    },

    async get(viewer: Viewer, id: string) {
      return projectView(await load(viewer, id, 'read'));
    },

    async update(
      viewer: Viewer,
      id: string,
      patch: { name?: string; allowed_origins?: string[]; require_user_jwt?: boolean },
    ) {
      const project = await load(viewer, id, 'update');
      const row = await projects.update(id, {
        name: patch.name,
        allowedOrigins: patch.allowed_origins,
        requireUserJwt: patch.require_user_jwt,
      });
      await ops.audit({
        type: 'project.updated',
        userId: viewer.userId,
        projectId: id,
        data: { fields: Object.keys(patch) },
      });
      return projectView({ ...project, ...row, role: project.role });
    },

    async remove(viewer: Viewer, id: string) {
      await load(viewer, id, 'delete');
      await projects.remove(id);
      await ops.audit({ type: 'project.deleted', userId: viewer.userId, projectId: id });
    },

    /** The project's identity secret in clear, for HMAC signing or an owner's reveal. */
    widgetSecret(project: { id: string; widgetSecretSealed: string }) {
      return decryptSecret(project.widgetSecretSealed, secretKey, aad(project.id));
    },
  };
}

export type ProjectService = ReturnType<typeof projectService>;
