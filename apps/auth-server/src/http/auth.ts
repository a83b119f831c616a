import { PREFIX } from '@hal/core';
import type { MiddlewareHandler } from 'hono';
import { decodeProtectedHeader } from 'jose';
import type { AccountService } from '../services/accounts';
import type { PersonalTokenService } from '../services/personal-tokens';
import type { Principal } from '../services/principal';
import type { GuardedResource } from '../services/resources';
import { ApiError } from './api-errors';
import { challengeHeader, documents, errorResponse } from './openapi';
import type { Env } from './types';

/**
 * Verifies one kind of JWT bearer token, chosen by its `typ` header (RFC 8725 §3.11), for use at
 * the resource identified by `resource` (an access token must name it in `aud`).
 */
export type JwtVerifier = (token: string, resource: string) => Promise<Principal | undefined>;

export interface AuthDeps {
  accounts: AccountService;
  personalTokens: PersonalTokenService;
  /** Keyed by JWT `typ`: HAL's session JWT and OAuth access tokens (`at+jwt`, RFC 9068). */
  jwtVerifiers: Record<string, JwtVerifier>;
}

const REALM = 'realm="hal"';

/**
 * The `WWW-Authenticate: Bearer` challenge of `resource` (RFC 6750 §3), always naming its metadata
 * document (RFC 9728 §5.1). Parameter values are HAL's own, never the client's.
 */
export function bearerChallenge(
  resource: GuardedResource,
  params: { error?: string; error_description?: string; scope?: string } = {},
): string {
  let challenge = `Bearer ${REALM}`;
  for (const [name, value] of Object.entries(params))
    if (value !== undefined) challenge += `, ${name}="${value}"`;
  return `${challenge}, resource_metadata="${resource.metadataUrl}"`;
}

/**
 * RFC 6750 §3: the 401 of `resource`, with `error` only when a credential was presented, and the
 * scopes a client should start with when the resource names some (`/mcp`).
 */
export function unauthorized(resource: GuardedResource, description?: string): ApiError {
  const challenge = bearerChallenge(resource, {
    ...(description && { error: 'invalid_token', error_description: description }),
    scope: resource.startingScope,
  });
  return new ApiError(
    401,
    description ? 'invalid_token' : 'unauthorized',
    description ?? 'authentication required',
    { 'WWW-Authenticate': challenge },
  );
}

/**
 * RFC 6750 §3.1: valid credentials without the needed scope; the client may step up to it. The
 * challenge names `challengeScope` when given (the needed scopes with those already granted).
 */
export function insufficientScope(
  resource: GuardedResource,
  scope: string,
  challengeScope: readonly string[] = [scope],
): ApiError {
  return new ApiError(403, 'insufficient_scope', `this request needs the ${scope} scope`, {
    'WWW-Authenticate': bearerChallenge(resource, {
      error: 'insufficient_scope',
      scope: challengeScope.join(' '),
    }),
  });
}

function invalidRequest(resource: GuardedResource, description: string): ApiError {
  return new ApiError(400, 'invalid_request', description, {
    'WWW-Authenticate': bearerChallenge(resource, {
      error: 'invalid_request',
      error_description: description,
    }),
  });
}

/**
 * Authenticates requests to one of HAL's protected resources (`/api`: the REST API and
 * sign-identity; `/mcp`): Bearer PAT, Bearer JWT (by `typ`), or Basic email:password. Parses
 * `Authorization` once and puts a typed {@link Principal} on the context. OAuth access tokens
 * must name `resource` in their `aud`; PATs, session JWTs and Basic are HAL's own credentials and
 * work at every resource.
 */
export function authenticate(deps: AuthDeps, resource: GuardedResource): MiddlewareHandler<Env> {
  return documents(authenticateWith(deps, resource), {
    responses: {
      400: errorResponse(
        '`invalid_request`: two authentication methods, or a token in the query string',
        challengeHeader,
      ),
      401: errorResponse(
        '`unauthorized` (no credentials) or `invalid_token` (invalid, expired or revoked)',
        challengeHeader,
      ),
    },
  });
}

function authenticateWith(deps: AuthDeps, resource: GuardedResource): MiddlewareHandler<Env> {
  return async (c, next) => {
    // RFC 6750 §2.3 is not offered: a token in the URL leaks into logs and Referer headers.
    // (The query is parsed only when there is one: this runs on every authenticated request.)
    if (c.req.url.includes('?') && c.req.query('access_token') !== undefined) {
      throw invalidRequest(resource, 'access tokens are not accepted in the query string');
    }
    const headers = c.req.raw.headers.get('authorization');
    if (!headers) throw unauthorized(resource);
    // RFC 6750 §3.1: more than one method is invalid_request (several headers arrive comma-joined).
    if (headers.includes(',') && /,\s*(bearer|basic)\s/i.test(headers))
      throw invalidRequest(resource, 'use exactly one authentication method');
    const [scheme = '', credential = ''] = headers.trim().split(/\s+/, 2);
    const principal =
      scheme.toLowerCase() === 'bearer'
        ? await bearer(deps, credential, resource.identifier)
        : scheme.toLowerCase() === 'basic'
          ? await basic(deps, credential, c.get('clientIp'))
          : undefined;
    if (!principal)
      throw unauthorized(resource, scheme ? 'the credentials are invalid, expired or revoked' : undefined);
    c.set('principal', principal);
    c.set('resource', resource);
    await next();
    // Contract: every 401 and 403 of a protected resource names its metadata (RFC 9728 §5.1), also a
    // route's refusal that is no authentication challenge (a role, a project): no `error` there.
    const status = c.res.status;
    if ((status === 401 || status === 403) && !c.res.headers.has('WWW-Authenticate'))
      c.res.headers.set('WWW-Authenticate', bearerChallenge(resource));
  };
}

async function bearer(deps: AuthDeps, token: string, resource: string): Promise<Principal | undefined> {
  if (token.startsWith(PREFIX.pat)) {
    const found = await deps.personalTokens.authenticate(token);
    return found && { user: found.user, method: 'pat', scopes: new Set(found.pat.scopes) };
  }
  const typ = typOf(token);
  const verify = typ ? deps.jwtVerifiers[typ.toLowerCase()] : undefined;
  return verify ? verify(token, resource) : undefined;
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
  return user && { user, method: 'basic', scopes: deps.accounts.fullScopes };
}

/** Refuses principals lacking `scope` with 403 insufficient_scope, a step-up challenge naming it. */
export function requireScope(scope: string, { oauthOnly = false } = {}): MiddlewareHandler<Env> {
  // No async frame of its own: Hono's compose catches the throw like a rejection.
  const middleware: MiddlewareHandler<Env> = (c, next) => {
    if (!c.get('principal').scopes.has(scope)) throw insufficientScope(c.get('resource'), scope);
    return next();
  };
  // OpenAPI 3.1 §4.8.30: for http schemes the requirement's array lists the roles needed, here the scope.
  return documents(middleware, {
    // `oauthOnly`: the route refuses other credentials itself (it needs a grant's project).
    security: oauthOnly ? [{ bearer: [scope] }] : [{ bearer: [scope] }, { basic: [] }],
    responses: {
      403: errorResponse(`\`insufficient_scope\`: the credentials lack \`${scope}\``, challengeHeader),
    },
  });
}
