import {
  halResources,
  MCP_STARTING_SCOPES,
  type ProtectedResource,
  type ResourceRegistry,
  resourceMetadataUrl,
} from '@hal/core';
import type { Stores } from '@hal/db';

/**
 * A resource HAL itself serves and guards (`/api`, `/mcp`): what its authentication checks and
 * what its challenges name.
 */
export interface GuardedResource extends ProtectedResource {
  /** RFC 9728 §3.1: where its metadata document is, named in every challenge (RFC 9728 §5.1). */
  metadataUrl: string;
  /** Named in the 401 challenge: the scopes a client should start with (RFC 6750 §3). */
  startingScope?: string;
}

/**
 * The protected resources HAL knows (RFC 8707): its own two and, through `resolveResource`, the
 * resource servers users register. Also their RFC 9728 metadata documents.
 */
export function resourceService(issuer: string, stores: Stores) {
  const own = halResources(issuer);
  const guarded = (resource: ProtectedResource, startingScope?: string): GuardedResource => ({
    ...resource,
    metadataUrl: resourceMetadataUrl(resource.identifier),
    ...(startingScope && { startingScope }),
  });
  const api = guarded(own.api);
  const mcp = guarded(own.mcp, MCP_STARTING_SCOPES.join(' '));
  const byIdentifier = new Map<string, ProtectedResource>([
    [api.identifier, own.api],
    [mcp.identifier, own.mcp],
  ]);

  const registry: ResourceRegistry = {
    // Contract: with no resource anywhere, tokens are for `<issuer>/api`, as before resource indicators.
    fallback: own.api,
    // HAL's own first; then the resource servers users registered (contract "Registered resource
    // servers"). Read by authorization and token requests only: token verification compares
    // identifiers and never comes here.
    resolveResource: async (identifier) => {
      const own = byIdentifier.get(identifier);
      if (own) return own;
      const server = await stores.resourceServers.byIdentifier(identifier);
      return (
        server && {
          identifier: server.identifier,
          name: server.name,
          scopes: server.scopes.map((scope) => scope.name),
          owner: server.ownerName,
          scopeDescriptions: Object.fromEntries(
            server.scopes.map((scope) => [scope.name, scope.description]),
          ),
          ...(server.accessTokenTtl !== null && { accessTokenTtl: server.accessTokenTtl }),
        }
      );
    },
  };

  /**
   * The protected resource metadata of one of HAL's own resources.
   * @see https://www.rfc-editor.org/rfc/rfc9728#section-2
   */
  const metadata = (resource: GuardedResource) => ({
    resource: resource.identifier,
    authorization_servers: [issuer],
    scopes_supported: resource.scopes,
    bearer_methods_supported: ['header'],
    resource_name: resource.name,
  });

  return {
    api,
    mcp,
    registry,
    resolveResource: registry.resolveResource,
    metadata,
    ownIdentifiers: [api.identifier, mcp.identifier],
  };
}

export type ResourceService = ReturnType<typeof resourceService>;
