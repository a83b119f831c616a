import { PREFIX } from '@hal/core';
import { accountUser } from '@hal/db';
import type { MiddlewareHandler } from 'hono';
import { decodeProtectedHeader } from 'jose';
import type { AccountService } from '../services/accounts';
import type { PersonalTokenService } from '../services/personal-tokens';
import type { Principal } from '../services/principal';
import { ApiError } from './api-errors';
import type { Env } from './types';

/** Verifies one kind of JWT bearer token, chosen by its `typ` header (RFC 8725 §3.11). */
export type JwtVerifier = (token: string) => Promise<Principal | undefined>;

export interface AuthDeps {
  accounts: AccountService;
  personalTokens: PersonalTokenService;
  /** Keyed by JWT `typ`: HAL's session JWT and OAuth access tokens (`at+jwt`, RFC 9068). */
  jwtVerifiers: Record<string, JwtVerifier>;
}

const REALM = 'realm="hal"';

/** RFC 6750 §3: the challenge, with `error` only when a credential was presented. */
export function unauthorized(description?: string): ApiError {
  const challenge = description
    ? `Bearer ${REALM}, error="invalid_token", error_description="${description}"`
    : `Bearer ${REALM}`;
  return new ApiError(
    401,
    description ? 'invalid_token' : 'unauthorized',
    description ?? 'authentication required',
    {
      'WWW-Authenticate': challenge,
    },
  );
}

/** RFC 6750 §3.1: valid credentials without the needed scope. */
export function insufficientScope(scope: string): ApiError {
  return new ApiError(403, 'insufficient_scope', `this request needs the ${scope} scope`, {
    'WWW-Authenticate': `Bearer ${REALM}, error="insufficient_scope", scope="${scope}"`,
  });
}

function invalidRequest(description: string): ApiError {
  return new ApiError(400, 'invalid_request', description, {
    'WWW-Authenticate': `Bearer ${REALM}, error="invalid_request", error_description="${description}"`,
  });
}

/**
 * Authenticates `/api/v1` and sign-identity requests: Bearer PAT, Bearer JWT (by `typ`), or Basic
 * email:password. Parses `Authorization` once and puts a typed {@link Principal} on the context.
 */
export function authenticate(deps: AuthDeps): MiddlewareHandler<Env> {
  return async (c, next) => {
    // RFC 6750 §2.3 is not offered: a token in the URL leaks into logs and Referer headers.
    if (c.req.query('access_token') !== undefined) {
      throw invalidRequest('access tokens are not accepted in the query string');
    }
    const headers = c.req.raw.headers.get('authorization');
    if (!headers) throw unauthorized();
    // RFC 6750 §3.1: more than one method is invalid_request (several headers arrive comma-joined).
    if (headers.includes(',') && /,\s*(bearer|basic)\s/i.test(headers))
      throw invalidRequest('use exactly one authentication method');
    const [scheme = '', credential = ''] = headers.trim().split(/\s+/, 2);
    const principal =
      scheme.toLowerCase() === 'bearer'
        ? await bearer(deps, credential)
        : scheme.toLowerCase() === 'basic'
          ? await basic(deps, credential, c.get('clientIp'))
          : undefined;
    if (!principal)
      throw unauthorized(scheme ? 'the credentials are invalid, expired or revoked' : undefined);
    c.set('principal', principal);
    await next();
  };
}

async function bearer(deps: AuthDeps, token: string): Promise<Principal | undefined> {
  if (token.startsWith(PREFIX.pat)) {
    const found = await deps.personalTokens.authenticate(token);
    return found && { user: found.user, method: 'pat', scopes: new Set(found.pat.scopes) };
  }
  const typ = typOf(token);
  const verify = typ ? deps.jwtVerifiers[typ.toLowerCase()] : undefined;
  return verify ? verify(token) : undefined;
}

// HAL's JWTs carry a handful of distinct protected headers (one per signing key and type), so each
// is decoded once; bounded, as anyone can send headers of their own.
const typs = new Map<string, string | undefined>();

/** The `typ` of a JWT's protected header (not yet verified: it only picks the verifier). */
function typOf(token: string): string | undefined {
  const header = token.slice(0, token.indexOf('.'));
  if (typs.has(header)) return typs.get(header);
  let typ: string | undefined;
  try {
    typ = decodeProtectedHeader(token).typ;
  } catch {
    return undefined;
  }
  if (typs.size >= 64) typs.clear();
  typs.set(header, typ);
  return typ;
}

async function basic(deps: AuthDeps, credential: string, ip: string): Promise<Principal | undefined> {
  const decoded = Buffer.from(credential, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) return undefined;
  const user = await deps.accounts.checkPassword(decoded.slice(0, colon), decoded.slice(colon + 1), ip);
  return user && { user: accountUser(user), method: 'basic', scopes: deps.accounts.fullScopes };
}

/** Refuses principals lacking `scope` with 403 insufficient_scope. */
export function requireScope(scope: string): MiddlewareHandler<Env> {
  return async (c, next) => {
    if (!c.get('principal').scopes.has(scope)) throw insufficientScope(scope);
    await next();
  };
}
