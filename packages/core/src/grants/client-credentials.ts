import { audienceOf, checkResourceScopes, requestedResources } from '../checks/resource';
import { checkRequestedScopes } from '../checks/scope';
import { InvalidScope, UnauthorizedClient } from '../errors';
import type { OAuthClient, TokenResponse } from '../oauth-types';
import type { Params } from '../params';
import { parseScope, USER_SCOPES } from '../scopes';
import type { GrantContext } from './context';
import { issueAccessToken } from './issue';

const userLevel = (s: string) => (USER_SCOPES as readonly string[]).includes(s);

/**
 * `grant_type=client_credentials`: a confidential client acting as its owner, limited to
 * user-level scopes the app may request (project scopes need a user's consent). No refresh token.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4
 */
export async function clientCredentials(
  ctx: GrantContext,
  client: OAuthClient,
  params: Params,
): Promise<TokenResponse> {
  if (client.clientType !== 'confidential' || client.kind !== 'public') {
    throw new UnauthorizedClient('client_credentials is only for confidential clients');
  }
  // A registered client has no owner to act as: it acts only for the users who authorize it.
  if (!client.ownerId) throw new UnauthorizedClient('client_credentials is only for clients with an owner');
  const permitted = client.allowedScopes.filter(userLevel);
  const requested = parseScope(params.get('scope'));
  checkRequestedScopes(requested, permitted);
  const scopes = requested.length ? requested : permitted;
  if (!scopes.length) throw new InvalidScope('this client has no scope usable with client_credentials');
  // RFC 8707 §2.2: the resource parameter applies to every grant type.
  const named = params.all('resource');
  // Without one, the registry's fallback, known without a lookup (most requests name none).
  const resources = named.length ? await requestedResources(named, ctx.resources) : [ctx.resources.fallback];
  checkResourceScopes(scopes, resources);
  const audience = audienceOf(resources.map((r) => r.identifier));
  // RFC 6749 §4.4.3: a refresh token SHOULD NOT be included.
  return issueAccessToken(ctx, { client, scopes, audience });
}
