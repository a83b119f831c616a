import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';
import type { Browser } from './browser';
import { consentForm } from './oauth';

/**
 * oauth4webapi refuses plain HTTP unless told otherwise, and the test servers listen on
 * http://127.0.0.1. This is the library's documented switch, not a workaround.
 */
export const insecure = { [oauth.allowInsecureRequests]: true } as const;

export type AuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

/** RFC 8414 discovery exactly as a stranger's client does it: fetch, then check the issuer. */
export async function discover(issuer: string): Promise<oauth.AuthorizationServer> {
  const issuerUrl = new URL(issuer);
  const res = await oauth.discoveryRequest(issuerUrl, { algorithm: 'oauth2', ...insecure });
  return oauth.processDiscoveryResponse(issuerUrl, res);
}

/** The oauth4webapi client authentication for a token endpoint auth method. */
export function clientAuthFor(method: AuthMethod, secret?: string): oauth.ClientAuth {
  if (method === 'none') return oauth.None();
  if (!secret) throw new Error(`${method} needs a client secret`);
  return method === 'client_secret_basic' ? oauth.ClientSecretBasic(secret) : oauth.ClientSecretPost(secret);
}

/** An authorization URL built from the metadata's `authorization_endpoint`. */
export function authorizationUrl(as: oauth.AuthorizationServer, params: Record<string, string>): URL {
  if (!as.authorization_endpoint) throw new Error('metadata has no authorization_endpoint');
  const url = new URL(as.authorization_endpoint);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url;
}

/**
 * The user's part of the code flow: open the authorization URL in the signed-in browser, submit
 * the consent form (keeping the preselected project), and return the URL the client is sent to.
 */
export async function approveInBrowser(browser: Browser, url: URL, projectId?: string): Promise<URL> {
  const page = await browser.fetch(url.href);
  const location = page.headers.get('location');
  if (page.status === 302 && location) return new URL(location);
  if (page.status !== 200) throw new Error(`authorize answered ${page.status}: ${await page.text()}`);
  const form = consentForm(await page.text());
  if (!form.requestId || !form.csrf) throw new Error('no consent form on the page');
  const fields: Record<string, string> = { csrf: form.csrf, request_id: form.requestId, decision: 'approve' };
  const project = projectId ?? form.projects.find((p) => p.selected)?.id ?? form.projects[0]?.id;
  if (project) fields.project_id = project;
  const res = await browser.post('/oauth/authorize/decision', fields);
  if (res.status !== 303) throw new Error(`decision answered ${res.status}: ${await res.text()}`);
  return new URL(res.headers.get('location') as string);
}

/** Verifies an RFC 9068 access token's signature against the published JWKS with jose. */
export async function verifyAccessToken(as: oauth.AuthorizationServer, token: string): Promise<JWTPayload> {
  if (!as.jwks_uri) throw new Error('metadata has no jwks_uri');
  const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(as.jwks_uri)), {
    issuer: as.issuer,
    audience: `${as.issuer}/api`,
    typ: 'at+jwt',
    algorithms: ['ES256'],
  });
  return payload;
}

/** The same token with one character of its payload changed: a signature check must reject it. */
export function tamper(jwt: string): string {
  const [header, payload, signature] = jwt.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  claims.scope = `${claims.scope} apps:write`;
  return [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
}

/**
 * The front-channel half of a code flow for a fresh authorization request built by the library:
 * returns the callback URL with the state and verifier the client kept.
 */
export async function authorizeWithLibrary(
  as: oauth.AuthorizationServer,
  browser: Browser,
  client: oauth.Client,
  redirectUri: string,
  scope = 'profile',
): Promise<{ callback: URL; state: string; verifier: string }> {
  const state = oauth.generateRandomState();
  const verifier = oauth.generateRandomCodeVerifier();
  const url = authorizationUrl(as, {
    client_id: client.client_id,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope,
    state,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  return { callback: await approveInBrowser(browser, url), state, verifier };
}
