import { beforeAll, describe, expect, it } from 'vitest';
import { api, bearer } from '../support/api';
import { type TestUser, useInstance } from '../support/fixtures';
import {
  authorizationCode,
  authorizeInBrowser,
  consentForm,
  decodeJwtPayload,
  exchangeCode,
  oauthPost,
  pkce,
  type RegisteredApp,
} from '../support/oauth';
import { BACKENDS } from '../support/servers';

const SCOPES = [
  { name: 'notes:read', description: 'Read your notes' },
  { name: 'notes:write', description: 'Change your notes' },
];

describe.each(BACKENDS)(
  'registered resource servers on %s (contract "Registered resource servers")',
  (backend) => {
    const hal = useInstance(backend, { app: { allowed_scopes: ['profile', 'apps:read'] } });
    let other: TestUser;
    let API: string;
    let MCP: string;
    let one: { id: string; identifier: string; introspection_secret: string };
    let two: { id: string; identifier: string; introspection_secret: string };

    const create = (body: Record<string, unknown>, auth = hal.user.auth) =>
      api(hal.url, 'POST', '/api/v1/resources', { auth, body });
    const register = async (
      identifier: string,
      extra: Record<string, unknown> = {},
      auth = hal.user.auth,
    ) => {
      const res = await create({ name: `Notes ${identifier}`, identifier, scopes: SCOPES, ...extra }, auth);
      if (res.status !== 201) throw new Error(`resource creation failed: ${res.status} ${res.text}`);
      return res.json.data;
    };
    const creds = (a: RegisteredApp = hal.app) => ({ id: a.client_id, secret: a.client_secret as string });
    const token = async (resource: string | string[], scope = 'profile notes:read', user = hal.user) => {
      const c = await authorizationCode(user.browser, hal.app, { scope, state: 's', resource });
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
      if (res.status !== 200) throw new Error(`token failed: ${res.status} ${res.text}`);
      return res.json as { access_token: string; refresh_token: string; expires_in: number };
    };
    const introspectAs = (server: { id: string; introspection_secret: string }, t: string) =>
      oauthPost(
        hal.url,
        '/oauth/introspect',
        { token: t },
        { id: server.id, secret: server.introspection_secret },
      );

    beforeAll(async () => {
      API = `${hal.url}/api`;
      MCP = `${hal.url}/mcp`;
      other = await hal.signUp();
      one = await register('https://notes-one.example/api', { access_token_ttl: 120 });
      two = await register('http://127.0.0.1:9999/mcp');
    });

    describe('resources API', () => {
      it('creates a resource with a hal_rs_ id and shows its hal_rss_ secret once', async () => {
        expect(one.id).toMatch(/^hal_rs_[0-9A-HJKMNP-TV-Z]{26}$/);
        expect(one.introspection_secret).toMatch(/^hal_rss_[0-9A-Za-z]{43}$/);
        const got = await api(hal.url, 'GET', `/api/v1/resources/${one.id}`, { auth: hal.user.auth });
        expect(got.status).toBe(200);
        expect(got.json.data).toEqual({
          id: one.id,
          name: 'Notes https://notes-one.example/api',
          identifier: 'https://notes-one.example/api',
          scopes: SCOPES,
          access_token_ttl: 120,
          created_at: expect.any(String),
        });
        const list = await api(hal.url, 'GET', '/api/v1/resources', { auth: hal.user.auth });
        expect(list.json.data.map((r: { id: string }) => r.id)).toEqual([one.id, two.id]);
        expect(list.text).not.toContain('hal_rss_');
      });

      it.each([
        ['http://notes.example/api', 'identifier: must be an https URL (http only on loopback)'],
        [
          'https://notes.example/api#frag',
          'identifier: must be an absolute URL without a fragment, in canonical form',
        ],
        ['notes', 'identifier: must be an absolute URL without a fragment, in canonical form'],
      ])('refuses the identifier %s with 400 invalid_request', async (identifier, message) => {
        const res = await create({ name: 'x', identifier, scopes: SCOPES });
        expect(res.status).toBe(400);
        expect(res.json.error).toEqual({ code: 'invalid_request', message });
      });

      it('refuses an identifier already registered, or one of HAL own, with 409 identifier_taken', async () => {
        for (const identifier of [one.identifier, API, MCP]) {
          const res = await create({ name: 'x', identifier, scopes: SCOPES }, other.auth);
          expect(res.status).toBe(409);
          expect(res.json.error).toEqual({
            code: 'identifier_taken',
            message: 'identifier: already registered',
          });
        }
        const patch = await api(hal.url, 'PATCH', `/api/v1/resources/${two.id}`, {
          auth: hal.user.auth,
          body: { identifier: one.identifier },
        });
        expect(patch.status).toBe(409);
      });

      it("reserves HAL's own origin with 409 identifier_taken", async () => {
        const res = await create({ name: 'x', identifier: `${hal.url}/other`, scopes: SCOPES });
        expect(res.status).toBe(409);
        expect(res.json.error).toEqual({
          code: 'identifier_taken',
          message: "identifier: HAL's own origin is reserved",
        });
      });

      it('refuses a scope name outside ^[a-z][a-z0-9_.:-]{0,63}$ with 400', async () => {
        const res = await create({
          name: 'x',
          identifier: 'https://bad-scope.example',
          scopes: [{ name: 'Notes', description: 'd' }],
        });
        expect(res.status).toBe(400);
        expect(res.json.error.code).toBe('invalid_request');
      });

      it("answers 404 for another user's resource", async () => {
        for (const [method, path] of [
          ['GET', `/api/v1/resources/${one.id}`],
          ['PATCH', `/api/v1/resources/${one.id}`],
          ['DELETE', `/api/v1/resources/${one.id}`],
          ['POST', `/api/v1/resources/${one.id}/secret`],
        ] as const) {
          const res = await api(hal.url, method, path, {
            auth: other.auth,
            ...(method === 'PATCH' && { body: { name: 'mine' } }),
          });
          expect(res.status).toBe(404);
          expect(res.json.error.code).toBe('not_found');
        }
        expect((await api(hal.url, 'GET', '/api/v1/resources', { auth: other.auth })).json.data).toEqual([]);
      });

      it('updates name, scopes and access_token_ttl', async () => {
        const r = await register('https://patch.example/api');
        const res = await api(hal.url, 'PATCH', `/api/v1/resources/${r.id}`, {
          auth: hal.user.auth,
          body: { name: 'Renamed', access_token_ttl: 300 },
        });
        expect(res.status).toBe(200);
        expect(res.json.data).toMatchObject({ name: 'Renamed', access_token_ttl: 300, scopes: SCOPES });
      });

      it('publishes the RFC 9728 document without authentication', async () => {
        const res = await api(hal.url, 'GET', `/api/v1/resources/${one.id}/metadata`);
        expect(res.status).toBe(200);
        expect(res.json).toEqual({
          resource: one.identifier,
          authorization_servers: [hal.url],
          scopes_supported: ['notes:read', 'notes:write'],
          bearer_methods_supported: ['header'],
          resource_name: 'Notes https://notes-one.example/api',
        });
        expect((await api(hal.url, 'GET', '/api/v1/resources/hal_rs_nope/metadata')).status).toBe(404);
      });

      it('works the same through tRPC', async () => {
        const created = await other.trpc.resources.create.mutate({
          name: 'Via tRPC',
          identifier: 'https://trpc.example/api',
          scopes: SCOPES,
        });
        expect(created.introspection_secret).toMatch(/^hal_rss_/);
        expect((await other.trpc.resources.list.query()).map((r) => r.id)).toEqual([created.id]);
        await expect(hal.user.trpc.resources.get.query({ id: created.id })).rejects.toMatchObject({
          data: { code: 'NOT_FOUND' },
        });
        await other.trpc.resources.delete.mutate({ id: created.id });
        expect(await other.trpc.resources.list.query()).toEqual([]);
      });

      it('shows its owner, and no one else, the users and apps holding access to it', async () => {
        const r = await register('https://holders.example/api');
        expect(await hal.user.trpc.resources.connections.query({ id: r.id })).toEqual([]);
        await token(r.identifier, 'profile notes:read', other);
        const holders = await hal.user.trpc.resources.connections.query({ id: r.id });
        expect(holders).toHaveLength(1);
        expect(holders[0]).toMatchObject({
          user: { id: other.id, email: other.account.email, name: other.account.name },
          app: { client_id: hal.app.client_id },
        });
        expect(holders[0]?.scopes).toContain('notes:read');
        await expect(other.trpc.resources.connections.query({ id: r.id })).rejects.toMatchObject({
          data: { code: 'NOT_FOUND' },
        });
        // A revoked grant no longer holds access.
        await other.trpc.connections.revoke.mutate({ id: holders[0]?.id as string });
        expect(await hal.user.trpc.resources.connections.query({ id: r.id })).toEqual([]);
      });
    });

    describe('authorization for a registered resource (RFC 8707)', () => {
      it('issues a token with aud, sub, client_id, scope, email and name, living access_token_ttl', async () => {
        const t = await token(one.identifier);
        const claims = decodeJwtPayload(t.access_token);
        expect(claims).toMatchObject({
          aud: one.identifier,
          sub: hal.user.id,
          client_id: hal.app.client_id,
          scope: 'profile notes:read',
          email: hal.user.account.email,
          name: hal.user.account.name,
        });
        expect(t.expires_in).toBe(120);
        expect(claims.exp - claims.iat).toBe(120);
      });

      it('applies a changed access_token_ttl at once, to refreshed tokens too', async () => {
        const r = await register('https://ttl.example/api', { access_token_ttl: 600 });
        const t = await token(r.identifier);
        expect(t.expires_in).toBe(600);
        const patched = await api(hal.url, 'PATCH', `/api/v1/resources/${r.id}`, {
          auth: hal.user.auth,
          body: { access_token_ttl: 90 },
        });
        expect(patched.status).toBe(200);
        const refreshed = await oauthPost(
          hal.url,
          '/oauth/token',
          { grant_type: 'refresh_token', refresh_token: t.refresh_token },
          creds(),
        );
        expect(refreshed.json.expires_in).toBe(90);
        const claims = decodeJwtPayload(refreshed.json.access_token);
        expect(claims.exp - claims.iat).toBe(90);
      });

      it('carries no email or name without profile', async () => {
        const claims = decodeJwtPayload((await token(one.identifier, 'notes:read')).access_token);
        expect(claims.email).toBeUndefined();
        expect(claims.name).toBeUndefined();
      });

      it('names the resource and its owner on the consent page', async () => {
        const { challenge } = pkce();
        const page = await other.browser.fetch(
          `/oauth/authorize?${new URLSearchParams([
            ['response_type', 'code'],
            ['client_id', hal.app.client_id],
            ['redirect_uri', hal.app.redirect_uris[0] as string],
            ['code_challenge', challenge],
            ['code_challenge_method', 'S256'],
            ['scope', 'notes:read'],
            ['resource', one.identifier],
          ])}`,
        );
        expect(page.status).toBe(200);
        const html = await page.text();
        expect(html).toContain(
          `Notes https://notes-one.example/api (registered by ${hal.user.account.name})`,
        );
        expect(html).toContain('<li>Read your notes</li>');
      });

      it('carries a registered resource through PAR into the token (RFC 9126)', async () => {
        const { verifier, challenge } = pkce();
        const redirectUri = hal.app.redirect_uris[0] as string;
        const pushed = await oauthPost(
          hal.url,
          '/oauth/par',
          {
            response_type: 'code',
            redirect_uri: redirectUri,
            code_challenge: challenge,
            code_challenge_method: 'S256',
            scope: 'notes:write',
            resource: two.identifier,
          },
          creds(),
        );
        expect(pushed.status).toBe(201);
        const redirect = await authorizeInBrowser(hal.user.browser, {
          client_id: hal.app.client_id,
          request_uri: pushed.json.request_uri,
        });
        const res = await exchangeCode(hal.url, hal.app, {
          code: redirect.searchParams.get('code') as string,
          verifier,
          redirectUri,
        });
        expect(res.status).toBe(200);
        expect(decodeJwtPayload(res.json.access_token)).toMatchObject({
          aud: two.identifier,
          scope: 'notes:write',
        });
      });

      it("refuses a registered resource's scope without its resource with invalid_scope", async () => {
        const { challenge } = pkce();
        const res = await hal.user.browser.fetch(
          `/oauth/authorize?${new URLSearchParams([
            ['response_type', 'code'],
            ['client_id', hal.app.client_id],
            ['redirect_uri', hal.app.redirect_uris[0] as string],
            ['code_challenge', challenge],
            ['code_challenge_method', 'S256'],
            ['scope', 'notes:read'],
            ['resource', API],
          ])}`,
        );
        const location = new URL(res.headers.get('location') as string);
        expect(location.searchParams.get('error')).toBe('invalid_scope');
        expect(location.searchParams.get('error_description')).toBe('unknown scope: notes:read');
      });

      it('narrows at the token endpoint and refreshes for the resource', async () => {
        const t = await token([one.identifier, two.identifier]);
        expect(decodeJwtPayload(t.access_token).aud).toEqual([one.identifier, two.identifier]);
        const narrowed = await oauthPost(
          hal.url,
          '/oauth/token',
          { grant_type: 'refresh_token', refresh_token: t.refresh_token, resource: two.identifier },
          creds(),
        );
        expect(narrowed.status).toBe(200);
        expect(decodeJwtPayload(narrowed.json.access_token).aud).toBe(two.identifier);
      });
    });

    describe('a token for one resource is never accepted by another (RFC 8707 §2, RFC 9068 §4)', () => {
      it('across HAL two resources and two registered ones', async () => {
        const { oauth } = hal.srv.services;
        const forOne = (await token(one.identifier)).access_token;
        const forTwo = (await token(two.identifier)).access_token;
        const forApi = (await token(API, 'profile')).access_token;
        const forMcp = (await token(MCP, 'profile')).access_token;
        const all = { [one.identifier]: forOne, [two.identifier]: forTwo, [API]: forApi, [MCP]: forMcp };
        for (const [audience, t] of Object.entries(all)) {
          for (const resource of [API, MCP]) {
            const accepted = await oauth.verifyAccessToken(t, resource);
            expect(Boolean(accepted), `${audience} at ${resource}`).toBe(audience === resource);
          }
          for (const server of [one, two]) {
            const res = await introspectAs(server, t);
            expect(res.status).toBe(200);
            expect(res.json.active, `${audience} introspected by ${server.identifier}`).toBe(
              audience === server.identifier,
            );
          }
        }
        expect((await api(hal.url, 'GET', '/api/v1/auth/me', { auth: bearer(forOne) })).status).toBe(401);
      });
    });

    describe('introspection by a resource server (RFC 7662)', () => {
      it('reports its own tokens with their claims', async () => {
        const t = await token(one.identifier);
        const res = await introspectAs(one, t.access_token);
        expect(res.json).toMatchObject({
          active: true,
          aud: one.identifier,
          sub: hal.user.id,
          scope: 'profile notes:read',
          email: hal.user.account.email,
        });
        expect((await introspectAs(one, t.refresh_token)).json).toEqual({ active: false });
      });

      it('refuses a wrong secret with 401 invalid_client', async () => {
        const res = await introspectAs(
          { id: one.id, introspection_secret: `hal_rss_${'x'.repeat(43)}` },
          'x',
        );
        expect(res.status).toBe(401);
        expect(res.json).toEqual({
          error: 'invalid_client',
          error_description: 'client authentication failed',
        });
      });

      it('rotates the secret: the new one works, the old one no longer', async () => {
        const r = await register('https://rotate.example/api');
        const res = await api(hal.url, 'POST', `/api/v1/resources/${r.id}/secret`, { auth: hal.user.auth });
        expect(res.status).toBe(200);
        expect(res.headers.get('cache-control')).toBe('no-store');
        const fresh = res.json.data.introspection_secret as string;
        expect(fresh).toMatch(/^hal_rss_/);
        expect(fresh).not.toBe(r.introspection_secret);
        expect((await introspectAs(r, 'x')).status).toBe(401);
        expect((await introspectAs({ id: r.id, introspection_secret: fresh }, 'x')).json).toEqual({
          active: false,
        });
      });
    });

    describe('consent and grants stay the user own', () => {
      it("lets no one, the resource's owner included, answer another user's request (404)", async () => {
        const owned = await register('https://owned-by-other.example/api', {}, other.auth);
        const { challenge } = pkce();
        const path = `/oauth/authorize?${new URLSearchParams([
          ['response_type', 'code'],
          ['client_id', hal.app.client_id],
          ['redirect_uri', hal.app.redirect_uris[0] as string],
          ['code_challenge', challenge],
          ['code_challenge_method', 'S256'],
          ['scope', 'notes:read'],
          ['resource', owned.identifier],
        ])}`;
        const mine = consentForm(await (await hal.user.browser.fetch(path)).text());
        const theirs = consentForm(await (await other.browser.fetch(path)).text());
        const res = await other.browser.post('/oauth/authorize/decision', {
          csrf: theirs.csrf as string,
          request_id: mine.requestId as string,
          decision: 'approve',
        });
        expect(res.status).toBe(404);
      });

      it("shows a resource's owner none of the grants users made for it", async () => {
        const owned = await register('https://watched.example/api', {}, other.auth);
        await token(owned.identifier);
        expect(await other.trpc.connections.list.query()).toEqual([]);
        const mine = await hal.user.trpc.connections.list.query();
        expect(JSON.stringify(mine)).toContain(hal.app.client_id);
      });

      it('reserves profile, which is the user identity, as a registered scope name (400)', async () => {
        const res = await create({
          name: 'x',
          identifier: 'https://profile.example/api',
          scopes: [{ name: 'profile', description: 'mine' }],
        });
        expect(res.status).toBe(400);
        expect(res.json.error).toEqual({ code: 'invalid_request', message: 'scopes: profile is reserved' });
      });
    });

    describe('deleting a resource', () => {
      it('changing the identifier also revokes the grants that name the old one', async () => {
        const r = await register('https://moving.example/api');
        const t = await token(r.identifier);
        const patched = await api(hal.url, 'PATCH', `/api/v1/resources/${r.id}`, {
          auth: hal.user.auth,
          body: { identifier: 'https://moved.example/api' },
        });
        expect(patched.status).toBe(200);
        expect(patched.json.data.identifier).toBe('https://moved.example/api');
        const seen = await oauthPost(hal.url, '/oauth/introspect', { token: t.access_token }, creds());
        expect(seen.json).toEqual({ active: false });
      });

      it('revokes every grant that names it', async () => {
        const r = await register('https://doomed.example/api');
        const t = await token(r.identifier);
        expect((await introspectAs(r, t.access_token)).json.active).toBe(true);
        const del = await api(hal.url, 'DELETE', `/api/v1/resources/${r.id}`, { auth: hal.user.auth });
        expect(del.status).toBe(204);
        // The client's own introspection sees it revoked as well.
        const seen = await oauthPost(hal.url, '/oauth/introspect', { token: t.access_token }, creds());
        expect(seen.json).toEqual({ active: false });
        const refreshed = await oauthPost(
          hal.url,
          '/oauth/token',
          { grant_type: 'refresh_token', refresh_token: t.refresh_token },
          creds(),
        );
        expect(refreshed.status).toBe(400);
        expect(refreshed.json.error).toBe('invalid_grant');
      });
    });
  },
);
