import { createHash, randomBytes } from 'node:crypto';
import { api } from './api';
import type { Browser } from './browser';

export interface RegisteredApp {
  id: string;
  client_id: string;
  client_secret?: string;
  redirect_uris: string[];
  [field: string]: unknown;
}

/** Registers an OAuth app through the REST API. */
export async function registerApp(
  base: string,
  auth: string,
  body: Record<string, unknown> = {},
): Promise<RegisteredApp> {
  const res = await api(base, 'POST', '/api/v1/oauth/apps', {
    auth,
    body: {
      name: 'Test App',
      redirect_uris: ['https://client.example/cb'],
      client_type: 'confidential',
      ...body,
    },
  });
  if (res.status !== 201) throw new Error(`app registration failed: ${res.status} ${res.text}`);
  return res.json.data;
}

/** An RFC 7636 verifier and its S256 challenge. */
export function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** Request parameters; an array repeats its parameter (RFC 8707 `resource`). */
export type OAuthParams = Record<string, string | string[] | undefined>;

function append(q: URLSearchParams, params: OAuthParams) {
  for (const [k, v] of Object.entries(params))
    for (const value of v === undefined ? [] : Array.isArray(v) ? v : [v]) q.append(k, value);
  return q;
}

export function authorizePath(params: OAuthParams, path = '/oauth/authorize') {
  return `${path}?${append(new URLSearchParams(), params)}`;
}

/** Fields of the consent form on a page. */
export function consentForm(html: string) {
  const requestId = /name="request_id" value="([^"]+)"/.exec(html)?.[1];
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
  const projects = [...html.matchAll(/<option value="([^"]+)"( selected(?:="")?)?[ >]/g)].map((m) => ({
    id: m[1] as string,
    selected: Boolean(m[2]),
  }));
  return { requestId, csrf, projects };
}

/**
 * Runs the browser part of the code flow: the authorization request, the consent page, and the
 * decision. Returns the redirect the client receives.
 */
export async function authorizeInBrowser(
  browser: Browser,
  params: OAuthParams,
  options: { decision?: 'approve' | 'deny'; projectId?: string } = {},
): Promise<URL> {
  const page = await browser.fetch(authorizePath(params));
  if (page.status !== 200) {
    const location = page.headers.get('location');
    if (location && page.status === 302) return new URL(location);
    throw new Error(`authorize answered ${page.status}: ${await page.text()}`);
  }
  const form = consentForm(await page.text());
  if (!form.requestId || !form.csrf) throw new Error('no consent form on the page');
  const fields: Record<string, string> = {
    csrf: form.csrf,
    request_id: form.requestId,
    decision: options.decision ?? 'approve',
  };
  const project = options.projectId ?? form.projects.find((p) => p.selected)?.id ?? form.projects[0]?.id;
  if (project) fields.project_id = project;
  const res = await browser.post('/oauth/authorize/decision', fields);
  if (res.status !== 303) throw new Error(`decision answered ${res.status}: ${await res.text()}`);
  return new URL(res.headers.get('location') as string);
}

/** POSTs a form to an OAuth endpoint, optionally with HTTP Basic client authentication. */
export async function oauthPost(
  base: string,
  path: string,
  fields: OAuthParams,
  basicAuth?: { id: string; secret: string },
) {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (basicAuth) {
    const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
    headers.authorization = `Basic ${Buffer.from(`${enc(basicAuth.id)}:${enc(basicAuth.secret)}`).toString('base64')}`;
  }
  const body = append(new URLSearchParams(), fields);
  return api(base, 'POST', path, { body: body.toString(), headers });
}

export const decodeJwtPayload = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[1] as string, 'base64url').toString());
export const decodeJwtHeader = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[0] as string, 'base64url').toString());

/**
 * The browser part of the code flow with PKCE (RFC 7636 §4): `browser` approves `params` for
 * `app` (bound to a project when `project_id` is given). Returns the code with what its exchange
 * needs, and the whole redirect the client received.
 */
export async function authorizationCode(
  browser: Browser,
  app: RegisteredApp,
  params: { scope: string; project_id?: string; state?: string; resource?: string | string[] },
) {
  const { verifier, challenge } = pkce();
  const redirectUri = app.redirect_uris[0] as string;
  const redirect = await authorizeInBrowser(browser, {
    response_type: 'code',
    client_id: app.client_id,
    redirect_uri: redirectUri,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...params,
  });
  return { code: redirect.searchParams.get('code') as string, verifier, redirectUri, redirect };
}

/**
 * Exchanges a code at `base`'s token endpoint (RFC 6749 §4.1.3) as `app`: HTTP Basic with its
 * secret, or its client_id alone for a public app.
 */
export function exchangeCode(
  base: string,
  app: RegisteredApp,
  grant: { code: string; verifier: string; redirectUri: string },
) {
  return oauthPost(
    base,
    '/oauth/token',
    {
      grant_type: 'authorization_code',
      code: grant.code,
      redirect_uri: grant.redirectUri,
      code_verifier: grant.verifier,
      ...(app.client_secret === undefined && { client_id: app.client_id }),
    },
    app.client_secret === undefined ? undefined : { id: app.client_id, secret: app.client_secret },
  );
}

/**
 * One whole authorization code flow for `app`: `authorizationCode` at `browser`, then
 * `exchangeCode` at `base`. Returns the code and the token endpoint's answer.
 */
export async function codeFlow(
  base: string,
  browser: Browser,
  app: RegisteredApp,
  params: { scope: string; project_id?: string; state?: string; resource?: string | string[] },
) {
  const grant = await authorizationCode(browser, app, params);
  return { code: grant.code, res: await exchangeCode(base, app, grant) };
}
