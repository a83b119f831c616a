import { audienceOf, narrowResources, parseResources, resolveResources } from '../checks/resource';
import { checkRefreshScope } from '../checks/scope';
import { hashToken } from '../crypto';
import { InvalidGrant, InvalidRequest } from '../errors';
import type { OAuthClient, TokenResponse } from '../oauth-types';
import type { Params } from '../params';
import { IDENTITY_SCOPE } from '../resources';
import { parseScope } from '../scopes';
import type { RotationBounds } from '../store';
import type { GrantContext } from './context';
import { issueAccessToken, newAccessTokenId, newRefresh } from './issue';

/**
 * `grant_type=refresh_token` with rotation on every use and reuse detection.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
 */
export async function refreshToken(
  ctx: GrantContext,
  client: OAuthClient,
  params: Params,
): Promise<TokenResponse> {
  const raw = params.get('refresh_token');
  if (!raw) throw new InvalidRequest('refresh_token is required');
  const requested = parseScope(params.get('scope'));
  // Checked before rotation: a malformed or unknown resource does not cost the client its token.
  const resources = await resolveResources(parseResources(params.all('resource')), ctx.resources);

  const successor = newRefresh(ctx, client);
  // The rotation records the new access token in its own statement: once it commits nothing is
  // left to write, so no later failure can answer 503 for a rotation that happened (the client,
  // holding no successor, would retry the old token and trip reuse detection).
  const access = newAccessTokenId(ctx, client);
  // The same statement refuses a request for more than the token holds, so the refusal below does
  // not cost the client its token; a replayed token still reaches reuse detection.
  const bounds: RotationBounds = {
    scopes: requested,
    resources: resources.map((r) => r.identifier),
    fallback: ctx.resources.fallback.identifier,
    definedScopes: resources.length
      ? [...new Set([IDENTITY_SCOPE, ...resources.flatMap((r) => r.scopes)])]
      : null,
  };
  const rotation = await ctx.store.rotateRefreshToken(
    hashToken(raw),
    client.id,
    successor.row,
    access,
    bounds,
    ctx.scope,
  );
  if (rotation.status === 'invalid') throw new InvalidGrant('refresh_token is invalid');
  const { token, grant } = rotation;
  if (grant.revokedAt) throw new InvalidGrant('the grant has been revoked');
  // Worked out past reuse detection, which a replayed token must always reach.
  const narrowed = () => {
    // RFC 6749 §6: the new access token may not exceed the original grant.
    const scopes = checkRefreshScope(requested, token.scopes);
    // RFC 8707 §2.2: the access token may be for a subset of the grant's resources, never more.
    const target = narrowResources(resources, token.resources, scopes, ctx.resources.fallback.identifier);
    return { scopes: target.scopes, audience: audienceOf(target.resources) };
  };

  if (rotation.status === 'refused') {
    narrowed(); // throws invalid_scope or invalid_target, as for a rotated token
    throw new InvalidGrant('refresh_token is invalid'); // it expired meanwhile
  }

  if (rotation.status === 'reused') {
    const graceMs = client.refreshReuseGrace * 1000;
    const withinGrace =
      graceMs > 0 &&
      rotation.successorLive &&
      token.successorSealed !== null &&
      token.rotatedAt !== null &&
      ctx.now().getTime() - token.rotatedAt.getTime() <= graceMs;
    if (!withinGrace) {
      // RFC 9700 §4.14.2: a rotated refresh token presented again revokes the whole grant.
      await ctx.store.revokeGrant(grant.id, ctx.scope);
      await ctx.store.audit(
        {
          type: 'oauth.refresh_reused',
          userId: grant.userId,
          appId: client.id,
          projectId: grant.projectId,
          data: { grant_id: grant.id },
        },
        ctx.scope,
      );
      throw new InvalidGrant('refresh_token was already used');
    }
    // Opt-in grace: the retry gets a fresh access token and the one live successor.
    const response = await issueAccessToken(ctx, {
      client,
      grant,
      ...narrowed(),
      details: grant.authorizationDetails,
      codeHash: token.codeHash,
    });
    return { ...response, refresh_token: ctx.open(token.successorSealed as string) };
  }

  const response = await issueAccessToken(
    ctx,
    { client, grant, ...narrowed(), details: grant.authorizationDetails, codeHash: token.codeHash },
    access,
  );
  return { ...response, refresh_token: successor.raw };
}
