import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, bearer } from '../support/api';
import { basic, signUp } from '../support/browser';
import { BACKENDS, startTestServer, type TestServer } from '../support/servers';

describe.each(BACKENDS)('projects API on %s', (backend) => {
  let srv: TestServer;
  let owner: string;
  let ownerId: string;

  beforeAll(async () => {
    srv = await startTestServer(backend);
    const { account } = await signUp(srv.url);
    owner = basic(account.email, account.password);
    ownerId = (await api(srv.url, 'GET', '/api/v1/auth/me', { auth: owner })).json.data.id;
  });
  afterAll(() => srv.close());

  async function someone() {
    const { account } = await signUp(srv.url);
    const auth = basic(account.email, account.password);
    const id = (await api(srv.url, 'GET', '/api/v1/auth/me', { auth })).json.data.id as string;
    return { auth, id };
  }
  const newProject = async (name = 'Acme') =>
    (await api(srv.url, 'POST', '/api/v1/projects', { auth: owner, body: { name } })).json.data;

  it('creates a project owned by its creator with a public widget app id', async () => {
    const res = await api(srv.url, 'POST', '/api/v1/projects', { auth: owner, body: { name: '  Acme  ' } });
    expect(res.status).toBe(201);
    const p = res.json.data;
    expect(p.id).toMatch(/^proj_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(p.app_id).toMatch(/^hal_wa_[0-9A-Za-z]{16}$/);
    expect(p).toMatchObject({ name: 'Acme', role: 'owner' });
    expect(Number.isNaN(Date.parse(p.created_at))).toBe(false);
    expect(JSON.stringify(p)).not.toContain('hal_ws_'); // the identity secret is never in the API view
  });

  it("lists only the caller's projects", async () => {
    const mine = await newProject('Mine');
    const stranger = await someone();
    const theirs = await api(srv.url, 'POST', '/api/v1/projects', {
      auth: stranger.auth,
      body: { name: 'Theirs' },
    });
    const list = await api(srv.url, 'GET', '/api/v1/projects', { auth: owner });
    const ids = list.json.data.map((p: { id: string }) => p.id);
    expect(ids).toContain(mine.id);
    expect(ids).not.toContain(theirs.json.data.id);
  });

  it('answers 404 to non-members for GET, PATCH and DELETE', async () => {
    const p = await newProject();
    const stranger = await someone();
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      const res = await api(srv.url, method, `/api/v1/projects/${p.id}`, {
        auth: stranger.auth,
        body: method === 'PATCH' ? { name: 'x' } : undefined,
      });
      expect(res.status).toBe(404);
      expect(res.json.error.code).toBe('not_found');
    }
    expect((await api(srv.url, 'GET', '/api/v1/projects/proj_nope', { auth: owner })).status).toBe(404);
  });

  it('lets owners and admins PATCH, not members (403); only owners DELETE', async () => {
    const p = await newProject();
    const admin = await someone();
    const member = await someone();
    await srv.services.stores.projects.setMember(p.id, admin.id, 'admin');
    await srv.services.stores.projects.setMember(p.id, member.id, 'member');

    const memberView = await api(srv.url, 'GET', `/api/v1/projects/${p.id}`, { auth: member.auth });
    expect(memberView.json.data.role).toBe('member');
    const memberPatch = await api(srv.url, 'PATCH', `/api/v1/projects/${p.id}`, {
      auth: member.auth,
      body: { name: 'Nope' },
    });
    expect(memberPatch.status).toBe(403);
    expect(memberPatch.json.error.code).toBe('forbidden');

    const adminPatch = await api(srv.url, 'PATCH', `/api/v1/projects/${p.id}`, {
      auth: admin.auth,
      body: { name: 'Renamed', allowed_origins: ['https://shop.example', 'http://localhost:5173'] },
    });
    expect(adminPatch.status).toBe(200);
    expect(adminPatch.json.data).toMatchObject({
      name: 'Renamed',
      allowed_origins: ['https://shop.example', 'http://localhost:5173'],
      role: 'admin',
    });

    expect((await api(srv.url, 'DELETE', `/api/v1/projects/${p.id}`, { auth: admin.auth })).status).toBe(403);
    expect((await api(srv.url, 'DELETE', `/api/v1/projects/${p.id}`, { auth: member.auth })).status).toBe(
      403,
    );
    expect((await api(srv.url, 'DELETE', `/api/v1/projects/${p.id}`, { auth: owner })).status).toBe(204);
    expect((await api(srv.url, 'GET', `/api/v1/projects/${p.id}`, { auth: owner })).status).toBe(404);
    expect(ownerId).toMatch(/^usr_/);
  });

  it.each([
    [{ name: '' }, 'name'],
    [{ allowed_origins: ['https://shop.example/path'] }, 'allowed_origins.0'],
    [{ allowed_origins: ['javascript:alert(1)'] }, 'allowed_origins.0'],
    [{ allowed_origins: 'https://shop.example' }, 'allowed_origins'],
    [{ role: 'owner' }, ''],
  ])('rejects PATCH %j with 400', async (body, field) => {
    const p = await newProject();
    const res = await api(srv.url, 'PATCH', `/api/v1/projects/${p.id}`, { auth: owner, body });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_request');
    if (field) expect(res.json.error.message.startsWith(`${field}:`)).toBe(true);
  });

  it('enforces projects:read and projects:write scopes for PATs', async () => {
    const reader = await api(srv.url, 'POST', '/api/v1/tokens', {
      auth: owner,
      body: { name: 'r', scopes: ['projects:read'] },
    });
    const token = bearer(reader.json.data.token);
    expect((await api(srv.url, 'GET', '/api/v1/projects', { auth: token })).status).toBe(200);
    const create = await api(srv.url, 'POST', '/api/v1/projects', { auth: token, body: { name: 'x' } });
    expect(create.status).toBe(403);
    expect(create.headers.get('www-authenticate')).toContain('scope="projects:write"');
  });

  it('keeps the identity secret encrypted under HAL_SECRET_KEY and decryptable by the server', async () => {
    const p = await newProject();
    const row = await srv.services.projects.load({ userId: ownerId }, p.id, 'read');
    expect(row.widgetSecretSealed).not.toContain('hal_ws_');
    expect(srv.services.projects.widgetSecret(row)).toMatch(/^hal_ws_[0-9A-Za-z]{43}$/);
  });
});
