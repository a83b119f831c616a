import { verifyCodeVerifier } from '../checks/pkce';
import { audienceOf, narrowResources, parseResources, resolveResources } from '../checks/resource';
import { hashToken } from '../crypto';
import { InvalidGrant, InvalidRequest } from '../errors';
import type { OAuthClient, TokenResponse, WidgetSecretResponse } from '../oauth-types';
import type { Params } from '../params';
import type { GrantContext } from './context';
import { issueAccessToken, newRefresh } from './issue';

/**
 * `grant_type=authorization_code`.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
 */
export async function authorizationCode(
  ctx: GrantContext,
  client: OAuthClient,
  params: Params,
): Promise<TokenResponse | WidgetSecretResponse> {
  const code = params.get('code');
  if (!code) throw new InvalidRequest('code is required');
  // RFC 7636 §4.5 / RFC 9700 §2.1.1: PKCE is required for every client.
  const verifier = params.get('code_verifier');
  if (!verifier) throw new InvalidRequest('code_verifier is required');
  // Checked before the code is spent: a malformed or unknown resource does not cost the client its code.
  const requested = await resolveResources(parseResources(params.all('resource')), ctx.resources);

  const codeHash = hashToken(code);
  const redemption = await ctx.store.redeemCode(codeHash);
  if (!redemption) throw new InvalidGrant('code is invalid');
  const stored = redemption.code;
  if (redemption.status === 'replayed') {
    // RFC 6749 §4.1.2: a code used twice revokes every token issued from it.
    await ctx.store.revokeIssuedFromCode(codeHash);
    await ctx.store.audit({
      type: 'oauth.code_replayed',
      appId: stored.appId,
      data: { grant_id: stored.grantId },
    });
    throw new InvalidGrant('code was already used');
  }
  // RFC 6749 §4.1.2: codes live at most 10 minutes.
  if (stored.expiresAt <= ctx.now()) throw new InvalidGrant('code has expired');
  // RFC 6749 §4.1.3: the code is bound to the client it was issued to.
  if (stored.appId !== client.id) throw new InvalidGrant('code was issued to another client');
  // RFC 6749 §4.1.3: redirect_uri must be identical to the one in the authorization request.
  const redirectUri = params.get('redirect_uri');
  if (
    stored.redirectUriGiven
      ? redirectUri !== stored.redirectUri
      : redirectUri !== undefined && redirectUri !== stored.redirectUri
  ) {
    throw new InvalidGrant('redirect_uri does not match the authorization request');
  }
  verifyCodeVerifier(verifier, stored.codeChallenge);

  const grant = await ctx.store.grant(stored.grantId);
  if (!grant || grant.revokedAt) throw new InvalidGrant('the grant has been revoked');

  if (client.kind === 'private' && grant.projectId) {
    // Contract: legacy private project clients receive the project's widget credentials, not tokens.
    const { app_id, widget_secret } = await ctx.widgetCredentials(grant.projectId);
    return { app_id, widget_secret, project_id: grant.projectId, token_type: 'widget_secret' };
  }

  // RFC 8707 §2.2: the access token may be for a subset; the refresh token keeps the whole grant.
  const target = narrowResources(
    requested,
    stored.resources,
    stored.scopes,
    ctx.resources.fallback.identifier,
  );
  const response = await issueAccessToken(ctx, {
    client,
    grant,
    scopes: target.scopes,
    audience: audienceOf(target.resources),
    details: stored.authorizationDetails,
    codeHash,
  });
  const refresh = newRefresh(ctx, client);
  await ctx.store.createRefreshToken({
    ...refresh.row,
    sealed: null,
    grantId: grant.id,
    appId: client.id,
    codeHash,
    scopes: stored.scopes,
    resources: stored.resources,
  });
  return { ...response, refresh_token: refresh.raw };
}
