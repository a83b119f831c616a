import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, bearer } from '../support/api';
import { Browser, basic, signUp } from '../support/browser';
import { signUpUser } from '../support/fixtures';
import {
  authorizePath,
  consentForm,
  oauthPost,
  pkce,
  type RegisteredApp,
  registerApp,
} from '../support/oauth';
import { BACKENDS, startCluster, type TestServer } from '../support/servers';

/** The same browser (cookies) talking to another server of the cluster. */
function over(browser: Browser, base: string) {
  const other = new Browser(base);
  for (const [k, v] of browser.cookies) other.cookies.set(k, v);
  return other;
}

describe.runIf(BACKENDS.includes('postgres'))('two HAL servers on one PostgreSQL behave as one', () => {
  let a: TestServer;
  let b: TestServer;
  let browser: Browser;
  let owner: string;
  let app: RegisteredApp;
  const issuer = 'http://hal.test';

  beforeAll(async () => {
    [a, b] = (await startCluster(2, { HAL_ISSUER: issuer, HAL_RATE_LIMIT_LOGIN_ACCOUNT: '3' })) as [
      TestServer,
      TestServer,
    ];
    ({ browser, auth: owner } = await signUpUser(a.url));
    app = await registerApp(b.url, owner, { allowed_scopes: ['profile'] });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  const creds = () => ({ id: app.client_id, secret: app.client_secret as string });

  /** Exchanges a code at `server`'s token endpoint. */
  const exchange = (server: TestServer, code: string, verifier: string) =>
    oauthPost(
      server.url,
      '/oauth/token',
      { grant_type: 'authorization_code', code, redirect_uri: app.redirect_uris[0], code_verifier: verifier },
      creds(),
    );

  /** Authorize on server A (consent form from A, decision posted to B), returning code + verifier. */
  async function codeAcross() {
    const { verifier, challenge } = pkce();
    const page = await browser.fetch(
      authorizePath({
        response_type: 'code',
        client_id: app.client_id,
        redirect_uri: app.redirect_uris[0],
        code_challenge: challenge,
        code_challenge_method: 'S256',
        scope: 'profile',
        state: 'st',
      }),
    );
    expect(page.status).toBe(200);
    const form = consentForm(await page.text());
    const decision = await over(browser, b.url).post('/oauth/authorize/decision', {
      csrf: form.csrf as string,
      request_id: form.requestId as string,
      decision: 'approve',
    });
    expect(decision.status).toBe(303);
    const location = new URL(decision.headers.get('location') as string);
    expect(location.searchParams.get('iss')).toBe(issuer);
    return { code: location.searchParams.get('code') as string, verifier };
  }

  it('authorizes on one server and exchanges the code on the other; replay on the first fails', async () => {
    const { code, verifier } = await codeAcross();
    const body = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: app.redirect_uris[0],
      code_verifier: verifier,
    };
    const token = await oauthPost(b.url, '/oauth/token', body, creds());
    expect(token.status).toBe(200);
    expect(
      (await api(a.url, 'GET', '/api/v1/auth/me', { auth: bearer(token.json.access_token) })).status,
    ).toBe(200);
    const replay = await oauthPost(a.url, '/oauth/token', body, creds());
    expect(replay.json.error).toBe('invalid_grant');
    expect(
      (await api(b.url, 'GET', '/api/v1/auth/me', { auth: bearer(token.json.access_token) })).status,
    ).toBe(401);
  });

  it('refreshes on one server; replaying the old refresh token on the other revokes the grant', async () => {
    const { code, verifier } = await codeAcross();
    const first = (await exchange(a, code, verifier)).json;
    const rotated = await oauthPost(
      a.url,
      '/oauth/token',
      { grant_type: 'refresh_token', refresh_token: first.refresh_token },
      creds(),
    );
    expect(rotated.status).toBe(200);
    const replay = await oauthPost(
      b.url,
      '/oauth/token',
      { grant_type: 'refresh_token', refresh_token: first.refresh_token },
      creds(),
    );
    expect(replay.json.error).toBe('invalid_grant');
    expect(
      (await api(a.url, 'GET', '/api/v1/auth/me', { auth: bearer(rotated.json.access_token) })).status,
    ).toBe(401);
  });

  it('revokes on one server and the other refuses at once', async () => {
    const { code, verifier } = await codeAcross();
    const t = (await exchange(b, code, verifier)).json;
    expect((await oauthPost(a.url, '/oauth/revoke', { token: t.access_token }, creds())).status).toBe(200);
    expect((await api(b.url, 'GET', '/api/v1/auth/me', { auth: bearer(t.access_token) })).status).toBe(401);
    expect(
      (await oauthPost(b.url, '/oauth/introspect', { token: t.access_token }, creds())).json.active,
    ).toBe(false);
  });

  it('drops the cached app on the other server when its secret is rotated (LISTEN/NOTIFY)', async () => {
    const own = await registerApp(a.url, owner, { allowed_scopes: ['profile'] });
    const old = { id: own.client_id, secret: own.client_secret as string };
    // Server B caches the app while authenticating it.
    expect((await oauthPost(b.url, '/oauth/token', { grant_type: 'client_credentials' }, old)).status).toBe(
      200,
    );
    const rotated = await api(a.url, 'POST', `/api/v1/oauth/apps/${own.id}/secret`, { auth: owner });
    const fresh = { id: own.client_id, secret: rotated.json.data.client_secret as string };
    await expect
      .poll(
        async () =>
          (await oauthPost(b.url, '/oauth/token', { grant_type: 'client_credentials' }, old)).status,
        { timeout: 2000, interval: 20 },
      )
      .toBe(401);
    expect((await oauthPost(b.url, '/oauth/token', { grant_type: 'client_credentials' }, fresh)).status).toBe(
      200,
    );
  });

  it('counts login throttling across both servers', async () => {
    const { account } = await signUp(a.url);
    const statuses: number[] = [];
    for (const srv of [a, b, a, b]) {
      statuses.push(
        (await api(srv.url, 'GET', '/api/v1/auth/me', { auth: basic(account.email, 'wrong password') }))
          .status,
      );
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
  });

  it('accepts a session cookie and a CSRF token issued by the other server', async () => {
    const fromB = over(browser, b.url);
    expect((await fromB.fetch('/')).status).toBe(200);
    const { csrf } = await browser.page('/logout');
    expect((await fromB.post('/logout', { csrf })).status).toBe(303);
    expect((await browser.fetch('/')).status).toBe(302); // signed out everywhere
  });
});
