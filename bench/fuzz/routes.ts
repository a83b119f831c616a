import { anyId, type Context, encode, hostileHere, plausible } from './fields';
import { hostile } from './values';
import { CHALLENGE } from './world';

/** Which error shape a route answers in, and which credentials it takes. */
export type Surface = 'oauth' | 'api' | 'html' | 'trpc' | 'static';
export type Auth = 'client' | 'bearer' | 'browser' | 'none';
export type BodyKind = 'oauth' | 'form' | 'json' | 'trpc' | 'none';

export interface Route {
  label: string;
  method: string;
  surface: Surface;
  auth: Auth;
  body: BodyKind;
  /** Field names the route reads (form or JSON). */
  fields?: readonly string[];
  /** How often it is picked, relative to the others. */
  weight: number;
  path(c: Context): string;
}

/** A path segment: a known id (the other account's included), or a hostile one. */
function segment(c: Context, kind?: string): string {
  if (c.clean) return encodeURIComponent((kind && c.pools.pick(c.rng, kind)) || anyId(c));
  return c.rng.weighted<string>([
    [6, () => encodeURIComponent((kind && c.pools.pick(c.rng, kind)) || anyId(c))],
    [2, () => encodeURIComponent(hostile(c.rng, 3000).replace(/[\ud800-\udfff]/g, ''))],
    [1, () => c.rng.pick(['..', '%2e%2e', '%2F', 'a%2Fb', '%252e', '%ff', '%', '.', '~', '%u0000'])],
  ]);
}

const AUTHORIZE = [
  'response_type',
  'client_id',
  'redirect_uri',
  'code_challenge',
  'code_challenge_method',
  'scope',
  'state',
  'project_id',
  'authorization_details',
  'request_uri',
  'resource',
] as const;

/** An authorization request: a real one with one or two parameters broken, dropped or repeated. */
export function authorizeQuery(c: Context): string {
  const { rng } = c;
  const pairs: [string, string][] = [];
  for (const name of AUTHORIZE) {
    const usual = !['project_id', 'authorization_details', 'request_uri', 'resource'].includes(name);
    if (c.clean ? name === 'request_uri' || (!usual && rng.chance(0.8)) : !rng.chance(usual ? 0.9 : 0.2))
      continue;
    const value = hostileHere(c, 0.12) ? hostile(rng, 4000) : plausible(c, name);
    pairs.push([name, typeof value === 'string' ? value : JSON.stringify(value)]);
    if (hostileHere(c, 0.03)) pairs.push([name, String(plausible(c, name))]);
  }
  if (hostileHere(c, 0.1)) pairs.push([hostile(rng, 30), hostile(rng, 300)]);
  if (hostileHere(c, 0.05)) pairs.push(['code_challenge', CHALLENGE]);
  return pairs.map(([k, v]) => `${encode(c, k)}=${encode(c, v)}`).join('&');
}

const TOKEN = ['grant_type', 'code', 'redirect_uri', 'code_verifier', 'refresh_token', 'scope', 'resource'];
const MANAGE = ['token', 'token_type_hint'];
const APP = [
  'name',
  'description',
  'logo_url',
  'redirect_uris',
  'allowed_scopes',
  'access_token_ttl',
  'refresh_reuse_grace',
  'client_type',
  'kind',
  'project_id',
];

const r = (
  route: Omit<Route, 'weight' | 'path'> & { weight?: number; path: string | Route['path'] },
): Route => ({
  ...route,
  weight: route.weight ?? 1,
  path: typeof route.path === 'string' ? () => route.path as string : route.path,
});

const STATIC = (method: string, path: string | Route['path'], label = path as string) =>
  r({ label, method, surface: 'static', auth: 'none', body: 'none', path, weight: 0.5 });

