import { describe, expect, it } from 'vitest';
import { api } from '../support/api';
import { useInstance } from '../support/fixtures';
import { BACKENDS } from '../support/servers';

const NUL = '\u0000';

/** Each surface answers its errors in its own shape: HTML pages, OAuth JSON (RFC 6749 §5.2), REST JSON. */
describe.each(BACKENDS)('error surfaces on %s', (backend) => {
  const hal = useInstance(backend);

  it.each([
    ['/login', { email: `a${NUL}@b.c`, password: 'x' }],
    ['/signup', { email: 'a@b.c', password: 'x', name: `n${NUL}` }],
    ['/oauth/authorize/decision', { request_id: `r${NUL}`, decision: 'approve' }],
  ])('answers a NUL in the form of %s with a 400 HTML page, not JSON', async (path, fields) => {
    const { csrf } = await hal.user.browser.page('/login');
    const res = await hal.user.browser.post(path, { csrf, ...fields });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(await res.text()).toContain('form fields must not contain NUL characters');
  });

  it('answers a NUL in a token request in the OAuth shape (RFC 6749 §5.2)', async () => {
    const res = await api(hal.url, 'POST', '/oauth/token', {
      body: `grant_type=client_credentials&scope=a${encodeURIComponent(NUL)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      error: 'invalid_request',
      error_description:
        'parameters must not contain NUL characters or unpaired surrogates, or nest deeper than 32 levels',
    });
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('answers an unknown path in the REST shape', async () => {
    const res = await api(hal.url, 'GET', '/nothing-here');
    expect(res.status).toBe(404);
    expect(res.json).toEqual({ error: { code: 'not_found', message: 'no such endpoint' } });
  });
});
