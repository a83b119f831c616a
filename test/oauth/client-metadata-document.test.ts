import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  configFrom,
  isFetchableAddress,
  MetadataFetchError,
  metadataFetcher,
  type RunningServer,
  startServer,
} from '@hal/auth-server';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { api, bearer } from '../support/api';
import { Browser } from '../support/browser';
import { useInstance } from '../support/fixtures';
import {
  authorizationCode,
  authorizePath,
  consentForm,
  exchangeCode,
  oauthPost,
  pkce,
  type RegisteredApp,
} from '../support/oauth';
import { freePort } from '../support/postgres-cluster';
import { BACKENDS } from '../support/servers';

const LOOPBACK = 'http://127.0.0.1:43110/callback';
type Route = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * A client's web server on loopback, serving metadata documents at routes the tests set. It counts
 * the requests per path, so a test can tell whether HAL fetched (or tried to).
 */
async function documentServer() {
  const routes = new Map<string, Route>();
  const hits = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const route = routes.get(path);
    if (route) route(req, res);
    else res.writeHead(404).end();
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    url: (path: string) => `${origin}${path}`,
    hits: (path: string) => hits.get(path) ?? 0,
    route: (path: string, handler: Route) => routes.set(path, handler),
    /** Serves `doc` (a function of the URL it is served at) as JSON with `headers`. */
    json(path: string, doc: Record<string, unknown>, headers: Record<string, string> = {}) {
      routes.set(path, (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(doc));
      });
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
type DocumentServer = Awaited<ReturnType<typeof documentServer>>;

/** A valid document for a client whose client_id is `url`. */
const documentFor = (url: string, extra: Record<string, unknown> = {}) => ({
  client_id: url,
  client_name: 'Example MCP Client',
  client_uri: 'https://client.example',
  redirect_uris: [LOOPBACK],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'none',
  ...extra,
});

/** A valid authorization request of the client `clientId` (RFC 6749 §4.1.1 with PKCE). */
const request = (clientId: string, overrides: Record<string, string | undefined> = {}) =>
  authorizePath({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: LOOPBACK,
    state: 'st',
    code_challenge: pkce().challenge,
    code_challenge_method: 'S256',
    scope: 'profile',
    ...overrides,
  });

/** The page of a refused request: 400, HTML, never a redirect (RFC 6749 §4.1.2.1). */
async function expectRefusal(res: Response, message: string) {
  expect(res.status).toBe(400);
  expect(res.headers.get('location')).toBeNull();
  expect(res.headers.get('content-type')).toMatch(/^text\/html/);
  const html = await res.text();
  expect(html).toContain(message);
  expect(consentForm(html).requestId).toBeUndefined();
}

const refusedBecause = (reason: string) => `the client metadata document cannot be used: ${reason}`;

describe.each(BACKENDS)(
  'client ID metadata documents on %s (draft-ietf-oauth-client-id-metadata-document)',
  (backend) => {
    const hal = useInstance(backend, { user: { login: true }, env: { HAL_CIMD_ALLOW_LOCAL: '1' } });
    let docs: DocumentServer;
    let clientId: string;
    beforeAll(async () => {
      docs = await documentServer();
      clientId = docs.url('/client.json');
      docs.json('/client.json', documentFor(clientId), { 'cache-control': 'public, max-age=3600' });
    });
    afterAll(() => docs?.close());

    it('authorizes a client by its document URL: consent marks it not verified, then a code and tokens without a secret', async () => {
      const page = await hal.user.browser.fetch(
        request(clientId, { redirect_uri: 'http://127.0.0.1:5173/callback' }),
      );
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('Authorize Example MCP Client?');
      expect(html).toContain('<strong>Not verified by HAL.</strong>');
      expect(html).toContain(
        `This application is described by a document published at ${new URL(clientId).host}`,
      );
      // The redirect URI's port is free on loopback (RFC 8252 §7.3), and the page warns about it.
      expect(html).toContain('After your decision you will be sent to <strong>127.0.0.1:5173</strong>');
      expect(html).toContain('data-testid="loopback-warning"');

      const app = { client_id: clientId, redirect_uris: [LOOPBACK] } as RegisteredApp;
      const grant = await authorizationCode(hal.user.browser, app, { scope: 'profile' });
      expect(grant.redirect.searchParams.get('iss')).toBe(hal.url);
      const tokens = await exchangeCode(hal.url, app, grant);
      expect(tokens.status).toBe(200);
      const me = await api(hal.url, 'GET', '/api/v1/auth/me', { auth: bearer(tokens.json.access_token) });
      expect(me.json.data.auth.client_id).toBe(clientId);
      const refreshed = await oauthPost(hal.url, '/oauth/token', {
        grant_type: 'refresh_token',
        refresh_token: tokens.json.refresh_token,
        client_id: clientId,
      });
      expect(refreshed.status).toBe(200);

      const listed = (await hal.user.trpc.connections.list.query()).find((g) => g.app.client_id === clientId);
      expect(listed?.app).toMatchObject({
        name: 'Example MCP Client',
        origin: 'metadata_document',
        verified: false,
      });
    });

    it('refuses a secret from a metadata-document client: it is public (§4.1)', async () => {
      const res = await oauthPost(
        hal.url,
        '/oauth/token',
        { grant_type: 'refresh_token', refresh_token: 'hal_rt_x' },
        {
          id: clientId,
          secret: 'guess',
        },
      );
      expect(res.status).toBe(401);
      expect(res.json.error).toBe('invalid_client');
    });

    it('refuses a redirect_uri the document does not list, on a page', async () => {
      await expectRefusal(
        await hal.user.browser.fetch(request(clientId, { redirect_uri: 'https://evil.example/cb' })),
        'redirect_uri is not registered for this client',
      );
    });

    it('fetches the document once while its Cache-Control allows, for every server process (§4.4)', async () => {
      const url = docs.url('/cached.json');
      docs.json('/cached.json', documentFor(url), { 'cache-control': 'max-age=600' });
      expect((await hal.user.browser.fetch(request(url))).status).toBe(200);
      expect((await hal.user.browser.fetch(request(url))).status).toBe(200);
      expect(docs.hits('/cached.json')).toBe(1);

      // A second process on the same database finds the cached document there.
      let other: RunningServer | undefined;
      try {
        const port = await freePort();
        other = await startServer(
          configFrom({
            PORT: String(port),
            HAL_ISSUER: `http://127.0.0.1:${port}`,
            HAL_SECRET_KEY: hal.srv.services.config.secretKey as string, // the same signing keys
            HAL_DATA_DIR: '/tmp/hal-test-unused',
            HAL_CIMD_ALLOW_LOCAL: '1',
          }),
          { database: hal.srv.database, logger: pino({ level: 'silent' }) },
        );
        const signedOut = await new Browser(other.url).fetch(request(url));
        expect(signedOut.status).toBe(302); // on to sign-in: the client was found
        expect(docs.hits('/cached.json')).toBe(1);
      } finally {
        await other?.close();
      }
    });

    it('caches at least 60 s even when the document says no-store (contract: 60 s to 24 h)', async () => {
      const url = docs.url('/no-store.json');
      docs.json('/no-store.json', documentFor(url), { 'cache-control': 'no-store' });
      await hal.user.browser.fetch(request(url));
      await hal.user.browser.fetch(request(url));
      expect(docs.hits('/no-store.json')).toBe(1);
      const [row] = await rows<{ seconds: number | string }>(
        sql`select extract(epoch from metadata_expires_at - updated_at) as seconds from oauth_apps where client_id = ${url}`,
      );
      expect(Number(row?.seconds)).toBeGreaterThan(55);
      expect(Number(row?.seconds)).toBeLessThan(65);
    });

    it('fetches the document again once its cache expired, and applies what changed', async () => {
      const url = docs.url('/changing.json');
      docs.json('/changing.json', documentFor(url));
      expect((await hal.user.browser.fetch(request(url))).status).toBe(200);
      docs.json('/changing.json', documentFor(url, { redirect_uris: ['http://127.0.0.1:43110/new'] }));
      await expire(url);
      await expectRefusal(
        await hal.user.browser.fetch(request(url)),
        'redirect_uri is not registered for this client',
      );
      expect(docs.hits('/changing.json')).toBe(2);
      expect(
        (await hal.user.browser.fetch(request(url, { redirect_uri: 'http://127.0.0.1:43110/new' }))).status,
      ).toBe(200);

      // A document that is gone when its cache expires stops the client.
      docs.route('/changing.json', (_req, res) => res.writeHead(404).end());
      await expire(url);
      await expectRefusal(
        await hal.user.browser.fetch(request(url, { redirect_uri: 'http://127.0.0.1:43110/new' })),
        refusedBecause('it answered HTTP 404'),
      );
    });

    it('fetches the document of a pushed authorization request (RFC 9126), and refuses an unusable one', async () => {
      const url = docs.url('/pushed.json');
      docs.json('/pushed.json', documentFor(url));
      const fields = {
        response_type: 'code',
        client_id: url,
        redirect_uri: LOOPBACK,
        code_challenge: pkce().challenge,
        code_challenge_method: 'S256',
        scope: 'profile',
      };
      const pushed = await oauthPost(hal.url, '/oauth/par', fields);
      expect(pushed.status).toBe(201);
      const page = await hal.user.browser.fetch(
        authorizePath({ client_id: url, request_uri: pushed.json.request_uri }),
      );
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<strong>Not verified by HAL.</strong>');

      const missing = await oauthPost(hal.url, '/oauth/par', {
        ...fields,
        client_id: docs.url('/missing.json'),
      });
      expect(missing.status).toBe(401);
      expect(missing.json).toEqual({
        error: 'invalid_client',
        error_description: 'the client metadata document cannot be used: it answered HTTP 404',
      });
    });

    it('never fetches at the token endpoint: a document URL never authorized is an unknown client', async () => {
      const url = docs.url('/never.json');
      docs.json('/never.json', documentFor(url));
      const res = await oauthPost(hal.url, '/oauth/token', {
        grant_type: 'authorization_code',
        code: 'x',
        code_verifier: 'y'.repeat(43),
        redirect_uri: LOOPBACK,
        client_id: url,
      });
      expect(res.status).toBe(401);
      expect(res.json.error).toBe('invalid_client');
      expect(docs.hits('/never.json')).toBe(0);
    });

    it.each([
      [
        'a client_id that differs from the URL',
        (u: string) => documentFor(`${u}?v=2`),
        'client_id must equal the document URL',
      ],
      [
        'no client_name',
        (u: string) => documentFor(u, { client_name: undefined }),
        'client_name is required',
      ],
      [
        'an http redirect URI off loopback',
        (u: string) => documentFor(u, { redirect_uris: ['http://client.example/cb'] }),
        'redirect_uris.0: redirect_uri must use https unless its host is a loopback address',
      ],
      [
        'a shared-secret authentication method',
        (u: string) => documentFor(u, { token_endpoint_auth_method: 'client_secret_basic' }),
        'token_endpoint_auth_method must be none',
      ],
      [
        'a client_secret',
        (u: string) => documentFor(u, { client_secret: 'shh' }),
        'client_secret must not appear in a client metadata document',
      ],
    ])('refuses a document with %s on a page (§4.1)', async (_what, doc, reason) => {
      const path = `/bad-${randomBytes(4).toString('hex')}.json`;
      docs.json(path, doc(docs.url(path)));
      await expectRefusal(await hal.user.browser.fetch(request(docs.url(path))), refusedBecause(reason));
    });

    it.each([
      ['HTML', 'text/html', '<html></html>', 'its content type must be application/json'],
      ['invalid JSON', 'application/json', '{"client_id":', 'the document is not valid JSON'],
      ['a JSON array', 'application/json', '[]', 'the document must be a JSON object'],
    ])('refuses %s on a page', async (_what, type, body, reason) => {
      const path = `/raw-${randomBytes(4).toString('hex')}.json`;
      docs.route(path, (_req, res) => res.writeHead(200, { 'content-type': type }).end(body));
      await expectRefusal(await hal.user.browser.fetch(request(docs.url(path))), refusedBecause(reason));
    });

    it('does not follow a redirect, even to a valid document (§4)', async () => {
      docs.route('/moved.json', (_req, res) => res.writeHead(302, { location: '/client.json' }).end());
      const hitsBefore = docs.hits('/client.json');
      await expectRefusal(
        await hal.user.browser.fetch(request(docs.url('/moved.json'))),
        refusedBecause('it redirects, and redirects are not followed'),
      );
      expect(docs.hits('/client.json')).toBe(hitsBefore);
    });

    it('refuses a document over 5 KiB, announced or streamed (§6.6)', async () => {
      const big = (u: string) => JSON.stringify(documentFor(u, { padding: 'x'.repeat(5200) }));
      docs.route('/big.json', (_req, res) =>
        res.writeHead(200, { 'content-type': 'application/json' }).end(big(docs.url('/big.json'))),
      );
      docs.route('/big-stream.json', (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' }); // chunked: no length announced
        const body = big(docs.url('/big-stream.json'));
        for (let i = 0; i < body.length; i += 1000) res.write(body.slice(i, i + 1000));
        res.end();
      });
      for (const path of ['/big.json', '/big-stream.json'])
        await expectRefusal(
          await hal.user.browser.fetch(request(docs.url(path))),
          refusedBecause('the document is larger than 5 KiB'),
        );
    });

    it('gives up on a document that takes longer than 5 s', async () => {
      docs.route('/slow.json', (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{');
        const drip = setInterval(() => res.write(' '), 500);
        res.on('close', () => clearInterval(drip));
      });
      const started = Date.now();
      await expectRefusal(
        await hal.user.browser.fetch(request(docs.url('/slow.json'))),
        refusedBecause('it did not answer within 5 s'),
      );
      expect(Date.now() - started).toBeGreaterThanOrEqual(4900);
      expect(Date.now() - started).toBeLessThan(8000);
    }, 15_000);

    /** Rows of a raw query on either engine (PGlite answers `{ rows }`, postgres.js an array). */
    async function rows<T>(q: ReturnType<typeof sql>): Promise<T[]> {
      const result = (await hal.srv.database.db.execute(q)) as unknown as { rows?: T[] } & T[];
      return result.rows ?? result;
    }

    /** Ends the cache lifetime of the document of `url` (as if its max-age had passed). */
    const expire = (url: string) =>
      hal.srv.database.db.execute(
        sql`update oauth_apps set metadata_expires_at = now() - interval '1 second' where client_id = ${url}`,
      );
  },
);

describe.each(BACKENDS)(
  'metadata document fetches refused by the SSRF guard on %s (HAL_CIMD_ALLOW_LOCAL off)',
  (backend) => {
    const hal = useInstance(backend, { user: { login: true } });
    let docs: DocumentServer;
    beforeAll(async () => {
      docs = await documentServer();
      docs.route('/client.json', (req, res) => {
        const url = `https://${req.headers.host}/client.json`;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(documentFor(url)));
      });
    });
    afterAll(() => docs?.close());
    let hitsBefore: number;
    beforeEach(() => {
      hitsBefore = docs.hits('/client.json');
    });

    const port = () => new URL(docs.origin).port;
    it.each([
      ['loopback', () => `https://127.0.0.1:${port()}/client.json`],
      ['loopback in another spelling', () => `https://2130706433:${port()}/client.json`],
      ['IPv6 loopback', () => `https://[::1]:${port()}/client.json`],
      ['IPv4-mapped IPv6 loopback', () => `https://[::ffff:127.0.0.1]:${port()}/client.json`],
      ['localhost', () => `https://localhost:${port()}/client.json`],
      ['a private address (10/8)', () => 'https://10.0.0.1/client.json'],
      ['a private address (172.16/12)', () => 'https://172.16.5.4/client.json'],
      ['a private address (192.168/16)', () => 'https://192.168.1.1/client.json'],
      ['a link-local address', () => 'https://169.254.10.10/client.json'],
      ['the cloud metadata address', () => 'https://169.254.169.254/latest/meta-data'],
      ['a carrier-grade NAT metadata address', () => 'https://100.100.100.200/client.json'],
      ['an IPv6 unique-local address', () => 'https://[fd00:ec2::254]/client.json'],
      ['an IPv6 link-local address', () => 'https://[fe80::1]/client.json'],
      ['the unspecified address', () => 'https://0.0.0.0/client.json'],
    ])('refuses %s before connecting (§6.5)', async (_what, url) => {
      await expectRefusal(
        await hal.user.browser.fetch(request(url())),
        refusedBecause('its host is not a public internet address'),
      );
      expect(docs.hits('/client.json')).toBe(hitsBefore);
    });

    it('does not take an http client_id for a document URL: an unknown client (§3)', async () => {
      await expectRefusal(
        await hal.user.browser.fetch(request(docs.url('/client.json'))),
        'client_id is missing or unknown',
      );
      expect(docs.hits('/client.json')).toBe(hitsBefore);
    });
  },
);

describe('the metadata document fetcher', () => {
  let docs: DocumentServer;
  beforeAll(async () => {
    docs = await documentServer();
    docs.json('/client.json', { hello: 'world' }, { 'cache-control': 'max-age=120' });
  });
  afterAll(() => docs?.close());

  it('connects to the address it checked, not to whatever DNS answers later (DNS rebinding)', async () => {
    const asked: string[] = [];
    const fetchDocument = metadataFetcher({
      allowLocal: true,
      resolve: async (host) => {
        asked.push(host);
        return ['127.0.0.1'];
      },
    });
    const url = new URL(`http://doc.test:${new URL(docs.origin).port}/client.json`);
    const fetched = await fetchDocument(url);
    expect(fetched).toMatchObject({ body: { hello: 'world' }, cacheControl: 'max-age=120' });
    expect(asked).toEqual(['doc.test']); // resolved once; doc.test exists in no real DNS
  });

  it.each([
    ['a private address', ['10.0.0.7']],
    ['a public and a private address', ['93.184.215.14', '192.168.0.2']],
    ['loopback (without the local allowance)', ['127.0.0.1']],
    ['an IPv4-mapped private address', ['::ffff:10.1.2.3']],
  ])('refuses a name that resolves to %s, before connecting', async (_what, addresses) => {
    const fetchDocument = metadataFetcher({ allowLocal: false, resolve: async () => addresses });
    await expect(fetchDocument(new URL('https://rebind.test/client.json'))).rejects.toThrow(
      new MetadataFetchError('its host is not a public internet address'),
    );
  });

  it('gives up when the name does not resolve within the time limit', async () => {
    const fetchDocument = metadataFetcher({
      allowLocal: false,
      timeoutMs: 200,
      resolve: () => new Promise(() => {}),
    });
    await expect(fetchDocument(new URL('https://hang.test/client.json'))).rejects.toThrow(
      'it did not answer within 0.2 s',
    );
  });

  it.each([
    ['8.8.8.8', false, true],
    ['2606:4700:4700::1111', false, true],
    ['127.0.0.1', false, false],
    ['127.0.0.1', true, true],
    ['::1', true, true],
    ['10.0.0.1', true, false],
    ['172.31.255.255', false, false],
    ['192.168.0.1', false, false],
    ['169.254.169.254', false, false],
    ['100.64.0.1', false, false],
    ['192.0.0.192', false, false],
    ['224.0.0.1', false, false],
    ['255.255.255.255', false, false],
    ['fc00::1', false, false],
    ['fe80::1', false, false],
    ['::ffff:169.254.169.254', false, false],
    ['64:ff9b::a00:1', false, false],
    ['2002:a00:1::', false, false],
    ['not an address', false, false],
  ])('isFetchableAddress(%s, loopback allowed: %s) is %s', (address, loopback, fetchable) => {
    expect(isFetchableAddress(address, loopback)).toBe(fetchable);
  });
});
