import { beforeAll, describe, expect, it } from 'vitest';
import { api, bearer } from '../support/api';
import { useInstance } from '../support/fixtures';
import {
  authorizationCode,
  authorizeInBrowser,
  decodeJwtPayload,
  exchangeCode,
  oauthPost,
  pkce,
  type RegisteredApp,
} from '../support/oauth';
import { BACKENDS } from '../support/servers';

describe.each(BACKENDS)('resource indicators on %s (RFC 8707)', (backend) => {
  const hal = useInstance(backend, { app: { allowed_scopes: ['profile', 'apps:read'] } });
  let API: string;
  let MCP: string;
  let publicApp: RegisteredApp;

  beforeAll(async () => {
    API = `${hal.url}/api`;
    MCP = `${hal.url}/mcp`;
    publicApp = await hal.registerApp({ client_type: 'public', redirect_uris: ['http://127.0.0.1/cb'] });
  });

  const creds = (a: RegisteredApp = hal.app) => ({ id: a.client_id, secret: a.client_secret as string });
  const code = (resource?: string | string[], a: RegisteredApp = hal.app) =>
    authorizationCode(hal.user.browser, a, { scope: 'profile', state: 's', resource });
  const exchange = (c: Awaited<ReturnType<typeof code>>, resource?: string | string[]) =>
    oauthPost(
      hal.url,
      '/oauth/token',
      {
        grant_type: 'authorization_code',
        code: c.code,
        redirect_uri: c.redirectUri,
        code_verifier: c.verifier,
        resource,
      },
      creds(),
    );
  const refresh = (refreshToken: string, resource?: string | string[]) =>
    oauthPost(
      hal.url,
      '/oauth/token',
      { grant_type: 'refresh_token', refresh_token: refreshToken, resource },
      creds(),
    );
  const aud = (res: { json: { access_token: string } }) => decodeJwtPayload(res.json.access_token).aud;
  const me = (token: string) => api(hal.url, 'GET', '/api/v1/auth/me', { auth: bearer(token) });

  describe('audience', () => {
    it('is <issuer>/api when no request names a resource, as before resource indicators', async () => {
      const res = await exchangeCode(hal.url, hal.app, await code());
      expect(res.status).toBe(200);
      expect(aud(res)).toBe(API);
      expect((await me(res.json.access_token)).status).toBe(200);
      expect(aud(await refresh(res.json.refresh_token))).toBe(API);
    });

    it('is the resource named at authorization, with or without resource at the token endpoint', async () => {
      expect(aud(await exchange(await code(MCP)))).toBe(MCP);
      expect(aud(await exchange(await code(MCP), MCP))).toBe(MCP);
    });

    it('is an array when several resources were requested (RFC 8707 §2)', async () => {
      const res = await exchange(await code([API, MCP]));
      expect(aud(res)).toEqual([API, MCP]);
      expect((await me(res.json.access_token)).status).toBe(200);
    });

    it('accepts scheme and host in any case and issues the canonical identifier', async () => {
      const upper = MCP.replace('http://', 'HTTP://');
      expect(aud(await exchange(await code(upper), upper))).toBe(MCP);
    });

    it('is reported by introspection (RFC 7662 §2.2)', async () => {
      const res = await exchange(await code(MCP));
      const introspection = await oauthPost(
        hal.url,
        '/oauth/introspect',
        { token: res.json.access_token },
        creds(),
      );
      expect(introspection.json).toMatchObject({ active: true, aud: MCP });
    });
  });

  describe('narrowing (RFC 8707 §2.2)', () => {
    it('issues the code exchange for a subset and keeps the whole grant on the refresh token', async () => {
      const res = await exchange(await code([API, MCP]), MCP);
      expect(res.status).toBe(200);
      expect(aud(res)).toBe(MCP);
      const next = await refresh(res.json.refresh_token);
      expect(aud(next)).toEqual([API, MCP]);
      expect(aud(await refresh(next.json.refresh_token, API))).toBe(API);
    });

    it('refuses to widen at the code exchange with invalid_target', async () => {
      const res = await exchange(await code(), MCP);
      expect(res.status).toBe(400);
      expect(res.json).toEqual({
        error: 'invalid_target',
        error_description: 'resource exceeds the original grant',
      });
    });

    it('refuses to widen at refresh with invalid_target', async () => {
      const first = await exchange(await code(MCP));
      const res = await refresh(first.json.refresh_token, [MCP, API]);
      expect(res.status).toBe(400);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.json).toEqual({
        error: 'invalid_target',
        error_description: 'resource exceeds the original grant',
      });
      // Refused before rotation: the client keeps its refresh token.
      const next = await refresh(first.json.refresh_token, MCP);
      expect(next.status).toBe(200);
      expect(aud(next)).toBe(MCP);
    });

    it('keeps the recorded resources across rotations', async () => {
      let res = await exchange(await code(MCP));
      for (let i = 0; i < 2; i++) {
        res = await refresh(res.json.refresh_token);
        expect(aud(res)).toBe(MCP);
      }
    });
  });

  describe('invalid_target at the authorization endpoint (RFC 8707 §2, RFC 6749 §4.1.2.1)', () => {
    const authorize = (resource: string | string[]) => {
      const { challenge } = pkce();
      return authorizeInBrowser(hal.user.browser, {
        response_type: 'code',
        client_id: hal.app.client_id,
        redirect_uri: hal.app.redirect_uris[0],
        code_challenge: challenge,
        code_challenge_method: 'S256',
        scope: 'profile',
        state: 'xyz',
        resource,
      });
    };

    it.each([
      [
        'an unknown resource',
        'https://elsewhere.example/api',
        'unknown resource: https://elsewhere.example/api',
      ],
      [
        'a resource with a fragment',
        'https://elsewhere.example/api#x',
        'resource must be an absolute URI without a fragment',
      ],
      ['a relative resource', '/mcp', 'resource must be an absolute URI without a fragment'],
    ])('redirects %s with state and iss', async (_label, resource, description) => {
      const location = await authorize(resource);
      expect(location.origin + location.pathname).toBe(hal.app.redirect_uris[0]);
      expect(Object.fromEntries(location.searchParams)).toEqual({
        error: 'invalid_target',
        error_description: description,
        state: 'xyz',
        iss: hal.url,
      });
    });

    it('refuses an unknown resource even beside a known one', async () => {
      const location = await authorize([MCP, `${MCP}/`]);
      expect(location.searchParams.get('error')).toBe('invalid_target');
      expect(location.searchParams.get('error_description')).toBe(`unknown resource: ${MCP}/`);
    });
  });

  describe('invalid_target at the token endpoint', () => {
    it('answers 400 for an unknown resource and leaves the code usable', async () => {
      const c = await code(MCP);
      const res = await exchange(c, 'https://elsewhere.example/api');
      expect(res.status).toBe(400);
      expect(res.json).toEqual({
        error: 'invalid_target',
        error_description: 'unknown resource: https://elsewhere.example/api',
      });
      expect(aud(await exchange(c))).toBe(MCP);
    });

    it('answers 400 for a malformed resource at refresh and leaves the refresh token usable', async () => {
      const first = await exchange(await code(MCP));
      const res = await refresh(first.json.refresh_token, 'mcp');
      expect(res.json).toEqual({
        error: 'invalid_target',
        error_description: 'resource must be an absolute URI without a fragment',
      });
      expect((await refresh(first.json.refresh_token)).status).toBe(200);
    });

    it('reads resource from a JSON body, one value per array element', async () => {
      const c = await code([API, MCP]);
      const res = await api(hal.url, 'POST', '/oauth/token', {
        body: {
          grant_type: 'authorization_code',
          code: c.code,
          redirect_uri: c.redirectUri,
          code_verifier: c.verifier,
          client_id: hal.app.client_id,
          client_secret: hal.app.client_secret,
          resource: [MCP, API],
        },
      });
      expect(res.status).toBe(200);
      expect(aud(res)).toEqual([MCP, API]);
    });
  });

  describe('client_credentials', () => {
    it('issues a token for the requested resource, and for <issuer>/api without one', async () => {
      const grant = (resource?: string) =>
        oauthPost(
          hal.url,
          '/oauth/token',
          { grant_type: 'client_credentials', scope: 'apps:read', resource },
          creds(),
        );
      expect(aud(await grant())).toBe(API);
      expect(aud(await grant(MCP))).toBe(MCP);
      expect((await grant('https://elsewhere.example/')).json.error).toBe('invalid_target');
    });
  });

  describe('pushed authorization requests (RFC 9126)', () => {
    const push = (resource: string) => {
      const { verifier, challenge } = pkce();
      const fields = {
        response_type: 'code',
        client_id: publicApp.client_id,
        redirect_uri: publicApp.redirect_uris[0],
        code_challenge: challenge,
        code_challenge_method: 'S256',
        scope: 'profile',
        resource,
      };
      return { verifier, res: oauthPost(hal.url, '/oauth/par', fields) };
    };

    it('carries resource through request_uri into the token', async () => {
      const pushed = push(MCP);
      const res = await pushed.res;
      expect(res.status).toBe(201);
      const redirect = await authorizeInBrowser(hal.user.browser, {
        client_id: publicApp.client_id,
        request_uri: res.json.request_uri,
      });
      const token = await exchangeCode(hal.url, publicApp, {
        code: redirect.searchParams.get('code') as string,
        verifier: pushed.verifier,
        redirectUri: publicApp.redirect_uris[0] as string,
      });
      expect(aud(token)).toBe(MCP);
    });

    it('answers an unknown resource with 400 invalid_target', async () => {
      const res = await push('https://elsewhere.example/mcp').res;
      expect(res.status).toBe(400);
      expect(res.json).toEqual({
        error: 'invalid_target',
        error_description: 'unknown resource: https://elsewhere.example/mcp',
      });
    });
  });

  describe('each resource accepts only its own tokens (RFC 8707 §2, RFC 9068 §4)', () => {
    it('refuses a token for <issuer>/mcp at /api/v1 with 401 invalid_token naming /api metadata', async () => {
      const res = await exchange(await code(MCP));
      const refused = await me(res.json.access_token);
      expect(refused.status).toBe(401);
      expect(refused.json.error.code).toBe('invalid_token');
      expect(refused.headers.get('www-authenticate')).toBe(
        `Bearer realm="hal", error="invalid_token", error_description="the credentials are invalid, expired or revoked", resource_metadata="${hal.url}/.well-known/oauth-protected-resource/api"`,
      );
    });

    it('lets the /mcp verifier accept only tokens whose aud names /mcp', async () => {
      const { oauth } = hal.srv.services;
      const forApi = (await exchange(await code())).json.access_token;
      const forMcp = (await exchange(await code(MCP))).json.access_token;
      const forBoth = (await exchange(await code([API, MCP]))).json.access_token;
      expect(await oauth.verifyAccessToken(forApi, MCP)).toBeUndefined();
      expect(await oauth.verifyAccessToken(forMcp, MCP)).toMatchObject({ method: 'oauth' });
      expect(await oauth.verifyAccessToken(forBoth, MCP)).toMatchObject({ method: 'oauth' });
      expect(await oauth.verifyAccessToken(forMcp, API)).toBeUndefined();
    });
  });

  describe('consent', () => {
    it('names the resources the access is for', async () => {
      const { challenge } = pkce();
      const page = await hal.user.browser.fetch(
        `/oauth/authorize?${new URLSearchParams([
          ['response_type', 'code'],
          ['client_id', hal.app.client_id],
          ['redirect_uri', hal.app.redirect_uris[0] as string],
          ['code_challenge', challenge],
          ['code_challenge_method', 'S256'],
          ['scope', 'profile'],
          ['resource', API],
          ['resource', MCP],
        ])}`,
      );
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('For use with HAL API and HAL MCP server.');
    });
  });
});
