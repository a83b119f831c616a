import { describe, expect, it } from 'vitest';
import { api } from '../support/api';
import { Browser, basic } from '../support/browser';
import { useInstance } from '../support/fixtures';
import { AWKWARD_BODY, answerBody, rawRequest } from '../support/raw-http';
import { BACKENDS } from '../support/servers';

describe.each(BACKENDS)('bad input on %s: 4xx with the contract error shape, never 500', (backend) => {
  const hal = useInstance(backend);

  it('answers 413 to a JSON body over 64 KiB', async () => {
    const res = await api(hal.url, 'POST', '/api/v1/projects', {
      auth: hal.user.auth,
      body: { name: 'x'.repeat(70 * 1024) },
    });
    expect(res.status).toBe(413);
    expect(res.json).toEqual({
      error: { code: 'payload_too_large', message: 'request body exceeds 64 KiB' },
    });
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('answers 413 to an oversized form post and to a chunked body without Content-Length', async () => {
    const browser = new Browser(hal.url);
    const { csrf } = await browser.page('/login');
    const form = await browser.post('/login', { csrf, email: 'a@b.c', password: 'p'.repeat(70 * 1024) });
    expect(form.status).toBe(413);
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 80; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(1024)));
        controller.close();
      },
    });
    const chunked = await fetch(`${hal.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
  });

  // A body that came whole with its headers is taken at once; one still arriving is streamed.
  // Both read it as UTF-8 the same way: a leading BOM dropped, a bad byte replaced (U+FFFD).
  it.each([
    ['with its headers', false],
    ['after them, in pieces', true],
  ])('reads a JSON body that arrives %s', async (_, pieces) => {
    const head = [
      'POST /api/v1/projects HTTP/1.1',
      `Host: ${new URL(hal.url).host}`,
      `Authorization: ${hal.user.auth}`,
      'Content-Type: application/json',
      `Content-Length: ${AWKWARD_BODY.length}`,
      'Connection: close',
      '',
      '',
    ].join('\r\n');
    const answer = await rawRequest(Number(new URL(hal.url).port), head, AWKWARD_BODY, { pieces });
    expect(answer).toMatch(/^HTTP\/1\.1 201 /);
    expect(JSON.parse(answerBody(answer)).data.name).toBe('h\u00e9llo \ufffd');
  });

  it.each([
    ['{', 'invalid_json'],
    ['{"name": }', 'invalid_json'],
    ['', 'invalid_json'],
    ['[]', 'invalid_request'],
    ['"text"', 'invalid_request'],
    ['{"name": 42}', 'invalid_request'],
    ['{"name": null}', 'invalid_request'],
  ])('answers 400 to body %j with code %s', async (body, code) => {
    const res = await api(hal.url, 'POST', '/api/v1/projects', {
      auth: hal.user.auth,
      body,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe(code);
    expect(typeof res.json.error.message).toBe('string');
  });

  it('answers 415 to a JSON endpoint called with a form body', async () => {
    const res = await api(hal.url, 'POST', '/api/v1/projects', {
      auth: hal.user.auth,
      body: 'name=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(415);
    expect(res.json.error.code).toBe('unsupported_media_type');
  });

  it('accepts a JSON content type with parameters', async () => {
    const res = await api(hal.url, 'POST', '/api/v1/projects', {
      auth: hal.user.auth,
      body: '{"name":"ok"}',
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    expect(res.status).toBe(201);
  });

  it('handles malformed form encodings and non-UTF-8 bytes on the login form without a 500', async () => {
    const browser = new Browser(hal.url);
    const { csrf } = await browser.page('/login');
    for (const body of [
      `csrf=${csrf}&email=%E0%A4%A&password=%`,
      `csrf=${csrf}&email=%ff%fe&password=x`,
      '&&&==&',
    ]) {
      const res = await browser.fetch('/login', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
  });

  it('refuses NUL characters everywhere with a 4xx, never a database error', async () => {
    const json = await api(hal.url, 'POST', '/api/v1/projects', {
      auth: hal.user.auth,
      body: { name: 'a\u0000b' },
    });
    expect(json.status).toBe(400);
    expect(json.json.error.message).toBe(
      'strings must not contain NUL characters or unpaired surrogates, or nest deeper than 32 levels',
    );
    const nulBasic = await api(hal.url, 'GET', '/api/v1/auth/me', {
      auth: basic('a\u0000@example.test', 'x'),
    });
    expect(nulBasic.status).toBe(401);
    const browser = new Browser(hal.url);
    const { csrf } = await browser.page('/login');
    const form = await browser.post('/login', { csrf, email: 'a\u0000@b.c', password: 'p' });
    expect(form.status).toBe(400);
    const authorize = await api(hal.url, 'GET', '/oauth/authorize?client_id=%00&response_type=code');
    expect(authorize.status).toBe(400);
    const token = await api(hal.url, 'POST', '/oauth/token', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=%00',
    });
    expect(token.status).toBe(400);
  });

  it('answers 404 with the error shape for unknown paths', async () => {
    const res = await api(hal.url, 'GET', '/api/v1/nope', { auth: hal.user.auth });
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe('not_found');
  });

  it('serves /healthz and /readyz', async () => {
    expect((await api(hal.url, 'GET', '/healthz')).json).toEqual({ status: 'ok' });
    const ready = await api(hal.url, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.json.database).toBe(backend);
  });

  it('tags each response with a request id and logs one JSON line per request without the query', async () => {
    const res = await fetch(`${hal.url}/healthz?code=secret-code-value`, {
      headers: { 'x-request-id': 'trace-123' },
    });
    expect(res.headers.get('x-request-id')).toBe('trace-123');
    const line = hal.srv.logs.map((l) => JSON.parse(l)).find((l) => l.reqId === 'trace-123');
    expect(line).toMatchObject({ method: 'GET', path: '/healthz', status: 200 });
    expect(hal.srv.logs.join('\n')).not.toContain('secret-code-value');
    const odd = await fetch(`${hal.url}/healthz`, { headers: { 'x-request-id': 'bad id\twith spaces' } });
    expect(odd.headers.get('x-request-id')).not.toContain(' ');
  });
});
