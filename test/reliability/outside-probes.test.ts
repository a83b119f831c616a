import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../support/api';
import { type Browser, basic, signUp } from '../support/browser';
import { type RegisteredApp, registerApp } from '../support/oauth';
import { BACKENDS, startTestServer, type TestServer } from '../support/servers';

// Defects found by probing HAL from outside, as a client would (issue 10, point 6).

const b64 = (text: string) => Buffer.from(text).toString('base64');
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/**
 * Sends `first` then, on the same keep-alive connection, `GET /healthz` with `Connection: close`;
 * the body of `first` goes out in `pieces` writes `gapMs` apart. Returns the status of every
 * response read before the server closed the connection, and whether it was reset.
 */
function twoOnOneSocket(
  port: number,
  first: { method: string; path: string; body: string; chunked?: boolean },
  pieces = 3,
  gapMs = 250,
): Promise<{ statuses: number[]; reset: boolean; raw: string }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let raw = '';
    let reset = false;
    socket.setEncoding('latin1');
    socket.on('data', (chunk) => {
      raw += chunk;
    });
    socket.on('error', () => {
      reset = true;
    });
    socket.on('close', () => {
      const statuses = [...raw.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
      resolve({ statuses, reset, raw });
    });
    const framing = first.chunked
      ? 'Transfer-Encoding: chunked'
      : `Content-Length: ${Buffer.byteLength(first.body)}`;
    socket.write(
      `${first.method} ${first.path} HTTP/1.1\r\nHost: hal\r\nContent-Type: application/json\r\n${framing}\r\n\r\n`,
    );
    const size = Math.ceil(first.body.length / pieces);
    let sent = 0;
    const next = () => {
      if (sent < first.body.length) {
        const piece = first.body.slice(sent, sent + size);
        sent += piece.length;
        socket.write(first.chunked ? `${piece.length.toString(16)}\r\n${piece}\r\n` : piece);
        setTimeout(next, gapMs);
        return;
      }
      socket.write(
        `${first.chunked ? '0\r\n\r\n' : ''}GET /healthz HTTP/1.1\r\nHost: hal\r\nConnection: close\r\n\r\n`,
      );
    };
    setTimeout(next, gapMs);
    setTimeout(() => socket.destroy(), 10_000).unref();
  });
}

/** Writes `raw` on a new connection; resolves with everything read until the server closes it. */
function rawExchange(port: number, raw: string): Promise<{ text: string; reset: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let reset = false;
    socket.setEncoding('latin1');
    socket.on('data', (chunk) => {
      text += chunk;
    });
    socket.on('error', () => {
      reset = true;
    });
    socket.on('close', () => resolve({ text, reset }));
    socket.write(raw);
    setTimeout(() => socket.destroy(), 8_000).unref();
  });
}

