import type { Context } from './fields';
import { asciiString, headerSafe } from './values';

export interface RawCase {
  label: string;
  bytes: Buffer;
  /** One entry per answer expected (at least the first must come). */
  methods: string[];
}

const latin1 = (s: string) => Buffer.from(s, 'latin1');
const PATHS = ['/healthz', '/oauth/token', '/api/v1/projects', '/trpc/me.session', '/login', '/nope'];

/**
 * HTTP/1.1 broken below the application: request lines, header syntax, lengths and chunking,
 * smuggling shapes, other protocols. Node's parser answers most with 400 and closes; none may
 * reach HAL as a 500 or end the connection without an answer.
 */
export function framingCase(c: Context): RawCase {
  const { rng } = c;
  const host = new URL(c.issuer).host;
  const path = rng.pick(PATHS);
  const cases: [string, () => string | Buffer][] = [
    ['random bytes', () => rng.bytes(rng.int(1, 300))],
    ['random request line', () => `${asciiString(rng, 40)}\r\nHost: ${host}\r\n\r\n`],
    ['lowercase method', () => `get ${path} HTTP/1.1\r\nHost: ${host}\r\n\r\n`],
    [
      'unknown method',
      () =>
        `${rng.pick(['FOO', 'G\u0000T', 'GET\tX', 'POSTT', 'M'.repeat(300)])} ${path} HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
    ],
    ['CONNECT', () => `CONNECT ${rng.pick([host, path, '127.0.0.1:22'])} HTTP/1.1\r\nHost: ${host}\r\n\r\n`],
    ['HTTP/1.0 without Host', () => `GET ${path} HTTP/1.0\r\n\r\n`],
    ['HTTP/1.0 keep-alive', () => `GET /healthz HTTP/1.0\r\nHost: ${host}\r\nConnection: keep-alive\r\n\r\n`],
    [
      'version',
      () => `GET ${path} HTTP/${rng.pick(['2.0', '1.2', '0.9', '9.9', '1', 'x'])}\r\nHost: ${host}\r\n\r\n`,
    ],
    ['HTTP/2 preface', () => 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'],
    ['TLS hello', () => Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01]), rng.bytes(160)])],
    ['no Host', () => `GET ${path} HTTP/1.1\r\n\r\n`],
    ['two Hosts', () => `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nHost: evil.example\r\n\r\n`],
    [
      'odd Host',
      () =>
        `GET ${path} HTTP/1.1\r\nHost: ${rng.pick(['', '[::1', 'a b', 'évil', '\u00ff', 'x:99999', '@evil'])}\r\n\r\n`,
    ],
    ['absolute form', () => `GET http://evil.example${path} HTTP/1.1\r\nHost: ${host}\r\n\r\n`],
    ['asterisk form', () => `OPTIONS * HTTP/1.1\r\nHost: ${host}\r\n\r\n`],
    ['no leading slash', () => `GET healthz HTTP/1.1\r\nHost: ${host}\r\n\r\n`],
    [
      'raw bytes in target',
      () => `GET /oauth/authorize?client_id=\u00ff\u0080x&s=a\u007fb HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
    ],
    ['space in target', () => `GET /a b HTTP/1.1\r\nHost: ${host}\r\n\r\n`],
    ['fragment in target', () => `GET ${path}#frag HTTP/1.1\r\nHost: ${host}\r\n\r\n`],
    ['overlong target', () => `GET /${'a'.repeat(rng.int(8000, 20_000))} HTTP/1.1\r\nHost: ${host}\r\n\r\n`],
    [
      'overlong header',
      () => `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nX-Big: ${'b'.repeat(rng.int(12_000, 40_000))}\r\n\r\n`,
    ],
    [
      'many headers',
      () => `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${'X-A: 1\r\n'.repeat(rng.int(100, 3000))}\r\n`,
    ],
    [
      'NUL in header',
      () => `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer a\u0000b\r\n\r\n`,
    ],
    ['CR in header', () => `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nX-A: a\rb\r\n\r\n`],
    ['LF line endings', () => `GET ${path} HTTP/1.1\nHost: ${host}\n\n`],
    ['header without colon', () => `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nNoColon\r\n\r\n`],
    ['space before colon', () => `GET ${path} HTTP/1.1\r\nHost : ${host}\r\n\r\n`],
    ['bad header name', () => `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nX(A): 1\r\n\r\n`],
    ['obs-fold', () => `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nX-A: a\r\n b\r\n\r\n`],
    ['leading empty lines', () => `\r\n\r\nGET /healthz HTTP/1.1\r\nHost: ${host}\r\n\r\n`],
    [
      'Content-Length odd',
      () =>
        `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Length: ${rng.pick(['-1', '+3', '0x3', '3 3', 'abc', ' 3', '3.0', '99999999999999999999'])}\r\n\r\nabc`,
    ],
    [
      'two Content-Lengths',
      () => `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd`,
    ],
    [
      'Content-Length and chunked',
      () =>
        `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    ],
    [
      'Transfer-Encoding odd',
      () =>
        `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: ${rng.pick(['gzip', 'chunked, gzip', 'gzip, chunked', 'identity', 'xchunked', 'chunked\t'])}\r\n\r\n0\r\n\r\n`,
    ],
    [
      'bad chunk size',
      () =>
        `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\n\r\n${rng.pick(['zz', '-1', 'fffffffffffffffff', '3;', ' 3'])}\r\nabc\r\n0\r\n\r\n`,
    ],
    [
      'chunk extension',
      () =>
        `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2;ext=${'x'.repeat(rng.int(1, 20_000))}\r\n{}\r\n0\r\n\r\n`,
    ],
    [
      'chunk trailers',
      () =>
        `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\nX-Trailer: ${headerSafe(rng, 50)}\r\n\r\n`,
    ],
    [
      'chunk data overrun',
      () =>
        `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabcdef\r\n0\r\n\r\n`,
    ],
    [
      'body longer than Content-Length',
      () =>
        `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}GARBAGE / HTTP/1.1\r\n\r\n`,
    ],
    [
      'smuggled request',
      () =>
        `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 0\r\n\r\nGET /api/v1/auth/me HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
    ],
    [
      'Expect odd',
      () =>
        `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nExpect: ${rng.pick(['100-continue', '200-ok', 'x'])}\r\nContent-Length: 2\r\nContent-Type: application/json\r\n\r\n{}`,
    ],
    [
      'Upgrade',
      () =>
        `GET /healthz HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: ${rng.pick(['websocket', 'h2c', 'x'])}\r\n\r\n`,
    ],
  ];
  const [label, build] = rng.pick(cases);
  const built = build();
  return { label, bytes: typeof built === 'string' ? latin1(built) : built, methods: ['GET'] };
}
