import { beforeAll, describe, expect, it } from 'vitest';
import { api, bearer } from '../support/api';
import { useInstance } from '../support/fixtures';
import { authorizeInBrowser, decodeJwtHeader, decodeJwtPayload, oauthPost, pkce } from '../support/oauth';
import { BACKENDS } from '../support/servers';

describe.each(BACKENDS)('authorization code flow end to end on %s', (backend) => {
  const hal = useInstance(backend, { app: {} });
  let projectId: string;

  beforeAll(async () => {
    projectId = (await hal.user.createProject('Shop')).id;
  });

  it('issues a code, exchanges it for RFC 9068 tokens, refreshes, and the token works on the API', async () => {
    const { verifier, challenge } = pkce();
    const redirect = await authorizeInBrowser(hal.user.browser, {
      response_type: 'code',
      client_id: hal.app.client_id,
      redirect_uri: 'https://client.example/cb',
      state: 'xyz',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      scope: 'profile widget:serve',
      project_id: projectId,
    });
    expect(redirect.origin + redirect.pathname).toBe('https://client.example/cb');
    expect(redirect.searchParams.get('state')).toBe('xyz');
    expect(redirect.searchParams.get('iss')).toBe(hal.srv.services.config.issuer);
    const code = redirect.searchParams.get('code') as string;

    const token = await oauthPost(
      hal.url,
      '/oauth/token',
      {
        grant_type: 'authorization_code',
        code,
        redirect_uri: 'https://client.example/cb',
        code_verifier: verifier,
      },
      { id: hal.app.client_id, secret: hal.app.client_secret as string },
    );
    expect(token.status).toBe(200);
    expect(token.headers.get('cache-control')).toBe('no-store');
    expect(token.json).toMatchObject({
      token_type: 'Bearer',
      expires_in: 900,
      scope: 'profile widget:serve',
      project_id: projectId,
      widget_script_url: `${hal.srv.services.config.issuer}/widget/v1/hal-widget.js`,
      api_base_url: hal.srv.services.config.issuer,
    });
    expect(token.json.refresh_token).toMatch(/^hal_rt_/);
    expect(decodeJwtHeader(token.json.access_token)).toMatchObject({ typ: 'at+jwt', alg: 'ES256' });
    const claims = decodeJwtPayload(token.json.access_token);
    expect(claims).toMatchObject({
      iss: hal.srv.services.config.issuer,
      client_id: hal.app.client_id,
      scope: 'profile widget:serve',
      project_id: projectId,
    });
    for (const claim of ['sub', 'aud', 'jti', 'exp', 'iat']) expect(claims).toHaveProperty(claim);

    const me = await api(hal.url, 'GET', '/api/v1/auth/me', { auth: bearer(token.json.access_token) });
    expect(me.status).toBe(200);
    expect(me.json.data.auth).toMatchObject({
      method: 'oauth',
      client_id: hal.app.client_id,
      project_id: projectId,
    });

    const refreshed = await oauthPost(hal.url, '/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: token.json.refresh_token,
      client_id: hal.app.client_id,
      client_secret: hal.app.client_secret,
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.json.refresh_token).not.toBe(token.json.refresh_token);
  });
});
