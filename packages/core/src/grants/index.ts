import { InvalidRequest, UnsupportedGrantType } from '../errors';
import type { OAuthClient, TokenResponse, WidgetSecretResponse } from '../oauth-types';
import type { Params } from '../params';
import { authorizationCode } from './authorization-code';
import { clientCredentials } from './client-credentials';
import type { GrantContext } from './context';
import { refreshToken } from './refresh-token';

export type { GrantContext } from './context';

type Grant = (
  ctx: GrantContext,
  client: OAuthClient,
  params: Params,
) => Promise<TokenResponse | WidgetSecretResponse>;

/** The grants HAL supports, keyed by their RFC `grant_type` value. */
export const GRANTS: Record<string, Grant> = {
  authorization_code: authorizationCode,
  refresh_token: refreshToken,
  client_credentials: clientCredentials,
};

export const GRANT_TYPES = Object.keys(GRANTS);

/**
 * Runs the grant named by `grant_type`.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export function runGrant(ctx: GrantContext, client: OAuthClient, params: Params) {
  const type = params.get('grant_type');
  // RFC 6749 §5.2: a missing required parameter is invalid_request; only an unknown type is
  // unsupported_grant_type.
  if (!type) throw new InvalidRequest('grant_type is required');
  const grant = Object.hasOwn(GRANTS, type) ? GRANTS[type] : undefined;
  if (!grant) throw new UnsupportedGrantType(`grant_type ${type} is not supported`);
  return grant(ctx, client, params);
}
