import type { AuthorizationDetail } from '../checks/authorization-details';
import { hashToken } from '../crypto';
import { UnauthorizedClient } from '../errors';
import type { GrantRecord, OAuthClient, TokenResponse } from '../oauth-types';
import type { NewRefreshToken } from '../store';
import { accessTokenClaims } from '../tokens/access-token';
import { newId, newRefreshToken } from '../tokens/formats';
import type { GrantContext } from './context';

export interface Issuance {
  client: OAuthClient;
  /** Absent for client_credentials: the client acts as its owner. */
  grant?: GrantRecord;
  scopes: readonly string[];
  /** RFC 9068 §2.2 `aud`: the resource(s) the token is for (RFC 8707). */
  audience: string | string[];
  details?: AuthorizationDetail[] | null;
  codeHash?: string | null;
}

/** An access token's `jti` and expiry, drawn before it is signed. */
export interface AccessTokenId {
  jti: string;
  expiresAt: Date;
}

export function newAccessTokenId(ctx: GrantContext, client: OAuthClient): AccessTokenId {
  return { jti: newId(), expiresAt: new Date(ctx.now().getTime() + client.accessTokenTtl * 1000) };
}

/**
 * Signs an RFC 9068 access token and records its `jti` for revocation and introspection, unless
 * `recorded` says the store already did (a refresh rotation records it in its own statement).
 */
export async function issueAccessToken(
  ctx: GrantContext,
  i: Issuance,
  recorded?: AccessTokenId,
): Promise<TokenResponse> {
  const userId = i.grant?.userId ?? i.client.ownerId;
  if (!userId) throw new UnauthorizedClient('this client acts for no user');
  const audience = typeof i.audience === 'string' ? [i.audience] : i.audience;
  const adding = ctx.resourceExtras?.(audience, i.scopes, i.grant?.userId);
  const extras = (adding && (await adding)) ?? {};
  const ttl = extras.ttl ?? i.client.accessTokenTtl;
  const { jti, expiresAt } = recorded ?? {
    jti: newId(),
    expiresAt: new Date(ctx.now().getTime() + ttl * 1000),
  };
  const projectId = i.grant?.projectId ?? undefined;
  const claims = accessTokenClaims({
    issuer: ctx.issuer,
    audience: i.audience,
    // RFC 9068 §2.2: for client_credentials the subject is the client itself.
    userId: i.grant?.userId ?? i.client.clientId,
    clientId: i.client.clientId,
    scopes: [...i.scopes],
    jti,
    projectId,
    authorizationDetails: i.details ?? undefined,
  });
  Object.assign(claims, extras.claims);
  // Signed while its `jti` is being stored; answered only once it is.
  const saved = recorded
    ? undefined
    : ctx.store.saveAccessToken(
        {
          jti,
          grantId: i.grant?.id ?? null,
          appId: i.client.id,
          userId,
          codeHash: i.codeHash ?? null,
          expiresAt,
        },
        ctx.scope,
      );
  let accessToken: string;
  try {
    accessToken = await ctx.signAccessToken(claims as unknown as Record<string, unknown>, ttl);
  } finally {
    await saved;
  }
  const response: TokenResponse = {
    access_token: accessToken,
    token_type: 'Bearer',
    expires_in: ttl,
    scope: i.scopes.join(' '),
  };
  if (i.details?.length) response.authorization_details = i.details;
  if (projectId) {
    response.project_id = projectId;
    if (i.scopes.includes('widget:serve')) Object.assign(response, ctx.widgetFields(projectId));
  }
  return response;
}

/** A fresh refresh token: the raw value for the client and the row to store (hash only). */
export function newRefresh(ctx: GrantContext, client: OAuthClient): { raw: string; row: NewRefreshToken } {
  const raw = newRefreshToken();
  return {
    raw,
    row: {
      id: newId(),
      tokenHash: hashToken(raw),
      expiresAt: new Date(ctx.now().getTime() + ctx.refreshTokenTtl * 1000),
      sealed: client.refreshReuseGrace > 0 ? ctx.seal(raw) : null,
    },
  };
}
