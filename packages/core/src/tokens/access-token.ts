import type { AuthorizationDetail } from '../checks/authorization-details';
import { formatScope } from '../scopes';

/**
 * The JOSE `typ` header of every HAL access token.
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2.1
 */
export const ACCESS_TOKEN_TYP = 'at+jwt';

export type AccessTokenInput = {
  issuer: string;
  audience: string | string[];
  /** The resource owner; for client_credentials, the client_id (RFC 9068 §2.2). */
  userId: string;
  clientId: string;
  scopes: readonly string[];
  jti: string;
  projectId?: string;
  authorizationDetails?: readonly AuthorizationDetail[];
};

export type AccessTokenClaims = {
  iss: string;
  sub: string;
  aud: string | string[];
  client_id: string;
  scope: string;
  jti: string;
  project_id?: string;
  authorization_details?: AuthorizationDetail[];
};

/**
 * The claims of a JWT access token, without `exp` and `iat`, which the signer sets.
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2.2
 */
export function accessTokenClaims(input: AccessTokenInput): AccessTokenClaims {
  const claims: AccessTokenClaims = {
    iss: input.issuer,
    sub: input.userId,
    aud: input.audience,
    client_id: input.clientId,
    // RFC 9068 §2.2.3: scope is a space-separated string, as in RFC 8693 §4.2
    scope: formatScope(input.scopes),
    jti: input.jti,
  };
  if (input.projectId !== undefined) claims.project_id = input.projectId;
  // RFC 9396 §9.1: the granted details are carried in the token as authorization_details
  if (input.authorizationDetails !== undefined) {
    claims.authorization_details = input.authorizationDetails.map((d) => ({ ...d, actions: [...d.actions] }));
  }
  return claims;
}
