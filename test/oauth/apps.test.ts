import { beforeAll, describe, expect, it } from 'vitest';
import { api, bearer } from '../support/api';
import { type TestUser, useInstance } from '../support/fixtures';
import {
  authorizationCode,
  authorizePath,
  consentForm,
  exchangeCode,
  oauthPost,
  pkce,
  type RegisteredApp,
} from '../support/oauth';
import { BACKENDS } from '../support/servers';

const REDIRECT = 'https://client.example/cb';
const CLIENT_ID = /^hal_app_[0-9A-HJKMNP-TV-Z]{26}$/;
const CLIENT_SECRET = /^hal_cs_[0-9A-Za-z]{43}$/;
const ALL_OAUTH_SCOPES = [
  'profile',
  'apps:read',
  'apps:write',
  'projects:read',
  'projects:write',
  'widget:serve',
];

describe.each(BACKENDS)('REST apps API on %s (contract: /api/v1/oauth/apps)', (backend) => {
  const hal = useInstance(backend, { user: { login: true } });
  let otherUser: TestUser;

  beforeAll(async () => {
    otherUser = await hal.signUp({ login: true });
  });

  const create = (body: Record<string, unknown>, as = hal.user.auth) =>
    api(hal.url, 'POST', '/api/v1/oauth/apps', {
      auth: as,
      body: { name: 'App', redirect_uris: [REDIRECT], ...body },
    });

  const expectApiError = (
    res: Awaited<ReturnType<typeof api>>,
    status: number,
    code: string,
    message: string | RegExp,
  ) => {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.json.error.code).toBe(code);
    if (typeof message === 'string') expect(res.json.error.message).toBe(message);
    else expect(res.json.error.message).toMatch(message);
  };

  const clientCredentials = (clientId: string, secret: string) =>
    oauthPost(
      hal.url,
      '/oauth/token',
      { grant_type: 'client_credentials', scope: 'profile' },
      { id: clientId, secret },
    );

  /** Runs the code flow for `app` and returns its token response. */
  async function codeTokens(app: RegisteredApp, secret = app.client_secret as string) {
    const code = await authorizationCode(hal.user.browser, app, { scope: 'profile', state: 's' });
    const res = await exchangeCode(hal.url, { ...app, client_secret: secret }, code);
    expect(res.status).toBe(200);
    return res.json as { access_token: string; refresh_token: string };
  }

  const refresh = (app: RegisteredApp, refreshToken: string, secret: string) =>
    oauthPost(
      hal.url,
      '/oauth/token',
      { grant_type: 'refresh_token', refresh_token: refreshToken },
      { id: app.client_id, secret },
    );

  describe('create', () => {
    it('creates a confidential app with 201, a hal_app_ client_id and a hal_cs_ secret shown once', async () => {
      const res = await create({ name: 'Reports', description: 'Sales reports' });
      expect(res.status).toBe(201);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const data = res.json.data;
      expect(data.client_id).toMatch(CLIENT_ID);
      expect(data.client_secret).toMatch(CLIENT_SECRET);
      expect(data).toMatchObject({
        name: 'Reports',
        description: 'Sales reports',
        logo_url: null,
        redirect_uris: [REDIRECT],
        client_type: 'confidential',
        kind: 'public',
        allowed_scopes: ALL_OAUTH_SCOPES,
        access_token_ttl: 900,
        refresh_reuse_grace: 0,
      });
      expect(typeof data.id).toBe('string');
      expect(new Date(data.created_at).toISOString()).toBe(data.created_at);

      const fetched = await api(hal.url, 'GET', `/api/v1/oauth/apps/${data.id}`, { auth: hal.user.auth });
      expect(fetched.status).toBe(200);
      expect(fetched.json.data).not.toHaveProperty('client_secret');
      const { client_secret: _, ...view } = data;
      expect(fetched.json.data).toEqual(view);
      const list = await api(hal.url, 'GET', '/api/v1/oauth/apps', { auth: hal.user.auth });
      expect(list.text).not.toContain(data.client_secret);
    });

    it('gives a public client no secret', async () => {
      const res = await create({ client_type: 'public' });
      expect(res.status).toBe(201);
      expect(res.json.data.client_type).toBe('public');
      expect(res.json.data).not.toHaveProperty('client_secret');
      const stored = await hal.srv.services.stores.apps.byClientId(res.json.data.client_id);
      expect(stored?.secretHash).toBeNull();
    });

    it('gives every app its own client_id and secret', async () => {
      const [a, b] = await Promise.all([create({}), create({})]);
      expect(a.json.data.client_id).not.toBe(b.json.data.client_id);
      expect(a.json.data.client_secret).not.toBe(b.json.data.client_secret);
    });

    it('stores only a hash of the client secret (contract: identifiers and secrets)', async () => {
      const { client_id, client_secret } = (await create({})).json.data;
      const stored = await hal.srv.services.stores.apps.byClientId(client_id);
      expect(stored?.secretHash).toBeTruthy();
      expect(stored?.secretHash).not.toBe(client_secret);
      expect(JSON.stringify(stored)).not.toContain(client_secret);
      expect(JSON.stringify(stored)).not.toContain(client_secret.slice('hal_cs_'.length));
      expect(hal.srv.logs.join('\n')).not.toContain(client_secret);
    });

    it.each([
      ['127.0.0.1', 'http://127.0.0.1/cb'],
      ['[::1] with a port', 'http://[::1]:8080/cb'],
      ['localhost with a port', 'http://localhost:3000/cb'],
      ['https with a query', 'https://client.example/cb?tenant=a'],
      ['a reverse-domain private-use scheme (RFC 8252 §7.1)', 'com.example.app:/oauth2redirect'],
    ])('accepts a redirect URI on %s', async (_, uri) => {
      const res = await create({ redirect_uris: [uri] });
      expect(res.status).toBe(201);
      expect(res.json.data.redirect_uris).toEqual([uri]);
    });

    it.each([
      [
        'http on a public host (OAuth 2.1 §2.3.1)',
        'http://client.example/cb',
        'redirect_uri must use https unless its host is a loopback address',
      ],
      [
        'a fragment (RFC 6749 §3.1.2)',
        'https://client.example/cb#top',
        'redirect_uri must not contain a fragment',
      ],
      [
        'a wildcard (RFC 9700 §4.1.3)',
        'https://*.client.example/cb',
        'redirect_uri must not contain wildcards',
      ],
      ['a relative URI (RFC 6749 §3.1.2)', '/cb', 'redirect_uri must be an absolute URL'],
      ['userinfo', 'https://client.example@evil.example/cb', 'redirect_uri must not contain userinfo'],
      [
        'a javascript: URI',
        'javascript:alert(1)',
        'redirect_uri must use https, http on a loopback host, or a reverse-domain private-use scheme',
      ],
    ])('refuses a redirect URI with %s with 400 naming redirect_uris.N', async (_, uri, problem) => {
      expectApiError(
        await create({ redirect_uris: [REDIRECT, uri] }),
        400,
        'invalid_request',
        `redirect_uris.1: ${problem}`,
      );
      expectApiError(
        await create({ redirect_uris: [uri] }),
        400,
        'invalid_request',
        `redirect_uris.0: ${problem}`,
      );
    });

    it('refuses an empty redirect_uris list with 400', async () => {
      expectApiError(await create({ redirect_uris: [] }), 400, 'invalid_request', /^redirect_uris: /);
    });

    it.each([
      [60, 201],
      [28_800, 201],
      [59, 400],
      [28_801, 400],
      [900.5, 400],
    ])('bounds access_token_ttl to 60..28800: %d answers %d', async (ttl, status) => {
      const res = await create({ access_token_ttl: ttl });
      if (status === 201) {
        expect(res.status).toBe(201);
        expect(res.json.data.access_token_ttl).toBe(ttl);
      } else expectApiError(res, 400, 'invalid_request', /^access_token_ttl: /);
    });

    it.each([
      [0, 201],
      [60, 201],
      [-1, 400],
      [61, 400],
    ])('bounds refresh_reuse_grace to 0..60: %d answers %d', async (grace, status) => {
      const res = await create({ refresh_reuse_grace: grace });
      if (status === 201) {
        expect(res.status).toBe(201);
        expect(res.json.data.refresh_reuse_grace).toBe(grace);
      } else expectApiError(res, 400, 'invalid_request', /^refresh_reuse_grace: /);
    });

    it('issues access tokens that live access_token_ttl seconds', async () => {
      const { client_id, client_secret } = (await create({ access_token_ttl: 60 })).json.data;
      const token = await clientCredentials(client_id, client_secret);
      expect(token.status).toBe(200);
      expect(token.json.expires_in).toBe(60);
    });

    it.each([
      ['a scope outside the OAuth catalogue', { allowed_scopes: ['tokens:write'] }, /^allowed_scopes\.0: /],
      ['no allowed scope', { allowed_scopes: [] }, /^allowed_scopes: /],
      ['an http logo_url', { logo_url: 'http://client.example/logo.png' }, /^logo_url: /],
      ['an unknown client_type', { client_type: 'hybrid' }, /^client_type: /],
      ['an unknown field', { secret: 'mine' }, /secret/],
      ['an empty name', { name: ' ' }, /^name: /],
    ])('refuses %s with 400', async (_, body, message) => {
      expectApiError(await create(body), 400, 'invalid_request', message);
    });

    it('refuses a request without credentials with 401 and a Bearer challenge (RFC 6750 §3)', async () => {
      const res = await api(hal.url, 'POST', '/api/v1/oauth/apps', {
        body: { name: 'App', redirect_uris: [REDIRECT] },
      });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
    });

    it('refuses a PAT with only apps:read with 403 insufficient_scope naming apps:write (RFC 6750 §3.1)', async () => {
      const pat = await api(hal.url, 'POST', '/api/v1/tokens', {
        auth: hal.user.auth,
        body: { name: 'read apps', scopes: ['apps:read'] },
      });
      expect(pat.status).toBe(201);
      const readOnly = bearer(pat.json.data.token);
      const res = await create({}, readOnly);
      expectApiError(res, 403, 'insufficient_scope', 'this request needs the apps:write scope');
      expect(res.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
      expect(res.headers.get('www-authenticate')).toContain('scope="apps:write"');
      expect((await api(hal.url, 'GET', '/api/v1/oauth/apps', { auth: readOnly })).status).toBe(200);
    });
  });

  describe('ownership', () => {
    let mine: RegisteredApp;
    let theirs: RegisteredApp;

    beforeAll(async () => {
      mine = await hal.registerApp({ name: 'Mine' });
      theirs = await hal.registerApp({ name: 'Theirs' }, otherUser.auth);
    });

    it("lists only the caller's apps", async () => {
      const list = await api(hal.url, 'GET', '/api/v1/oauth/apps', { auth: hal.user.auth });
      expect(list.status).toBe(200);
      const ids = list.json.data.map((a: { id: string }) => a.id);
      expect(ids).toContain(mine.id);
      expect(ids).not.toContain(theirs.id);
      const other = await api(hal.url, 'GET', '/api/v1/oauth/apps', { auth: otherUser.auth });
      expect(other.json.data.map((a: { id: string }) => a.id)).toEqual([theirs.id]);
    });

    it.each([
      ['GET', '', undefined],
      ['PATCH', '', { name: 'Hijacked' }],
      ['DELETE', '', undefined],
      ['POST', '/secret', undefined],
    ])("answers 404 to %s%s on another user's app", async (method, suffix, body) => {
      const res = await api(hal.url, method, `/api/v1/oauth/apps/${theirs.id}${suffix}`, {
        auth: hal.user.auth,
        body,
      });
      expectApiError(res, 404, 'not_found', 'app not found');
      const still = await api(hal.url, 'GET', `/api/v1/oauth/apps/${theirs.id}`, { auth: otherUser.auth });
      expect(still.json.data.name).toBe('Theirs');
      expect((await clientCredentials(theirs.client_id, theirs.client_secret as string)).status).toBe(200);
    });

    it('answers 404 to an unknown app id', async () => {
      expectApiError(
        await api(hal.url, 'GET', '/api/v1/oauth/apps/01J9Z8Q4V7K3M2N5P6R8S0T1W2', { auth: hal.user.auth }),
        404,
        'not_found',
        'app not found',
      );
    });
  });

  describe('update and delete', () => {
    it('updates the fields it is given and validates redirect URIs the same way', async () => {
      const app = await hal.registerApp({ name: 'Before' });
      const res = await api(hal.url, 'PATCH', `/api/v1/oauth/apps/${app.id}`, {
        auth: hal.user.auth,
        body: {
          name: 'After',
          redirect_uris: ['https://client.example/new'],
          access_token_ttl: 120,
          refresh_reuse_grace: 10,
        },
      });
      expect(res.status).toBe(200);
      expect(res.json.data).toMatchObject({
        id: app.id,
        client_id: app.client_id,
        name: 'After',
        redirect_uris: ['https://client.example/new'],
        access_token_ttl: 120,
        refresh_reuse_grace: 10,
        client_type: 'confidential',
      });
      expect(res.json.data).not.toHaveProperty('client_secret');

      expectApiError(
        await api(hal.url, 'PATCH', `/api/v1/oauth/apps/${app.id}`, {
          auth: hal.user.auth,
          body: { redirect_uris: ['https://client.example/ok', 'http://client.example/cb'] },
        }),
        400,
        'invalid_request',
        'redirect_uris.1: redirect_uri must use https unless its host is a loopback address',
      );
      expectApiError(
        await api(hal.url, 'PATCH', `/api/v1/oauth/apps/${app.id}`, {
          auth: hal.user.auth,
          body: { access_token_ttl: 28_801 },
        }),
        400,
        'invalid_request',
        /^access_token_ttl: /,
      );
      expectApiError(
        await api(hal.url, 'PATCH', `/api/v1/oauth/apps/${app.id}`, {
          auth: hal.user.auth,
          body: { client_type: 'public' },
        }),
        400,
        'invalid_request',
        /client_type/,
      );
      const after = await api(hal.url, 'GET', `/api/v1/oauth/apps/${app.id}`, { auth: hal.user.auth });
      expect(after.json.data.redirect_uris).toEqual(['https://client.example/new']);
      expect(after.json.data.access_token_ttl).toBe(120);
    });

    it('uses the new redirect URIs at the authorization endpoint at once', async () => {
      const app = await hal.registerApp();
      await api(hal.url, 'PATCH', `/api/v1/oauth/apps/${app.id}`, {
        auth: hal.user.auth,
        body: { redirect_uris: ['https://client.example/moved'] },
      });
      const query = {
        response_type: 'code',
        client_id: app.client_id,
        code_challenge: pkce().challenge,
        code_challenge_method: 'S256',
        scope: 'profile',
      };
      const old = await hal.user.browser.fetch(authorizePath({ ...query, redirect_uri: REDIRECT }));
      expect(old.status).toBe(400);
      expect(old.headers.get('location')).toBeNull();
      const moved = await hal.user.browser.fetch(
        authorizePath({ ...query, redirect_uri: 'https://client.example/moved' }),
      );
      expect(moved.status).toBe(200);
    });

    it('answers 404 to a pending consent page and decision of a deleted app', async () => {
      const app = await hal.registerApp();
      const page = await hal.user.browser.fetch(
        authorizePath({
          response_type: 'code',
          client_id: app.client_id,
          redirect_uri: REDIRECT,
          code_challenge: pkce().challenge,
          code_challenge_method: 'S256',
          scope: 'profile',
        }),
      );
      const form = consentForm(await page.text());
      expect(form.requestId).toBeTruthy();
      expect(
        (await api(hal.url, 'DELETE', `/api/v1/oauth/apps/${app.id}`, { auth: hal.user.auth })).status,
      ).toBe(204);
      const consent = await hal.user.browser.fetch(`/oauth/authorize/consent/${form.requestId}`);
      expect(consent.status).toBe(404);
      const decision = await hal.user.browser.post('/oauth/authorize/decision', {
        csrf: form.csrf as string,
        request_id: form.requestId as string,
        decision: 'approve',
      });
      expect(decision.status).toBe(404);
      expect(decision.headers.get('location')).toBeNull();
    });

    it('deletes with 204; the app is then gone from the API, the public view and the token endpoint', async () => {
      const app = await hal.registerApp();
      const tokens = await codeTokens(app);
      const res = await api(hal.url, 'DELETE', `/api/v1/oauth/apps/${app.id}`, { auth: hal.user.auth });
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expect(
        (await api(hal.url, 'GET', `/api/v1/oauth/apps/${app.id}`, { auth: hal.user.auth })).status,
      ).toBe(404);
      expect((await api(hal.url, 'GET', `/api/v1/oauth/apps/public/${app.client_id}`)).status).toBe(404);
      const denied = await clientCredentials(app.client_id, app.client_secret as string);
      expect(denied.status).toBe(401);
      expect(denied.json.error).toBe('invalid_client');
      const me = await api(hal.url, 'GET', '/api/v1/auth/me', { auth: bearer(tokens.access_token) });
      expect(me.status).toBe(401);
    });
  });

  describe('secret rotation (contract: rules)', () => {
    it('returns a new secret once; the old one fails with 401 invalid_client and a Basic challenge (RFC 6749 §5.2)', async () => {
      const app = await hal.registerApp();
      const rotated = await api(hal.url, 'POST', `/api/v1/oauth/apps/${app.id}/secret`, {
        auth: hal.user.auth,
      });
      expect(rotated.status).toBe(200);
      expect(rotated.headers.get('cache-control')).toBe('no-store');
      const secret = rotated.json.data.client_secret;
      expect(secret).toMatch(CLIENT_SECRET);
      expect(secret).not.toBe(app.client_secret);
      expect(rotated.json.data).toMatchObject({ id: app.id, client_id: app.client_id });

      const old = await clientCredentials(app.client_id, app.client_secret as string);
      expect(old.status).toBe(401);
      expect(old.json).toEqual({
        error: 'invalid_client',
        error_description: 'client authentication failed',
      });
      expect(old.headers.get('www-authenticate')).toMatch(/^Basic /);
      expect((await clientCredentials(app.client_id, secret)).status).toBe(200);

      const stored = await hal.srv.services.stores.apps.byClientId(app.client_id);
      expect(stored?.secretHash).not.toBe(secret);
      expect(JSON.stringify(stored)).not.toContain(secret);
      const view = await api(hal.url, 'GET', `/api/v1/oauth/apps/${app.id}`, { auth: hal.user.auth });
      expect(view.json.data).not.toHaveProperty('client_secret');
    });

    it("revokes every refresh token issued to the app, and only this app's (contract: rules)", async () => {
      const app = await hal.registerApp();
      const bystander = await hal.registerApp();
      const first = await codeTokens(app);
      const second = await codeTokens(app);
      const unrelated = await codeTokens(bystander);

      const rotated = await api(hal.url, 'POST', `/api/v1/oauth/apps/${app.id}/secret`, {
        auth: hal.user.auth,
      });
      const secret = rotated.json.data.client_secret;
      for (const token of [first.refresh_token, second.refresh_token]) {
        const res = await refresh(app, token, secret);
        expect(res.status).toBe(400);
        expect(res.json).toEqual({ error: 'invalid_grant', error_description: 'refresh_token is invalid' });
      }
      const still = await refresh(bystander, unrelated.refresh_token, bystander.client_secret as string);
      expect(still.status).toBe(200);

      const fresh = await codeTokens(app, secret);
      expect((await refresh(app, fresh.refresh_token, secret)).status).toBe(200);
    });

    it('refuses to rotate a public client with 400', async () => {
      const app = await hal.registerApp({ client_type: 'public' });
      expectApiError(
        await api(hal.url, 'POST', `/api/v1/oauth/apps/${app.id}/secret`, { auth: hal.user.auth }),
        400,
        'invalid_request',
        'public clients have no secret',
      );
    });
  });

  describe('public view', () => {
    it('shows client_id, name, description and owner_name without authentication', async () => {
      const app = await hal.registerApp({ name: 'Public View', description: 'What it does' });
      const res = await api(hal.url, 'GET', `/api/v1/oauth/apps/public/${app.client_id}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.json).toEqual({
        data: {
          client_id: app.client_id,
          name: 'Public View',
          description: 'What it does',
          owner_name: hal.user.account.name,
        },
      });
    });

    it('answers 404 for an unknown client_id', async () => {
      expectApiError(
        await api(hal.url, 'GET', '/api/v1/oauth/apps/public/hal_app_01J9Z8Q4V7K3M2N5P6R8S0T1W2'),
        404,
        'not_found',
        'app not found',
      );
    });
  });

  describe('private project clients (contract: legacy private project clients)', () => {
    let owned: string;
    let administered: string;
    let membered: string;
    let foreign: string;

    beforeAll(async () => {
      const project = async (as: string, name: string) =>
        (await api(hal.url, 'POST', '/api/v1/projects', { auth: as, body: { name } })).json.data.id as string;
      owned = await project(hal.user.auth, 'Owned');
      administered = await project(otherUser.auth, 'Administered');
      membered = await project(otherUser.auth, 'Membered');
      foreign = await project(otherUser.auth, 'Foreign');
      const me = (await api(hal.url, 'GET', '/api/v1/auth/me', { auth: hal.user.auth })).json.data.id;
      await hal.srv.services.stores.projects.setMember(administered, me, 'admin');
      await hal.srv.services.stores.projects.setMember(membered, me, 'member');
      expect(otherUser.id).not.toBe(me);
    });

    it.each([
      ['owner', () => owned],
      ['admin', () => administered],
    ])('lets an %s of the project create one', async (_, project) => {
      const res = await create({ kind: 'private', project_id: project() });
      expect(res.status).toBe(201);
      expect(res.json.data).toMatchObject({
        kind: 'private',
        project_id: project(),
        allowed_scopes: ['widget:serve'],
      });
    });

    it('refuses a member of the project with 403', async () => {
      expectApiError(
        await create({ kind: 'private', project_id: membered }),
        403,
        'forbidden',
        'this action needs the admin role on the project',
      );
    });

    it.each([
      ['a project of another user', () => foreign],
      ['an unknown project', () => 'proj_01J9Z8Q4V7K3M2N5P6R8S0T1W2'],
    ])('answers 404 for %s', async (_, project) => {
      expectApiError(
        await create({ kind: 'private', project_id: project() }),
        404,
        'not_found',
        'project not found',
      );
    });

    it('requires project_id with 400', async () => {
      expectApiError(
        await create({ kind: 'private' }),
        400,
        'invalid_request',
        'project_id: required for a private project client',
      );
    });

    it('refuses project_id on a public app with 400', async () => {
      expectApiError(
        await create({ project_id: owned }),
        400,
        'invalid_request',
        'project_id: only private project clients belong to a project',
      );
    });
  });
});
