import {
  ACCESS_TOKEN_TYP,
  type AuthorizationDetail,
  audienceIncludes,
  type ClientCredentials,
  decryptSecret,
  encryptSecret,
  type GrantContext,
  hashToken,
  IDENTITY_SCOPE,
  InvalidClient,
  type OAuthClient,
  PREFIX,
  parseClientCredentials,
  type ResourceRegistry,
  scopesFromDetails,
  verifyClientSecret,
} from '@hal/core';
import type { OAuthApp, Stores } from '@hal/db';
import { decodeJwt } from 'jose';
import type { Config } from '../env';
import { type ClientDirectory, ClientMetadataError } from './clients';
import type { Keyring } from './keyring';
import type { Principal } from './principal';
import type { ProjectService } from './projects';

const REFRESH_TOKEN_TTL = 30 * 24 * 3600;
const SEAL_AAD = 'refresh-successor';

/** The OAuth side of the server: client authentication, grants' context, token checks. */
export function oauthService(
  stores: Stores,
  clients: ClientDirectory,
  keyring: Keyring,
  projects: ProjectService,
  secretKey: Uint8Array,
  config: Config,
  resources: ResourceRegistry,
  /** Told of every audit event a grant writes (refresh token reuse, code replay). */
  events: { audited(type: string): void } = { audited() {} },
) {
  // What tokens are for when no request named a resource (contract: `<issuer>/api`).
  const audience = resources.fallback.identifier;

  const grantContext: GrantContext = {
    store: {
      ...stores.oauth,
      audit: (event, scope) => {
        events.audited(event.type);
        return stores.oauth.audit(event, scope);
      },
    },
    issuer: config.issuer,
    resources,
    refreshTokenTtl: REFRESH_TOKEN_TTL,
    signAccessToken: (claims, ttl) => keyring.sign(claims, ACCESS_TOKEN_TYP, ttl),
    seal: (value) => encryptSecret(value, secretKey, SEAL_AAD),
    open: (sealed) => decryptSecret(sealed, secretKey, SEAL_AAD),
    widgetFields: () => ({
      widget_script_url: `${config.issuer}/widget/v1/hal-widget.js`,
      api_base_url: config.issuer,
    }),
    async widgetCredentials(projectId) {
      const project = await stores.projects.byId(projectId);
      if (!project) throw new InvalidClient('the project of this client no longer exists');
      return { app_id: project.appId, widget_secret: projects.widgetSecret(project) };
    },
    resourceExtras(audience, scopes, userId) {
      // HAL's own resource (every token that names none): nothing to add, decided without a promise.
      if (audience.length === 1 && audience[0] === resources.fallback.identifier) return undefined;
      return registeredExtras(audience, scopes, userId);
    },
    now: () => new Date(),
  };

  /** What the registered resources among `audience` add to a token (GrantContext.resourceExtras). */
  async function registeredExtras(audience: readonly string[], scopes: readonly string[], userId?: string) {
    const registered = (await Promise.all(audience.map((id) => resources.resolveResource(id)))).filter(
      (resource) => resource?.owner,
    );
    if (!registered.length) return {};
    // Contract: the resource's access_token_ttl applies (the shortest, when several name one).
    const ttls = registered.flatMap((r) => (r?.accessTokenTtl ? [r.accessTokenTtl] : []));
    const ttl = ttls.length ? Math.min(...ttls) : undefined;
    // Contract: tokens for registered resources carry the user's email and name with `profile`.
    const user =
      userId && scopes.includes(IDENTITY_SCOPE) ? await stores.accounts.userById(userId) : undefined;
    return { ttl, ...(user && { claims: { email: user.email, name: user.name } }) };
  }

  /**
   * Authenticates a registered resource server at the introspection endpoint (HTTP Basic
   * `hal_rs_…:hal_rss_…`, contract "Registered resource servers"); undefined when the caller is
   * not one (a client then authenticates as usual), decided without a promise.
   * @returns the resource's identifier: the one `aud` whose tokens it may introspect.
   */
  function authenticateResourceServer(credentials: ClientCredentials): Promise<string> | undefined {
    if (!credentials.clientId.startsWith(PREFIX.resourceServer)) return undefined;
    return resourceServerIdentifier(credentials);
  }

  async function resourceServerIdentifier(credentials: ClientCredentials): Promise<string> {
    const server = await stores.resourceServers.byId(credentials.clientId);
    // Compared in constant time (contract "Identifiers and secrets").
    if (
      !server ||
      !credentials.clientSecret ||
      !verifyClientSecret(credentials.clientSecret, server.secretHash)
    )
      throw new InvalidClient('client authentication failed');
    return server.identifier;
  }

  /**
   * Authenticates the client of a token, revocation, introspection or PAR request
   * (`client_secret_basic`, `client_secret_post`, or `none` for public clients). A metadata-document
   * client is the public client stored when its document was fetched; `refresh` (PAR, which starts
   * an authorization request) fetches the document again when its cached copy expired.
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3
   */
  function authenticateClient(
    authorization: string | undefined,
    body: { client_id?: string; client_secret?: string },
    refresh = false,
  ): Promise<{ client: OAuthClient; app: OAuthApp }> {
    return authenticateClientWith(parseClientCredentials({ authorization, body }), refresh);
  }

  /** {@link authenticateClient} with credentials already read (introspection reads them once for two checks). */
  async function authenticateClientWith(
    credentials: ClientCredentials,
    refresh = false,
  ): Promise<{ client: OAuthClient; app: OAuthApp }> {
    let app: OAuthApp | undefined;
    try {
      app = await clients.find(credentials.clientId, refresh);
    } catch (error) {
      if (error instanceof ClientMetadataError)
        throw new InvalidClient(`the client metadata document cannot be used: ${error.message}`);
      throw error;
    }
    const failed = () => new InvalidClient('client authentication failed');
    if (!app) throw failed();
    if (app.clientType === 'confidential') {
      // RFC 6749 §3.2.1: confidential clients MUST authenticate.
      if (
        !credentials.clientSecret ||
        !app.secretHash ||
        !verifyClientSecret(credentials.clientSecret, app.secretHash)
      ) {
        throw failed();
      }
    } else if (credentials.clientSecret !== undefined) {
      throw failed(); // a public client has no secret to present
    }
    return { client: stores.apps.toClient(app), app };
  }

  /**
   * Bearer verifier for RFC 9068 access tokens at the resource `resource`: signature, `typ`,
   * issuer, expiry, audience, then revocation.
   * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
   */
  async function verifyAccessToken(token: string, resource: string): Promise<Principal | undefined> {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await keyring.verify(token, ACCESS_TOKEN_TYP, config.issuer));
    } catch {
      return undefined;
    }
    // RFC 9068 §4: the resource server MUST reject a token whose `aud` does not name it (RFC 8707 §2).
    if (typeof payload.jti !== 'string' || !audienceIncludes(payload.aud, resource)) return undefined;
    const row = await stores.oauth.accessToken(payload.jti);
    if (!row || row.revokedAt) return undefined;
    return { user: row.user, method: 'oauth', ...grantOf(payload) };
  }

  // What a token's claims grant, worked out once per verified token (the keyring caches the
  // payload object of a token it verified, so it keys this cache too).
  const granted = new WeakMap<object, Pick<Principal, 'scopes' | 'clientId' | 'projectId'>>();
  function grantOf(payload: Record<string, unknown>) {
    let grant = granted.get(payload);
    if (!grant) {
      const details = (payload.authorization_details as AuthorizationDetail[] | undefined) ?? [];
      grant = {
        scopes: new Set([
          ...String(payload.scope ?? '')
            .split(' ')
            .filter(Boolean),
          ...scopesFromDetails(details),
        ]),
        clientId: String(payload.client_id),
        projectId: typeof payload.project_id === 'string' ? payload.project_id : undefined,
      };
      granted.set(payload, grant);
    }
    return grant;
  }

  /**
   * Revokes a refresh token (and its whole grant) or an access token of `client`.
   * Unknown, expired and already revoked tokens are no error (RFC 7009 §2.2).
   * @returns false when the token belongs to another client.
   */
  async function revoke(client: OAuthClient, token: string): Promise<boolean> {
    if (token.startsWith(PREFIX.refreshToken)) {
      const found = await stores.oauth.refreshToken(hashToken(token));
      if (!found) return true;
      if (found.token.appId !== client.id) return false;
      // RFC 7009 §2.1: revoking a refresh token also invalidates the access tokens of its grant.
      await stores.oauth.revokeGrant(found.grant.id);
      await stores.audit.write({
        type: 'oauth.revoked',
        userId: found.grant.userId,
        appId: client.id,
        data: { grant_id: found.grant.id },
      });
      return true;
    }
    const claims = unverifiedClaims(token);
    if (!claims) return true;
    // The signature matters only for tokens we would act on; an expired one needs no revocation.
    try {
      await keyring.verify(token, ACCESS_TOKEN_TYP, config.issuer);
    } catch {
      return true;
    }
    if (claims.client_id !== client.clientId) return false;
    await stores.oauth.revokeAccessToken(claims.jti as string, client.id);
    return true;
  }

  /**
   * RFC 7662 introspection of a token issued to `client`; anything else is `{ active: false }`.
   * @see https://www.rfc-editor.org/rfc/rfc7662#section-2.2
   */
  async function introspect(
    caller: OAuthClient | { resource: string },
    token: string,
  ): Promise<Record<string, unknown>> {
    if ('resource' in caller) return introspectForResource(caller.resource, token);
    const client = caller;
    if (token.startsWith(PREFIX.refreshToken)) {
      const found = await stores.oauth.refreshToken(hashToken(token));
      if (!found || found.token.appId !== client.id) return INACTIVE;
      const { token: t, grant } = found;
      if (t.revokedAt || t.rotatedAt || grant.revokedAt || t.expiresAt <= new Date()) return INACTIVE;
      return {
        active: true,
        token_type: 'refresh_token',
        scope: t.scopes.join(' '),
        client_id: found.clientId,
        sub: grant.userId,
        username: found.user.email,
        iss: config.issuer,
        exp: Math.floor(t.expiresAt.getTime() / 1000),
        ...(grant.projectId && { project_id: grant.projectId }),
        ...(grant.authorizationDetails?.length && { authorization_details: grant.authorizationDetails }),
      };
    }
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await keyring.verify(token, ACCESS_TOKEN_TYP, config.issuer));
    } catch {
      return INACTIVE;
    }
    if (payload.client_id !== client.clientId || typeof payload.jti !== 'string') return INACTIVE;
    const row = await stores.oauth.accessToken(payload.jti);
    if (!row || row.revokedAt) return INACTIVE;
    return answerOf(clientAnswers, payload, row, () => ({
      active: true,
      token_type: 'Bearer',
      username: row.user.email,
      ...payload,
    }));
  }

  // An active token's answer, built once per verified payload (the keyring keeps the payload object
  // of a token it verified) and per revocation-state row (a new object once the cache was dropped),
  // frozen so that the JSON renderer serialises it once too (http/oauth-json.ts). Revocation and
  // expiry are still checked on every request, above and in the keyring.
  const clientAnswers: KeptAnswers = new WeakMap();
  const resourceAnswers: KeptAnswers = new WeakMap();
  function answerOf(
    answers: KeptAnswers,
    payload: object,
    row: object,
    build: () => Record<string, unknown>,
  ): Record<string, unknown> {
    const kept = answers.get(payload);
    if (kept?.row === row) return kept.answer;
    const answer = Object.freeze(build());
    answers.set(payload, { row, answer });
    return answer;
  }

  /**
   * Introspection by a registered resource server: only access tokens whose `aud` includes its
   * identifier; every other token (refresh tokens included) is `{ active: false }`.
   * @see https://www.rfc-editor.org/rfc/rfc7662#section-2.2
   */
  async function introspectForResource(resource: string, token: string): Promise<Record<string, unknown>> {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await keyring.verify(token, ACCESS_TOKEN_TYP, config.issuer));
    } catch {
      return INACTIVE;
    }
    if (typeof payload.jti !== 'string' || !audienceIncludes(payload.aud, resource)) return INACTIVE;
    const row = await stores.oauth.accessToken(payload.jti);
    if (!row || row.revokedAt) return INACTIVE;
    return answerOf(resourceAnswers, payload, row, () => ({
      active: true,
      token_type: 'Bearer',
      ...payload,
    }));
  }

  return {
    grantContext,
    authenticateClient,
    authenticateClientWith,
    authenticateResourceServer,
    verifyAccessToken,
    revoke,
    introspect,
    audience,
  };
}

/** Introspection answers by verified payload, with the revocation-state row each was built for. */
type KeptAnswers = WeakMap<object, { row: object; answer: Record<string, unknown> }>;

/** RFC 7662 §2.2: every token that is not active gets this answer, nothing more. */
const INACTIVE: Record<string, unknown> = Object.freeze({ active: false });

function unverifiedClaims(token: string): Record<string, unknown> | undefined {
  try {
    return decodeJwt(token);
  } catch {
    return undefined;
  }
}

export type OAuthService = ReturnType<typeof oauthService>;