/** Every route of app.ts (and the tRPC procedures), with what each reads. */
export const ROUTES: Route[] = [
  STATIC('GET', '/healthz'),
  STATIC('GET', '/readyz'),
  STATIC('GET', '/.well-known/jwks.json'),
  STATIC('GET', '/.well-known/oauth-authorization-server'),
  STATIC('GET', '/assets/hal.css'),
  STATIC('GET', '/widget/v1/hal-widget.js'),
  STATIC('GET', '/dashboard'),
  STATIC('GET', (c) => `/dashboard/${c.rng.chance(0.5) ? 'assets/' : ''}${segment(c)}`, '/dashboard/*'),
  r({ label: 'GET /', method: 'GET', surface: 'html', auth: 'browser', body: 'none', path: '/' }),
  r({
    label: 'GET /login',
    method: 'GET',
    surface: 'html',
    auth: 'browser',
    body: 'none',
    path: (c) => `/login?return_to=${encode(c, String(plausible(c, 'return_to')))}`,
  }),
  r({ label: 'GET /signup', method: 'GET', surface: 'html', auth: 'browser', body: 'none', path: '/signup' }),
  r({ label: 'GET /logout', method: 'GET', surface: 'html', auth: 'browser', body: 'none', path: '/logout' }),
  r({
    label: 'POST /login',
    method: 'POST',
    surface: 'html',
    auth: 'browser',
    body: 'form',
    fields: ['email', 'password', 'csrf', 'return_to'],
    path: '/login',
    weight: 0.6,
  }),
  r({
    label: 'POST /signup',
    method: 'POST',
    surface: 'html',
    auth: 'browser',
    body: 'form',
    fields: ['email', 'name', 'password', 'csrf', 'return_to'],
    path: '/signup',
    weight: 0.4,
  }),
  r({
    label: 'POST /logout',
    method: 'POST',
    surface: 'html',
    auth: 'browser',
    body: 'form',
    fields: ['csrf'],
    path: '/logout',
    weight: 0.05,
  }),
  r({
    label: 'GET /oauth/authorize',
    method: 'GET',
    surface: 'html',
    auth: 'browser',
    body: 'none',
    path: (c) => `/oauth/${c.rng.chance(0.9) ? 'authorize' : 'authorise'}?${authorizeQuery(c)}`,
    weight: 4,
  }),
  r({
    label: 'GET /oauth/authorize/consent/:id',
    method: 'GET',
    surface: 'html',
    auth: 'browser',
    body: 'none',
    path: (c) => `/oauth/authorize/consent/${segment(c, 'requestId')}`,
  }),
  r({
    label: 'POST /oauth/authorize/consent/:id/project',
    method: 'POST',
    surface: 'html',
    auth: 'browser',
    body: 'form',
    fields: ['csrf', 'name'],
    path: (c) => `/oauth/authorize/consent/${segment(c, 'requestId')}/project`,
  }),
  r({
    label: 'POST /oauth/authorize/decision',
    method: 'POST',
    surface: 'html',
    auth: 'browser',
    body: 'form',
    fields: ['csrf', 'request_id', 'decision', 'project_id'],
    path: '/oauth/authorize/decision',
    weight: 2,
  }),
  r({
    label: 'POST /oauth/token',
    method: 'POST',
    surface: 'oauth',
    auth: 'client',
    body: 'oauth',
    fields: TOKEN,
    path: '/oauth/token',
    weight: 5,
  }),
  r({
    label: 'POST /oauth/revoke',
    method: 'POST',
    surface: 'oauth',
    auth: 'client',
    body: 'oauth',
    fields: MANAGE,
    path: '/oauth/revoke',
    weight: 2,
  }),
  r({
    label: 'POST /oauth/introspect',
    method: 'POST',
    surface: 'oauth',
    auth: 'client',
    body: 'oauth',
    fields: MANAGE,
    path: '/oauth/introspect',
    weight: 2,
  }),
  r({
    label: 'POST /oauth/par',
    method: 'POST',
    surface: 'oauth',
    auth: 'client',
    body: 'oauth',
    fields: AUTHORIZE,
    path: '/oauth/par',
    weight: 2,
  }),
  r({
    label: 'OPTIONS /api/widget/v1/identify',
    method: 'OPTIONS',
    surface: 'api',
    auth: 'none',
    body: 'none',
    path: '/api/widget/v1/identify',
    weight: 0.3,
  }),
  r({
    label: 'POST /api/widget/v1/identify',
    method: 'POST',
    surface: 'api',
    auth: 'none',
    body: 'json',
    fields: ['app_id', 'user_id', 'user_hash', 'user_jwt', 'name', 'email'],
    path: '/api/widget/v1/identify',
    weight: 2,
  }),
  r({
    label: 'POST /api/oauth/widget/sign-identity',
    method: 'POST',
    surface: 'api',
    auth: 'bearer',
    body: 'json',
    fields: ['user_id', 'name', 'email'],
    path: '/api/oauth/widget/sign-identity',
    weight: 2,
  }),
  r({
    label: 'POST /api/v1/auth/login',
    method: 'POST',
    surface: 'api',
    auth: 'none',
    body: 'json',
    fields: ['email', 'password'],
    path: '/api/v1/auth/login',
    weight: 0.6,
  }),
  r({
    label: 'GET /api/v1/auth/me',
    method: 'GET',
    surface: 'api',
    auth: 'bearer',
    body: 'none',
    path: '/api/v1/auth/me',
    weight: 2,
  }),
  r({
    label: 'GET /api/v1/projects',
    method: 'GET',
    surface: 'api',
    auth: 'bearer',
    body: 'none',
    path: '/api/v1/projects',
  }),
  r({
    label: 'POST /api/v1/projects',
    method: 'POST',
    surface: 'api',
    auth: 'bearer',
    body: 'json',
    fields: ['name'],
    path: '/api/v1/projects',
  }),
  ...['GET', 'PATCH', 'DELETE'].map((method) =>
    r({
      label: `${method} /api/v1/projects/:id`,
      method,
      surface: 'api',
      auth: 'bearer',
      body: method === 'PATCH' ? 'json' : 'none',
      fields: ['name', 'allowed_origins', 'require_user_jwt'],
      path: (c) => `/api/v1/projects/${segment(c, 'projectId')}`,
      weight: method === 'DELETE' ? 0.3 : 1,
    }),
  ),
  r({
    label: 'GET /api/v1/oauth/apps',
    method: 'GET',
    surface: 'api',
    auth: 'bearer',
    body: 'none',
    path: '/api/v1/oauth/apps',
  }),
  r({
    label: 'POST /api/v1/oauth/apps',
    method: 'POST',
    surface: 'api',
    auth: 'bearer',
    body: 'json',
    fields: APP,
    path: '/api/v1/oauth/apps',
  }),
  ...['GET', 'PATCH', 'DELETE'].map((method) =>
    r({
      label: `${method} /api/v1/oauth/apps/:id`,
      method,
      surface: 'api',
      auth: 'bearer',
      body: method === 'PATCH' ? 'json' : 'none',
      fields: APP.filter((f) => !['client_type', 'kind', 'project_id'].includes(f)),
      path: (c) => `/api/v1/oauth/apps/${segment(c, 'appId')}`,
      weight: method === 'DELETE' ? 0.3 : 1,
    }),
  ),
  r({
    label: 'POST /api/v1/oauth/apps/:id/secret',
    method: 'POST',
    surface: 'api',
    auth: 'bearer',
    body: 'none',
    path: (c) => `/api/v1/oauth/apps/${segment(c, 'appId')}/secret`,
    weight: 0.3,
  }),
  r({
    label: 'GET /api/v1/oauth/apps/public/:client_id',
    method: 'GET',
    surface: 'api',
    auth: 'none',
    body: 'none',
    path: (c) => `/api/v1/oauth/apps/public/${segment(c, 'clientId')}`,
  }),
  r({
    label: 'GET /api/v1/tokens',
    method: 'GET',
    surface: 'api',
    auth: 'bearer',
    body: 'none',
    path: '/api/v1/tokens',
  }),
  r({
    label: 'POST /api/v1/tokens',
    method: 'POST',
    surface: 'api',
    auth: 'bearer',
    body: 'json',
    fields: ['name', 'scopes', 'expires_at'],
    path: '/api/v1/tokens',
  }),
  r({
    label: 'DELETE /api/v1/tokens/:id',
    method: 'DELETE',
    surface: 'api',
    auth: 'bearer',
    body: 'none',
    path: (c) => `/api/v1/tokens/${segment(c, 'tokenId')}`,
    weight: 0.3,
  }),
  r({
    label: 'POST /api/v1/oauth/token/revoke',
    method: 'POST',
    surface: 'api',
    auth: 'none',
    body: 'json',
    fields: ['token', 'client_id', 'client_secret'],
    path: '/api/v1/oauth/token/revoke',
  }),
  r({
    label: 'tRPC',
    method: 'POST',
    surface: 'trpc',
    auth: 'browser',
    body: 'trpc',
    path: '/trpc',
    weight: 6,
  }),
  r({
    label: 'unknown path',
    method: 'GET',
    surface: 'api',
    auth: 'bearer',
    body: 'none',
    weight: 1.5,
    path: (c) =>
      `${c.rng.pick(['', '/api/v1', '/api/v1/oauth', '/oauth', '/trpc', '/.well-known', '/widget/v1', '/api'])}/${segment(c)}${
        c.rng.chance(0.3) ? `/${segment(c)}` : ''
      }`,
  }),
];

