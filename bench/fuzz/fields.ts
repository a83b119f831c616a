import type { Rng } from './rng';
import { asciiString, formEncode, hostile, jsonValue } from './values';
import { CHALLENGE, type Pools, VERIFIER } from './world';

const SCOPES = ['profile', 'apps:read', 'apps:write', 'projects:read', 'projects:write', 'widget:serve'];
const PAT_SCOPES = [...SCOPES, 'tokens:write'];
const ID_KINDS = ['projectId', 'appId', 'tokenId', 'id', 'requestId', 'userId', 'clientId', 'widgetAppId'];

export interface Context {
  rng: Rng;
  pools: Pools;
  issuer: string;
  /** A request as a well-behaved client would send it (every field plausible): to get deep. */
  clean?: boolean;
  /** The browser session this request speaks for: its cookie and the CSRF token that goes with it. */
  browser?: { cookie?: string; csrf?: string };
}

/** Form-urlencodes a key or value (a clean request never mangles the encoding). */
export const encode = (c: Context, value: string) =>
  c.clean ? encodeURIComponent(value.replace(/[\ud800-\udfff]/g, '\ufffd')) : formEncode(c.rng, value);

/** True with probability `p`, never for a clean request: where a request turns hostile. */
export const hostileHere = (c: Context, p: number) => !c.clean && c.rng.chance(p);

/** A client id and secret that belong together (or, now and then, do not). */
export function clientPair(c: Context): { id: string; secret: string } {
  const { rng, pools } = c;
  const [id = '', secret = ''] = (pools.pick(rng, 'client') ?? ':').split(':');
  return hostileHere(c, 0.1) ? { id, secret: pools.pick(rng, 'pat') ?? 'hal_cs_x' } : { id, secret };
}

/** An identifier of any kind the generator has seen (the other account's included). */
export const anyId = (c: Context) =>
  c.pools.pick(c.rng, c.rng.pick(ID_KINDS)) ?? c.pools.pick(c.rng, 'projectId') ?? 'none';

/** A token of any kind the generator holds. */
export const anyToken = (c: Context) =>
  c.pools.pick(c.rng, c.rng.pick(['accessToken', 'refreshToken', 'pat', 'jwt', 'userJwt'])) ?? 'none';

const DAY = 24 * 3600 * 1000;

