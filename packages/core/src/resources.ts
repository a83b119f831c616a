import { OAUTH_SCOPES } from './scopes';

/**
 * A protected resource HAL issues access tokens for: its identifier, which is the `aud` of those
 * tokens, and the scopes it defines.
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
 */
export interface ProtectedResource {
  /** Canonical absolute URI (see `canonicalResource`). */
  identifier: string;
  /** Shown on the consent page and published as RFC 9728 `resource_name`. */
  name: string;
  scopes: readonly string[];
  /**
   * Set for resource servers users registered (contract "Registered resource servers"): the name
   * of their owner, which the consent page shows beside the resource's.
   */
  owner?: string;
  /** A registered resource's own words for its scopes, shown on the consent page. */
  scopeDescriptions?: Readonly<Record<string, string>>;
  /** A registered resource's own access token lifetime (seconds), in place of the client's. */
  accessTokenTtl?: number;
}

/**
 * Where a `resource` value is looked up: HAL's own resources, and the resource servers users
 * register (contract "Registered resource servers"), which plug in behind `resolveResource`.
 */
export interface ResourceRegistry {
  /** RFC 8707 §2: the "predefined default resource" of a request that names none. */
  readonly fallback: ProtectedResource;
  /** The resource whose identifier is `identifier` (canonical), or undefined when unknown. */
  resolveResource(identifier: string): Promise<ProtectedResource | undefined>;
}

/** The scope any resource accepts beside its own: the user's identity (contract "AI clients"). */
export const IDENTITY_SCOPE = 'profile';

/** Contract: the 401 of `/mcp` names this starting set, so MCP clients begin read-only and step up. */
export const MCP_STARTING_SCOPES = ['profile', 'projects:read', 'apps:read'] as const;

/** HAL's own protected resources: the REST API (and sign-identity) and the MCP server. */
export function halResources(issuer: string): { api: ProtectedResource; mcp: ProtectedResource } {
  // Contract: HAL's own scopes belong to both of HAL's resources.
  return {
    api: { identifier: `${issuer}/api`, name: 'HAL API', scopes: OAUTH_SCOPES },
    mcp: { identifier: `${issuer}/mcp`, name: 'HAL MCP server', scopes: OAUTH_SCOPES },
  };
}

/**
 * The URL of a resource's metadata document: `/.well-known/oauth-protected-resource` inserted
 * between the host and the path of its identifier.
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.1
 */
export function resourceMetadataUrl(identifier: string): string {
  const url = new URL(identifier);
  const path = url.pathname === '/' ? '' : url.pathname;
  return `${url.origin}/.well-known/oauth-protected-resource${path}${url.search}`;
}

/**
 * True when a token's `aud` claim names `identifier` (one string, or one element of an array).
 * @see https://www.rfc-editor.org/rfc/rfc7519#section-4.1.3
 */
export const audienceIncludes = (aud: unknown, identifier: string): boolean =>
  aud === identifier || (Array.isArray(aud) && aud.includes(identifier));
