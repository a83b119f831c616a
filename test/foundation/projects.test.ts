import { describe, expect, it } from 'vitest';
import { api, bearer } from '../support/api';
import { useInstance } from '../support/fixtures';
import { BACKENDS } from '../support/servers';

describe.each(BACKENDS)('projects API on %s', (backend) => {
  const hal = useInstance(backend);

  const newProject = async (name = 'Acme') =>
    (await api(hal.url, 'POST', '/api/v1/projects', { auth: hal.user.auth, body: { name } })).json.data;

  it('creates a project owned by its creator with a public widget app id', async () => {
    const res = await api(hal.url, 'POST', '/api/v1/projects', {
      auth: hal.user.auth,
      body: { name: '  Acme  ' },
    });
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
    const stranger = await hal.signUp();
    const theirs = await api(hal.url, 'POST', '/api/v1/projects', {
      auth: stranger.auth,
      body: { name: 'Theirs' },
    });
    const list = await api(hal.url, 'GET', '/api/v1/projects', { auth: hal.user.auth });
    const ids = list.json.data.map((p: { id: string }) => p.id);
    expect(ids).toContain(mine.id);
    expect(ids).not.toContain(theirs.json.data.id);
  });

  it('answers 404 to non-members for GET, PATCH and DELETE', async () => {
    const p = await newProject();
    const stranger = await hal.signUp();
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      const res = await api(hal.url, method, `/api/v1/projects/${p.id}`, {
        auth: stranger.auth,
        body: method === 'PATCH' ? { name: 'x' } : undefined,
      });
      expect(res.status).toBe(404);
      expect(res.json.error.code).toBe('not_found');
    }
    expect((await api(hal.url, 'GET', '/api/v1/projects/proj_nope', { auth: hal.user.auth })).status).toBe(
      404,
    );
  });

  it('lets owners and admins PATCH, not members (403); only owners DELETE', async () => {
    const p = await newProject();
    const admin = await hal.signUp();
    const member = await hal.signUp();
    await hal.srv.services.stores.projects.setMember(p.id, admin.id, 'admin');
    await hal.srv.services.stores.projects.setMember(p.id, member.id, 'member');

    const memberView = await api(hal.url, 'GET', `/api/v1/projects/${p.id}`, { auth: member.auth });
    expect(memberView.json.data.role).toBe('member');
    const memberPatch = await api(hal.url, 'PATCH', `/api/v1/projects/${p.id}`, {
      auth: member.auth,
      body: { name: 'Nope' },
    });
    expect(memberPatch.status).toBe(403);
    expect(memberPatch.json.error.code).toBe('forbidden');

    const adminPatch = await api(hal.url, 'PATCH', `/api/v1/projects/${p.id}`, {
      auth: admin.auth,
      body: { name: 'Renamed', allowed_origins: ['https://shop.example', 'http://localhost:5173'] },
    });
    expect(adminPatch.status).toBe(200);
    expect(adminPatch.json.data).toMatchObject({
      name: 'Renamed',
      allowed_origins: ['https://shop.example', 'http://localhost:5173'],
      role: 'admin',
    });

    expect((await api(hal.url, 'DELETE', `/api/v1/projects/${p.id}`, { auth: admin.auth })).status).toBe(403);
    expect((await api(hal.url, 'DELETE', `/api/v1/projects/${p.id}`, { auth: member.auth })).status).toBe(
      403,
    );
    expect((await api(hal.url, 'DELETE', `/api/v1/projects/${p.id}`, { auth: hal.user.auth })).status).toBe(
      204,
    );
    expect((await api(hal.url, 'GET', `/api/v1/projects/${p.id}`, { auth: hal.user.auth })).status).toBe(404);
    expect(hal.user.id).toMatch(/^usr_/);
  });

  it.each([
    [{ name: '' }, 'name'],
    [{ allowed_origins: ['https://shop.example/path'] }, 'allowed_origins.0'],
    [{ allowed_origins: ['javascript:alert(1)'] }, 'allowed_origins.0'],
    [{ allowed_origins: 'https://shop.example' }, 'allowed_origins'],
    [{ role: 'owner' }, ''],
  ])('rejects PATCH %j with 400', async (body, field) => {
    const p = await newProject();
    const res = await api(hal.url, 'PATCH', `/api/v1/projects/${p.id}`, { auth: hal.user.auth, body });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_request');
    if (field) expect(res.json.error.message.startsWith(`${field}:`)).toBe(true);
  });

  it('enforces projects:read and projects:write scopes for PATs', async () => {
    const reader = await api(hal.url, 'POST', '/api/v1/tokens', {
      auth: hal.user.auth,
      body: { name: 'r', scopes: ['projects:read'] },
    });
    const token = bearer(reader.json.data.token);
    expect((await api(hal.url, 'GET', '/api/v1/projects', { auth: token })).status).toBe(200);
    const create = await api(hal.url, 'POST', '/api/v1/projects', { auth: token, body: { name: 'x' } });
    expect(create.status).toBe(403);
    expect(create.headers.get('www-authenticate')).toContain('scope="projects:write"');
  });

  it('keeps the identity secret encrypted under HAL_SECRET_KEY and decryptable by the server', async () => {
    const p = await newProject();
    const row = await hal.srv.services.projects.load({ userId: hal.user.id }, p.id, 'read');
    expect(row.widgetSecretSealed).not.toContain('hal_ws_');
    expect(hal.srv.services.projects.widgetSecret(row)).toMatch(/^hal_ws_[0-9A-Za-z]{43}$/);
  });
});
