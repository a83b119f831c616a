import {
  hashToken,
  IDENTITY_SCOPE,
  newResourceSecret,
  newResourceServerId,
  resourceIdentifierProblem,
} from '@hal/core';
import type { ResourceServer, Stores } from '@hal/db';
import { conflict, invalidRequest, notFound } from './errors';

/** The resource server as the API shows it (contract "Registered resource servers"): never the secret. */
export const resourceServerView = (r: ResourceServer) => ({
  id: r.id,
  name: r.name,
  identifier: r.identifier,
  scopes: r.scopes,
  access_token_ttl: r.accessTokenTtl,
  created_at: r.createdAt.toISOString(),
});

export interface ResourceServerInput {
  name: string;
  identifier: string;
  scopes: { name: string; description: string }[];
  access_token_ttl?: number | null;
}

/** Resource servers users register, shared by REST and tRPC; others' are 404. */
export function resourceServerService(stores: Stores, issuer: string, ownIdentifiers: readonly string[]) {
  const { resourceServers, audit, grants } = stores;

  async function owned(ownerId: string, id: string) {
    const server = await resourceServers.ownedBy(ownerId, id);
    if (!server) throw notFound('resource');
    return server;
  }

  function checkIdentifier(identifier: string) {
    const problem = resourceIdentifierProblem(identifier);
    if (problem) throw invalidRequest(`identifier: ${problem}`);
    // Contract: identifiers are unique across HAL, HAL's own resources included.
    if (ownIdentifiers.includes(identifier)) throw taken();
    // Nothing else on HAL's origin is a resource server's: no one may pose as HAL's own.
    if (new URL(identifier).origin === new URL(issuer).origin)
      throw conflict('identifier_taken', "identifier: HAL's own origin is reserved");
  }
  const taken = () => conflict('identifier_taken', 'identifier: already registered');
  const uniqueScopes = (scopes: ResourceServerInput['scopes']) => {
    if (new Set(scopes.map((s) => s.name)).size !== scopes.length)
      throw invalidRequest('scopes: names must be unique');
    // Contract "AI clients": `profile` is the user's identity, which any resource may ask for.
    if (scopes.some((s) => s.name === IDENTITY_SCOPE)) throw invalidRequest('scopes: profile is reserved');
    return scopes;
  };

  return {
    async create(ownerId: string, input: ResourceServerInput) {
      checkIdentifier(input.identifier);
      const secret = newResourceSecret();
      const server = await resourceServers.create({
        id: newResourceServerId(),
        ownerId,
        name: input.name,
        identifier: input.identifier,
        scopes: uniqueScopes(input.scopes),
        accessTokenTtl: input.access_token_ttl ?? null,
        secretHash: hashToken(secret),
      });
      if (!server) throw taken();
      await audit.write({ type: 'resource.created', userId: ownerId, data: { resource_id: server.id } });
      return { ...resourceServerView(server), introspection_secret: secret };
    },

    list: async (ownerId: string) => (await resourceServers.list(ownerId)).map(resourceServerView),

    get: async (ownerId: string, id: string) => resourceServerView(await owned(ownerId, id)),

    async update(ownerId: string, id: string, patch: Partial<ResourceServerInput>) {
      const current = await owned(ownerId, id);
      if (patch.identifier !== undefined && patch.identifier !== current.identifier)
        checkIdentifier(patch.identifier);
      const ok = await resourceServers.update(
        id,
        {
          name: patch.name,
          identifier: patch.identifier,
          scopes: patch.scopes && uniqueScopes(patch.scopes),
          accessTokenTtl: patch.access_token_ttl,
        },
        current.identifier,
      );
      if (!ok) throw taken();
      await audit.write({
        type: 'resource.updated',
        userId: ownerId,
        data: { resource_id: id, fields: Object.keys(patch) },
      });
      return resourceServerView(await owned(ownerId, id));
    },

    /** Who holds access to the owner's resource: the users and apps of live grants naming it. */
    async connections(ownerId: string, id: string) {
      const server = await owned(ownerId, id);
      const rows = await grants.forResource(server.identifier);
      return rows.map((g) => ({
        id: g.id,
        user: g.user,
        app: { id: g.app.id, client_id: g.app.clientId, name: g.app.name },
        scopes: g.scopes,
        approved_at: g.createdAt.toISOString(),
        last_used_at: g.lastUsedAt?.toISOString() ?? null,
      }));
    },

    /** Deletes the resource server; every grant that names it is revoked (contract). */
    async remove(ownerId: string, id: string) {
      const server = await owned(ownerId, id);
      await resourceServers.remove(id, server.identifier);
      await audit.write({ type: 'resource.deleted', userId: ownerId, data: { resource_id: id } });
    },

    /** A new introspection secret, shown once; the old one stops working at once. */
    async rotateSecret(ownerId: string, id: string) {
      const server = await owned(ownerId, id);
      const secret = newResourceSecret();
      await resourceServers.rotateSecret(id, hashToken(secret));
      await audit.write({ type: 'resource.secret_rotated', userId: ownerId, data: { resource_id: id } });
      return { ...resourceServerView(server), introspection_secret: secret };
    },

    /**
     * The resource's RFC 9728 document, which its server serves at its own origin; public.
     * @see https://www.rfc-editor.org/rfc/rfc9728#section-2
     */
    async metadata(id: string) {
      const server = await resourceServers.byId(id);
      if (!server) throw notFound('resource');
      return {
        resource: server.identifier,
        authorization_servers: [issuer],
        scopes_supported: server.scopes.map((s) => s.name),
        bearer_methods_supported: ['header'],
        resource_name: server.name,
      };
    },
  };
}

export type ResourceServerService = ReturnType<typeof resourceServerService>;
