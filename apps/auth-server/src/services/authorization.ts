import {
  AccessDenied,
  type AuthorizationRequest,
  bindDetailsToProject,
  checkAuthorizationRequest,
  hashToken,
  InvalidRequest,
  isLoopbackRedirectUri,
  newAuthorizationCode,
  newId,
  type OAuthClient,
  OAuthError,
  Params,
  type ResourceRegistry,
  resolveRedirectUri,
  UnsafeRedirectError,
} from '@hal/core';
import type { OAuthApp, Stores } from '@hal/db';
import { type ClientDirectory, ClientMetadataError } from './clients';
import { type PendingRequest, readPending } from './pending-request';

export const REQUEST_URI_PREFIX = 'urn:ietf:params:oauth:request_uri:';
// A pending request lives long enough for a sign-in or a sign-up in between.
const PENDING_TTL = 600;
// RFC 9126 §2.2: a short-lived request_uri; a minute covers the redirect that follows.
const PAR_TTL = 60;
// RFC 6749 §4.1.2: a maximum authorization code lifetime of 10 minutes is RECOMMENDED.
const CODE_TTL = 600;

/** An OAuth error for the client, sent to its verified redirect URI (RFC 6749 §4.1.2.1). */
export class ClientRedirect extends Error {
  constructor(
    readonly error: OAuthError,
    readonly redirectUri: string,
    readonly state: string | undefined,
  ) {
    super(error.error_description);
  }
}

/**
 * A request the user cannot go on with, shown to them and never redirected: `gone` (unknown,
 * expired or answered), `foreign` (another user's), or `invalid` (anything else).
 */
export class AuthorizationPageError extends Error {
  constructor(
    message: string,
    readonly reason: 'gone' | 'foreign' | 'invalid' = 'invalid',
  ) {
    super(message);
  }
}

/** A choice on the consent page that cannot be accepted: the page is shown again, the request stays. */
export class ConsentChoiceError extends Error {}

export interface ConsentView {
  requestId: string;
  app: {
    name: string;
    description: string;
    ownerName: string;
    logoUrl: string | null;
    /** False for clients HAL has not vetted: registered (RFC 7591) or metadata-document clients. */
    verified: boolean;
    /** A metadata-document client: the host that publishes its document (its client_id URL). */
    documentHost?: string;
  };
  scopes: string[];
  details: AuthorizationRequest['details'];
  /** RFC 8707: the names of the resources the access is for. */
  resources: string[];
  redirectUri: string;
  /** True when every redirect URI of the client is on loopback: it runs on the user's own machine. */
  loopbackOnly: boolean;
  /** Present when a project must be picked: the user's projects where they are owner or admin. */
  projects?: { id: string; name: string }[];
  selectedProjectId?: string;
}

/** Where the user agent goes next: the client's redirect URI with these response parameters. */
export interface ClientResponse {
  redirectUri: string;
  params: Record<string, string | undefined>;
}

/**
 * The authorization code flow up to the code (RFC 6749 §4.1.1–4.1.2, RFC 9126 PAR): validating
 * requests, keeping them pending across sign-in, consent, and issuing the code. Used by the
 * authorize, decision and PAR routes; knows nothing of HTTP.
 */
