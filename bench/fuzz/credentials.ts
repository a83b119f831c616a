import { type Context, clientPair } from './fields';
import { headerSafe, hostile } from './values';

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

/** An Authorization header for an API route: the generator's credentials, or broken ones. */
export function bearerAuth(c: Context): string | undefined {
  const { rng, pools } = c;
  const email = pools.pick(rng, 'email') ?? '';
  if (c.clean) return `Bearer ${pools.pick(rng, rng.pick(['pat', 'pat', 'jwt', 'accessToken']))}`;
  return rng.weighted<string | undefined>([
    [12, () => `Bearer ${pools.pick(rng, 'pat')}`],
    [6, () => `Bearer ${pools.pick(rng, 'jwt')}`],
    [6, () => `Bearer ${pools.pick(rng, 'accessToken')}`],
    // Each password check costs a memory-hard hash: kept rare.
    [1, () => `Basic ${b64(`${email}:${pools.pick(rng, 'password')}`)}`],
    [0.5, () => `Basic ${b64(`${email}:wrong`)}`],
    [3, undefined],
    [6, () => hostileAuth(c)],
  ]);
}

/** Client authentication at the OAuth endpoints (the header; body credentials go in the body). */
export function clientAuth(c: Context): string | undefined {
  const { rng } = c;
  const pair = clientPair(c);
  const enc = (s: string) => encodeURIComponent(s);
  if (c.clean) return `Basic ${b64(`${enc(pair.id)}:${enc(pair.secret)}`)}`;
  return rng.weighted<string | undefined>([
    [10, () => `Basic ${b64(`${enc(pair.id)}:${enc(pair.secret)}`)}`],
    [6, undefined],
    [5, () => hostileAuth(c)],
    [1, () => `basic ${b64(`${pair.id}:${pair.secret}`)}`],
  ]);
}

function hostileAuth(c: Context): string {
  const { rng, pools } = c;
  return rng.weighted<string>([
    [2, () => `Basic ${b64('\u0000:\u0000')}`],
    [1, () => `Basic ${b64(`${pools.pick(rng, 'clientId')}%00:x`)}`],
    [2, () => `Basic ${b64(`${hostile(rng, 200)}:${hostile(rng, 200)}`)}`],
    [1, () => `Basic ${b64(rng.bytes(rng.int(0, 60)))}`],
    [1, () => `Basic ${headerSafe(rng)}`],
    [2, () => `Bearer ${headerSafe(rng)}`],
    [1, () => `Bearer ${pools.pick(rng, 'pat')}, Basic ${b64('a:b')}`],
    [1, () => `Bearer ${tamper(c, pools.pick(rng, 'accessToken') ?? '')}`],
    [1, () => `Bearer ${tamper(c, pools.pick(rng, 'jwt') ?? '')}`],
    [1, () => `${rng.pick(['Digest', 'Negotiate', 'Token', 'bearer', 'BEARER', ''])} ${headerSafe(rng, 40)}`],
    [1, () => rng.pick(['Bearer', 'Basic', 'Bearer ', 'Basic =', 'Bearer hal_pat_', 'Basic Og=='])],
  ]);
}

/** A JWT with one part altered: a flipped character, `alg: none`, another `typ`, a dropped signature. */
function tamper({ rng }: Context, jwt: string): string {
  const [h = '', p = '', s = ''] = jwt.split('.');
  return rng.weighted<string>([
    [1, () => `${h}.${p}.${s.slice(0, -2)}${s.endsWith('A') ? 'B' : 'A'}`],
    [1, () => `${b64('{"alg":"none","typ":"at+jwt"}').replace(/=+$/, '')}.${p}.`],
    [1, () => `${b64('{"alg":"HS256","typ":"hal-session+jwt"}').replace(/=+$/, '')}.${p}.${s}`],
    [1, () => `${h}.${b64(JSON.stringify({ sub: 'x', jti: hostile(rng, 50) })).replace(/=+$/, '')}.${s}`],
    [1, () => `${h}.${p}`],
  ]);
}

export function browserCookie(c: Context): [string, string] | undefined {
  const { rng } = c;
  const own = c.browser ?? {};
  if (c.clean) return own.cookie ? ['Cookie', own.cookie] : undefined;
  return rng.weighted<[string, string] | undefined>([
    [8, () => (own.cookie ? ['Cookie', own.cookie] : undefined)],
    [2, undefined],
    [
      2,
      () => [
        'Cookie',
        rng.pick([
          'hal_session=%00; hal_csrf=%00',
          `hal_session=${headerSafe(rng, 200).replace(/;/g, '')}`,
          `hal_csrf=${'x'.repeat(40)}; hal_session=hal_ses_${'0'.repeat(43)}`,
          `${'a=b; '.repeat(rng.int(1, 400))}`,
          'hal_session=%ED%A0%80; hal_csrf=%ff',
          '=; ;=; hal_session',
        ]),
      ],
    ],
  ]);
}