/** A plausible value of parameter `name`: what a real client would send, so requests get deep. */
export function plausible(c: Context, name: string): unknown {
  const { rng, pools } = c;
  const pick = (kind: string) => pools.pick(rng, kind) ?? hostile(rng);
  // One of `valid`, or (not in a clean request) of the near misses a careless client sends.
  const opt = <T>(valid: readonly T[], nearMiss: readonly T[]): T =>
    c.clean || !nearMiss.length || rng.chance(0.6) ? rng.pick(valid) : rng.pick(nearMiss);
  const subset = (valid: readonly string[], nearMiss: readonly string[] = []) => {
    const some = rng.some(valid);
    if (c.clean && !some.length) some.push(rng.pick(valid));
    return c.clean ? some : [...some, ...rng.some(nearMiss, 0.2)];
  };
  switch (name) {
    case 'grant_type':
      return opt(['authorization_code', 'refresh_token', 'client_credentials'], ['password', 'implicit', '']);
    case 'code':
      return pick('code');
    case 'redirect_uri':
      return opt(
        [pick('redirectUri')],
        ['https://fuzz.example/cb/', 'http://127.0.0.1:9/cb', 'https://FUZZ.example/cb'],
      );
    case 'code_verifier':
      return opt([VERIFIER], [asciiString(rng, 130), 'short']);
    case 'refresh_token':
      return pick('refreshToken');
    case 'scope':
      return subset(SCOPES, ['openid', 'admin', 'tokens:write']).join(' ');
    case 'client_id':
      // A clean request names one of the generator's own apps, registered with its redirect URI.
      if (c.clean) return rng.chance(0.5) ? clientPair(c).id : pick('publicClientId');
      return pools.pick(rng, rng.pick(['clientId', 'publicClientId'])) ?? pick('clientId');
    case 'client_secret':
      return clientPair(c).secret;
    case 'token':
      return anyToken(c);
    case 'token_type_hint':
      return opt(['access_token', 'refresh_token'], ['id_token', '']);
    case 'response_type':
      return opt(['code'], ['token', 'code id_token', 'CODE']);
    case 'state':
    case 'nonce':
      return asciiString(rng, 40);
    case 'code_challenge':
      return opt([CHALLENGE], [asciiString(rng, 60)]);
    case 'code_challenge_method':
      return opt(['S256'], ['plain', 's256']);
    case 'authorization_details':
      return JSON.stringify([
        {
          type: opt(['hal_project'], ['payment']),
          ...(rng.chance(0.6) && { project_id: pick('projectId') }),
          actions: subset(['read', 'write', 'widget:serve'], ['admin']),
        },
      ]);
    case 'project_id':
      return pick('projectId');
    case 'request_uri':
      return pick('requestUri');
    case 'resource':
      return opt([`${c.issuer}/api`], [`${c.issuer}/mcp`, 'https://other.example/api', 'urn:x']);
    case 'email':
      return rng.chance(0.5) ? pick('email') : `fuzz-${rng.int(0, 1e9)}@example.test`;
    case 'password':
      return rng.chance(0.5) ? pick('password') : asciiString(rng, 20);
    case 'csrf':
      return (rng.chance(0.8) && c.browser?.csrf) || pick('csrf');
    case 'return_to':
      return opt(['/dashboard', '/'], ['//evil.example', 'https://evil.example', '/\\evil']);
    case 'request_id':
      return pick('requestId');
    case 'decision':
      return opt(['approve', 'deny'], ['maybe']);
    case 'name':
    case 'description':
      return c.clean ? `fuzz ${asciiString(rng, 30)}` : asciiString(rng, 60);
    case 'logo_url':
      return opt(['https://fuzz.example/logo.png', null], ['http://fuzz.example/logo.png', 'javascript:x']);
    case 'redirect_uris':
      return subset(
        ['https://fuzz.example/cb', 'http://127.0.0.1/cb'],
        ['http://evil.example/cb', 'app://x', ''],
      );
    case 'allowed_scopes':
      return subset(SCOPES, ['tokens:write', 'openid']);
    case 'scopes':
      return subset(PAT_SCOPES, ['openid']);
    case 'access_token_ttl':
      return opt([60, 900, 28_800], [59, 28_801, 1.5]);
    case 'refresh_reuse_grace':
      return opt([0, 1, 60], [61, -1]);
    case 'client_type':
      return opt(['public', 'confidential'], ['other']);
    case 'kind':
      return opt(['public', 'public', 'private'], ['other']);
    case 'expires_at':
      return new Date(Date.now() + opt([1, 30, 300], [-1, 400]) * DAY).toISOString();
    case 'allowed_origins':
      return subset(['https://shop.example', 'http://localhost:8080'], ['https://shop.example/path', '*']);
    case 'require_user_jwt':
      return rng.chance(0.5);
    case 'app_id':
      return pick('widgetAppId');
    case 'user_id':
      return rng.chance(0.5) ? 'fuzz-user' : pick('userId');
    case 'user_hash':
      return pick('userHash');
    case 'user_jwt':
      return pick('userJwt');
    case 'id':
      return anyId(c);
    case 'role':
      return opt(['admin', 'member', 'owner'], ['root']);
    case 'limit':
      return opt([1, 50, 100], [101, 0]);
    case 'cursor':
      return opt([1, 1000], [2 ** 53, 1e20, -1]);
    default:
      return hostile(rng, 2000);
  }
}

/** A value for a JSON field: mostly plausible, otherwise anything JSON can carry. */
export const jsonField = (c: Context, name: string): unknown =>
  hostileHere(c, 0.2) ? jsonValue(c.rng) : plausible(c, name);

/** A value for a form field: mostly plausible, otherwise a hostile string. */
export function formField(c: Context, name: string): string {
  const value = hostileHere(c, 0.2) ? hostile(c.rng, 8000) : plausible(c, name);
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Fields for a request: the route's own (each kept often), now and then one dropped, one
 * repeated or an unknown one added.
 */
export function pickFields(c: Context, own: readonly string[]): string[] {
  if (c.clean)
    return own.filter((name) => !SKIP_WHEN_CLEAN.has(name) && (REQUIRED.has(name) || c.rng.chance(0.6)));
  const names = own.filter(() => !hostileHere(c, 0.1));
  if (hostileHere(c, 0.08) && own.length) names.push(c.rng.pick(own)); // repeated
  if (hostileHere(c, 0.08)) names.push(c.rng.chance(0.5) ? asciiString(c.rng, 12) : hostile(c.rng, 40));
  return names;
}

// A clean request carries what its route requires, and optional fields now and then.
const REQUIRED = new Set([
  'grant_type',
  'code',
  'code_verifier',
  'refresh_token',
  'token',
  'response_type',
  'redirect_uri',
  'code_challenge',
  'code_challenge_method',
  'scope',
  'name',
  'redirect_uris',
  'scopes',
  'email',
  'password',
  'csrf',
  'request_id',
  'decision',
  'app_id',
  'user_id',
  'user_hash',
  'id',
]);
const SKIP_WHEN_CLEAN = new Set(['request_uri']);
