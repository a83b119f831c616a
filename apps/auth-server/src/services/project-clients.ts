import { hashToken, newClientSecret } from '@hal/core';
import type { Stores } from '@hal/db';
import { type AppService, appView } from './apps';
import { notFound } from './errors';
import type { ProjectService } from './projects';

type Viewer = { userId: string; projectId?: string };

export interface ProjectClientInput {
  name: string;
  description?: string;
  redirect_uris: string[];
}

/**
 * Private project clients (contract: legacy private project clients) as the project's settings
 * manage them. They belong to the project, not to whoever created them: every member sees them,
 * and any owner or admin creates, rotates and deletes them (the REST API's creation rule).
 */
export function projectClientService(stores: Stores, projects: ProjectService, apps: AppService) {
  const { audit } = stores;

  /** A private client of the project, for an owner or admin; another project's app is not found. */
  async function managed(viewer: Viewer, projectId: string, id: string) {
    await projects.load(viewer, projectId, 'manageClients');
    const [app] = await stores.apps.privateClients(projectId, id);
    if (!app) throw notFound('app');
    return app;
  }

  return {
    async list(viewer: Viewer, projectId: string) {
      await projects.load(viewer, projectId, 'read');
      return (await stores.apps.privateClients(projectId)).map(appView);
    },

    /** A confidential client bound to the project; its `client_secret` is in this answer only. */
    async create(viewer: Viewer, projectId: string, input: ProjectClientInput) {
      const created = await apps.create(
        viewer.userId,
        { ...input, client_type: 'confidential', kind: 'private', project_id: projectId },
        viewer.projectId,
      );
      return created as typeof created & { client_secret: string };
    },

    /** A new secret, shown once: the old one stops authenticating the client at once. */
    async rotateSecret(viewer: Viewer, projectId: string, id: string) {
      const app = await managed(viewer, projectId, id);
      const secret = newClientSecret();
      await stores.apps.rotateSecret(id, hashToken(secret));
      await audit.write({ type: 'app.secret_rotated', userId: viewer.userId, appId: id, projectId });
      return { ...appView(app), client_secret: secret };
    },

    async remove(viewer: Viewer, projectId: string, id: string) {
      await managed(viewer, projectId, id);
      await stores.apps.remove(id);
      await audit.write({ type: 'app.deleted', userId: viewer.userId, appId: id, projectId });
    },
  };
}

export type ProjectClientService = ReturnType<typeof projectClientService>;
