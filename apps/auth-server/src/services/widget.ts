import { signUserJwt, userHash, verifyUserHash, verifyUserJwt, type WidgetUser } from '@hal/core';
import type { Project, Stores } from '@hal/db';
import type { Config } from '../env';
import { forbidden, ServiceError } from './errors';
import type { Keyring } from './keyring';
import type { Principal } from './principal';
import type { ProjectService } from './projects';

export const WIDGET_TOKEN_TYP = 'hal-widget+jwt';
const WIDGET_TOKEN_TTL = 900;

const invalidUserHash = (message: string) =>
  new ServiceError('unauthenticated', 'invalid_user_hash', message);

/** Widget identity: signing for widget hosts, verification for the widget script. */
export function widgetService(stores: Stores, projects: ProjectService, keyring: Keyring, config: Config) {
  return {
    /**
     * `POST /api/oauth/widget/sign-identity`: a widget host holding a `widget:serve` token signs
     * identities for the one project of its grant, never seeing the identity secret.
     */
    async signIdentity(principal: Principal, user: WidgetUser) {
      if (!principal.projectId) throw forbidden('sign-identity needs an OAuth token bound to a project');
      // The approving user must still be allowed to hand out the project's identity.
      const project = await projects.load(
        { userId: principal.user.id, projectId: principal.projectId },
        principal.projectId,
        'manageSecret',
      );
      const key = projects.identityKey(project);
      return {
        user_id: user.user_id,
        user_hash: userHash(key, user.user_id),
        user_jwt: signUserJwt(key, user),
        project_id: project.id,
      };
    },

    /** The project behind a public widget `app_id`, or undefined. */
    projectForApp: (appId: string) => stores.projects.byAppId(appId),

    /**
     * `POST /api/widget/v1/identify`: verifies `user_hash` (constant time) or `user_jwt`, records the
     * user and hands the widget a short-lived token with the profile it verified (the JWT's claims,
     * or the name and email that came with the hash), so the widget shows only what HAL accepted.
     */
    async identify(
      project: Project,
      input: { user_id?: string; user_hash?: string; user_jwt?: string; name?: string; email?: string },
    ) {
      let user: WidgetUser | undefined;
      if (input.user_jwt) {
        user = await verifyUserJwt(projects.widgetSecret(project), input.user_jwt);
        if (!user) throw invalidUserHash('user_jwt is invalid or expired');
      } else {
        if (project.requireUserJwt) throw invalidUserHash('this project accepts only user_jwt');
        if (
          !input.user_id ||
          !input.user_hash ||
          !verifyUserHash(projects.identityKey(project), input.user_id, input.user_hash)
        ) {
          throw invalidUserHash('user_hash does not match user_id');
        }
        user = { user_id: input.user_id, name: input.name, email: input.email };
      }
      await stores.projects.recordIdentity(project.id, user);
      const widgetToken = await keyring.sign(
        { iss: config.issuer, sub: user.user_id, project_id: project.id, app_id: project.appId },
        WIDGET_TOKEN_TYP,
        WIDGET_TOKEN_TTL,
      );
      const { user_id, name, email } = user;
      return { widget_token: widgetToken, expires_in: WIDGET_TOKEN_TTL, user_id, name, email };
    },
  };
}

export type WidgetService = ReturnType<typeof widgetService>;
