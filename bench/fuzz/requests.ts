import { bearerAuth, browserCookie, clientAuth } from './credentials';
import { type Context, encode, formField, hostileHere, jsonField, pickFields } from './fields';
import { framingCase } from './framing';
import { PROCEDURES, ROUTES, type Route, type Surface } from './routes';
import { deepJson, headerSafe, jsonValue, mangleJson, unicodeString } from './values';
import type { Wire } from './wire';

/** What a generated request is, for the report and for judging its answers. */
export interface Generated {
  wire: Wire;
  label: string;
  surface: Surface | 'raw';
  /** `framing`: broken HTTP; `over`: a body over 64 KiB (a closed connection is allowed there). */
  kind: 'http' | 'framing' | 'pipeline' | 'over' | 'near' | 'slow';
}

export const LIMIT = 64 * 1024;

interface Request {
  method: string;
  target: string;
  headers: [string, string][];
  body?: Buffer;
  chunked?: boolean;
}

const METHODS = [
  'GET',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'HEAD',
  'OPTIONS',
  'TRACE',
  'PROPFIND',
  'SEARCH',
  'PURGE',
];
const TYPES = [
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded;charset=UTF-8',
  'application/json',
  'application/json; charset=utf-8',
  'application/merge-patch+json',
  'text/plain',
  'multipart/form-data; boundary=x',
  'application/json; charset=latin1',
  'application/x-www-form-urlencoded, application/json',
  'APPLICATION/JSON',
  '*/*',
  '',
];

function formBody(c: Context, fields: readonly string[]): string {
  const pairs = pickFields(c, fields).map((name) => [name, formField(c, name)] as const);
  return pairs.map(([k, v]) => `${encode(c, k)}=${encode(c, v)}`).join('&');
}

function jsonBody(c: Context, fields: readonly string[]): string {
  const { rng } = c;
  return rng.weighted<string>([
    [
      c.clean ? 1e9 : 12,
      () =>
        JSON.stringify(Object.fromEntries(pickFields(c, fields).map((name) => [name, jsonField(c, name)]))),
    ],
    [1, () => mangleJson(rng, JSON.stringify(Object.fromEntries(fields.map((n) => [n, jsonField(c, n)]))))],
    [1, () => JSON.stringify(jsonValue(rng, 4))],
    [0.5, () => deepJson(rng)],
  ]);
}

/** The body a route reads, in its content type (the wrong one now and then). */
function bodyFor(c: Context, route: Route): { type: string; text: string | Buffer } | undefined {
  const { rng } = c;
  const fields = route.fields ?? [];
  if (hostileHere(c, 0.04)) return { type: rng.pick(TYPES), text: rng.bytes(rng.int(0, 2000)) };
  if (hostileHere(c, 0.03)) return { type: rng.pick(TYPES), text: unicodeString(rng, 200) };
  switch (route.body) {
    case 'form':
      return { type: TYPES[0] as string, text: formBody(c, fields) };
    case 'oauth': {
      let names = fields;
      if (route.label === 'POST /oauth/token') {
        // One grant's parameters at a time, as real clients send them.
        const grant = rng.pick([
          ['grant_type', 'code', 'redirect_uri', 'code_verifier'],
          ['grant_type', 'refresh_token', 'scope'],
          ['grant_type', 'scope'],
          fields,
        ]);
        names = grant;
      }
      const creds = hostileHere(c, 0.3)
        ? ['client_id', 'client_secret']
        : hostileHere(c, 0.3)
          ? ['client_id']
          : [];
      return !hostileHere(c, 0.2)
        ? { type: rng.pick(TYPES.slice(0, 2)), text: formBody(c, [...names, ...creds]) }
        : { type: 'application/json', text: jsonBody(c, [...names, ...creds]) };
    }
    case 'json':
      return {
        type: rng.pick(['application/json', 'application/json; charset=utf-8']),
        text: jsonBody(c, fields),
      };
    default:
      return hostileHere(c, 0.05) ? { type: rng.pick(TYPES), text: jsonBody(c, ['name', 'id']) } : undefined;
  }
}

