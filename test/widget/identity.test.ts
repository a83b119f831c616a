import { createHmac } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { api, bearer } from '../support/api';
import { useInstance } from '../support/fixtures';
import { codeFlow, decodeJwtPayload, oauthPost, pkce } from '../support/oauth';
import { BACKENDS } from '../support/servers';

describe.each(BACKENDS)('widget identity on %s', (backend) => {
  const hal = useInstance(backend, {
    app: { name: 'Widget Host', allowed_scopes: ['widget:serve', 'profile'] },
  });
  let project: { id: string; app_id: string };

  beforeAll(async () => {
    project = await hal.user.createProject('Shop');
    await api(hal.url, 'PATCH', `/api/v1/projects/${project.id}`, {
      auth: hal.user.auth,
      body: { allowed_origins: ['https://shop.example'] },
    });
  });

  async function connect(scope = 'widget:serve') {
    return (await codeFlow(hal.url, hal.user.browser, hal.app, { scope, project_id: project.id })).res.json;
  }
  const sign = (token: string, body: unknown) =>
    api(hal.url, 'POST', '/api/oauth/widget/sign-identity', { auth: bearer(token), body });
  const identify = (body: unknown, origin = 'https://shop.example') =>
    api(hal.url, 'POST', '/api/widget/v1/identify', { body, headers: { origin } });
  const secret = async () => {
    const row = await hal.srv.services.stores.projects.byId(project.id);
    return hal.srv.services.projects.widgetSecret(row as NonNullable<typeof row>);
  };

  it('returns the widget fields in the token response of a widget:serve grant', async () => {
    const t = await connect();
    expect(t).toMatchObject({
      scope: 'widget:serve',
      project_id: project.id,
      widget_script_url: `${hal.srv.services.config.issuer}/widget/v1/hal-widget.js`,
      api_base_url: hal.srv.services.config.issuer,
    });
  });

  it('signs user_hash as lowercase hex HMAC-SHA256(identity secret, user_id) and an HS256 user_jwt', async () => {
    const t = await connect();
    const res = await sign(t.access_token, { user_id: 'cust-1', name: 'Ada', email: 'ada@example.test' });
    expect(res.status).toBe(200);
    // Computed for this request, never kept by a cache; the security headers of every answer too.
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(res.text)));
    expect(Object.keys(res.json).sort()).toEqual(['project_id', 'user_hash', 'user_id', 'user_jwt']);
    expect(res.json.user_hash).toBe(
      createHmac('sha256', await secret())
        .update('cust-1')
        .digest('hex'),
    );
    const claims = decodeJwtPayload(res.json.user_jwt);
    expect(claims).toMatchObject({ sub: 'cust-1', name: 'Ada', email: 'ada@example.test' });
    expect(claims.exp - claims.iat).toBeLessThanOrEqual(3600);
    expect(res.json.project_id).toBe(project.id);
    expect(JSON.stringify(res.json)).not.toContain(await secret());
  });

  it('refuses a token without widget:serve (403) and a revoked grant (401)', async () => {
    const profileOnly = await connect('profile');
    const denied = await sign(profileOnly.access_token, { user_id: 'x' });
    expect(denied.status).toBe(403);
    expect(denied.json.error.code).toBe('insufficient_scope');
    const t = await connect();
    await oauthPost(
      hal.url,
      '/oauth/revoke',
      { token: t.refresh_token },
      { id: hal.app.client_id, secret: hal.app.client_secret as string },
    );
    expect((await sign(t.access_token, { user_id: 'x' })).status).toBe(401);
  });

  it.each([[{ user_id: '' }], [{ user_id: 'u'.repeat(257) }], [{ user_id: 42 }], [{ name: 'no id' }]])(
    'refuses %j with 400',
    async (body) => {
      const t = await connect();
      const res = await sign(t.access_token, body);
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe('invalid_request');
    },
  );

  it('identifies with a signed hash, records the user and answers CORS for the allowed origin', async () => {
    const t = await connect();
    const signed = (await sign(t.access_token, { user_id: 'visitor-7' })).json;
    const ok = await identify({
      app_id: project.app_id,
      user_id: 'visitor-7',
      user_hash: signed.user_hash,
      name: 'Vis',
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    // The answer carries the profile HAL accepted, which is all the widget shows.
    expect(ok.json.data).toMatchObject({ user_id: 'visitor-7', name: 'Vis', expires_in: 900 });
    expect(ok.json.data).not.toHaveProperty('email');
    expect(typeof ok.json.data.widget_token).toBe('string');
    const withClaims = (
      await sign(t.access_token, { user_id: 'visitor-7', name: 'Claimed', email: 'v@x.test' })
    ).json;
    // A user_jwt's profile is its signed claims; fields beside it are not part of the JWT body.
    const byJwt = await identify({ app_id: project.app_id, user_jwt: withClaims.user_jwt });
    expect(byJwt.json.data).toMatchObject({ user_id: 'visitor-7', name: 'Claimed', email: 'v@x.test' });
    const seen = (await hal.srv.services.stores.projects.identities(project.id)).find(
      (i) => i.userId === 'visitor-7',
    );
    expect(seen?.count).toBe(2);
    expect(seen?.name).toBe('Claimed');
  });

  it('counts every one of many concurrent identifies of the same users (group-committed upserts)', async () => {
    const t = await connect();
    const users = ['crowd-1', 'crowd-2', 'crowd-3'];
    const hashes = new Map<string, string>();
    for (const user_id of users)
      hashes.set(user_id, (await sign(t.access_token, { user_id })).json.user_hash);
    // 60 requests in flight at once: several land in one statement, repeats of a user among them.
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) => {
        const user_id = users[i % users.length] as string;
        return identify({
          app_id: project.app_id,
          user_id,
          user_hash: hashes.get(user_id),
          ...(i === 59 && { name: 'Last Name', email: 'crowd@example.test' }),
        });
      }),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(60).fill(200));
    const seen = await hal.srv.services.stores.projects.identities(project.id);
    for (const user_id of users) expect(seen.find((i) => i.userId === user_id)?.count).toBe(20);
    expect(seen.find((i) => i.userId === 'crowd-3')).toMatchObject({
      name: 'Last Name',
      email: 'crowd@example.test',
    });
  });

  it('refuses a tampered hash, a hash for another user and a forged user_jwt with 401 invalid_user_hash', async () => {
    const t = await connect();
    const signed = (await sign(t.access_token, { user_id: 'visitor-8' })).json;
    const flipped = `${signed.user_hash.slice(0, -1)}${signed.user_hash.endsWith('0') ? '1' : '0'}`;
    for (const body of [
      { app_id: project.app_id, user_id: 'visitor-8', user_hash: flipped },
      { app_id: project.app_id, user_id: 'visitor-9', user_hash: signed.user_hash },
      { app_id: project.app_id, user_jwt: `${signed.user_jwt.slice(0, -2)}xx` },
    ]) {
      const res = await identify(body);
      expect(res.status).toBe(401);
      expect(res.json.error.code).toBe('invalid_user_hash');
    }
  });

  it('refuses another origin (403, no CORS header) but lets the preflight through', async () => {
    const t = await connect();
    const signed = (await sign(t.access_token, { user_id: 'v' })).json;
    const res = await identify(
      { app_id: project.app_id, user_id: 'v', user_hash: signed.user_hash },
      'https://evil.example',
    );
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const pre = await fetch(`${hal.url}/api/widget/v1/identify`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://shop.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(pre.status).toBe(204);
  });

  it('refuses bare hashes when the project requires user_jwt', async () => {
    const other = (
      await api(hal.url, 'POST', '/api/v1/projects', { auth: hal.user.auth, body: { name: 'Strict' } })
    ).json.data;
    await api(hal.url, 'PATCH', `/api/v1/projects/${other.id}`, {
      auth: hal.user.auth,
      body: { require_user_jwt: true },
    });
    const row = await hal.srv.services.stores.projects.byId(other.id);
    const s = hal.srv.services.projects.widgetSecret(row as NonNullable<typeof row>);
    const hash = createHmac('sha256', s).update('u').digest('hex');
    const res = await api(hal.url, 'POST', '/api/widget/v1/identify', {
      body: { app_id: other.app_id, user_id: 'u', user_hash: hash },
    });
    expect(res.status).toBe(401);
    expect(res.json.error.message).toBe('this project accepts only user_jwt');
  });

  it('signs with the new identity secret after a rotation; old hashes stop verifying', async () => {
    const t = await connect();
    const before = (await sign(t.access_token, { user_id: 'rot-1' })).json;
    const ownerId = (await api(hal.url, 'GET', '/api/v1/auth/me', { auth: hal.user.auth })).json.data.id;
    const rotated = await hal.srv.services.projects.rotateSecret({ userId: ownerId }, project.id);
    const after = (await sign(t.access_token, { user_id: 'rot-1' })).json;
    expect(after.user_hash).not.toBe(before.user_hash);
    expect(after.user_hash).toBe(createHmac('sha256', rotated.widget_secret).update('rot-1').digest('hex'));
    expect(
      (await identify({ app_id: project.app_id, user_id: 'rot-1', user_hash: before.user_hash })).status,
    ).toBe(401);
    expect(
      (await identify({ app_id: project.app_id, user_id: 'rot-1', user_hash: after.user_hash })).status,
    ).toBe(200);
  });

  it('exchanges a legacy private project client code for app_id and widget_secret', async () => {
    const created = await api(hal.url, 'POST', '/api/v1/oauth/apps', {
      auth: hal.user.auth,
      body: {
        name: 'Legacy',
        redirect_uris: ['https://legacy.example/cb'],
        kind: 'private',
        project_id: project.id,
      },
    });
    expect(created.status).toBe(201);
    const legacy = created.json.data;
    expect(legacy).toMatchObject({
      kind: 'private',
      project_id: project.id,
      allowed_scopes: ['widget:serve'],
    });
    const { res } = await codeFlow(hal.url, hal.user.browser, legacy, { scope: 'widget:serve' });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      app_id: project.app_id,
      widget_secret: await secret(),
      project_id: project.id,
      token_type: 'widget_secret',
    });
    expect(res.headers.get('cache-control')).toBe('no-store');

    // It can only be authorized for its own project.
    const other = (
      await api(hal.url, 'POST', '/api/v1/projects', { auth: hal.user.auth, body: { name: 'Other' } })
    ).json.data;
    const refused = await hal.user.browser.fetch(
      `/oauth/authorize?${new URLSearchParams({
        response_type: 'code',
        client_id: legacy.client_id,
        redirect_uri: 'https://legacy.example/cb',
        code_challenge: pkce().challenge,
        code_challenge_method: 'S256',
        scope: 'widget:serve',
        project_id: other.id,
      })}`,
    );
    expect(refused.status).toBe(302);
    expect(new URL(refused.headers.get('location') as string).searchParams.get('error')).toBe(
      'invalid_request',
    );
  });

  it('answers 404 for an unknown app_id', async () => {
    expect((await identify({ app_id: 'hal_wa_nope', user_id: 'u', user_hash: 'ab' })).status).toBe(404);
  });

  it('serves the widget script as JavaScript with an ETag and a cache lifetime', async () => {
    const res = await fetch(`${hal.url}/widget/v1/hal-widget.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(res.headers.get('cache-control')).toContain('max-age=');
    const etag = res.headers.get('etag') as string;
    expect(await res.text()).toContain('HalWidget');
    const again = await fetch(`${hal.url}/widget/v1/hal-widget.js`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });
});
