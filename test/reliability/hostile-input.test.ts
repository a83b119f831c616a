import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { api } from '../support/api';
import { useInstance } from '../support/fixtures';
import { BACKENDS } from '../support/servers';

const RUNS = Number(process.env.HAL_FUZZ_RUNS ?? 150);

// Fragments attackers like: SQL, HTML, path tricks, look-alike hosts, encodings, NUL, overlong values.
const nasty = fc.constantFrom(
  "' or 1=1 --",
  '"; drop table users; --',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  'https://client.example/cb',
  'https://cliеnt.example/cb', // Cyrillic е
  'https://client.example/cb/',
  'https://CLIENT.example/cb',
  'https://client.example/cb#frag',
  'http://127.0.0.1:1/cb',
  '%00',
  '\u0000',
  '\uFEFF',
  '\uD800',
  '%E0%A4%A',
  'a'.repeat(70_000),
  '[]',
  '{"type":"hal_project","actions":["read"]}',
  '[{"type":"hal_project","actions":["read","read"]}]',
  'S256',
  'plain',
  'code',
  'token',
);
const value = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), nasty);
const paramName = fc.oneof(
  fc.constantFrom(
    'grant_type',
    'code',
    'redirect_uri',
    'client_id',
    'client_secret',
    'refresh_token',
    'scope',
    'code_verifier',
    'token',
    'response_type',
    'code_challenge',
    'code_challenge_method',
    'state',
    'authorization_details',
    'project_id',
    'request_uri',
    'csrf',
    'request_id',
    'decision',
    'email',
    'password',
    'name',
    'app_id',
    'user_id',
    'user_hash',
    'user_jwt',
  ),
  fc.string({ maxLength: 12 }),
);
/** Form or query strings, with repeated parameters and broken percent-encoding mixed in. */
const formString = fc.oneof(
  fc
    .array(fc.tuple(paramName, value), { maxLength: 8 })
    .map((pairs) => new URLSearchParams(pairs).toString()),
  fc.string(),
  nasty,
);
const deep = fc.integer({ min: 100, max: 5000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`);
const jsonString = fc.oneof(
  fc.dictionary(paramName, fc.oneof(value, fc.jsonValue())).map((o) => JSON.stringify(o)),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  deep,
  fc.string(),
);
const nonUtf8 = fc
  .uint8Array({ maxLength: 200 })
  .map((b) => Buffer.concat([Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(b)]));
const contentType = fc.constantFrom(
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded;charset=UTF-8',
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'multipart/form-data; boundary=x',
  '',
  'application/json; charset=latin1',
);
// Header values must be visible Latin-1 for any HTTP client to send them; proxies cap them near 8 KiB.
const headerSafe = (s: string) => /^[\x20-\x7e]{0,8000}$/.test(s);
const authorization = fc
  .oneof(
    fc.constant(undefined),
    fc.string().map((s) => `Bearer ${s}`),
    fc.string({ unit: 'grapheme' }).map((s) => `Basic ${Buffer.from(s).toString('base64')}`),
    fc.string().map((s) => `Basic ${s}`),
    nasty.map((s) => `Bearer ${s}`),
    fc.constant('Bearer a, Basic b'),
    fc.constant('Bearer hal_pat_0000000000000000000000000000000000000000000'),
    fc.constant('Bearer eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0.e30.'),
  )
  .filter((h) => h === undefined || headerSafe(h));
const body = fc.oneof(formString, jsonString, nonUtf8);

type Endpoint = { method: 'GET' | 'POST'; path: string; kind: 'oauth' | 'api' | 'html' | 'trpc' | 'any' };

describe.each(BACKENDS)('hostile input on %s: never a 5xx, always the contract error shape', (backend) => {
  const hal = useInstance(backend, { env: { HAL_RATE_LIMITS: 'off' }, app: {} });
  let tried = 0;
  const endpoints: Endpoint[] = [
    { method: 'POST', path: '/oauth/token', kind: 'oauth' },
    { method: 'POST', path: '/oauth/revoke', kind: 'oauth' },
    { method: 'POST', path: '/oauth/introspect', kind: 'oauth' },
    { method: 'POST', path: '/oauth/par', kind: 'oauth' },
    { method: 'POST', path: '/oauth/authorize/decision', kind: 'html' },
    { method: 'POST', path: '/login', kind: 'html' },
    { method: 'POST', path: '/signup', kind: 'html' },
    { method: 'POST', path: '/api/v1/auth/login', kind: 'api' },
    { method: 'POST', path: '/api/v1/projects', kind: 'api' },
    { method: 'POST', path: '/api/v1/tokens', kind: 'api' },
    { method: 'POST', path: '/api/v1/oauth/apps', kind: 'api' },
    { method: 'POST', path: '/api/v1/oauth/token/revoke', kind: 'api' },
    { method: 'POST', path: '/api/widget/v1/identify', kind: 'api' },
    { method: 'POST', path: '/api/oauth/widget/sign-identity', kind: 'api' },
    { method: 'POST', path: '/trpc/projects.create', kind: 'trpc' },
  ];

  afterAll(() => {
    console.info(`hostile input on ${backend}: ${tried} requests tried`);
  });

  /** Checks one response against the contract: < 500 and the error shape of its surface. */
  function checkShape(endpoint: Endpoint, status: number, type: string | null, text: string) {
    const lastError = hal.srv.logs
      .filter((l) => l.includes('"level":50'))
      .at(-1)
      ?.slice(0, 600);
    expect(
      status,
      `${endpoint.path} answered ${status}: ${text.slice(0, 200)} ${lastError ?? ''}`,
    ).toBeLessThan(500);
    if (status < 400) return;
    // Node's HTTP parser refuses a request line or headers over 16 KiB before HAL sees them.
    if (status === 431 || status === 414) return;
    // tRPC answers transport-level refusals (such as 415) itself, in plain text; any 4xx will do there.
    if (endpoint.kind === 'trpc' && !type?.startsWith('application/json')) return;
    if (endpoint.kind === 'html') {
      expect(String(type)).toMatch(/^(text\/html|application\/json)/);
      return;
    }
    expect(type, `${endpoint.path} answered ${status} without JSON: ${text.slice(0, 200)}`).toMatch(
      /^application\/json/,
    );
    const json = JSON.parse(text);
    if (endpoint.kind === 'oauth' && status !== 413) expect(typeof json.error).toBe('string');
    if (endpoint.kind === 'api') expect(typeof json.error.code).toBe('string');
    if (endpoint.kind === 'trpc') expect(json.error).toBeDefined();
  }

  it.each(endpoints.map((e) => [`${e.method} ${e.path}`, e] as const))('%s', async (_name, endpoint) => {
    await fc.assert(
      fc.asyncProperty(
        body,
        contentType,
        authorization,
        fc.boolean(),
        async (payload, type, auth, withQuery) => {
          tried++;
          const headers: Record<string, string> = {};
          if (type) headers['content-type'] = type;
          if (auth) headers.authorization = auth;
          const query = withQuery ? `?${new URLSearchParams({ client_id: 'x', scope: 'profile' })}` : '';
          const res = await fetch(`${hal.url}${endpoint.path}${query}`, {
            method: endpoint.method,
            headers,
            body: payload,
          });
          checkShape(endpoint, res.status, res.headers.get('content-type'), await res.text());
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('GET /oauth/authorize with generated query strings', async () => {
    await fc.assert(
      fc.asyncProperty(formString, async (query) => {
        tried++;
        const res = await fetch(`${hal.url}/oauth/authorize?${query}`, { redirect: 'manual' });
        expect(res.status).toBeLessThan(500);
        if (res.status >= 300 && res.status < 400) {
          // Redirects only to the sign-in page: no client was registered for these garbage requests.
          expect(res.headers.get('location')).toMatch(/^\/login\?/);
        }
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('GET API endpoints with generated Authorization headers and paths', async () => {
    await fc.assert(
      fc.asyncProperty(
        authorization,
        fc.oneof(fc.string(), nasty).filter((x) => !/[\uD800-\uDFFF]/.test(x)),
        async (auth, segment) => {
          tried++;
          const headers: Record<string, string> = auth ? { authorization: auth } : {};
          for (const path of [
            '/api/v1/auth/me',
            `/api/v1/projects/${encodeURIComponent(segment)}`,
            `/api/v1/oauth/apps/public/${encodeURIComponent(segment)}`,
          ]) {
            const res = await api(hal.url, 'GET', path, { headers });
            checkShape(
              { method: 'GET', path, kind: 'api' },
              res.status,
              res.headers.get('content-type'),
              res.text,
            );
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});