/** A tRPC call: a query by GET (single or batched) or a mutation by POST. */
function trpcRequest(c: Context): Request {
  const { rng } = c;
  const calls = Array.from({ length: rng.chance(0.15) ? rng.int(2, 4) : 1 }, () => rng.pick(PROCEDURES));
  const input = (fields: string[]) =>
    !hostileHere(c, 0.15)
      ? Object.fromEntries(pickFields(c, fields).map((name) => [name, jsonField(c, name)]))
      : jsonValue(rng, 3);
  const batch = calls.length > 1 || rng.chance(0.1);
  const names = calls.map(([name]) => name).join(',');
  const inputs = batch
    ? JSON.stringify(Object.fromEntries(calls.map(([, , fields], i) => [String(i), input(fields)])))
    : JSON.stringify(input(calls[0]?.[2] ?? []));
  const text = hostileHere(c, 0.05) ? rng.pick([deepJson(rng), mangleJson(rng, inputs)]) : inputs;
  const mutation = calls[0]?.[1] === 'mutation';
  const headers: [string, string][] = [];
  if (!hostileHere(c, 0.2)) headers.push(['x-hal-csrf', '1']);
  if (mutation ? rng.chance(0.9) : rng.chance(0.05)) {
    return {
      method: 'POST',
      target: `/trpc/${names}${batch ? '?batch=1' : ''}`,
      headers: [...headers, ['Content-Type', hostileHere(c, 0.1) ? rng.pick(TYPES) : 'application/json']],
      body: Buffer.from(text),
    };
  }
  return {
    method: hostileHere(c, 0.05) ? rng.pick(METHODS) : 'GET',
    target: `/trpc/${names}?${batch ? 'batch=1&' : ''}input=${encode(c, text)}`,
    headers,
  };
}

/** One well-framed request to one route, with the headers and body a hostile client would pick. */
export function httpRequest(c: Context): { request: Request; route: Route } {
  const { rng } = c;
  const route = rng.weighted(ROUTES.map((r) => [r.weight, r] as const));
  const request: Request =
    route.body === 'trpc'
      ? trpcRequest(c)
      : {
          method: hostileHere(c, 0.1) ? rng.pick(METHODS) : route.method,
          target: route.path(c),
          headers: [],
        };
  const auth =
    route.auth === 'bearer'
      ? bearerAuth(c)
      : route.auth === 'client'
        ? clientAuth(c)
        : hostileHere(c, 0.1)
          ? bearerAuth(c)
          : undefined;
  if (auth !== undefined) request.headers.push(['Authorization', auth]);
  const cookie =
    route.auth === 'browser' || route.auth === 'none' || hostileHere(c, 0.1) ? browserCookie(c) : undefined;
  if (cookie) request.headers.push(cookie);
  if (route.body !== 'trpc') {
    const body = bodyFor(c, route);
    if (body && (request.method !== 'GET' || hostileHere(c, 0.3))) {
      if (body.type) request.headers.push(['Content-Type', body.type]);
      request.body = Buffer.from(body.text);
    }
  }
  if (hostileHere(c, 0.15))
    request.headers.push([
      'Origin',
      rng.pick([c.issuer, 'https://evil.example', 'null', headerSafe(rng, 30)]),
    ]);
  if (hostileHere(c, 0.1)) request.headers.push(['X-Request-Id', headerSafe(rng, 140)]);
  if (hostileHere(c, 0.1)) request.headers.push(extraHeader(c));
  if (hostileHere(c, 0.03) && request.headers.length) request.headers.push(rng.pick(request.headers));
  request.chunked = request.body !== undefined && rng.chance(0.1);
  return { request, route };
}

