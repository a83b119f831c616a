import { beforeAll, describe, expect, it } from 'vitest';
import { api, bearer } from '../support/api';
import { useInstance } from '../support/fixtures';
import { codeFlow, decodeJwtHeader, oauthPost } from '../support/oauth';
import { BACKENDS } from '../support/servers';

describe.each(BACKENDS)('revocation, introspection and OAuth tokens on the API on %s', (backend) => {
  const hal = useInstance(backend, { app: {} });
  let projectId: string;
  let otherProjectId: string;

  let creds: { id: string; secret: string };

  beforeAll(async () => {
    creds = { id: hal.app.client_id, secret: hal.app.client_secret as string };
    projectId = (await hal.user.createProject('Connected')).id;
    otherProjectId = (await hal.user.createProject('Other')).id;
  });

  async function tokens(scope = 'profile projects:read') {
    const { res } = await codeFlow(hal.url, hal.user.browser, hal.app, { scope, project_id: projectId });
    return res.json as { access_token: string; refresh_token: string };
  }
  const introspect = (token: string) => oauthPost(hal.url, '/oauth/introspect', { token }, creds);
  const me = (t: string) => api(hal.url, 'GET', '/api/v1/auth/me', { auth: bearer(t) });

  it('introspects an access token with its claims and a refresh token (RFC 7662 §2.2)', async () => {
    const t = await tokens();
    const at = await introspect(t.access_token);
    expect(at.status).toBe(200);
    expect(at.headers.get('cache-control')).toBe('no-store');
    expect(at.json).toMatchObject({
      active: true,
      client_id: hal.app.client_id,
      scope: 'profile projects:read',
      project_id: projectId,
      token_type: 'Bearer',
    });
    for (const claim of ['sub', 'exp', 'iat', 'iss', 'jti']) expect(at.json).toHaveProperty(claim);
    const rt = await introspect(t.refresh_token);
    expect(rt.json).toMatchObject({
      active: true,
      token_type: 'refresh_token',
      client_id: hal.app.client_id,
    });
    expect((await introspect('garbage')).json).toEqual({ active: false });
  });

  it('refuses introspection without client authentication (401 invalid_client)', async () => {
    const t = await tokens();
    const res = await oauthPost(hal.url, '/oauth/introspect', { token: t.access_token });
    expect(res.status).toBe(401);
    expect(res.json.error).toBe('invalid_client');
  });

  it('reports tokens of another client as inactive', async () => {
    const t = await tokens();
    const other = await hal.registerApp();
    const res = await oauthPost(
      hal.url,
      '/oauth/introspect',
      { token: t.access_token },
      { id: other.client_id, secret: other.client_secret as string },
    );
    expect(res.json).toEqual({ active: false });
  });

  it('revokes an access token: introspection and the API reflect it at once (RFC 7009)', async () => {
    const t = await tokens();
    expect((await me(t.access_token)).status).toBe(200);
    const res = await oauthPost(
      hal.url,
      '/oauth/revoke',
      { token: t.access_token, token_type_hint: 'access_token' },
      creds,
    );
    expect(res.status).toBe(200);
    expect((await introspect(t.access_token)).json.active).toBe(false);
    expect((await me(t.access_token)).status).toBe(401);
  });

  it('revokes a refresh token together with the access tokens of its grant (RFC 7009 §2.1)', async () => {
    const t = await tokens();
    expect((await oauthPost(hal.url, '/oauth/revoke', { token: t.refresh_token }, creds)).status).toBe(200);
    expect((await me(t.access_token)).status).toBe(401);
    const refreshed = await oauthPost(
      hal.url,
      '/oauth/token',
      { grant_type: 'refresh_token', refresh_token: t.refresh_token },
      creds,
    );
    expect(refreshed.json.error).toBe('invalid_grant');
  });

  it.each([
    ['an unknown token', 'hal_rt_doesnotexist'],
    ['garbage', 'not a token at all'],
  ])('answers 200 (never 204) when revoking %s, idempotently', async (_label, token) => {
    for (let i = 0; i < 2; i++) {
      const res = await oauthPost(hal.url, '/oauth/revoke', { token }, creds);
      expect(res.status).toBe(200);
    }
  });

  it('answers 200 when revoking an already revoked token', async () => {
    const t = await tokens();
    await oauthPost(hal.url, '/oauth/revoke', { token: t.refresh_token }, creds);
    expect((await oauthPost(hal.url, '/oauth/revoke', { token: t.refresh_token }, creds)).status).toBe(200);
  });

  it('does not let another client revoke a token (unauthorized_client), which keeps working', async () => {
    const t = await tokens();
    const other = await hal.registerApp();
    const res = await oauthPost(
      hal.url,
      '/oauth/revoke',
      { token: t.refresh_token },
      { id: other.client_id, secret: other.client_secret as string },
    );
    expect(res.json.error).toBe('unauthorized_client');
    expect((await me(t.access_token)).status).toBe(200);
  });

  it('revokes through the JSON endpoint POST /api/v1/oauth/token/revoke, idempotently', async () => {
    const t = await tokens();
    const body = {
      token: t.refresh_token,
      client_id: hal.app.client_id,
      client_secret: hal.app.client_secret,
    };
    const first = await api(hal.url, 'POST', '/api/v1/oauth/token/revoke', { body });
    expect(first.status).toBe(200);
    expect(first.json).toEqual({ data: { revoked: true } });
    expect((await api(hal.url, 'POST', '/api/v1/oauth/token/revoke', { body })).status).toBe(200);
    expect((await me(t.access_token)).status).toBe(401);
    const wrong = await api(hal.url, 'POST', '/api/v1/oauth/token/revoke', {
      body: { ...body, client_secret: 'nope' },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.json.error.code).toBe('invalid_client');
  });

  it('enforces OAuth scopes on the API (403 insufficient_scope) and the connected project only', async () => {
    const t = await tokens('profile projects:read');
    const list = await api(hal.url, 'GET', '/api/v1/projects', { auth: bearer(t.access_token) });
    expect(list.json.data.map((p: { id: string }) => p.id)).toEqual([projectId]);
    expect(
      (await api(hal.url, 'GET', `/api/v1/projects/${otherProjectId}`, { auth: bearer(t.access_token) }))
        .status,
    ).toBe(404);
    const write = await api(hal.url, 'PATCH', `/api/v1/projects/${projectId}`, {
      auth: bearer(t.access_token),
      body: { name: 'x' },
    });
    expect(write.status).toBe(403);
    expect(write.json.error.code).toBe('insufficient_scope');
  });

  it('refuses OAuth access tokens on /api/v1/tokens with 403 (contract: PAT, session or Basic only)', async () => {
    const t = await tokens();
    const res = await api(hal.url, 'GET', '/api/v1/tokens', { auth: bearer(t.access_token) });
    expect(res.status).toBe(403);
  });

  it('refuses an expired access token (401)', async () => {
    const short = await hal.srv.services.keyring.sign(
      {
        iss: hal.srv.services.config.issuer,
        aud: hal.srv.services.oauth.audience,
        sub: 'x',
        client_id: hal.app.client_id,
        jti: 'nope',
        scope: 'profile',
      },
      'at+jwt',
      -5,
    );
    expect((await me(short)).status).toBe(401);
  });

  it('publishes RFC 8414 metadata with the contract fields', async () => {
    const res = await api(hal.url, 'GET', '/.well-known/oauth-authorization-server');
    const issuer = hal.srv.services.config.issuer;
    expect(res.json).toMatchObject({
      issuer,
      authorization_endpoint: `${issuer}/oauth/authorize`,
      token_endpoint: `${issuer}/oauth/token`,
      revocation_endpoint: `${issuer}/oauth/revoke`,
      introspection_endpoint: `${issuer}/oauth/introspect`,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      authorization_details_types_supported: ['hal_project'],
      authorization_response_iss_parameter_supported: true,
    });
    expect(res.json.grant_types_supported.sort()).toEqual([
      'authorization_code',
      'client_credentials',
      'refresh_token',
    ]);
    expect(res.json.scopes_supported).toContain('widget:serve');
  });

  it('rotates signing keys: new tokens use the new key, old tokens stay valid and the old key stays published', async () => {
    const before = await tokens();
    const oldKid = decodeJwtHeader(before.access_token).kid;
    const newKid = await hal.srv.services.keyring.rotate();
    const after = await tokens();
    expect(decodeJwtHeader(after.access_token).kid).toBe(newKid);
    const kids = (await api(hal.url, 'GET', '/.well-known/jwks.json')).json.keys.map(
      (k: { kid: string }) => k.kid,
    );
    expect(kids).toEqual(expect.arrayContaining([oldKid, newKid]));
    expect((await me(before.access_token)).status).toBe(200);
    expect((await me(after.access_token)).status).toBe(200);
  });

  it('leaves exactly one signing key, the newest, after concurrent rotations (instances starting together)', async () => {
    // Two instances started at once on an empty database each create the first key (DEPLOY.md).
    const kids = await Promise.all(Array.from({ length: 8 }, () => hal.srv.services.keyring.rotate()));
    const published = await hal.srv.services.stores.keys.published(); // newest first
    const signing = published.filter((k) => !k.retiredAt).map((k) => k.kid);
    expect(signing).toEqual([published[0]?.kid]);
    expect(kids).toContain(signing[0]);
    // Whichever key this process loaded last, it signs, and every instance verifies it.
    await hal.srv.services.keyring.reload();
    expect(decodeJwtHeader((await tokens()).access_token).kid).toBe(signing[0]);
  });
});
