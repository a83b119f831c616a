import { networkInterfaces } from 'node:os';
import { beforeAll, describe, expect, it } from 'vitest';
import { api, bearer } from '../support/api';
import { useInstance } from '../support/fixtures';
import { codeFlow, oauthPost } from '../support/oauth';
import { BACKENDS } from '../support/servers';
import { sample } from './prometheus';

const TOKEN = 'metrics-token-for-tests-0123456789';
// An address of this machine other than loopback: connecting to it makes a non-loopback peer.
const external = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && !a.internal && a.family === 'IPv4')?.address;

describe.each(BACKENDS)('Prometheus metrics at /metrics on %s', (backend) => {
  const hal = useInstance(backend, { app: {}, env: { HAL_METRICS_TOKEN: TOKEN } });
  let creds: { id: string; secret: string };
  const scrape = async (headers: Record<string, string> = {}) => {
    const res = await fetch(`${hal.url}/metrics`, { headers });
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  };

  beforeAll(() => {
    creds = { id: hal.app.client_id, secret: hal.app.client_secret as string };
  });

  it('counts a code flow and a refresh: requests by route and status, tokens by grant, latency', async () => {
    const before = (await scrape()).text;
    const { res } = await codeFlow(hal.url, hal.user.browser, hal.app, { scope: 'profile' });
    expect(res.status).toBe(200);
    const refreshed = await oauthPost(
      hal.url,
      '/oauth/token',
      { grant_type: 'refresh_token', refresh_token: res.json.refresh_token },
      creds,
    );
    expect(refreshed.status).toBe(200);
    const after = await scrape();
    expect(after.status).toBe(200);
    expect(after.type).toMatch(/^text\/plain; version=0\.0\.4/);

    const moved = (name: string, labels: Record<string, string> = {}) =>
      sample(after.text, name, labels) - sample(before, name, labels);
    const token = { method: 'POST', route: '/oauth/token' };
    expect(moved('hal_http_requests_total', { ...token, status: '200' })).toBe(2);
    expect(moved('hal_http_request_duration_seconds_count', token)).toBe(2);
    expect(moved('hal_http_request_duration_seconds_bucket', { ...token, le: '+Inf' })).toBe(2);
    expect(moved('hal_tokens_issued_total', { grant: 'authorization_code' })).toBe(1);
    expect(moved('hal_tokens_issued_total', { grant: 'refresh_token' })).toBe(1);
    // Client authentication looked the app up (through its cache).
    expect(moved('hal_cache_lookups_total', { cache: 'apps_by_client_id' })).toBeGreaterThan(0);
    expect(moved('hal_db_statements_total')).toBeGreaterThan(0);
    expect(sample(after.text, 'hal_db_pool_size')).toBe(backend === 'pglite' ? 1 : 20);
    expect(after.text).toContain('hal_db_pool_connections{state="in_use"}');
  });

  it('labels requests with the route pattern, never the raw path', async () => {
    const project = await hal.user.createProject('Metrics');
    expect(
      (await api(hal.url, 'GET', `/api/v1/projects/${project.id}`, { auth: hal.user.auth })).status,
    ).toBe(200);
    const { text } = await scrape();
    expect(
      sample(text, 'hal_http_requests_total', {
        method: 'GET',
        route: '/api/v1/projects/:id',
        status: '200',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain(project.id);
  });

  it('counts a refresh token presented again as a reuse detection (RFC 9700 §4.14.2)', async () => {
    const before = (await scrape()).text;
    const { res } = await codeFlow(hal.url, hal.user.browser, hal.app, { scope: 'profile' });
    const refresh = { grant_type: 'refresh_token', refresh_token: res.json.refresh_token };
    expect((await oauthPost(hal.url, '/oauth/token', refresh, creds)).status).toBe(200);
    const replay = await oauthPost(hal.url, '/oauth/token', refresh, creds);
    expect(replay.json.error).toBe('invalid_grant');
    const after = (await scrape()).text;
    const name = 'hal_refresh_token_reuse_detected_total';
    expect(sample(after, name) - sample(before, name)).toBe(1);
    expect(
      sample(after, 'hal_http_requests_total', { route: '/oauth/token', status: '400' }) -
        sample(before, 'hal_http_requests_total', { route: '/oauth/token', status: '400' }),
    ).toBe(1);
  });

  it('answers a forwarded request or a wrong token 404 as an unknown path, even from loopback', async () => {
    const refused: Record<string, string>[] = [
      { 'x-forwarded-for': '203.0.113.9' },
      { forwarded: 'for=203.0.113.9' },
      { 'x-real-ip': '203.0.113.9' },
      { authorization: bearer('not-the-metrics-token-0123456789') },
      { authorization: bearer(`${TOKEN}x`) },
    ];
    for (const headers of refused) {
      const res = await scrape(headers);
      expect(res.status, JSON.stringify(headers)).toBe(404);
      expect(JSON.parse(res.text)).toEqual({ error: { code: 'not_found', message: 'no such endpoint' } });
    }
    // The token opens it whatever proxies say.
    expect((await scrape({ authorization: bearer(TOKEN), 'x-forwarded-for': '203.0.113.9' })).status).toBe(
      200,
    );
  });

  it.runIf(external)('refuses a peer that is not loopback unless it presents HAL_METRICS_TOKEN', async () => {
    const url = `http://${external}:${hal.srv.port}/metrics`;
    expect((await fetch(url)).status).toBe(404);
    const res = await fetch(url, { headers: { authorization: bearer(TOKEN) } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('hal_http_requests_total');
  });
});
