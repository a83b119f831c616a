import { beforeAll, describe, expect, it } from 'vitest';
import { api } from '../support/api';
import { useInstance } from '../support/fixtures';
import { oauthPost } from '../support/oauth';
import { BACKENDS } from '../support/servers';

describe.each(BACKENDS)('rate limits kept in the database on %s', (backend) => {
  const hal = useInstance(backend, {
    env: {
      HAL_RATE_LIMIT_TOKEN: '3',
      HAL_RATE_LIMIT_INTROSPECT: '2',
      HAL_RATE_LIMIT_IDENTIFY: '2',
      HAL_RATE_LIMIT_SIGN_IDENTITY: '2',
    },
    app: { allowed_scopes: ['profile'] },
  });
  let client: { id: string; secret: string };
  beforeAll(() => {
    client = { id: hal.app.client_id, secret: hal.app.client_secret as string };
  });

  it('answers 429 with Retry-After past the token endpoint limit, in the OAuth error shape', async () => {
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof oauthPost>> | undefined;
    for (let i = 0; i < 4; i++) {
      last = await oauthPost(hal.url, '/oauth/token', { grant_type: 'client_credentials' }, client);
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(last?.json.error).toBe('rate_limited');
  });

  it('limits introspection', async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await oauthPost(hal.url, '/oauth/introspect', { token: 'x' }, client)).status);
    expect(statuses).toEqual([200, 200, 429]);
  });

  it('limits sign-identity per connection (client × project)', async () => {
    const pat = (
      await api(hal.url, 'POST', '/api/v1/tokens', {
        auth: hal.user.auth,
        body: { name: 'w', scopes: ['widget:serve'] },
      })
    ).json.data.token;
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      statuses.push(
        (
          await api(hal.url, 'POST', '/api/oauth/widget/sign-identity', {
            auth: `Bearer ${pat}`,
            body: { user_id: 'u' },
          })
        ).status,
      );
    }
    // A PAT is not bound to a project (403), but the limit is counted first: the third call is 429.
    expect(statuses).toEqual([403, 403, 429]);
  });

  it('limits identify in the REST error shape', async () => {
    const statuses = [];
    let body: { error?: { code: string } } = {};
    for (let i = 0; i < 3; i++) {
      const res = await api(hal.url, 'POST', '/api/widget/v1/identify', {
        body: { app_id: 'hal_wa_x', user_id: 'u', user_hash: 'h' },
      });
      statuses.push(res.status);
      body = res.json;
    }
    expect(statuses).toEqual([404, 404, 429]);
    expect(body.error?.code).toBe('rate_limited');
  });
});
