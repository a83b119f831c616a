import { InvalidScope, InvalidTarget } from '../errors';
import { IDENTITY_SCOPE, type ProtectedResource, type ResourceRegistry } from '../resources';

// RFC 3986 §2: the characters a URI may hold (reserved, unreserved and percent signs). Anything
// else is malformed, and what passes may be echoed in error_description (RFC 6749 §5.2).
const URI_CHARACTERS = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+$/;
// RFC 3986 §3.1, §3.2: scheme ":" and, when present, "//" authority.
const SCHEME_AND_AUTHORITY = /^[A-Za-z][A-Za-z0-9+.-]*:(\/\/[^/?#]*)?/;
const ECHO_LIMIT = 200;

const MALFORMED = 'resource must be an absolute URI without a fragment';

/**
 * A `resource` value in canonical form (scheme and host in lower case, RFC 3986 §6.2.2.1), or
 * undefined when it is not an absolute URI without a fragment.
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
 */
export function canonicalResource(value: string): string | undefined {
  // RFC 8707 §2: an absolute URI (RFC 3986 §4.3) that MUST NOT include a fragment
  if (!URI_CHARACTERS.test(value) || value.includes('#') || !SCHEME_AND_AUTHORITY.test(value))
    return undefined;
  if (!URL.canParse(value)) return undefined;
  return value.replace(SCHEME_AND_AUTHORITY, (prefix) => prefix.toLowerCase());
}

/**
 * The `resource` values of a request, canonical and without duplicates; `invalid_target` for a
 * malformed one. An empty list means the request names no resource.
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
 */
export function parseResources(values: readonly string[]): string[] {
  const resources = new Set<string>();
  for (const value of values) {
    const resource = canonicalResource(value);
    if (!resource) throw new InvalidTarget(MALFORMED);
    resources.add(resource);
  }
  return [...resources];
}

/**
 * Looks up each requested resource: `invalid_target` for an unknown one.
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
 */
export async function resolveResources(
  identifiers: readonly string[],
  registry: ResourceRegistry,
): Promise<ProtectedResource[]> {
  const resolved = await Promise.all(identifiers.map((id) => registry.resolveResource(id)));
  return resolved.map((resource, i) => {
    // RFC 8707 §2: a resource the server does not consider acceptable is invalid_target
    if (!resource) throw new InvalidTarget(naming('unknown resource', identifiers[i] as string));
    return resource;
  });
}

/**
 * The resources an authorization (or client_credentials) request is for: those its `resource`
 * values name, or the registry's fallback when it names none.
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2.1
 */
export async function requestedResources(
  values: readonly string[],
  registry: ResourceRegistry,
): Promise<ProtectedResource[]> {
  const named = await resolveResources(parseResources(values), registry);
  // RFC 8707 §2: without a resource the server may use "a predefined default resource value"
  return named.length ? named : [registry.fallback];
}

/**
 * Contract "AI clients": each requested scope must be defined by a requested resource;
 * `profile` (the user's identity) may accompany any.
 */
export function checkResourceScopes(
  scopes: readonly string[],
  resources: readonly ProtectedResource[],
): void {
  for (const scope of scopes) {
    if (!definedBy(resources, scope))
      throw new InvalidScope(`scope not defined by the requested resource: ${scope}`);
  }
}

/**
 * The scopes that only registered resources among `resources` define: HAL's client ceiling
 * (allowed scopes) does not apply to them.
 */
export function foreignScopes(resources: readonly ProtectedResource[]): Set<string> {
  const own = new Set(resources.filter((r) => !r.owner).flatMap((r) => r.scopes));
  return new Set(
    resources.filter((r) => r.owner).flatMap((r) => r.scopes.filter((scope) => !own.has(scope))),
  );
}

/**
 * Why `value` cannot identify a registered resource server, or undefined when it can: an absolute
 * `https` URL without a fragment (RFC 8707 §2), or `http` on a loopback host (development).
 */
export function resourceIdentifierProblem(value: string): string | undefined {
  const canonical = canonicalResource(value);
  if (!canonical || canonical !== value)
    return 'must be an absolute URL without a fragment, in canonical form';
  const url = new URL(value);
  if (url.protocol === 'https:') return undefined;
  const loopback = ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
  if (url.protocol === 'http:' && loopback) return undefined;
  return 'must be an https URL (http only on loopback)';
}

/**
 * The resources and scopes of an access token issued under a code or refresh token that recorded
 * `recorded` (empty for those issued before resource indicators, whose tokens were all for
 * `fallback`): all of them, or the `requested` subset with the scopes it defines ("downscoping").
 * The refresh token itself stays bound to the whole grant.
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2.2
 */
export function narrowResources(
  requested: readonly ProtectedResource[],
  recorded: readonly string[],
  scopes: readonly string[],
  fallback: string,
): { resources: string[]; scopes: string[] } {
  const granted = recorded.length ? [...recorded] : [fallback];
  if (requested.length === 0) return { resources: granted, scopes: [...scopes] };
  // RFC 8707 §2.2: acceptable resources are "those that were originally granted … or a subset thereof"
  if (requested.some((r) => !granted.includes(r.identifier)))
    throw new InvalidTarget('resource exceeds the original grant');
  const usable = scopes.filter((scope) => definedBy(requested, scope));
  if (scopes.length > 0 && usable.length === 0)
    throw new InvalidScope('no granted scope is defined by the requested resource');
  return { resources: requested.map((r) => r.identifier), scopes: usable };
}

/**
 * The `aud` claim for `resources`: one string for one resource, an array for several.
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2.2
 */
export const audienceOf = (resources: readonly string[]): string | string[] =>
  resources.length === 1 ? (resources[0] as string) : [...resources];

const definedBy = (resources: readonly ProtectedResource[], scope: string) =>
  scope === IDENTITY_SCOPE || resources.some((r) => r.scopes.includes(scope));

const naming = (description: string, value: string) =>
  value.length <= ECHO_LIMIT ? `${description}: ${value}` : description;
