import { describe, expect, it } from 'vitest';
import { api, bearer } from '../support/api';
import { basic, signUp } from '../support/browser';
import { useInstance } from '../support/fixtures';
import { BACKENDS } from '../support/servers';

describe.each(BACKENDS)('personal access tokens on %s (contract: /api/v1/tokens)', (backend) => {
  const hal = useInstance(backend);

  const create = (body: unknown, as = hal.user.auth) =>
    api(hal.url, 'POST', '/api/v1/tokens', { auth: as, body });

  it('creates a token shown once with the contract fields', async () => {
    const expires = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const res = await create({ name: 'ci', scopes: ['profile', 'projects:read'], expires_at: expires });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const pat = res.json.data;
    expect(Object.keys(pat).sort()).toEqual(
      ['created_at', 'expires_at', 'id', 'last_used_at', 'name', 'prefix', 'scopes', 'token'].sort(),
    );
    expect(pat.token).toMatch(/^hal_pat_[0-9A-Za-z]{43}$/);
    expect(pat.token.startsWith(pat.prefix)).toBe(true);
    expect(pat.prefix.length).toBeLessThan(16);
    expect(pat.scopes).toEqual(['profile', 'projects:read']);
    expect(new Date(pat.expires_at).toISOString()).toBe(expires);
  });

  it('lists tokens with prefix and last_used_at but never the raw token', async () => {
    const { json } = await create({ name: 'listed', scopes: ['profile'] });
    const before = await api(hal.url, 'GET', '/api/v1/tokens', { auth: hal.user.auth });
    const item = before.json.data.find((t: { id: string }) => t.id === json.data.id);
    expect(item.last_used_at).toBeNull();
    expect(item).not.toHaveProperty('token');
    expect(before.text).not.toContain(json.data.token);

    await api(hal.url, 'GET', '/api/v1/auth/me', { auth: bearer(json.data.token) });
    const after = await api(hal.url, 'GET', '/api/v1/tokens', { auth: hal.user.auth });
    const used = after.json.data.find((t: { id: string }) => t.id === json.data.id);
    expect(Date.parse(used.last_used_at)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('revokes a token; it fails on the very next request and disappears from the list', async () => {
    const { json } = await create({ name: 'doomed', scopes: ['profile'] });
    const token = bearer(json.data.token);
    expect((await api(hal.url, 'GET', '/api/v1/auth/me', { auth: token })).status).toBe(200);
    const del = await api(hal.url, 'DELETE', `/api/v1/tokens/${json.data.id}`, { auth: hal.user.auth });
    expect(del.status).toBe(204);
    const after = await api(hal.url, 'GET', '/api/v1/auth/me', { auth: token });
    expect(after.status).toBe(401);
    expect(after.headers.get('www-authenticate')).toContain('error="invalid_token"');
    const list = await api(hal.url, 'GET', '/api/v1/tokens', { auth: hal.user.auth });
    expect(list.json.data.map((t: { id: string }) => t.id)).not.toContain(json.data.id);
  });

  it("answers 404 for an unknown id, an already revoked one, and another user's token", async () => {
    expect((await api(hal.url, 'DELETE', '/api/v1/tokens/01NOPE', { auth: hal.user.auth })).status).toBe(404);
    const { json } = await create({ name: 'twice', scopes: ['profile'] });
    await api(hal.url, 'DELETE', `/api/v1/tokens/${json.data.id}`, { auth: hal.user.auth });
    expect(
      (await api(hal.url, 'DELETE', `/api/v1/tokens/${json.data.id}`, { auth: hal.user.auth })).status,
    ).toBe(404);

    const mine = await create({ name: 'mine', scopes: ['profile'] });
    const { account: other } = await signUp(hal.url);
    const res = await api(hal.url, 'DELETE', `/api/v1/tokens/${mine.json.data.id}`, {
      auth: basic(other.email, other.password),
    });
    expect(res.status).toBe(404);
    expect(
      (await api(hal.url, 'GET', '/api/v1/auth/me', { auth: bearer(mine.json.data.token) })).status,
    ).toBe(200);
  });

  it('refuses an expired token with 401', async () => {
    const { json } = await create({ name: 'short', scopes: ['profile'] });
    const { personalAccessTokens } = await import('@hal/db').then((m) => m.schema);
    const { eq } = await import('drizzle-orm');
    await hal.srv.database.db
      .update(personalAccessTokens)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(personalAccessTokens.id, json.data.id));
    expect((await api(hal.url, 'GET', '/api/v1/auth/me', { auth: bearer(json.data.token) })).status).toBe(
      401,
    );
  });

  it.each([
    [{ name: 'x', scopes: ['admin'] }, 'scopes.0'],
    [{ name: 'x', scopes: [] }, 'scopes'],
    [{ name: '', scopes: ['profile'] }, 'name'],
    [{ scopes: ['profile'] }, 'name'],
    [{ name: 'x', scopes: ['profile'], expires_at: 'tomorrow' }, 'expires_at'],
    [
      { name: 'x', scopes: ['profile'], expires_at: new Date(Date.now() + 400 * 86_400_000).toISOString() },
      'expires_at',
    ],
    [{ name: 'x', scopes: ['profile'], expires_at: new Date(Date.now() - 1000).toISOString() }, 'expires_at'],
  ])('rejects %j with 400 naming %s', async (body, field) => {
    const res = await create(body);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_request');
    expect(res.json.error.message.startsWith(`${field}:`)).toBe(true);
  });

  it('lets a PAT with tokens:write manage tokens, and refuses one without it (403)', async () => {
    const manager = await create({ name: 'manager', scopes: ['tokens:write'] });
    const viaPat = await create({ name: 'child', scopes: ['profile'] }, bearer(manager.json.data.token));
    expect(viaPat.status).toBe(201);
    const reader = await create({ name: 'reader', scopes: ['profile'] });
    const refused = await api(hal.url, 'GET', '/api/v1/tokens', { auth: bearer(reader.json.data.token) });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('www-authenticate')).toContain('scope="tokens:write"');
  });
});
