import type { Stores } from '@hal/db';
import { notFound } from './errors';

/** Connected apps: the grants a user approved; revoking one kills every token of it. */
export function connectionService(stores: Stores) {
  return {
    async list(userId: string) {
      const rows = await stores.grants.forUser(userId);
      return rows.map(({ grant, app }) => ({
        id: grant.id,
        app: {
          id: app.id,
          client_id: app.clientId,
          name: app.name,
          // How HAL knows the app: `owner` (made by a HAL user), `registration` (RFC 7591) or
          // `metadata_document`; the last two are not verified by HAL.
          origin: app.origin,
          verified: app.origin === 'owner',
        },
        project_id: grant.projectId,
        scopes: grant.scopes,
        // RFC 8707: the protected resources the grant's tokens are for (empty: HAL's API, as before).
        resources: grant.resources,
        authorization_details: grant.authorizationDetails,
        approved_at: grant.createdAt.toISOString(),
        updated_at: grant.updatedAt.toISOString(),
        last_used_at: grant.lastUsedAt?.toISOString() ?? null,
      }));
    },

    async revoke(userId: string, grantId: string) {
      if (!(await stores.grants.revokeForUser(userId, grantId))) throw notFound('connection');
      await stores.audit.write({ type: 'oauth.grant_revoked', userId, data: { grant_id: grantId } });
    },

    /** The user's audit log, newest first, `limit` per page from `cursor` (the last id seen). */
    async auditLog(userId: string, limit: number, cursor?: number) {
      const rows = await stores.audit.forUser(userId, limit + 1, cursor);
      const page = rows.slice(0, limit);
      return {
        items: page.map((e) => ({
          id: e.id,
          type: e.type,
          project_id: e.projectId,
          app_id: e.appId,
          data: e.data,
          created_at: e.createdAt.toISOString(),
        })),
        next_cursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null,
      };
    },
  };
}
