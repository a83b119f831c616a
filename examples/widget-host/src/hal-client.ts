import * as oauth from 'oauth4webapi';
import type { HostConfig } from './config';

/** What the host keeps about its one HAL connection (the token response plus the project). */
export interface Connection {
  accessToken: string;
  refreshToken: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  projectId: string;
  projectName: string;
  /** The project's public widget id (`hal_wa_…`), read from `GET /api/v1/projects/{id}`. */
  appId: string;
  widgetScriptUrl: string;
  apiBaseUrl: string;
}

/** `POST /api/oauth/widget/sign-identity` answer. */
export interface SignedIdentity {
  user_id: string;
  user_hash: string;
  user_jwt: string;
  project_id: string;
}

/** A failed call to HAL's REST API; `status` 401 means the connection is gone. */
export class HalApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(`HAL answered ${status} ${code}`);
    this.name = 'HalApiError';
  }
}

/** A callback that does not belong to the request this host made (wrong `state` or `iss`). */
export class CallbackError extends Error {
  override name = 'CallbackError';
}

/** An answer from HAL that lacks a field the host relies on. */
export class HalAnswerError extends Error {
  override name = 'HalAnswerError';
}

const text = (value: unknown, field: string): string => {
  if (typeof value !== 'string' || !value) throw new HalAnswerError(`HAL's answer lacks ${field}`);
  return value;
};

/** HAL as an OAuth 2.1 authorization server (through oauth4webapi) and a REST API. */
export function halClient(config: HostConfig, now: () => number) {
  const issuer = new URL(config.halUrl);
  // oauth4webapi refuses plain http unless told; HAL runs on http only on a developer's machine.
  const http = { [oauth.allowInsecureRequests]: issuer.protocol === 'http:' };
  const client: oauth.Client = { client_id: config.clientId };
  const clientAuth = oauth.ClientSecretBasic(config.clientSecret);
  const redirectUri = `${config.publicUrl}/callback`;
  let metadata: Promise<oauth.AuthorizationServer> | undefined;

  /** RFC 8414 discovery, once; a failure is retried on the next call. */
  function server(): Promise<oauth.AuthorizationServer> {
    metadata ??= oauth
      .discoveryRequest(issuer, { algorithm: 'oauth2', ...http })
      .then((res) => oauth.processDiscoveryResponse(issuer, res))
      .catch((err: unknown) => {
        metadata = undefined;
        throw err;
      });
    return metadata;
  }

  async function api<T>(token: string, method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(new URL(path, issuer), {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json().catch(() => undefined)) as { error?: { code?: string } } | undefined;
    if (!res.ok) throw new HalApiError(res.status, json?.error?.code ?? 'unknown_error');
    return json as T;
  }

  /** Turns a token response into a connection, keeping what a refresh response leaves out. */
  async function connectionFrom(t: oauth.TokenEndpointResponse, previous?: Connection): Promise<Connection> {
    const accessToken = t.access_token;
    const projectId =
      typeof t.project_id === 'string' ? t.project_id : text(previous?.projectId, 'project_id');
    const project =
      previous?.projectId === projectId
        ? { name: previous.projectName, app_id: previous.appId }
        : (
            await api<{ data: { name: string; app_id: string } }>(
              accessToken,
              'GET',
              `/api/v1/projects/${encodeURIComponent(projectId)}`,
            )
          ).data;
    return {
      accessToken,
      // RFC 9700 §4.14.2: HAL rotates refresh tokens, so the new one replaces the old one.
      refreshToken: text(t.refresh_token ?? previous?.refreshToken, 'refresh_token'),
      expiresAt: now() + (t.expires_in ?? 0) * 1000,
      projectId,
      projectName: text(project.name, 'project name'),
      appId: text(project.app_id, 'app_id'),
      widgetScriptUrl: text(t.widget_script_url ?? previous?.widgetScriptUrl, 'widget_script_url'),
      apiBaseUrl: text(t.api_base_url ?? previous?.apiBaseUrl, 'api_base_url'),
    };
  }

  return {
    /** The authorization request: code flow, PKCE S256 (RFC 7636), optional `project_id`. */
    async authorizationUrl(p: { state: string; verifier: string; projectId?: string }): Promise<URL> {
      const url = new URL(text((await server()).authorization_endpoint, 'authorization_endpoint'));
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('client_id', config.clientId);
      url.searchParams.set('redirect_uri', redirectUri);
      url.searchParams.set('scope', 'widget:serve projects:read');
      url.searchParams.set('state', p.state);
      url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(p.verifier));
      url.searchParams.set('code_challenge_method', 'S256');
      if (p.projectId) url.searchParams.set('project_id', p.projectId);
      return url;
    },

    /** Checks `state` and `iss` (RFC 9207) on the callback, then redeems the code. */
    async redeem(callback: URL, expected: { state: string; verifier: string }): Promise<Connection> {
      const as = await server();
      let params: URLSearchParams;
      try {
        params = oauth.validateAuthResponse(as, client, callback, expected.state);
      } catch (err) {
        // HAL's own refusal (access_denied, …) stays as it is; anything else is a forged or mixed-up callback.
        if (err instanceof oauth.AuthorizationResponseError || !(err instanceof Error)) throw err;
        throw new CallbackError(err.message);
      }
      const res = await oauth.authorizationCodeGrantRequest(
        as,
        client,
        clientAuth,
        params,
        redirectUri,
        expected.verifier,
        http,
      );
      return connectionFrom(await oauth.processAuthorizationCodeResponse(as, client, res));
    },

    /** The refresh_token grant; the answer carries a new refresh token that replaces the old one. */
    async refresh(current: Connection): Promise<Connection> {
      const as = await server();
      const res = await oauth.refreshTokenGrantRequest(as, client, clientAuth, current.refreshToken, http);
      return connectionFrom(await oauth.processRefreshTokenResponse(as, client, res), current);
    },

    /** Signs a visitor of this host for the connected project's widget. */
    signIdentity(token: string, user: { user_id: string; name?: string; email?: string }) {
      return api<SignedIdentity>(token, 'POST', '/api/oauth/widget/sign-identity', user);
    },
  };
}

export type HalClient = ReturnType<typeof halClient>;
