import { describe, expect, it } from 'vitest';
import { api, bearer } from '../support/api';
import { basic, signUp } from '../support/browser';
import { useInstance } from '../support/fixtures';
import { BACKENDS, startTestServer } from '../support/servers';

describe.each(BACKENDS)('API authentication on %s (RFC 6750 §3)', (backend) => {
  const hal = useInstance(backend, { env: { HAL_RATE_LIMIT_LOGIN_ACCOUNT: '1000' }, user: { login: true } });

  it('issues a session JWT signed by a key published in the JWKS', async () => {
    const login = await api(hal.url, 'POST', '/api/v1/auth/login', {
      body: { email: hal.user.account.email, password: hal.user.account.password },
    });
    expect(login.json.data.expires_in).toBe(3600);
    expect(login.headers.get('cache-control')).toBe('no-store');
    const [header] = login.json.data.token.split('.');
    const { kid, alg, typ } = JSON.parse(Buffer.from(header, 'base64url').toString());
    expect(alg).toBe('ES256');
    expect(typ).toBe('hal-session+jwt');
    const jwks = await api(hal.url, 'GET', '/.well-known/jwks.json');
    expect(jwks.json.keys.map((k: { kid: string }) => k.kid)).toContain(kid);
    expect(JSON.stringify(jwks.json)).not.toMatch(/"d":/); // no private parts
  });

  it('refuses a wrong password at /api/v1/auth/login with 401', async () => {
    const res = await api(hal.url, 'POST', '/api/v1/auth/login', {
      body: { email: hal.user.account.email, password: 'nope nope' },
    });
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe('invalid_credentials');
  });

  it('answers /auth/me for a session JWT with method "session"', async () => {
    const res = await api(hal.url, 'GET', '/api/v1/auth/me', { auth: bearer(hal.user.session) });
    expect(res.status).toBe(200);
    expect(res.json.data).toMatchObject({
      email: hal.user.account.email,
      name: hal.user.account.name,
      auth: { method: 'session' },
    });
    expect(res.json.data.auth.scopes).toContain('profile');
    expect(res.json.data.id).toMatch(/^usr_/);
  });

  it('answers /auth/me for Basic email:password with method "basic"', async () => {
    const res = await api(hal.url, 'GET', '/api/v1/auth/me', {
      auth: basic(hal.user.account.email, hal.user.account.password),
    });
    expect(res.status).toBe(200);
    expect(res.json.data.auth.method).toBe('basic');
  });

  it('answers /auth/me for a PAT with method "pat" and the token\'s scopes', async () => {
    const created = await api(hal.url, 'POST', '/api/v1/tokens', {
      auth: bearer(hal.user.session),
      body: { name: 'me', scopes: ['profile'] },
    });
    const res = await api(hal.url, 'GET', '/api/v1/auth/me', { auth: bearer(created.json.data.token) });
    expect(res.status).toBe(200);
    expect(res.json.data.auth).toEqual({ method: 'pat', scopes: ['profile'] });
  });

  it('answers 401 with a bare Bearer challenge when no credentials are sent', async () => {
    const res = await api(hal.url, 'GET', '/api/v1/auth/me');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer realm="hal", resource_metadata="${hal.url}/.well-known/oauth-protected-resource/api"`,
    );
    expect(res.json.error.code).toBe('unauthorized');
  });

  it.each([
    ['an unknown PAT', 'Bearer hal_pat_0000000000000000000000000000000000000000000'],
    ['garbage', 'Bearer not-a-token'],
    [
      'a forged JWT',
      `Bearer ${Buffer.from('{"alg":"none","typ":"hal-session+jwt"}').toString('base64url')}.e30.`,
    ],
    ['a wrong Basic password', basic('nobody@example.test', 'wrong')],
  ])('answers 401 invalid_token for %s', async (_label, auth) => {
    const res = await api(hal.url, 'GET', '/api/v1/auth/me', { auth });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="hal", error="invalid_token"/);
    expect(res.json.error.code).toBe('invalid_token');
  });

  it('refuses a session JWT whose signature was tampered with', async () => {
    const [h, p, s] = hal.user.session.split('.');
    const claims = JSON.parse(Buffer.from(p as string, 'base64url').toString());
    const forged = [
      h,
      Buffer.from(JSON.stringify({ ...claims, sub: 'usr_someone_else' })).toString('base64url'),
      s,
    ].join('.');
    expect((await api(hal.url, 'GET', '/api/v1/auth/me', { auth: bearer(forged) })).status).toBe(401);
  });

  it('answers 403 insufficient_scope with the needed scope for a PAT without it', async () => {
    const created = await api(hal.url, 'POST', '/api/v1/tokens', {
      auth: bearer(hal.user.session),
      body: { name: 'narrow', scopes: ['projects:read'] },
    });
    const res = await api(hal.url, 'GET', '/api/v1/auth/me', { auth: bearer(created.json.data.token) });
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer realm="hal", error="insufficient_scope", scope="profile", resource_metadata="${hal.url}/.well-known/oauth-protected-resource/api"`,
    );
    expect(res.json.error.code).toBe('insufficient_scope');
  });

  it('refuses two authentication methods at once with 400 invalid_request', async () => {
    const res = await fetch(`${hal.url}/api/v1/auth/me`, {
      headers: [
        ['authorization', bearer(hal.user.session)],
        ['authorization', basic(hal.user.account.email, hal.user.account.password)],
      ],
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_request');
  });

  it('never accepts an access token in the query string (400 invalid_request)', async () => {
    const res = await api(hal.url, 'GET', `/api/v1/auth/me?access_token=${hal.user.session}`);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_request');
    const both = await api(hal.url, 'GET', `/api/v1/auth/me?access_token=${hal.user.session}`, {
      auth: bearer(hal.user.session),
    });
    expect(both.status).toBe(400);
  });

  it('expires a session JWT at its exp (401)', async () => {
    const user = (await hal.srv.services.stores.accounts.userByEmail(hal.user.account.email))!;
    const expired = await hal.srv.services.keyring.sign(
      { iss: hal.srv.services.config.issuer, sub: user.id, sid: 'x' },
      'hal-session+jwt',
      -10,
    );
    expect((await api(hal.url, 'GET', '/api/v1/auth/me', { auth: bearer(expired) })).status).toBe(401);
  });

  it('refuses a session JWT from another issuer (401)', async () => {
    const user = (await hal.srv.services.stores.accounts.userByEmail(hal.user.account.email))!;
    const foreign = await hal.srv.services.keyring.sign(
      { iss: 'https://elsewhere.example', sub: user.id },
      'hal-session+jwt',
      60,
    );
    expect((await api(hal.url, 'GET', '/api/v1/auth/me', { auth: bearer(foreign) })).status).toBe(401);
  });

  it('refuses a revoked session JWT on the very next request (401)', async () => {
    const login = await api(hal.url, 'POST', '/api/v1/auth/login', {
      body: { email: hal.user.account.email, password: hal.user.account.password },
    });
    const token = login.json.data.token;
    expect((await api(hal.url, 'GET', '/api/v1/auth/me', { auth: bearer(token) })).status).toBe(200);
    const { sid } = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
    await hal.srv.services.accounts.endSession(sid);
    expect((await api(hal.url, 'GET', '/api/v1/auth/me', { auth: bearer(token) })).status).toBe(401);
  });

  it('never refuses concurrent Basic requests with the right password (the default limits)', async () => {
    // A script's parallel calls: the throttle counts failures, and a burst of successes is none.
    const server = await startTestServer(backend);
    try {
      const { account } = await signUp(server.url);
      const burst = async () =>
        (
          await Promise.all(
            Array.from({ length: 12 }, () =>
              api(server.url, 'GET', '/api/v1/auth/me', { auth: basic(account.email, account.password) }),
            ),
          )
        ).map((res) => res.status);
      expect(await burst()).toEqual(Array(12).fill(200)); // before any success is kept
      expect(await burst()).toEqual(Array(12).fill(200)); // kept
    } finally {
      await server.close();
    }
  });

  it('throttles Basic authentication failures like sign-in (429 with Retry-After)', async () => {
    const limited = await startTestServer(backend, { HAL_RATE_LIMIT_LOGIN_ACCOUNT: '2' });
    try {
      const { account: victim } = await signUp(limited.url);
      for (let i = 0; i < 2; i++) {
        expect(
          (await api(limited.url, 'GET', '/api/v1/auth/me', { auth: basic(victim.email, 'guess') })).status,
        ).toBe(401);
      }
      const blocked = await api(limited.url, 'GET', '/api/v1/auth/me', {
        auth: basic(victim.email, victim.password),
      });
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await limited.close();
    }
  });
});
