import {
  checkAuthorizationRequest,
  InvalidRequest,
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

/**
 * Authorization requests (RFC 6749 §4.1.1, RFC 9126 PAR): validating them, and keeping them
 * pending across sign-in until the user answers on the consent page (`consent.ts`). Used by the
 * authorize and PAR routes; knows nothing of HTTP.
 */
export function authorizationService(
  stores: Stores,
  clients: ClientDirectory,
  resources: ResourceRegistry,
  now: () => Date = () => new Date(),
) {
  const expiresIn = (seconds: number) => new Date(now().getTime() + seconds * 1000);

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

  return { start, push, pending: pendingFor };
}

export type AuthorizationService = ReturnType<typeof authorizationService>;
export type { PendingRequest };