export function authorizationService(
  stores: Stores,
  clients: ClientDirectory,
  issuer: string,
  resources: ResourceRegistry,
  now: () => Date = () => new Date(),
) {
  const expiresIn = (seconds: number) => new Date(now().getTime() + seconds * 1000);

  /** Projects the user may connect: those where they are owner or admin (contract: project picker). */
  async function eligibleProjects(userId: string, client: OAuthClient) {
    const mine = await stores.projects.listForMember(userId);
    return mine
      .filter((p) => p.role === 'owner' || p.role === 'admin')
      .filter((p) => client.kind !== 'private' || p.id === client.projectId)
      .map((p) => ({ id: p.id, name: p.name }));
  }

  /**
   * Validates a request for `client`: the redirect URI first (an `UnsafeRedirectError` is never
   * redirected), then everything else (a `ClientRedirect`).
   */
  async function validate(params: Params, client: OAuthClient | undefined) {
    const redirectUri = resolveRedirectUri(params, client);
    if (!client) throw new UnsafeRedirectError('client_id is missing or unknown'); // resolved above
    try {
      return { client, request: await checkAuthorizationRequest(params, client, redirectUri, resources) };
    } catch (error) {
      if (error instanceof OAuthError) throw new ClientRedirect(error, redirectUri, params.get('state'));
      throw error;
    }
  }

  /**
   * The client of `clientId`. With `refresh` (a request starting) a metadata document is fetched
   * when its cached copy expired; one that cannot be used is shown, never redirected to.
   */
  async function clientOf(clientId: string | undefined, refresh = false) {
    if (!clientId) return undefined;
    let app: OAuthApp | undefined;
    try {
      app = await clients.find(clientId, refresh);
    } catch (error) {
      // draft-ietf-oauth-client-id-metadata-document-00 §4.3: a fetch error aborts the request
      if (error instanceof ClientMetadataError)
        throw new UnsafeRedirectError(`the client metadata document cannot be used: ${error.message}`);
      throw error;
    }
    return app && { app, client: stores.apps.toClient(app) };
  }

  /**
   * `GET /oauth/authorize`: validates the request (or the pushed one its `request_uri` names) and
   * keeps it pending for `userId`, or for whoever signs in next when no one is signed in.
   * @returns the pending request's id, for the consent page
   */
  async function start(query: Params, userId: string | undefined): Promise<string> {
    let params = query;
    const found = await clientOf(params.isRepeated('client_id') ? undefined : params.get('client_id'), true);
    const client = found?.client;
    // RFC 9126 §4: a pushed request, used once, replaces the query parameters.
    const requestUri = params.get('request_uri');
    if (requestUri && client && !params.isRepeated('request_uri')) {
      const id = requestUri.startsWith(REQUEST_URI_PREFIX) ? requestUri.slice(REQUEST_URI_PREFIX.length) : '';
      const pushed = id ? readPending(await stores.requests.consume(id)) : undefined;
      if (pushed?.kind !== 'pushed' || pushed.appId !== client.id)
        throw new AuthorizationPageError('request_uri is invalid, expired or already used');
      params = Params.from(pushed.params);
    }
    const { request, client: verified } = await validate(params, client);
    const id = newId();
    await stores.requests.create({
      id,
      appId: verified.id,
      userId: userId ?? null,
      params: { request },
      expiresAt: expiresIn(PENDING_TTL),
    });
    return id;
  }

  /**
   * `POST /oauth/par`: validates a pushed request of an authenticated client and stores it for
   * one use through the returned `request_uri`.
   * @see https://www.rfc-editor.org/rfc/rfc9126#section-2.2
   */
  async function push(params: Params, client: OAuthClient) {
    // RFC 9126 §2.1: request_uri is not allowed inside a pushed request.
    if (params.get('request_uri')) throw new InvalidRequest('request_uri is not allowed in a pushed request');
    try {
      await validate(params, client);
    } catch (error) {
      // RFC 9126 §2.3: errors are answered to the client directly, as at the token endpoint.
      if (error instanceof ClientRedirect) throw error.error;
      if (error instanceof UnsafeRedirectError) throw new InvalidRequest(error.message);
      throw error;
    }
    const id = newId();
    const entries = params.entries().filter(([name]) => name !== 'client_secret');
    // The client authenticated itself; its client_id may have come from Basic credentials.
    if (!params.get('client_id')) entries.push(['client_id', client.clientId]);
    await stores.requests.create({
      id,
      appId: client.id,
      params: { entries },
      pushed: true,
      expiresAt: expiresIn(PAR_TTL),
    });
    return { request_uri: `${REQUEST_URI_PREFIX}${id}`, expires_in: PAR_TTL };
  }

  /**
   * The pending request `id` as `userId` may see it. Showing the consent page binds a request
   * made while signed out to whoever signed in for it; answering needs it bound to them already.
   */
  async function pendingFor(id: string, userId: string, bind: boolean) {
    const pending = readPending(await stores.requests.pending(id));
    const expired = 'This authorization request has expired or was already answered.';
    if (pending?.kind !== 'direct') throw new AuthorizationPageError(expired, 'gone');
    if (pending.userId !== userId) {
      // Answering needs the request already bound to this user; anything else finds nothing.
      if (!bind) throw new AuthorizationPageError(expired, 'gone');
      if (pending.userId)
        throw new AuthorizationPageError('This authorization request belongs to another user.', 'foreign');
      await stores.requests.bind(id, userId);
    }
    const found = await clientOf(pending.request.clientId);
    if (!found) throw new AuthorizationPageError('This application no longer exists.', 'gone');
    return { pending, ...found };
  }

  /** What the consent page of request `id` shows to `userId`. */
  async function consentView(id: string, userId: string): Promise<ConsentView> {
    const { pending, app, client } = await pendingFor(id, userId, true);
    const { request } = pending;
    let choices: ConsentView['projects'];
    if (request.needsProject) {
      choices = await eligibleProjects(userId, client);
      // A request naming a project the user cannot connect is refused, not silently changed.
      if (request.projectId && !choices.some((p) => p.id === request.projectId)) {
        await stores.requests.consume(id);
        const refusal = new InvalidRequest('project_id is not a project this user can authorize');
        throw new ClientRedirect(refusal, request.redirectUri, request.state);
      }
    }
    return {
      requestId: id,
      app: {
        name: app.name,
        description: app.description,
        ownerName: await stores.apps.ownerName(app.ownerId),
        logoUrl: app.logoUrl,
        verified: app.origin === 'owner',
        documentHost: app.origin === 'metadata_document' ? new URL(app.clientId).host : undefined,
      },
      scopes: request.scopes,
      details: request.details,
      resources: await resourceNames(request.resources),
      redirectUri: request.redirectUri,
      loopbackOnly: client.redirectUris.every(isLoopbackRedirectUri),
      projects: choices,
      selectedProjectId: request.projectId,
    };
  }

  /**
   * The user's answer on the consent page: a code for the client, or `access_denied`. A request
   * is answered once: the first submission wins, a replayed form finds nothing.
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
   */
  async function decide(
    id: string,
    userId: string,
    answer: { decision: string | null | undefined; projectId?: string },
  ): Promise<ClientResponse> {
    const { pending, client } = await pendingFor(id, userId, false);
    const { request } = pending;
    if (answer.decision !== 'approve' && answer.decision !== 'deny')
      throw new AuthorizationPageError('Choose approve or deny.');
    const approve = answer.decision === 'approve';
    const projectId = approve && request.needsProject ? answer.projectId : undefined;
    if (approve && request.needsProject) {
      // A forged or foreign project_id is refused: only the user's own owner/admin projects. The
      // project a request names is only preselected; the user's choice wins (contract).
      const allowed = await eligibleProjects(userId, client);
      if (!projectId || !allowed.some((p) => p.id === projectId))
        throw new ConsentChoiceError('Choose one of your projects where you are an owner or admin.');
    }
    if (!(await stores.requests.consume(id)))
      throw new AuthorizationPageError('This authorization request was already answered.', 'gone');

    if (!approve) {
      await stores.audit.write({ type: 'oauth.denied', userId, appId: client.id });
      throw new ClientRedirect(
        new AccessDenied('the user denied the request'),
        request.redirectUri,
        request.state,
      );
    }
    const code = await issueCode(request, client, userId, projectId);
    // RFC 9207 §2: `iss` in every authorization response.
    return { redirectUri: request.redirectUri, params: { code, state: request.state, iss: issuer } };
  }

  /** What the consent page calls the resources of a request (their identifiers when unknown by now). */
  async function resourceNames(identifiers: readonly string[]) {
    if (identifiers.length === 0) return [resources.fallback.name];
    const found = await Promise.all(identifiers.map((id) => resources.resolveResource(id)));
    return found.map((resource, i) => resource?.name ?? (identifiers[i] as string));
  }

  /** Records the grant the user approved and issues its one-time code. */
  async function issueCode(
    request: AuthorizationRequest,
    client: OAuthClient,
    userId: string,
    projectId: string | undefined,
  ) {
    const details = bindDetailsToProject(request.details, projectId);
    const grant = await stores.grants.upsert({
      id: newId(),
      userId,
      appId: client.id,
      projectId: projectId ?? null,
      scopes: request.scopes,
      details: details.length ? details : null,
      resources: request.resources,
    });
    const code = newAuthorizationCode();
    await stores.oauth.createCode({
      codeHash: hashToken(code),
      grantId: grant.id,
      appId: client.id,
      redirectUri: request.redirectUri,
      redirectUriGiven: request.redirectUriGiven,
      codeChallenge: request.codeChallenge,
      scopes: request.scopes,
      authorizationDetails: details.length ? details : null,
      resources: request.resources,
      expiresAt: expiresIn(CODE_TTL),
    });
    await stores.audit.write({
      type: 'oauth.approved',
      userId,
      appId: client.id,
      projectId: projectId ?? null,
      data: { grant_id: grant.id, scopes: request.scopes, resources: request.resources },
    });
    return code;
  }

  return { start, push, consentView, decide };
}

export type AuthorizationService = ReturnType<typeof authorizationService>;
export type { PendingRequest };