describe.each(BACKENDS)('probes from outside on %s', (backend) => {
  let srv: TestServer;
  let app: RegisteredApp;
  let browser: Browser;
  let appBasic: string;
  let userBasic: string;

  beforeAll(async () => {
    srv = await startTestServer(backend, { HAL_RATE_LIMITS: 'off' });
    const signedUp = await signUp(srv.url);
    browser = signedUp.browser;
    userBasic = basic(signedUp.account.email, signedUp.account.password);
    app = await registerApp(srv.url, userBasic);
    appBasic = `Basic ${b64(`${app.client_id}:${app.client_secret}`)}`;
  });
  afterAll(() => srv.close());

  describe('token endpoint errors (RFC 6749 §5.2)', () => {
    it.each([
      ['no grant_type', 'scope=profile', 'invalid_request', 'grant_type is required'],
      ['an empty grant_type', 'grant_type=', 'invalid_request', 'grant_type is required'],
      [
        'an unknown grant_type',
        'grant_type=password&username=a&password=b',
        'unsupported_grant_type',
        'grant_type password is not supported',
      ],
      [
        'authorization_code without code',
        'grant_type=authorization_code',
        'invalid_request',
        'code is required',
      ],
      [
        'authorization_code without code_verifier',
        'grant_type=authorization_code&code=abc',
        'invalid_request',
        'code_verifier is required',
      ],
      [
        'refresh_token without refresh_token',
        'grant_type=refresh_token',
        'invalid_request',
        'refresh_token is required',
      ],
    ])('answers a request with %s with 400 %s', async (_, body, error, description) => {
      const res = await api(srv.url, 'POST', '/oauth/token', {
        headers: { ...FORM, authorization: appBasic },
        body,
      });
      expect(res.status).toBe(400);
      expect(res.json).toEqual({ error, error_description: description });
    });
  });

  describe('NUL and unpaired surrogates never reach PostgreSQL', () => {
    it.each([
      ['NUL client_id and secret', b64('\u0000:\u0000')],
      ['a percent-encoded NUL client_id', b64('%00:%00')],
      ['a NUL in the secret of a real client', null],
    ])(
      'answers Basic credentials with %s with 401 invalid_client at every client-authenticated endpoint',
      async (_, token) => {
        const authorization = `Basic ${token ?? b64(`${app.client_id}:${app.client_secret}\u0000`)}`;
        for (const path of ['/oauth/token', '/oauth/revoke', '/oauth/introspect', '/oauth/par']) {
          const res = await api(srv.url, 'POST', path, {
            headers: { ...FORM, authorization },
            body: 'grant_type=client_credentials&token=x&response_type=code',
          });
          expect(res.status, path).toBe(401);
          expect(res.json, path).toEqual({
            error: 'invalid_client',
            error_description: 'basic client credentials are malformed',
          });
          expect(res.headers.get('www-authenticate'), path).toMatch(/^Basic /);
        }
      },
    );

    it('answers NUL Basic credentials at the REST API with 401 invalid_token', async () => {
      const res = await api(srv.url, 'GET', '/api/v1/auth/me', { auth: `Basic ${b64('\u0000:\u0000')}` });
      expect(res.status).toBe(401);
      expect(res.json.error.code).toBe('invalid_token');
    });

    it('answers an unpaired surrogate in a JSON OAuth request with 400 invalid_request', async () => {
      // JSON.stringify keeps a lone surrogate as the escape "\ud800", which jsonb refuses.
      const body = `{"response_type":"code","redirect_uri":"${app.redirect_uris[0]}","code_challenge":"${'a'.repeat(43)}","code_challenge_method":"S256","scope":"profile","state":"\\ud800"}`;
      for (const path of ['/oauth/par', '/oauth/token']) {
        const res = await api(srv.url, 'POST', path, {
          headers: { 'content-type': 'application/json', authorization: appBasic },
          body,
        });
        expect(res.status, path).toBe(400);
        expect(res.json, path).toEqual({
          error: 'invalid_request',
          error_description:
            'parameters must not contain NUL characters or unpaired surrogates, or nest deeper than 32 levels',
        });
      }
    });

    it('answers an unpaired surrogate in REST and tRPC JSON with 400', async () => {
      const message =
        'strings must not contain NUL characters or unpaired surrogates, or nest deeper than 32 levels';
      const rest = await api(srv.url, 'POST', '/api/v1/projects', {
        auth: userBasic,
        headers: { 'content-type': 'application/json' },
        body: '{"name":"\\udc00"}',
      });
      expect(rest.status).toBe(400);
      expect(rest.json.error).toEqual({ code: 'invalid_request', message });
      const trpc = await browser.fetch('/trpc/projects.create', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hal-csrf': '1' },
        body: '{"name":"\\ud800"}',
      });
      expect(trpc.status).toBe(400);
      expect((await trpc.json()).error.message).toBe(message);
    });

    it('answers NUL in cookies with the page it would show without a session', async () => {
      const headers = { cookie: 'hal_session=%00; hal_csrf=%00' };
      expect((await fetch(`${srv.url}/login`, { headers })).status).toBe(200);
      expect((await fetch(`${srv.url}/trpc/me.get`, { headers })).status).toBe(401);
    });
  });

  describe('found by npm run fuzz', () => {
    it.each(['/oauth/token', '/oauth/revoke', '/oauth/introspect', '/oauth/par'])(
      'answers a JSON body nested 10 000 deep at %s with 400 invalid_request, not a stack overflow',
      async (path) => {
        const deep = `{"token":"x","scope":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
        const res = await api(srv.url, 'POST', path, {
          headers: { 'content-type': 'application/json', authorization: appBasic },
          body: deep,
        });
        expect(res.status).toBe(400);
        expect(res.json).toEqual({
          error: 'invalid_request',
          error_description:
            'parameters must not contain NUL characters or unpaired surrogates, or nest deeper than 32 levels',
        });
      },
    );

    it('percent-encodes the request id it redirects to after creating a project on the consent page', async () => {
      // The id came back decoded into Location: CR LF (or text beyond Latin-1) made Node refuse the
      // header and reset the connection.
      const { csrf } = await browser.page('/signup');
      for (const id of ['a%0D%0ASet-Cookie:%20x=1', '%F0%9F%98%80']) {
        const res = await browser.fetch(`/oauth/authorize/consent/${id}/project`, {
          method: 'POST',
          headers: FORM,
          body: new URLSearchParams({ csrf, name: 'From consent' }).toString(),
        });
        expect(res.status).toBe(303);
        expect(res.headers.get('location')).toBe(
          `/oauth/authorize/consent/${encodeURIComponent(decodeURIComponent(id))}`,
        );
        expect(res.headers.get('set-cookie') ?? '').not.toContain('x=1');
      }
    });

    it('answers requests racing the deletion of what they refer to with 4xx, never 500 (foreign key gone)', async () => {
      // On PostgreSQL a PATCH (REST or tRPC) replacing an app's redirect URIs, an authorization
      // request, or a private client's creation could run into a concurrent DELETE: 23503 became a
      // 500; so did the consent page of a request whose app had just been deleted.
      const pat = await api(srv.url, 'POST', '/api/v1/tokens', {
        auth: userBasic,
        body: { name: 'race', scopes: ['apps:read', 'apps:write', 'projects:read', 'projects:write'] },
      });
      const auth = `Bearer ${pat.json.data.token}`;
      const statuses: number[] = [];
      await Promise.all(
        Array.from({ length: 25 }, async () => {
          const made = await api(srv.url, 'POST', '/api/v1/oauth/apps', {
            auth,
            body: { name: 'Race', redirect_uris: ['https://race.example/cb'], client_type: 'public' },
          });
          const project = await api(srv.url, 'POST', '/api/v1/projects', { auth, body: { name: 'Race' } });
          const answers = await Promise.all([
            api(srv.url, 'PATCH', `/api/v1/oauth/apps/${made.json.data.id}`, {
              auth,
              body: { redirect_uris: ['https://race.example/cb', 'https://race.example/cb2'] },
            }),
            browser.fetch(
              `/oauth/authorize?${new URLSearchParams({
                response_type: 'code',
                client_id: made.json.data.client_id,
                redirect_uri: 'https://race.example/cb',
                code_challenge: 'a'.repeat(43),
                code_challenge_method: 'S256',
                scope: 'profile',
              })}`,
            ),
            browser.fetch('/trpc/apps.update', {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'x-hal-csrf': '1' },
              body: JSON.stringify({ id: made.json.data.id, redirect_uris: ['https://race.example/cb3'] }),
            }),
            api(srv.url, 'DELETE', `/api/v1/oauth/apps/${made.json.data.id}`, { auth }),
            api(srv.url, 'POST', '/api/v1/oauth/apps', {
              auth,
              body: {
                name: 'Race private',
                redirect_uris: ['https://race.example/cb'],
                kind: 'private',
                project_id: project.json.data.id,
              },
            }),
            api(srv.url, 'DELETE', `/api/v1/projects/${project.json.data.id}`, { auth }),
          ]);
          statuses.push(...answers.map((a) => a.status));
        }),
      );
      const errors = srv.logs.filter((l) => l.includes('"level":50')).map((l) => l.slice(0, 900));
      expect(
        statuses.filter((status) => status >= 500),
        errors.join('\n'),
      ).toEqual([]);
    });

    it('answers a request with an expectation it does not know itself, in its error shape (RFC 9110 §10.1.1)', async () => {
      // Node answered 417 with no body on its own; HAL ignores the expectation, as it may.
      const { text } = await rawExchange(
        srv.port,
        'GET /api/v1/auth/me HTTP/1.1\r\nHost: hal\r\nExpect: x-unknown\r\nConnection: close\r\n\r\n',
      );
      expect(text).toMatch(/^HTTP\/1\.1 401 /);
      expect(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)).error.code).toBe('unauthorized');
    });
  });

  describe('requests Node handles before HAL (RFC 9110 §9.3.6, §7.8)', () => {
    it('answers CONNECT with 405 in the REST error shape instead of closing the connection', async () => {
      const { text, reset } = await rawExchange(
        srv.port,
        `CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n`,
      );
      expect(reset).toBe(false);
      expect(text).toMatch(/^HTTP\/1\.1 405 /);
      expect(text).toMatch(/^connection: close\r$/im);
      expect(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4))).toEqual({
        error: { code: 'method_not_allowed', message: 'CONNECT is not supported: HAL is not a proxy' },
      });
    });

    it('closes the connection after answering a request asking to upgrade, as the rest goes unread', async () => {
      // Node reads nothing after an Upgrade request: a request pipelined behind it waited forever.
      const upgrade = 'GET /healthz HTTP/1.1\r\nHost: hal\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n';
      const { text, reset } = await rawExchange(
        srv.port,
        `${upgrade}GET /healthz HTTP/1.1\r\nHost: hal\r\n\r\n`,
      );
      expect(reset).toBe(false);
      expect(text).toMatch(/^HTTP\/1\.1 200 /);
      expect(text).toMatch(/^connection: close\r$/im);
    });
  });

  describe('unread request bodies under 64 KiB are drained, not reset (RFC 9112 §9.3)', () => {
    const body = JSON.stringify({ pad: 'x'.repeat(10 * 1024) });
    it.each([
      ['an unknown route', 'POST', '/no/such/route', false, 404],
      ['a GET-only route', 'POST', '/healthz', false, 404],
      ['a GET with a body', 'GET', '/healthz', false, 200],
      ['a POST-only endpoint refusing the method', 'DELETE', '/oauth/token', false, 405],
      ['a route refusing before authentication', 'POST', '/api/v1/projects', false, 401],
      ['a tRPC mutation refused for CSRF', 'POST', '/trpc/projects.create', false, 403],
      ['a route that reads the body', 'POST', '/oauth/token', false, 401],
      ['an unknown route, chunked', 'POST', '/no/such/route', true, 404],
      ['a route refusing before authentication, chunked', 'POST', '/api/v1/projects', true, 401],
    ])(
      'answers %s whose body arrives slowly, then the next request on the connection',
      async (_, method, path, chunked, status) => {
        const { statuses, reset } = await twoOnOneSocket(srv.port, { method, path, body, chunked });
        expect(reset).toBe(false);
        expect(statuses).toEqual([status, 200]);
      },
    );

    it('answers a body over 64 KiB with 413 and Connection: close', async () => {
      const { statuses, raw } = await twoOnOneSocket(srv.port, {
        method: 'POST',
        path: '/no/such/route',
        body: 'x'.repeat(70 * 1024),
      });
      expect(statuses).toEqual([413]);
      expect(raw).toMatch(/^connection: close\r$/im);
    });
  });
});
