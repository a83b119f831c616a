import { beforeAll, describe, expect, it } from 'vitest';
import { api, bearer } from '../support/api';
import { useInstance } from '../support/fixtures';
import {
  authorizationCode,
  codeFlow,
  decodeJwtPayload,
  oauthPost,
  type RegisteredApp,
} from '../support/oauth';
import { BACKENDS } from '../support/servers';

describe.each(BACKENDS)('token endpoint on %s (RFC 6749 §4.1.3, §5, §6)', (backend) => {
  const hal = useInstance(backend, { app: { allowed_scopes: ['profile', 'apps:read'] } });
  let publicApp: RegisteredApp;

  beforeAll(async () => {
    publicApp = await hal.registerApp({ client_type: 'public', redirect_uris: ['http://127.0.0.1/cb'] });
  });

  const creds = (a: RegisteredApp = hal.app) => ({ id: a.client_id, secret: a.client_secret as string });

  /** Runs the browser part and returns a fresh code with its verifier. */
  const code = (a: RegisteredApp = hal.app) =>
    authorizationCode(hal.user.browser, a, { scope: 'profile', state: 's' });

  async function tokens(a: RegisteredApp = hal.app) {
    const { res } = await codeFlow(hal.url, hal.user.browser, a, { scope: 'profile', state: 's' });
    if (res.status !== 200) throw new Error(res.text);
    return res.json as { access_token: string; refresh_token: string };
  }

  const refresh = (refreshToken: string, a: RegisteredApp = hal.app, extra: Record<string, string> = {}) =>
    oauthPost(
      hal.url,
      '/oauth/token',
      { grant_type: 'refresh_token', refresh_token: refreshToken, ...extra },
      creds(a),
    );
  const me = (accessToken: string) => api(hal.url, 'GET', '/api/v1/auth/me', { auth: bearer(accessToken) });

  describe('authorization_code', () => {
    it('rejects a replayed code with invalid_grant and revokes its tokens (RFC 6749 §4.1.2)', async () => {
      const c = await code();
      const body = {
        grant_type: 'authorization_code',
        code: c.code,
        redirect_uri: c.redirectUri,
        code_verifier: c.verifier,
      };
      const first = await oauthPost(hal.url, '/oauth/token', body, creds());
      expect(first.status).toBe(200);
      expect((await me(first.json.access_token)).status).toBe(200);
      const second = await oauthPost(hal.url, '/oauth/token', body, creds());
      expect(second.status).toBe(400);
      expect(second.json).toEqual({ error: 'invalid_grant', error_description: 'code was already used' });
      expect((await me(first.json.access_token)).status).toBe(401);
      expect((await refresh(first.json.refresh_token)).json.error).toBe('invalid_grant');
    });

    it('lets exactly one of two concurrent exchanges of one code win', async () => {
      const c = await code();
      const body = {
        grant_type: 'authorization_code',
        code: c.code,
        redirect_uri: c.redirectUri,
        code_verifier: c.verifier,
      };
      const results = await Promise.all([
        oauthPost(hal.url, '/oauth/token', body, creds()),
        oauthPost(hal.url, '/oauth/token', body, creds()),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
    });

    it.each([
      [
        'a wrong code_verifier',
        { code_verifier: 'A'.repeat(43) },
        'invalid_grant',
        'code_verifier does not match the code_challenge',
      ],
      [
        'a missing code_verifier',
        { code_verifier: undefined },
        'invalid_request',
        'code_verifier is required',
      ],
      [
        'another redirect_uri',
        { redirect_uri: 'https://client.example/other' },
        'invalid_grant',
        'redirect_uri does not match the authorization request',
      ],
      [
        'no redirect_uri although the request had one',
        { redirect_uri: undefined },
        'invalid_grant',
        'redirect_uri does not match the authorization request',
      ],
      ['an unknown code', { code: 'nope' }, 'invalid_grant', 'code is invalid'],
    ])('rejects %s (RFC 7636 §4.6, RFC 6749 §4.1.3)', async (_label, change, error, description) => {
      const c = await code();
      const res = await oauthPost(
        hal.url,
        '/oauth/token',
        {
          grant_type: 'authorization_code',
          code: c.code,
          redirect_uri: c.redirectUri,
          code_verifier: c.verifier,
          ...change,
        },
        creds(),
      );
      expect(res.status).toBe(400);
      expect(res.json).toEqual({ error, error_description: description });
    });

    it('rejects a code presented by another client with invalid_grant (RFC 6749 §4.1.3)', async () => {
      const other = await hal.registerApp();
      const c = await code();
      const res = await oauthPost(
        hal.url,
        '/oauth/token',
        {
          grant_type: 'authorization_code',
          code: c.code,
          redirect_uri: c.redirectUri,
          code_verifier: c.verifier,
        },
        creds(other),
      );
      expect(res.json).toEqual({
        error: 'invalid_grant',
        error_description: 'code was issued to another client',
      });
    });

    it('rejects an expired code with invalid_grant (codes live at most 600 s)', async () => {
      const c = await code();
      const { authorizationCodes } = (await import('@hal/db')).schema;
      const { sql } = await import('drizzle-orm');
      await hal.srv.database.db
        .update(authorizationCodes)
        .set({ expiresAt: sql`now() - interval '1 second'` });
      const res = await oauthPost(
        hal.url,
        '/oauth/token',
        {
          grant_type: 'authorization_code',
          code: c.code,
          redirect_uri: c.redirectUri,
          code_verifier: c.verifier,
        },
        creds(),
      );
      expect(res.json).toEqual({ error: 'invalid_grant', error_description: 'code has expired' });
    });

    it('serves a public client with PKCE and no secret (token_endpoint_auth_method none)', async () => {
      const c = await code(publicApp);
      const res = await oauthPost(hal.url, '/oauth/token', {
        grant_type: 'authorization_code',
        code: c.code,
        redirect_uri: c.redirectUri,
        code_verifier: c.verifier,
        client_id: publicApp.client_id,
      });
      expect(res.status).toBe(200);
      expect(res.json.refresh_token).toMatch(/^hal_rt_/);
    });

    it('accepts a JSON body and a Content-Type with parameters', async () => {
      const c = await code();
      const res = await api(hal.url, 'POST', '/oauth/token', {
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: {
          grant_type: 'authorization_code',
          code: c.code,
          redirect_uri: c.redirectUri,
          code_verifier: c.verifier,
          client_id: hal.app.client_id,
          client_secret: hal.app.client_secret,
        },
      });
      expect(res.status).toBe(200);
      const form = await code();
      const viaForm = await api(hal.url, 'POST', '/oauth/token', {
        headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: form.code,
          redirect_uri: form.redirectUri,
          code_verifier: form.verifier,
          client_id: hal.app.client_id,
          client_secret: hal.app.client_secret as string,
        }).toString(),
      });
      expect(viaForm.status).toBe(200);
    });
  });

  describe('client authentication (RFC 6749 §2.3, §5.2)', () => {
    it('answers 401 invalid_client with WWW-Authenticate: Basic for a wrong secret', async () => {
      const res = await oauthPost(
        hal.url,
        '/oauth/token',
        { grant_type: 'client_credentials' },
        { id: hal.app.client_id, secret: 'hal_cs_wrong' },
      );
      expect(res.status).toBe(401);
      expect(res.json.error).toBe('invalid_client');
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    });

    it('decodes form-urlencoded Basic credentials (RFC 6749 §2.3.1)', async () => {
      const raw = `Basic ${Buffer.from(`${encodeURIComponent(hal.app.client_id)}:${encodeURIComponent(hal.app.client_secret as string)}`).toString('base64')}`;
      const res = await api(hal.url, 'POST', '/oauth/token', {
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: raw },
        body: 'grant_type=client_credentials',
      });
      expect(res.status).toBe(200);
    });

    it('refuses two authentication methods at once with invalid_request', async () => {
      const res = await oauthPost(
        hal.url,
        '/oauth/token',
        { grant_type: 'client_credentials', client_secret: hal.app.client_secret },
        creds(),
      );
      expect(res.json).toEqual({
        error: 'invalid_request',
        error_description: 'client authentication must use only one method',
      });
    });

    it('refuses client credentials in the query string', async () => {
      const res = await api(
        hal.url,
        'POST',
        `/oauth/token?client_id=${hal.app.client_id}&client_secret=${hal.app.client_secret}`,
        {
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=client_credentials',
        },
      );
      expect(res.status).toBe(400);
      expect(res.json.error).toBe('invalid_request');
    });

    it('refuses a confidential client without its secret (401 invalid_client)', async () => {
      const res = await oauthPost(hal.url, '/oauth/token', {
        grant_type: 'client_credentials',
        client_id: hal.app.client_id,
      });
      expect(res.status).toBe(401);
    });

    it('refuses GET with 405 and a JSON error', async () => {
      const res = await api(hal.url, 'GET', '/oauth/token?grant_type=client_credentials');
      expect(res.status).toBe(405);
      expect(res.json.error).toBe('invalid_request');
    });

    it.each([
      ['grant_type=password&username=a&password=b', 'unsupported_grant_type'],
      ['grant_type=client_credentials&grant_type=client_credentials', 'invalid_request'],
      ['', 'invalid_request'],
    ])('answers %j with %s', async (body, error) => {
      const res = await api(hal.url, 'POST', '/oauth/token', {
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${hal.app.client_id}:${hal.app.client_secret}`).toString('base64')}`,
        },
        body,
      });
      expect(res.status).toBe(400);
      expect(res.json.error).toBe(error);
      expect(res.headers.get('cache-control')).toBe('no-store');
    });

    it('refuses an unparseable JSON body with 400 invalid_request', async () => {
      const res = await api(hal.url, 'POST', '/oauth/token', {
        headers: { 'content-type': 'application/json' },
        body: '{"grant_type":',
      });
      expect(res.status).toBe(400);
      expect(res.json).toEqual({
        error: 'invalid_request',
        error_description: 'request body is not valid JSON',
      });
    });
  });

  describe('client_credentials (RFC 6749 §4.4)', () => {
    it('issues a token acting as the app owner, without refresh token', async () => {
      const res = await oauthPost(
        hal.url,
        '/oauth/token',
        { grant_type: 'client_credentials', scope: 'profile' },
        creds(),
      );
      expect(res.status).toBe(200);
      expect(res.json).not.toHaveProperty('refresh_token');
      expect(res.json.scope).toBe('profile');
      expect(decodeJwtPayload(res.json.access_token).sub).toBe(hal.app.client_id);
      const who = await me(res.json.access_token);
      expect(who.json.data.auth).toMatchObject({ method: 'oauth', client_id: hal.app.client_id });
    });

    it('answers, as introspection does, in JSON with no-store, no-cache and the headers of every response', async () => {
      const issued = await oauthPost(
        hal.url,
        '/oauth/token',
        { grant_type: 'client_credentials', scope: 'profile' },
        creds(),
      );
      const introspected = await oauthPost(
        hal.url,
        '/oauth/introspect',
        { token: issued.json.access_token },
        creds(),
      );
      expect(introspected.json).toMatchObject({ active: true, client_id: hal.app.client_id });
      for (const res of [issued, introspected]) {
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe('application/json');
        // RFC 6749 §5.1: "Cache-Control" no-store and "Pragma" no-cache.
        expect(res.headers.get('cache-control')).toBe('no-store');
        expect(res.headers.get('pragma')).toBe('no-cache');
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
        expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      }
    });

    it('refuses project scopes and scopes outside the app (invalid_scope)', async () => {
      for (const scope of ['widget:serve', 'apps:write', 'bogus']) {
        const res = await oauthPost(
          hal.url,
          '/oauth/token',
          { grant_type: 'client_credentials', scope },
          creds(),
        );
        expect(res.json.error).toBe('invalid_scope');
      }
    });

    it('refuses public clients with unauthorized_client', async () => {
      const res = await oauthPost(hal.url, '/oauth/token', {
        grant_type: 'client_credentials',
        client_id: publicApp.client_id,
      });
      expect(res.json.error).toBe('unauthorized_client');
    });

    it('honours the app access_token_ttl', async () => {
      const short = await hal.registerApp({ allowed_scopes: ['profile'], access_token_ttl: 60 });
      const res = await oauthPost(
        hal.url,
        '/oauth/token',
        { grant_type: 'client_credentials' },
        creds(short),
      );
      expect(res.json.expires_in).toBe(60);
      const claims = decodeJwtPayload(res.json.access_token);
      expect(claims.exp - claims.iat).toBe(60);
    });
  });

  describe('refresh_token (RFC 6749 §6, RFC 9700 §4.14.2)', () => {
    it('rotates on every use; the old token presented again revokes the whole grant', async () => {
      const first = await tokens();
      const second = await refresh(first.refresh_token);
      expect(second.status).toBe(200);
      const replay = await refresh(first.refresh_token);
      expect(replay.json).toEqual({
        error: 'invalid_grant',
        error_description: 'refresh_token was already used',
      });
      // Everything of the grant is dead now, including the tokens of the legitimate rotation.
      expect((await refresh(second.json.refresh_token)).json.error).toBe('invalid_grant');
      expect((await me(second.json.access_token)).status).toBe(401);
      expect((await me(first.access_token)).status).toBe(401);
    });

    it('lets exactly one of two concurrent uses of one refresh token succeed', async () => {
      const first = await tokens();
      const results = await Promise.all([refresh(first.refresh_token), refresh(first.refresh_token)]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
    });

    it('binds the refresh token to its client (invalid_grant for another client)', async () => {
      const first = await tokens();
      const other = await hal.registerApp();
      expect((await refresh(first.refresh_token, other)).json.error).toBe('invalid_grant');
      expect((await refresh(first.refresh_token)).status).toBe(200); // not burnt by the attempt
    });

    it('may narrow but never widen the scope (invalid_scope), refusing before the token is spent', async () => {
      const first = await tokens();
      const wider = await refresh(first.refresh_token, hal.app, { scope: 'profile apps:read' });
      expect(wider.json).toEqual({
        error: 'invalid_scope',
        error_description: 'scope exceeds the original grant',
      });
      // Not rotated by the refused request: it still works, once.
      const next = await refresh(first.refresh_token, hal.app, { scope: 'profile' });
      expect(next.status).toBe(200);
      expect(next.json.scope).toBe('profile');
    });

    it('revokes the grant when a rotated token is replayed asking for a wider scope', async () => {
      const first = await tokens();
      const second = await refresh(first.refresh_token);
      expect(second.status).toBe(200);
      const replay = await refresh(first.refresh_token, hal.app, { scope: 'profile apps:read' });
      expect(replay.json.error_description).toBe('refresh_token was already used');
      expect((await refresh(second.json.refresh_token)).json.error).toBe('invalid_grant');
    });

    it('stops working once the app secret is rotated', async () => {
      const own = await hal.registerApp();
      const first = await tokens(own);
      const rotated = await api(hal.url, 'POST', `/api/v1/oauth/apps/${own.id}/secret`, {
        auth: hal.user.auth,
      });
      const fresh = { ...own, client_secret: rotated.json.data.client_secret };
      expect((await refresh(first.refresh_token, fresh)).json.error).toBe('invalid_grant');
    });
  });

  describe('refresh reuse grace period (refresh_reuse_grace)', () => {
    it('gives a retry within the window the same successor, revoking nothing', async () => {
      const graceful = await hal.registerApp({ refresh_reuse_grace: 30 });
      const first = await tokens(graceful);
      const a = await refresh(first.refresh_token, graceful);
      const b = await refresh(first.refresh_token, graceful);
      expect(a.status).toBe(200);
      expect(b.status).toBe(200);
      expect(b.json.refresh_token).toBe(a.json.refresh_token);
      expect(b.json.access_token).not.toBe(a.json.access_token);
      expect((await me(a.json.access_token)).status).toBe(200);
      expect((await refresh(a.json.refresh_token, graceful)).status).toBe(200);
    });

    it('has every concurrent caller end with the one live refresh token', async () => {
      const graceful = await hal.registerApp({ refresh_reuse_grace: 30 });
      const first = await tokens(graceful);
      const results = await Promise.all(
        Array.from({ length: 5 }, () => refresh(first.refresh_token, graceful)),
      );
      expect(results.every((r) => r.status === 200)).toBe(true);
      expect(new Set(results.map((r) => r.json.refresh_token)).size).toBe(1);
    });

    it('revokes the grant on reuse after the window', async () => {
      const graceful = await hal.registerApp({ refresh_reuse_grace: 1 });
      const first = await tokens(graceful);
      const a = await refresh(first.refresh_token, graceful);
      await new Promise((r) => setTimeout(r, 1200));
      expect((await refresh(first.refresh_token, graceful)).json.error).toBe('invalid_grant');
      expect((await refresh(a.json.refresh_token, graceful)).json.error).toBe('invalid_grant');
    });

    it('revokes the grant when the successor was already rotated, even inside the window', async () => {
      const graceful = await hal.registerApp({ refresh_reuse_grace: 30 });
      const first = await tokens(graceful);
      const a = await refresh(first.refresh_token, graceful);
      const b = await refresh(a.json.refresh_token, graceful);
      expect(b.status).toBe(200);
      expect((await refresh(first.refresh_token, graceful)).json.error).toBe('invalid_grant');
      expect((await refresh(b.json.refresh_token, graceful)).json.error).toBe('invalid_grant');
    });
  });
});
