import type { Rng } from './rng';

/** Fragments attackers like: injection, markup, traversal, look-alike URLs, encodings, NUL, odd numbers. */
export const NASTY = [
  '',
  ' ',
  "' or 1=1 --",
  '"; drop table users; --',
  "'); select pg_sleep(5); --",
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '{{7*7}}',
  ['$', '{jndi:ldap://x}'].join(''),
  '../../etc/passwd',
  '..%2f..%2fetc%2fpasswd',
  '\\\\server\\share',
  'https://client.example/cb',
  'https://cliеnt.example/cb',
  'https://evil.example/cb',
  'http://127.0.0.1:1/cb',
  'http://[::1]/cb',
  'http://169.254.169.254/latest/meta-data/',
  'javascript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'file:///etc/passwd',
  'https://a.example/cb#frag',
  'urn:ietf:params:oauth:request_uri:',
  'urn:ietf:params:oauth:request_uri:01ARZ3NDEKTSV4RRFFQ69G5FAV',
  'hal_app_01ARZ3NDEKTSV4RRFFQ69G5FAV',
  'hal_rt_0000000000000000000000000000000000000000000',
  'hal_pat_0000000000000000000000000000000000000000000',
  'proj_01ARZ3NDEKTSV4RRFFQ69G5FAV',
  'eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0.eyJzdWIiOiJ4In0.',
  'eyJhbGciOiJIUzI1NiIsInR5cCI6ImhhbC1zZXNzaW9uK2p3dCJ9.e30.x',
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  '[{"type":"hal_project","actions":["read"]}]',
  '[{"type":"hal_project","actions":["read","read","admin"]}]',
  '[{"type":"other"}]',
  '{"__proto__":{"admin":true}}',
  '__proto__',
  'constructor',
  'prototype',
  '0',
  '-1',
  '1e309',
  '9'.repeat(40),
  'NaN',
  '0x10',
  '2038-01-19T03:14:08Z',
  '9999-12-31T23:59:59Z',
  '0000-00-00',
  'S256',
  'plain',
  'code',
  'token',
  'id_token',
  'code token',
  'openid',
  'profile',
  'profile profile',
  'profile  apps:read',
  'admin',
  'owner',
  '\u0000',
  'a\u0000b',
  '%00',
  '\ud800',
  'x\udfff',
  '\ud83d\ude00',
  '\uFEFF',
  '\u202e\u0635',
  'e\u0301',
  '\r\n',
  '\t',
  '\u0007',
  '%',
  '%zz',
  '%E0%A4%A',
  '%C0%AF',
  '%ED%A0%80',
  '%FF%FE',
  '+',
  '&',
  '=',
  '==',
  '\\u0000',
  "'",
  '"',
  '`',
  '\\',
] as const;

const UNICODE_RANGES: readonly [number, number][] = [
  [0x00, 0x1f],
  [0x20, 0x7e],
  [0x7f, 0xff],
  [0x100, 0x7ff],
  [0x800, 0xd7ff],
  [0xd800, 0xdfff], // lone surrogates
  [0xe000, 0xfffd],
  [0xfffe, 0xffff],
  [0x10000, 0x10ffff],
];

/** A random string of code points from every plane, lone surrogates and controls included. */
export function unicodeString(rng: Rng, max = 24): string {
  let out = '';
  for (let i = rng.int(0, max); i > 0; i--) {
    const [lo, hi] = rng.pick(UNICODE_RANGES);
    const cp = rng.int(lo, hi);
    out += cp >= 0xd800 && cp <= 0xdfff ? String.fromCharCode(cp) : String.fromCodePoint(cp);
  }
  return out;
}

export function asciiString(rng: Rng, max = 32): string {
  let out = '';
  for (let i = rng.int(0, max); i > 0; i--) out += String.fromCharCode(rng.int(0x20, 0x7e));
  return out;
}

/** A string value a hostile client might send anywhere. */
export function hostile(rng: Rng, maxLong = 60_000): string {
  return rng.weighted<string>([
    [8, () => rng.pick(NASTY)],
    [3, () => asciiString(rng)],
    [3, () => unicodeString(rng)],
    [1, () => rng.pick(['a', 'x', '\u0000', 'é', '😀', '%']).repeat(rng.int(256, maxLong))],
    [1, () => `${rng.pick(NASTY)}${asciiString(rng, 8)}${rng.pick(NASTY)}`],
  ]);
}

/** A string a client could put in a header: visible Latin-1 (obs-text included), no CR, LF or NUL. */
export function headerSafe(rng: Rng, max = 64): string {
  return rng.weighted<string>([
    [4, () => asciiString(rng, max)],
    [
      1,
      () => {
        let out = '';
        for (let i = rng.int(0, max); i > 0; i--) out += String.fromCharCode(rng.int(0x80, 0xff));
        return out;
      },
    ],
    [2, () => rng.pick(NASTY).replace(/[^ -~\x80-\xff]/g, '')],
    [1, () => 'A'.repeat(rng.int(1000, 8000))],
  ]);
}

/** Form-urlencodes `value`, or mangles the encoding on purpose now and then. */
export function formEncode(rng: Rng, value: string): string {
  return rng.weighted<string>([
    [40, () => encodeURIComponent(value.replace(/[\ud800-\udfff]/g, '\ufffd'))],
    [1, () => value.replace(/[&=#\s]/g, '')], // raw, unencoded
    [1, () => rng.pick(['%', '%zz', '%ED%A0%80', '%C0%AF', '%FF', '%00', '+%2B+', '%E0%A4%A'])],
  ]);
}

/** A JSON value of any kind, hostile strings and odd numbers included, at most `depth` deep. */
export function jsonValue(rng: Rng, depth = 3): unknown {
  return rng.weighted<unknown>([
    [5, () => hostile(rng, 20_000)],
    [
      2,
      () =>
        rng.pick([
          0,
          -1,
          1,
          60,
          28_800,
          2 ** 31,
          2 ** 53,
          -(2 ** 63),
          1e308,
          -0,
          0.5,
          Number.MAX_SAFE_INTEGER + 2,
        ]),
    ],
    [1, () => rng.pick([true, false, null])],
    [1, () => (depth > 0 ? Array.from({ length: rng.int(0, 4) }, () => jsonValue(rng, depth - 1)) : [])],
    [
      1,
      () =>
        depth > 0
          ? Object.fromEntries(
              Array.from({ length: rng.int(0, 4) }, () => [
                rng.chance(0.8) ? asciiString(rng, 10) : hostile(rng, 100),
                jsonValue(rng, depth - 1),
              ]),
            )
          : {},
    ],
  ]);
}

/** JSON text nested `n` levels: what a naive recursive reader chokes on. */
export function deepJson(rng: Rng): string {
  const n = rng.int(33, 20_000);
  return rng.weighted<string>([
    [1, () => `${'['.repeat(n)}${']'.repeat(n)}`],
    [1, () => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`],
    [1, () => `{"name":${'['.repeat(n)}"x"${']'.repeat(n)}}`],
  ]);
}

/** Breaks well-formed JSON text the ways hand-written clients do. */
export function mangleJson(rng: Rng, text: string): string {
  return rng.weighted<string>([
    [1, () => text.slice(0, rng.int(0, text.length))],
    [1, () => `\uFEFF${text}`],
    [1, () => text.replace(/}$/, ',}')],
    [1, () => text.replace(/^\{/, '{"name":"a","name":"b",')],
    [1, () => `[${text}]`],
    [1, () => `${text}${text}`],
    [1, () => text.replace(/"/g, "'")],
    [1, () => JSON.stringify(text)],
  ]);
}
