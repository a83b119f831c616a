import {
  hashToken,
  newClientId,
  newClientSecret,
  newId,
  OAUTH_SCOPES,
  validateRegisteredRedirectUri,
} from '@hal/core';
import type { OAuthApp, Stores } from '@hal/db';
import { invalidRequest, notFound } from './errors';
import type { ProjectService } from './projects';

/** The app as the API shows it (contract: app fields): never the secret. */
export const appView = (a: OAuthApp) => ({
  id: a.id,
  client_id: a.clientId,
  name: a.name,
  description: a.description,
  logo_url: a.logoUrl,
  redirect_uris: a.redirectUris,
  client_type: a.clientType,
  kind: a.kind,
  ...(a.projectId && { project_id: a.projectId }),
  allowed_scopes: a.allowedScopes,
  access_token_ttl: a.accessTokenTtl,
  refresh_reuse_grace: a.refreshReuseGrace,
  created_at: a.createdAt.toISOString(),
});

export interface AppInput {
  name: string;
  description?: string;
  logo_url?: string | null;
  redirect_uris: string[];
  client_type: 'public' | 'confidential';
  kind: 'public' | 'private';
  project_id?: string;
  allowed_scopes?: string[];
  access_token_ttl?: number;
  refresh_reuse_grace?: number;
}

function checkRedirectUris(uris: string[]) {
  uris.forEach((uri, i) => {
    const problem = validateRegisteredRedirectUri(uri);
    if (problem) throw invalidRequest(`redirect_uris.${i}: ${problem}`);
  });
}

/** OAuth app registration and management, shared by REST and tRPC. */
export function appService(stores: Stores, projects: ProjectService) {
  const { apps, audit } = stores;

  async function owned(ownerId: string, id: string) {
    const app = await apps.ownedBy(ownerId, id);
    if (!app) throw notFound('app');
    return app;
  }

  return {
    /** `boundProjectId`: an OAuth caller bound to one project may only create clients for it. */
    async create(ownerId: string, input: AppInput, boundProjectId?: string) {
      checkRedirectUris(input.redirect_uris);
      if (input.kind === 'private') {
        if (!input.project_id) throw invalidRequest('project_id: required for a private project client');
        // Owners and admins of the project only (a private client is created in its project's settings).
        await projects.load(
          { userId: ownerId, projectId: boundProjectId },
          input.project_id,
          'manageClients',
        );
      } else if (input.project_id) {
        throw invalidRequest('project_id: only private project clients belong to a project');
      }
      const secret = input.client_type === 'confidential' ? newClientSecret() : undefined;
      const app = await apps.create(
        {
          id: newId(),
          clientId: newClientId(),
          ownerId,
          name: input.name,
          description: input.description ?? '',
          logoUrl: input.logo_url ?? null,
          clientType: input.client_type,
          kind: input.kind,
          projectId: input.project_id ?? null,
          allowedScopes:
            input.allowed_scopes ?? (input.kind === 'private' ? ['widget:serve'] : [...OAUTH_SCOPES]),
          accessTokenTtl: input.access_token_ttl ?? 900,
          refreshReuseGrace: input.refresh_reuse_grace ?? 0,
          secretHash: secret ? hashToken(secret) : null,
        },
        [...new Set(input.redirect_uris)],
      );
      await audit.write({ type: 'app.created', userId: ownerId, appId: app.id, projectId: app.projectId });
      return { ...appView(app), ...(secret && { client_secret: secret }) };
    },

    list: async (ownerId: string) => (await apps.list(ownerId)).map(appView),

    get: async (ownerId: string, id: string) => appView(await owned(ownerId, id)),

    async update(
      ownerId: string,
      id: string,
      patch: Partial<Omit<AppInput, 'client_type' | 'kind' | 'project_id'>>,
    ) {
      await owned(ownerId, id);
      if (patch.redirect_uris) checkRedirectUris(patch.redirect_uris);
      await apps.update(
        id,
        {
          name: patch.name,
          description: patch.description,
          logoUrl: patch.logo_url,
          allowedScopes: patch.allowed_scopes,
          accessTokenTtl: patch.access_token_ttl,
          refreshReuseGrace: patch.refresh_reuse_grace,
        },
        patch.redirect_uris && [...new Set(patch.redirect_uris)],
      );
      await audit.write({
        type: 'app.updated',
        userId: ownerId,
        appId: id,
        data: { fields: Object.keys(patch) },
      });
      return appView(await owned(ownerId, id));
    },

    async remove(ownerId: string, id: string) {
      await owned(ownerId, id);
      await apps.remove(id);
      await audit.write({ type: 'app.deleted', userId: ownerId, appId: id });
    },

    /** A new secret, shown once; every refresh token of the app is revoked. */
    async rotateSecret(ownerId: string, id: string) {
      const app = await owned(ownerId, id);
      if (app.clientType !== 'confidential') throw invalidRequest('public clients have no secret');
      const secret = newClientSecret();
      await apps.rotateSecret(id, hashToken(secret));
      await audit.write({ type: 'app.secret_rotated', userId: ownerId, appId: id });
      return { ...appView(app), client_secret: secret };
    },

    /** The consent page's public view of an app (`GET /api/v1/oauth/apps/public/{client_id}`). */
    async publicInfo(clientId: string) {
      const app = await apps.byClientId(clientId);
      if (!app) throw notFound('app');
      return {
        client_id: app.clientId,
        name: app.name,
        description: app.description,
        owner_name: await apps.ownerName(app.ownerId),
      };
    },
  };
}

export type AppService = ReturnType<typeof appService>;
