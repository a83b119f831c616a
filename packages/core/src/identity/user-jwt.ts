import { type JWTPayload, jwtVerify } from 'jose';
import { hmacSha256, type IdentityKey } from './user-hash';

/** `user_jwt` lives at most one hour (contract). */
export const USER_JWT_MAX_TTL = 3600;

export interface WidgetUser {
  user_id: string;
  name?: string;
  email?: string;
}

const keyOf = (secret: string) => new TextEncoder().encode(secret);
const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

/**
 * The tamper-proof, expiring successor of `user_hash`: an HS256 JWT under the identity secret
 * carrying `sub` and the user's attributes.
 * @see https://www.rfc-editor.org/rfc/rfc7519
 */
export function signUserJwt(identitySecret: IdentityKey, user: WidgetUser, ttl = USER_JWT_MAX_TTL): string {
  const iat = Math.floor(Date.now() / 1000);
  const claims: JWTPayload = { sub: user.user_id, iat, exp: iat + Math.min(ttl, USER_JWT_MAX_TTL) };
  if (user.name !== undefined) claims.name = user.name;
  if (user.email !== undefined) claims.email = user.email;
  // RFC 7515 §7.1 compact JWS, HMAC-SHA256 (RFC 7518 §3.2) straight from node:crypto: jose would
  // import the key through WebCrypto on every call, the slowest step of sign-identity.
  const input = `${HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${input}.${hmacSha256(identitySecret, input, 'base64url')}`;
}

/** Verifies signature, `exp`, `iat` (at most an hour old) and `sub`; undefined when any fails. */
export async function verifyUserJwt(identitySecret: string, token: string): Promise<WidgetUser | undefined> {
  try {
    const { payload } = await jwtVerify(token, keyOf(identitySecret), {
      algorithms: ['HS256'],
      requiredClaims: ['sub', 'exp', 'iat'],
      maxTokenAge: USER_JWT_MAX_TTL + 60,
    });
    // An `exp` further out than the contract's hour is a token we did not issue.
    if ((payload.exp as number) - (payload.iat as number) > USER_JWT_MAX_TTL) return undefined;
    const sub = payload.sub as string;
    if (!sub || sub.length > 256) return undefined;
    return {
      user_id: sub,
      ...(typeof payload.name === 'string' && { name: payload.name }),
      ...(typeof payload.email === 'string' && { email: payload.email }),
    };
  } catch {
    return undefined;
  }
}
