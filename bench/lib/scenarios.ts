import type { HalFixture } from './hal-setup';
import { basicAuth, FORM, type Load } from './load';

/**
 * `HAL REST`: HAL's own REST endpoint, measured beside HAL's MCP server in the MCP scenario.
 * `HAL ×2`: two HAL processes behind one port (bench/hal-cluster.ts), beside the single one.
 * `HAL baseline` and `HAL candidate`: another build and this one, for an A/B (`BENCH_BASELINE`).
 */
export type TargetName =
  | 'HAL'
  | 'HAL REST'
  | 'HAL ×2'
  | 'HAL baseline'
  | 'HAL candidate'
  | 'oidc-provider'
  | 'bare Hono';

export interface OidcFixture {
  url: string;
  client_id: string;
  client_secret: string;
  refreshTokens: string[];
  opaqueAccessToken: string;
}

export interface Scenario {
  id: string;
  title: string;
  /** What each target is asked, in the order they run. */
  targets: { name: TargetName; load: Load }[];
  notes: string[];
  /**
   * A floor on HAL's req/s as a share of another figure of the same run, and where it comes from:
   * bare Hono's in this scenario, or with `against` HAL's own in the scenario of that id.
   */
  target?: { share: number; against?: string; source: string };
}

const refreshBody = (token: string) => `grant_type=refresh_token&refresh_token=${encodeURIComponent(token)}`;
const nextRefresh = (body: string) => (JSON.parse(body) as { refresh_token?: string }).refresh_token;

/**
 * The scenarios of the benchmark, each with HAL, its oidc-provider peer where there is one (the
 * widget scenarios have none) and the framework ceiling. The bare Hono routes answer with the
 * bytes HAL answered to the same request (`bareRoutes` in run.ts).
 */