function extraHeader({ rng, issuer }: Context): [string, string] {
  return rng.pick<[string, string]>([
    ['Accept', rng.pick(['*/*', 'text/html', 'application/json', headerSafe(rng, 30)])],
    ['Accept-Encoding', 'gzip, deflate, br'],
    ['If-None-Match', rng.pick(['*', '"x"', headerSafe(rng, 40)])],
    ['Range', 'bytes=0-1'],
    ['X-Forwarded-For', rng.pick(['1.2.3.4', '::1, 10.0.0.1', headerSafe(rng, 40)])],
    ['X-Forwarded-Host', 'evil.example'],
    ['X-Forwarded-Proto', 'https'],
    ['Forwarded', 'for=1.2.3.4;proto=https'],
    ['Content-Encoding', rng.pick(['gzip', 'br', 'identity', 'x'])],
    ['Expect', rng.pick(['100-continue', '100-continue', 'x'])],
    ['Connection', rng.pick(['close', 'keep-alive', 'Upgrade', 'TE, close'])],
    ['Upgrade', rng.pick(['websocket', 'h2c'])],
    ['Referer', `${issuer}/login`],
    ['User-Agent', headerSafe(rng, 200)],
    [headerSafe(rng, 20).replace(/[^!#$%&'*+.^_`|~0-9A-Za-z-]/g, '') || 'X-Odd', headerSafe(rng, 100)],
  ]);
}

/** The request as bytes: request line, Host, headers, then the body, chunked or with a length. */
export function serialize(c: Context, request: Request): Buffer {
  const host = new URL(c.issuer).host;
  const head = [`${request.method} ${request.target} HTTP/1.1`, `Host: ${host}`];
  for (const [name, value] of request.headers) head.push(`${name}: ${value}`);
  let body = request.body ?? Buffer.alloc(0);
  if (request.chunked) {
    head.push('Transfer-Encoding: chunked');
    const parts: Buffer[] = [];
    for (let at = 0; at < body.length; ) {
      const size = c.rng.int(1, Math.max(1, Math.min(body.length - at, 16_384)));
      parts.push(Buffer.from(`${size.toString(16)}\r\n`), body.subarray(at, at + size), Buffer.from('\r\n'));
      at += size;
    }
    parts.push(Buffer.from('0\r\n\r\n'));
    body = Buffer.concat(parts);
  } else if (request.body !== undefined || c.rng.chance(0.05)) {
    head.push(`Content-Length: ${body.length}`);
  }
  return Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), body]);
}

/** One generated request of any kind: mostly well framed, some broken, pipelined, oversized or slow. */
export function generate(c: Context): Generated {
  const { rng } = c;
  c.clean = rng.chance(0.25);
  c.browser = JSON.parse(c.pools.pick(rng, 'browser') ?? '{}');
  const kind = rng.weighted<Generated['kind']>([
    [880, 'http'],
    [50, 'framing'],
    [30, 'pipeline'],
    [15, 'over'],
    [10, 'near'],
    [3, 'slow'],
  ]);
  if (kind === 'framing') {
    const raw = framingCase(c);
    return {
      kind,
      label: `framing: ${raw.label}`,
      surface: 'raw',
      wire: { parts: [raw.bytes], methods: raw.methods },
    };
  }
  if (kind === 'pipeline') {
    const requests = Array.from({ length: rng.int(2, 4) }, () => httpRequest(c).request);
    return {
      kind,
      label: 'pipelined requests',
      surface: 'raw',
      wire: {
        parts: [Buffer.concat(requests.map((r) => serialize(c, r)))],
        methods: requests.map((r) => r.method),
      },
    };
  }
  const { request, route } = httpRequest(c);
  if (kind === 'over' || kind === 'near') {
    const size = kind === 'over' ? rng.int(LIMIT + 1, 5 * LIMIT) : rng.int(LIMIT - 2048, LIMIT);
    if (request.method === 'GET' || request.method === 'HEAD') request.method = 'POST';
    request.body = Buffer.alloc(size, rng.pick(['a', '[', '{', '%', '\u0000']));
    if (!request.headers.some(([n]) => n === 'Content-Type'))
      request.headers.push(['Content-Type', rng.pick(TYPES)]);
  }
  const slow = kind === 'slow' || (kind === 'near' && rng.chance(0.2));
  if (slow && !request.body?.length) {
    request.body = Buffer.from(
      formBody(c, ['name', 'description', 'state']).padEnd(rng.int(4096, 12_288), 'x'),
    );
    request.headers.push(['Content-Type', rng.pick(TYPES)]);
  }
  const bytes = serialize(c, request);
  if (slow) {
    // The body in three pieces a quarter second apart: longer than any short drain deadline.
    const start = bytes.indexOf('\r\n\r\n') + 4;
    const third = Math.floor((bytes.length - start) / 3);
    const parts = [bytes.subarray(0, start + third), bytes.subarray(start + third, start + 2 * third)];
    parts.push(bytes.subarray(start + 2 * third));
    return {
      kind,
      label: route.label,
      surface: request.target.startsWith('/trpc') ? 'trpc' : route.surface,
      wire: { parts, gapMs: 250, methods: [request.method] },
    };
  }
  return {
    kind,
    label: route.label,
    surface: request.target.startsWith('/trpc') ? 'trpc' : route.surface,
    wire: { parts: [bytes], methods: [request.method] },
  };
}
