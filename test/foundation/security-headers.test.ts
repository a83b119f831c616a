import { describe, expect, it } from 'vitest';
import { useInstance } from '../support/fixtures';

// What every response must carry (written by Node's response in server.ts, under the route's own).
const EVERY_RESPONSE = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'x-permitted-cross-domain-policies': 'none',
};

const headersOf = (res: Response) => Object.fromEntries(res.headers);

describe('security headers on every response', () => {
  const plain = useInstance('pglite', { user: false });
  // The issuer decides HSTS (RFC 6797 §7.2: only over a secure transport).
  const https = useInstance('pglite', { user: false, env: { HAL_ISSUER: 'https://hal.example' } });

  it.each([
    ['a JSON route', 'GET', '/healthz', 200],
    ['a 401', 'GET', '/api/v1/auth/me', 401],
    ['a 404', 'GET', '/no/such/path', 404],
    ['a 400 before any route (NUL in the URL)', 'GET', '/api/v1/projects/%00', 400],
    ['an HTML page', 'GET', '/login', 200],
    ['an OAuth error', 'POST', '/oauth/token', 400],
  ])('%s', async (_, method, path, status) => {
    const res = await fetch(`${plain.url}${path}`, { method });
    expect(res.status).toBe(status);
    expect(headersOf(res)).toMatchObject(EVERY_RESPONSE);
    expect(res.headers.get('strict-transport-security')).toBeNull();
    expect(res.headers.get('x-powered-by')).toBeNull();
    // The request id is written with them (http/request-log.ts), on refusals as on answers.
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('keeps a route’s own value of one of them: the pages’ CSP, the widget script’s CORP', async () => {
    const page = await fetch(`${plain.url}/login`);
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const script = await fetch(`${plain.url}/widget/v1/hal-widget.js`);
    expect(script.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(headersOf(script)).toMatchObject(EVERY_RESPONSE);
  });

  it('sends HSTS once the issuer is https', async () => {
    const res = await fetch(`${https.url}/healthz`);
    expect(res.headers.get('strict-transport-security')).toBe('max-age=63072000; includeSubDomains');
    expect(headersOf(res)).toMatchObject(EVERY_RESPONSE);
  });
});
