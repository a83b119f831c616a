import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { api, bearer } from '../support/api';
import { useInstance } from '../support/fixtures';
import {
  authorizationCode,
  authorizePath,
  exchangeCode,
  oauthPost,
  type RegisteredApp,
} from '../support/oauth';
import { BACKENDS, startCluster, type TestServer } from '../support/servers';

const LOOPBACK = 'http://127.0.0.1:33418/callback';
const WEB = 'https://client.example/cb';
const CLIENT_ID = /^hal_app_[0-9A-HJKMNP-TV-Z]{26}$/;

const register = (base: string, body: unknown, headers?: Record<string, string>) =>
  api(base, 'POST', '/oauth/register', { body, headers });

/** A registration answer as the test helpers take an app. */
const asApp = (json: Record<string, unknown>): RegisteredApp =>
  ({ ...json, id: json.client_id }) as unknown as RegisteredApp;

/** Rows of a raw query on either engine (PGlite answers `{ rows }`, postgres.js an array). */
async function query<T>(srv: TestServer, q: ReturnType<typeof sql>): Promise<T[]> {
  const result = (await srv.database.db.execute(q)) as unknown as { rows?: T[] } & T[];
  return result.rows ?? result;
}

describe.each(BACKENDS)('dynamic client registration on %s (RFC 7591)', (backend) => {
  const hal = useInstance(backend, { user: { login: true }, env: { HAL_RATE_LIMIT_REGISTER: '500' } });

  it('registers a public client: 201, a hal_app_ id, the issue time and the accepted metadata (RFC 7591 §3.2.1)', async () => {
    const before = Math.floor(Date.now() / 1000);
    const res = await register(hal.url, {
      client_name: 'Claude',
      redirect_uris: [LOOPBACK],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      scope: 'profile projects:read',
      software_id: 'claude-desktop',
      software_version: '1.2.3',
      contacts: ['ignored@example.com'],
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.json.client_id).toMatch(CLIENT_ID);
    expect(res.json.client_id_issued_at).toBeGreaterThanOrEqual(before - 1);
    expect(res.json).toEqual({
      client_id: res.json.client_id,
      client_id_issued_at: res.json.client_id_issued_at,
      client_name: 'Claude',
      redirect_uris: [LOOPBACK],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      scope: 'profile projects:read',
      software_id: 'claude-desktop',
      software_version: '1.2.3',
    });
  });

  it('registers a confidential client by default (RFC 7591 §2) with a hal_cs_ secret that never expires', async () => {
    const res = await register(hal.url, { client_name: 'Server App', redirect_uris: [WEB] });
    expect(res.status).toBe(201);
    expect(res.json.token_endpoint_auth_method).toBe('client_secret_basic');
    expect(res.json.client_secret).toMatch(/^hal_cs_[0-9A-Za-z]{43}$/);
    expect(res.json.client_secret_expires_at).toBe(0);
    expect(hal.srv.logs.join('\n')).not.toContain(res.json.client_secret);

    // The secret authenticates the client at the token endpoint; the client acts for no one by itself.
    const app = asApp(res.json);
    const grant = await authorizationCode(hal.user.browser, app, { scope: 'profile' });
    const tokens = await exchangeCode(hal.url, app, grant);
    expect(tokens.status).toBe(200);
    const own = await oauthPost(
      hal.url,
      '/oauth/token',
      { grant_type: 'client_credentials' },
      {
        id: app.client_id,
        secret: app.client_secret as string,
      },
    );
    expect(own.status).toBe(400);
    expect(own.json).toEqual({
      error: 'unauthorized_client',
      error_description: 'client_credentials is only for clients with an owner',
    });
  });

  it('answers an identical public registration with the existing client (contract: abuse controls)', async () => {
    const body = {
      client_name: 'Cursor',
      redirect_uris: [LOOPBACK, 'http://127.0.0.1:33418/other'],
      token_endpoint_auth_method: 'none',
      software_id: 'cursor',
    };
    const first = await register(hal.url, body);
    const again = await register(hal.url, { ...body, redirect_uris: [...body.redirect_uris].reverse() });
    expect(again.status).toBe(201);
    expect(again.json).toEqual(first.json);
    const renamed = await register(hal.url, { ...body, client_name: 'Cursor Nightly' });
    const otherSoftware = await register(hal.url, { ...body, software_id: 'cursor-nightly' });
    expect(new Set([first.json.client_id, renamed.json.client_id, otherSoftware.json.client_id]).size).toBe(
      3,
    );
  });

  it('never shares a confidential client: each registration has its own secret', async () => {
    const body = {
      client_name: 'Twin',
      redirect_uris: [WEB],
      token_endpoint_auth_method: 'client_secret_post',
    };
    const a = await register(hal.url, body);
    const b = await register(hal.url, body);
    expect(a.json.client_id).not.toBe(b.json.client_id);
    expect(a.json.client_secret).not.toBe(b.json.client_secret);
  });

  it.each([
    ['no redirect_uris', {}, 'invalid_redirect_uri', 'redirect_uris must be a non-empty array of strings'],
    [
      'an http redirect URI off loopback',
      { redirect_uris: ['http://client.example/cb'] },
      'invalid_redirect_uri',
      'redirect_uris.0: redirect_uri must use https unless its host is a loopback address',
    ],
    [
      'a redirect URI with a fragment',
      { redirect_uris: [WEB, 'https://client.example/cb#x'] },
      'invalid_redirect_uri',
      'redirect_uris.1: redirect_uri must not contain a fragment',
    ],
    [
      'private_key_jwt',
      { redirect_uris: [WEB], token_endpoint_auth_method: 'private_key_jwt' },
      'invalid_client_metadata',
      'token_endpoint_auth_method must be one of none, client_secret_basic, client_secret_post',
    ],
    [
      'the client_credentials grant',
      { redirect_uris: [WEB], grant_types: ['authorization_code', 'client_credentials'] },
      'invalid_client_metadata',
      'grant_types value is not supported: client_credentials',
    ],
    [
      'the implicit response type',
      { redirect_uris: [WEB], response_types: ['token'] },
      'invalid_client_metadata',
      'response_types value is not supported: token',
    ],
    [
      'an unknown scope',
      { redirect_uris: [WEB], scope: 'profile tokens:write' },
      'invalid_client_metadata',
      'scope is not supported: tokens:write',
    ],
    ['a JSON array', [WEB], 'invalid_client_metadata', 'request body must be a JSON object'],
    [
      'a body that is not JSON',
      '{"redirect_uris":',
      'invalid_client_metadata',
      'request body is not valid JSON',
    ],
  ])('refuses %s with 400 %s (RFC 7591 §3.2.2)', async (_what, body, error, description) => {
    const res = await register(hal.url, body);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.json).toEqual({ error, error_description: description });
  });

  it('refuses a form body with invalid_client_metadata, and GET with 405', async () => {
    const form = await register(hal.url, 'redirect_uris=https%3A%2F%2Fclient.example%2Fcb', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(form.status).toBe(400);
    expect(form.json).toEqual({
      error: 'invalid_client_metadata',
      error_description: 'content-type must be application/json',
    });
    const get = await api(hal.url, 'GET', '/oauth/register');
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });

  it('advertises the registration endpoint and metadata documents (RFC 8414 §2)', async () => {
    const res = await api(hal.url, 'GET', '/.well-known/oauth-authorization-server');
    expect(res.json.registration_endpoint).toBe(`${hal.url}/oauth/register`);
    expect(res.json.client_id_metadata_document_supported).toBe(true);
  });

  describe('a registered public client', () => {
    let app: RegisteredApp;
    beforeAll(async () => {
      const res = await register(hal.url, {
        client_name: 'Local Agent',
        redirect_uris: [LOOPBACK],
        token_endpoint_auth_method: 'none',
      });
      app = asApp(res.json);
    });

    it('is marked not verified on the consent page, with its redirect host and a loopback warning', async () => {
      const page = await hal.user.browser.fetch(
        authorizePath({
          response_type: 'code',
          client_id: app.client_id,
          redirect_uri: 'http://127.0.0.1:50000/callback', // RFC 8252 §7.3: any port on loopback
          code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
          code_challenge_method: 'S256',
          scope: 'profile',
        }),
      );
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('Authorize Local Agent?');
      expect(html).toContain('<strong>Not verified by HAL.</strong>');
      expect(html).toContain('This application registered itself; HAL does not know who runs it.');
      expect(html).toContain('After your decision you will be sent to <strong>127.0.0.1:50000</strong>');
      expect(html).toContain('data-testid="loopback-warning"');
      expect(html).not.toContain('an unknown developer');
    });

    it('completes the code flow without a secret, and its grant is listed and revocable under connected apps', async () => {
      const grant = await authorizationCode(hal.user.browser, app, { scope: 'profile' });
      const tokens = await exchangeCode(hal.url, app, grant);
      expect(tokens.status).toBe(200);
      const me = await api(hal.url, 'GET', '/api/v1/auth/me', { auth: bearer(tokens.json.access_token) });
      expect(me.json.data.auth.client_id).toBe(app.client_id);

      const listed = (await hal.user.trpc.connections.list.query()).find(
        (g) => g.app.client_id === app.client_id,
      );
      expect(listed?.app).toMatchObject({ name: 'Local Agent', origin: 'registration', verified: false });
      await hal.user.trpc.connections.revoke.mutate({ id: listed?.id as string });
      const after = await api(hal.url, 'GET', '/api/v1/auth/me', { auth: bearer(tokens.json.access_token) });
      expect(after.status).toBe(401);
    });

    it('belongs to no user: absent from the apps API, and its public view names no owner', async () => {
      const mine = await api(hal.url, 'GET', '/api/v1/oauth/apps', { auth: hal.user.auth });
      expect(mine.json.data.map((a: { client_id: string }) => a.client_id)).not.toContain(app.client_id);
      const info = await api(hal.url, 'GET', `/api/v1/oauth/apps/public/${app.client_id}`);
      expect(info.json.data).toEqual({
        client_id: app.client_id,
        name: 'Local Agent',
        description: '',
        owner_name: '', // no HAL account behind it
      });
    });
  });
});

describe.each(BACKENDS)('registration abuse controls on %s', (backend) => {
  describe('identical registrations', () => {
    const hal = useInstance(backend, { user: false, env: { HAL_RATE_LIMITS: 'off' } });

    it('makes one client of 1 000 identical public registrations, 20 at a time', async () => {
      const body = {
        client_name: 'Flood',
        redirect_uris: [LOOPBACK],
        token_endpoint_auth_method: 'none',
        software_id: 'flood',
      };
      const ids = new Set<string>();
      const statuses = new Set<number>();
      let next = 0;
      await Promise.all(
        Array.from({ length: 20 }, async () => {
          while (next < 1000) {
            next++;
            const res = await register(hal.url, body);
            statuses.add(res.status);
            ids.add(res.json?.client_id);
          }
        }),
      );
      expect([...statuses]).toEqual([201]);
      expect(ids.size).toBe(1);
      const [row] = await query<{ n: number | string }>(
        hal.srv,
        sql`select count(*) as n from oauth_apps where origin = 'registration'`,
      );
      expect(Number(row?.n)).toBe(1);
    }, 120_000);
  });

  describe('the rate limit', () => {
    const hal = useInstance(backend, { user: false, env: { HAL_RATE_LIMIT_REGISTER: '3' } });

    it('answers 429 with Retry-After past HAL_RATE_LIMIT_REGISTER registrations per address and hour', async () => {
      const statuses: number[] = [];
      let last: Awaited<ReturnType<typeof register>> | undefined;
      for (let i = 0; i < 4; i++) {
        last = await register(hal.url, { redirect_uris: [WEB], token_endpoint_auth_method: 'none' });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([201, 201, 201, 429]);
      expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(3000);
      expect(last?.json.error).toBe('rate_limited');
    });
  });

  describe('the unused-client sweep', () => {
    const hal = useInstance(backend, {
      user: { login: true },
      env: { HAL_DCR_UNUSED_TTL: '2', HAL_DCR_SWEEP_INTERVAL: '1' },
    });

    it('deletes a client no one authorized within HAL_DCR_UNUSED_TTL, and keeps an authorized one', async () => {
      const unused = await register(hal.url, {
        client_name: 'Unused',
        redirect_uris: [LOOPBACK],
        token_endpoint_auth_method: 'none',
      });
      const used = asApp(
        (
          await register(hal.url, {
            client_name: 'Used',
            redirect_uris: [LOOPBACK],
            token_endpoint_auth_method: 'none',
          })
        ).json,
      );
      const grant = await authorizationCode(hal.user.browser, used, { scope: 'profile' });
      expect((await exchangeCode(hal.url, used, grant)).status).toBe(200);

      const info = (id: string) => api(hal.url, 'GET', `/api/v1/oauth/apps/public/${id}`);
      const deadline = Date.now() + 15_000;
      while ((await info(unused.json.client_id)).status !== 404 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 250));
      expect((await info(unused.json.client_id)).status).toBe(404);
      // The unknown client is refused at the token endpoint, as any other.
      const gone = await oauthPost(hal.url, '/oauth/token', {
        grant_type: 'refresh_token',
        refresh_token: 'hal_rt_x',
        client_id: unused.json.client_id,
      });
      expect(gone.json.error).toBe('invalid_client');

      await new Promise((r) => setTimeout(r, 2500)); // past the TTL and another sweep
      expect((await info(used.client_id)).status).toBe(200);
    }, 30_000);
  });
});

describe.runIf(BACKENDS.includes('postgres'))('the sweep with two server processes on one database', () => {
  let servers: TestServer[] = [];
  beforeAll(async () => {
    servers = await startCluster(2, {
      HAL_DCR_UNUSED_TTL: '1',
      HAL_DCR_SWEEP_INTERVAL: '1',
      HAL_RATE_LIMITS: 'off',
    });
    return () => Promise.all(servers.map((s) => s.close()));
  });

  it('deletes every unused client once, both processes sweeping at the same time', async () => {
    const [a, b] = servers as [TestServer, TestServer];
    for (let i = 0; i < 30; i++)
      await register(i % 2 ? a.url : b.url, {
        redirect_uris: [`${WEB}/${i}`],
        token_endpoint_auth_method: 'none',
      });
    const left = async () =>
      Number(
        (
          await query<{ n: number | string }>(
            a,
            sql`select count(*) as n from oauth_apps where origin = 'registration'`,
          )
        )[0]?.n,
      );
    const deadline = Date.now() + 15_000;
    while ((await left()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    expect(await left()).toBe(0);
    for (const srv of servers)
      expect(srv.logs.join('\n')).not.toContain('sweep of unused registered clients failed');
  }, 30_000);
});