/** tRPC procedures: queries go by GET (`?input=`), mutations by POST; each with its input fields. */
export const PROCEDURES: [string, 'query' | 'mutation', string[]][] = [
  ['me.get', 'query', []],
  ['me.session', 'query', []],
  ['projects.list', 'query', []],
  ['projects.get', 'query', ['id']],
  ['projects.create', 'mutation', ['name']],
  ['projects.rename', 'mutation', ['id', 'name']],
  ['projects.update', 'mutation', ['id', 'allowed_origins', 'require_user_jwt']],
  ['projects.delete', 'mutation', ['id']],
  ['projects.members.list', 'query', ['id']],
  ['projects.members.add', 'mutation', ['id', 'email', 'role']],
  ['projects.members.setRole', 'mutation', ['id', 'user_id', 'role']],
  ['projects.members.remove', 'mutation', ['id', 'user_id']],
  ['projects.secret.reveal', 'mutation', ['id']],
  ['projects.secret.rotate', 'mutation', ['id']],
  ['apps.list', 'query', []],
  ['apps.get', 'query', ['id']],
  [
    'apps.create',
    'mutation',
    ['name', 'redirect_uris', 'client_type', 'allowed_scopes', 'kind', 'project_id'],
  ],
  ['apps.update', 'mutation', ['id', 'name', 'description', 'redirect_uris', 'access_token_ttl']],
  ['apps.rotateSecret', 'mutation', ['id']],
  ['apps.delete', 'mutation', ['id']],
  ['tokens.list', 'query', []],
  ['tokens.create', 'mutation', ['name', 'scopes', 'expires_at']],
  ['tokens.revoke', 'mutation', ['id']],
  ['connections.list', 'query', []],
  ['connections.revoke', 'mutation', ['id']],
  ['widget.identities', 'query', ['project_id']],
  ['audit.list', 'query', ['limit', 'cursor']],
  ['nope.nope', 'query', ['id']],
];
