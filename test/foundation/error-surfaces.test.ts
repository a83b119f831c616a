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

  describe('refusals before routing take the shape of the path they were sent to', () => {
    const big = `name=${'x'.repeat(70 * 1024)}`;
    const form = { 'content-type': 'application/x-www-form-urlencoded' };

    it('answers an oversized token request 413 in the OAuth shape', async () => {
      const res = await api(hal.url, 'POST', '/oauth/token', { body: big, headers: form });
      expect(res.status).toBe(413);
      expect(res.json).toEqual({
        error: 'invalid_request',
        error_description: 'request body exceeds 64 KiB',
      });
      expect(res.headers.get('connection')).toBe('close');
    });

    it('answers an oversized sign-in form 413 with an HTML page', async () => {
      const res = await fetch(`${hal.url}/login`, { method: 'POST', headers: form, body: big });
      expect(res.status).toBe(413);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await res.text()).toContain('The form is too large.');
    });

    it('answers an oversized REST request 413 in the REST shape', async () => {
      const res = await api(hal.url, 'POST', '/api/v1/projects', { body: big, headers: form });
      expect(res.status).toBe(413);
      expect(res.json).toEqual({
        error: { code: 'payload_too_large', message: 'request body exceeds 64 KiB' },
      });
    });

    it.each([
      [
        '/oauth/introspect%00',
        { error: 'invalid_request', error_description: 'the URL must not contain NUL' },
      ],
      [
        '/api/v1/projects/%00',
        { error: { code: 'invalid_request', message: 'the URL must not contain NUL' } },
      ],
    ])('answers a NUL in the URL %s with 400 in its surface shape', async (path, body) => {
      const res = await api(hal.url, 'POST', path, { body: 'token=x', headers: form });
      expect(res.status).toBe(400);
      expect(res.json).toEqual(body);
    });
  });
});