export function scenarios(hal: { url: string } & HalFixture, oidc: OidcFixture, bareUrl: string): Scenario[] {
  const halClient = basicAuth(hal.clientId, hal.clientSecret);
  const oidcClient = basicAuth(oidc.client_id, oidc.client_secret);
  const post = (url: string, authorization: string, body: string): Load => ({
    url,
    method: 'POST',
    headers: { authorization, 'content-type': FORM },
    body,
  });
  const get = (url: string, token: string): Load => getWith(url, `Bearer ${token}`);
  const getWith = (url: string, authorization: string): Load => ({
    url,
    method: 'GET',
    headers: { authorization },
  });
  const postJson = (url: string, body: unknown, authorization?: string): Load => ({
    url,
    method: 'POST',
    // No Origin header: a widget host's server (or curl), so CORS is not involved.
    headers: { ...(authorization && { authorization }), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const { widget } = hal;
  const signBody = { user_id: widget.userId };
  const identifyBody = { app_id: widget.appId, user_id: widget.userId, user_hash: widget.userHash };
  const cc = 'grant_type=client_credentials&scope=profile';
  const introspect = (token: string) => `token=${encodeURIComponent(token)}&token_type_hint=access_token`;

  return [
    {
      id: 'client_credentials',
      title: 'Token endpoint, `client_credentials` (ES256 JWT access token)',
      targets: [
        { name: 'HAL', load: post(`${hal.url}/oauth/token`, halClient, cc) },
        { name: 'oidc-provider', load: post(`${oidc.url}/token`, oidcClient, cc) },
        { name: 'bare Hono', load: post(`${bareUrl}/cc`, halClient, cc) },
      ],
      notes: [
        'HAL stores each access token’s `jti` in PostgreSQL (revocation, introspection); oidc-provider keeps its JWT access tokens in memory.',
      ],
    },
    {
      id: 'refresh_token',
      title: 'Token endpoint, `refresh_token` with rotation (ES256 JWT access token + new refresh token)',
      targets: [
        {
          name: 'HAL',
          load: {
            ...post(`${hal.url}/oauth/token`, halClient, ''),
            chain: { pool: hal.refreshTokens, body: refreshBody, next: nextRefresh },
          },
        },
        {
          name: 'oidc-provider',
          load: {
            ...post(`${oidc.url}/token`, oidcClient, ''),
            chain: { pool: oidc.refreshTokens, body: refreshBody, next: nextRefresh },
          },
        },
        {
          name: 'bare Hono',
          load: post(`${bareUrl}/refresh`, halClient, refreshBody(hal.refreshTokens[0] ?? '')),
        },
      ],
      notes: [
        'Every request presents the live refresh token of one grant and gets its successor (each user’s chain is used by one request at a time), so every request is a legal rotation.',
        'oidc-provider issues refresh tokens only after an interactive login, so its pool (one account and grant each, as HAL’s) is minted in-process through its own models; `rotateRefreshToken: true` as in HAL.',
        'HAL group-commits rotations: those arriving while a batch is in flight share one statement (up to 64; a second batch goes out only beside one in flight for 100 ms), each row conditional on its own token; PostgreSQL runs on the same core as HAL here, so its CPU is in HAL’s column, and every turn between them waits for that core.',
      ],
    },
    {
      id: 'introspection',
      title: 'Introspection (RFC 7662), client-authenticated',
      targets: [
        { name: 'HAL', load: post(`${hal.url}/oauth/introspect`, halClient, introspect(hal.accessToken)) },
        {
          name: 'oidc-provider',
          load: post(`${oidc.url}/token/introspection`, oidcClient, introspect(oidc.opaqueAccessToken)),
        },
        { name: 'bare Hono', load: post(`${bareUrl}/introspect`, halClient, introspect(hal.accessToken)) },
      ],
      notes: [
        'HAL introspects its JWT access token (signature check, cached once verified; then the revocation state of its `jti`, (cached per process and dropped by a trigger NOTIFY on any revocation: no query while nothing changes)). oidc-provider refuses to introspect JWT access tokens (`unsupported_token_type`: “Structured JWT Tokens cannot be introspected”), so it introspects an opaque access token of its own (an in-memory lookup, no signature).',
      ],
    },
    {
      id: 'me',
      title: 'Bearer-authenticated read: HAL `GET /api/v1/auth/me`, oidc-provider userinfo `GET /me`',
      targets: [
        { name: 'HAL', load: get(`${hal.url}/api/v1/auth/me`, hal.accessToken) },
        { name: 'oidc-provider', load: get(`${oidc.url}/me`, oidc.opaqueAccessToken) },
        { name: 'bare Hono', load: get(`${bareUrl}/me`, hal.accessToken) },
      ],
      notes: [
        'HAL is given an OAuth access token (JWT, scope `profile`) from the authorization code flow; it checks the token’s revocation state (cached per process and dropped by a trigger NOTIFY on any revocation: no query while nothing changes). oidc-provider’s userinfo accepts only opaque access tokens (JWT ones are for resource servers), so it gets one with `openid profile`.',
      ],
      target: { share: 0.4, source: 'issue 13, point 3' },
    },
    ...meBy(hal, bareUrl, getWith),
    {
      id: 'mcp_whoami',
      title:
        'MCP `tools/call` `whoami` at `POST /mcp` (Bearer), against HAL’s own `GET /api/v1/auth/me` with the same token',
      targets: [
        {
          name: 'HAL',
          load: {
            url: `${hal.url}/mcp`,
            method: 'POST',
            headers: {
              authorization: `Bearer ${hal.bothResourcesToken}`,
              'content-type': 'application/json',
              accept: 'application/json, text/event-stream',
              'mcp-protocol-version': '2025-11-25',
            },
            body: JSON.stringify({
              jsonrpc: '2.0',
              id: 1,
              method: 'tools/call',
              params: { name: 'whoami', arguments: {} },
            }),
          },
        },
        { name: 'HAL REST', load: get(`${hal.url}/api/v1/auth/me`, hal.bothResourcesToken) },
        {
          name: 'bare Hono',
          load: postJson(`${bareUrl}/mcp`, { jsonrpc: '2.0', id: 1, method: 'tools/call' }),
        },
      ],
      notes: [
        'One access token whose `aud` names both of HAL’s resources (`<issuer>/api` and `<issuer>/mcp`), scope `profile`, serves both HAL rows: the same authentication (JWT signature cached once verified, revocation state cached per process), then either the REST route or the MCP server. The MCP server is stateless (no session: any instance answers any request), so each request builds a fresh MCP server and transport (the SDK’s rule for stateless mode), parses the JSON-RPC message once to check the tool’s scope, and answers the JSON-RPC result in JSON (no SSE stream).',
        'The “HAL ÷ this” column of the `HAL REST` row is the MCP server’s throughput as a share of the REST API’s for the same answer. oidc-provider has no counterpart. The bare Hono route answers HAL’s recorded MCP answer (same bytes).',
      ],
    },
    {
      id: 'sign_identity',
      title: 'Widget identity signing: `POST /api/oauth/widget/sign-identity` (Bearer, `widget:serve`)',
      targets: [
        {
          name: 'HAL',
          load: postJson(
            `${hal.url}/api/oauth/widget/sign-identity`,
            signBody,
            `Bearer ${widget.accessToken}`,
          ),
        },
        {
          name: 'bare Hono',
          load: postJson(`${bareUrl}/sign-identity`, signBody, `Bearer ${widget.accessToken}`),
        },
      ],
      notes: [
        'Per request HAL verifies the Bearer access token (an ES256 JWT: the signature is checked once, then cached), checks its `jti` for revocation and loads the project with the approving user’s membership and role (both cached per process and dropped by trigger NOTIFYs when a token, project or member changes: no query while nothing changes), opens the project’s identity secret (AES-GCM, once per sealed value), computes `user_hash` (HMAC-SHA256) and signs `user_jwt` (an HS256 JWT). The token comes from one authorization code flow with `scope=widget:serve` and `project_id`; every request signs the same `user_id`.',
        'oidc-provider has no counterpart (widget identity is HAL’s own), hence “—” in its columns. The bare Hono route reads the JSON body and answers HAL’s recorded answer (same bytes, same size).',
        'Target (issue 13, point 4; it replaces the widget issue’s 0.5× of bare Hono): HAL here at 0.6× or better of HAL’s own `GET /api/v1/auth/me` with an OAuth access token (the `me` scenario) in the same run, the same Bearer authentication with signing on top; the answer is computed for every request, never cached.',
      ],
      target: { share: 0.6, against: 'me', source: 'issue 13, point 4' },
    },
    {
      id: 'identify',
      title:
        'Widget identify: `POST /api/widget/v1/identify` (`app_id`, `user_id`, `user_hash`; no authentication)',
      targets: [
        { name: 'HAL', load: postJson(`${hal.url}/api/widget/v1/identify`, identifyBody) },
        { name: 'bare Hono', load: postJson(`${bareUrl}/identify`, identifyBody) },
      ],
      notes: [
        'Per request HAL finds the project by its widget `app_id` (cached per process like sign-identity’s), compares `user_hash` with HMAC-SHA256(secret, `user_id`) in constant time, upserts the identified user (first seen, last seen, count; group-committed: the upserts of the requests in flight go as one statement, each request answered once its row is stored) and signs a widget token (an ES256 JWT). The request carries no `Origin` header (a server-side call), so no CORS check applies. The `user_hash` was signed once at set-up; every request identifies the same user, so every upsert updates the same row.',
        'oidc-provider has no counterpart, hence “—” in its columns. The bare Hono route reads the JSON body and answers HAL’s recorded answer (same bytes, same size).',
      ],
    },
  ];
}

/** What `BENCH_ONLY` names to run {@link twoProcessScenarios}. */
export const TWO_PROCESSES = 'two_processes';

/**
 * Issue 13, point 6: `client_credentials` and `sign_identity` against one HAL process and against
 * two behind one port (`clusterUrl`), the same PostgreSQL. No target: the report states the ratio.
 */
export function twoProcessScenarios(all: Scenario[], clusterUrl: string, cpus: string): Scenario[] {
  return ['client_credentials', 'sign_identity'].map((id) => {
    const scenario = all.find((s) => s.id === id);
    const load = scenario?.targets.find((t) => t.name === 'HAL')?.load;
    if (!scenario || !load) throw new Error(`two processes: no HAL load in scenario ${id}`);
    const path = new URL(load.url).pathname;
    return {
      id: `${id}_${TWO_PROCESSES}`,
      title: `${scenario.title}: one HAL process against two behind one port`,
      targets: [
        { name: 'HAL', load },
        { name: 'HAL ×2', load: { ...load, url: `${clusterUrl}${path}` } },
      ],
      notes: [
        `\`HAL ×2\` is two HAL processes behind one port (Node’s cluster module: the primary accepts each connection and hands it to a worker in turn; bench/hal-cluster.ts), with the same PostgreSQL, secret key and issuer as the single HAL, whose tokens they accept. The two processes may use CPUs ${cpus} (\`BENCH_CLUSTER_CPUS\`), the single one its core as everywhere else; PostgreSQL stays where it is and autocannon on its core: on a two-core machine the second process shares a core with the load generator, so the ratio shows what a second process buys here, not on a machine with cores to spare. Its CPU column counts the primary and both workers.`,
      ],
    };
  });
}

/** One kind of request in the soak's mix, `weight` of them in every cycle of requests. */
export interface MixPart {
  name: string;
  weight: number;
  load: Load;
}

export interface Soak {
  id: 'soak';
  title: string;
  parts: MixPart[];
}

/**
 * The soak: HAL alone, the HAL requests of the four OAuth scenarios above mixed 40/20/20/20 (the
 * refresh requests draw on the same pool of chains as the `refresh_token` scenario).
 */
export function soakScenario(all: Scenario[], target: TargetName = 'HAL'): Soak {
  const hal = (id: string) => {
    const load = all.find((s) => s.id === id)?.targets.find((t) => t.name === target)?.load;
    if (!load) throw new Error(`soak: no ${target} load in scenario ${id}`);
    return load;
  };
  return {
    id: 'soak',
    title: 'Soak (mixed traffic at 80% of peak)',
    parts: [
      { name: 'client_credentials', weight: 2, load: hal('client_credentials') },
      { name: 'refresh_token', weight: 1, load: hal('refresh_token') },
      { name: 'introspection', weight: 1, load: hal('introspection') },
      { name: 'me', weight: 1, load: hal('me') },
    ],
  };
}

/**
 * `GET /api/v1/auth/me` with each of HAL's own credentials (the `me` scenario has the OAuth access
 * token); oidc-provider has no counterpart. Each bare Hono route answers HAL's answer for it.
 */
function meBy(
  hal: { url: string } & HalFixture,
  bareUrl: string,
  getWith: (url: string, authorization: string) => Load,
): Scenario[] {
  const { owner } = hal;
  const kept =
    'HAL keeps a credential it verified for 10 s per process, under an HMAC-SHA256 of it (a key of its own, random per process), and every process drops them all when a session, a personal access token or a user changes anywhere (a trigger NOTIFY): no query, signature or password hash while nothing changes.';
  const methods = [
    {
      id: 'me_session',
      what: 'a session JWT (`POST /api/v1/auth/login`)',
      authorization: `Bearer ${owner.sessionToken}`,
      note: 'Unkept, a session JWT costs its ES256 signature check (itself cached once verified) and two queries: the session’s liveness and its user.',
    },
    {
      id: 'me_pat',
      what: 'a personal access token (scope `profile`)',
      authorization: `Bearer ${owner.pat}`,
      note: 'Unkept, a PAT costs one query (its SHA-256, joined with its owner); `last_used_at` is still written at most once a minute, group-committed. Its `expires_at` is checked on every request.',
    },
    {
      id: 'me_basic',
      what: 'HTTP Basic (email and password)',
      authorization: owner.basic,
      note: 'Unkept, Basic costs an argon2id hash (m=19 MiB, t=2) and one query. Sign-in throttling counts every attempt before the kept success is looked at (a wrong password is another key: hashed and counted as ever); the benchmark runs with rate limits off (`HAL_RATE_LIMITS=off`), so this row does not include the throttle’s counter updates.',
    },
  ];
  return methods.map(({ id, what, authorization, note }) => ({
    id,
    title: `HAL \`GET /api/v1/auth/me\` with ${what}`,
    targets: [
      { name: 'HAL', load: getWith(`${hal.url}/api/v1/auth/me`, authorization) },
      { name: 'bare Hono', load: getWith(`${bareUrl}/${id}`, authorization) },
    ],
    notes: [kept, note],
    target: { share: 0.4, source: 'issue 13, point 3' },
  }));
}
