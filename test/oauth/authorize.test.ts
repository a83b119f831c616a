import { beforeAll, describe, expect, it } from 'vitest';
import { api } from '../support/api';
import { Browser } from '../support/browser';
import { useInstance } from '../support/fixtures';
import { authorizePath, consentForm, pkce, type RegisteredApp } from '../support/oauth';
import { BACKENDS } from '../support/servers';

const REDIRECT = 'https://client.example/cb';
const WITH_QUERY = 'https://client.example/cb2?tenant=a';
const LOOPBACK_V4 = 'http://127.0.0.1/cb';
const LOOPBACK_V6 = 'http://[::1]:8080/cb';
const LOCALHOST = 'http://localhost:3000/cb';
const CONSENT_PATH = /^\/oauth\/authorize\/consent\/[0-9A-HJKMNP-TV-Z]{26}$/;

describe.each(BACKENDS)('authorization endpoint on %s (RFC 6749 §4.1.1)', (backend) => {
  const hal = useInstance(backend, {
    user: { login: true },
    app: { redirect_uris: [REDIRECT, WITH_QUERY, LOOPBACK_V4, LOOPBACK_V6, LOCALHOST] },
  });
  let single: RegisteredApp;
  let restricted: RegisteredApp;
  const challenge = pkce().challenge;

  beforeAll(async () => {
    single = await hal.registerApp({ redirect_uris: [REDIRECT] });
    restricted = await hal.registerApp({
      redirect_uris: [REDIRECT],
      allowed_scopes: ['profile', 'projects:read'],
    });
  });

  /** A valid request for `app`, with `overrides` applied (undefined removes a parameter). */
  const params = (overrides: Record<string, string | undefined> = {}) => ({
    response_type: 'code',
    client_id: hal.app.client_id,
    redirect_uri: REDIRECT,
    state: 'st-1',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    scope: 'profile',
    ...overrides,
  });

  const authorize = (overrides: Record<string, string | undefined> = {}, path?: string) =>
    hal.user.browser.fetch(authorizePath(params(overrides), path));

  /** Appends `name=value` to a query string, to repeat a parameter. */
  const repeat = (path: string, name: string, value: string) =>
    `${path}&${new URLSearchParams({ [name]: value })}`;

  async function expectErrorPage(res: Response, message: string) {
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const html = await res.text();
    expect(html).toContain(message);
    expect(consentForm(html).requestId).toBeUndefined();
  }

  function expectRedirectError(
    res: Response,
    error: string,
    description: string,
    options: { redirectUri?: string; state?: string | null } = {},
  ) {
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location') as string);
    expect(`${location.origin}${location.pathname}`).toBe(options.redirectUri ?? REDIRECT);
    expect(location.searchParams.get('error')).toBe(error);
    expect(location.searchParams.get('error_description')).toBe(description);
    const state = options.state === undefined ? 'st-1' : options.state;
    expect(location.searchParams.get('state')).toBe(state);
    expect(location.searchParams.get('iss')).toBe(hal.srv.services.config.issuer);
    expect(location.searchParams.has('code')).toBe(false);
    return location;
  }

  async function expectConsentPage(res: Response) {
    expect(res.status).toBe(200);
    const form = consentForm(await res.text());
    expect(form.requestId).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(form.csrf).toBeTruthy();
    return form;
  }

  describe('requests that must not redirect (RFC 6749 §4.1.2.1, RFC 9700 §4.1.3)', () => {
    it('shows an HTML error page with 400 for an unknown client_id', async () => {
      await expectErrorPage(
        await authorize({ client_id: 'hal_app_01J9Z8Q4V7K3M2N5P6R8S0T1W2' }),
        'client_id is missing or unknown',
      );
    });

    it('shows an HTML error page with 400 for a missing client_id', async () => {
      await expectErrorPage(await authorize({ client_id: undefined }), 'client_id is missing or unknown');
    });

    it('shows an HTML error page with 400 for a repeated client_id (RFC 6749 §3.1)', async () => {
      const path = repeat(authorizePath(params()), 'client_id', single.client_id);
      await expectErrorPage(await hal.user.browser.fetch(path), 'client_id is repeated');
    });

    it('shows an HTML error page with 400 for a repeated redirect_uri (RFC 6749 §3.1)', async () => {
      const path = repeat(authorizePath(params()), 'redirect_uri', REDIRECT);
      await expectErrorPage(await hal.user.browser.fetch(path), 'redirect_uri is repeated');
    });

    it('shows the error page, not a redirect, for an unknown client even when other parameters are wrong too', async () => {
      await expectErrorPage(
        await authorize({ client_id: 'hal_app_unknown', response_type: 'token', scope: 'admin' }),
        'client_id is missing or unknown',
      );
    });

    it.each([
      ['an unregistered URI', 'https://evil.example/cb'],
      ['a trailing slash', `${REDIRECT}/`],
      ['a different host case', 'https://Client.example/cb'],
      ['a different path case', 'https://client.example/CB'],
      ['percent-encoding', 'https://client.example/%63b'],
      ['an added query', `${REDIRECT}?next=/admin`],
      ['a different query', 'https://client.example/cb2?tenant=b'],
      ['a dropped query', 'https://client.example/cb2'],
      ['a fragment', `${REDIRECT}#x`],
      ['an explicit default port', 'https://client.example:443/cb'],
      ['a suffix host', 'https://client.example.evil.example/cb'],
      ['another port on localhost, which is not an IP literal (RFC 8252 §8.3)', 'http://localhost:4000/cb'],
      ['another path on a loopback IP', 'http://127.0.0.1:5000/other'],
      ['an added query on a loopback IP', 'http://127.0.0.1:5000/cb?x=1'],
      ['the other loopback address', 'http://[::1]:5000/other'],
      ['https on a loopback registered as http', 'https://127.0.0.1:5000/cb'],
    ])(
      'shows an HTML error page with 400 for a redirect_uri with %s (byte-for-byte match)',
      async (_, uri) => {
        await expectErrorPage(
          await authorize({ redirect_uri: uri }),
          'redirect_uri is not registered for this client',
        );
      },
    );

    it('shows an HTML error page with 400 for an omitted redirect_uri when several are registered (OAuth 2.1 §2.3.2)', async () => {
      await expectErrorPage(
        await authorize({ redirect_uri: undefined }),
        'redirect_uri is not registered for this client',
      );
    });
  });

  describe('redirect_uri matching', () => {
    it('uses the only registered URI when redirect_uri is omitted (OAuth 2.1 §2.3.2)', async () => {
      const res = await authorize({
        client_id: single.client_id,
        redirect_uri: undefined,
        response_type: 'token',
      });
      expectRedirectError(res, 'unsupported_response_type', 'response_type must be code');
    });

    it.each([
      ['127.0.0.1 with an ephemeral port', 'http://127.0.0.1:51234/cb'],
      ['127.0.0.1 without a port', LOOPBACK_V4],
      ['[::1] with another port', 'http://[::1]:9090/cb'],
      ['[::1] without a port', 'http://[::1]/cb'],
    ])('lets any port match a registered loopback IP redirect: %s (RFC 8252 §7.3)', async (_, uri) => {
      await expectConsentPage(await authorize({ redirect_uri: uri }));
      const error = await authorize({ redirect_uri: uri, response_type: 'token' });
      expectRedirectError(error, 'unsupported_response_type', 'response_type must be code', {
        redirectUri: uri,
      });
    });

    it('accepts localhost only on its registered port (RFC 8252 §8.3)', async () => {
      await expectConsentPage(await authorize({ redirect_uri: LOCALHOST }));
    });
  });

  describe('errors redirected to the client (RFC 6749 §4.1.2.1, RFC 9207)', () => {
    it('redirects unsupported_response_type for response_type=token (OAuth 2.1 §4.1.1)', async () => {
      expectRedirectError(
        await authorize({ response_type: 'token' }),
        'unsupported_response_type',
        'response_type must be code',
      );
    });

    it('redirects unsupported_response_type for response_type=code id_token (RFC 6749 §3.1.1)', async () => {
      expectRedirectError(
        await authorize({ response_type: 'code id_token' }),
        'unsupported_response_type',
        'response_type must be code',
      );
    });

    it('redirects invalid_request for a missing response_type (RFC 6749 §4.1.2.1)', async () => {
      expectRedirectError(
        await authorize({ response_type: undefined }),
        'invalid_request',
        'response_type is required',
      );
    });

    it.each([
      ['response_type', 'code'],
      ['scope', 'profile'],
      ['code_challenge', challenge],
      ['code_challenge_method', 'S256'],
      ['authorization_details', '[{"type":"hal_project","actions":["read"]}]'],
      ['project_id', 'proj_01J9Z8Q4V7K3M2N5P6R8S0T1W2'],
    ])('redirects invalid_request for a repeated %s parameter (RFC 6749 §3.1)', async (name, value) => {
      const path = repeat(authorizePath(params({ [name]: value })), name, value);
      expectRedirectError(await hal.user.browser.fetch(path), 'invalid_request', `${name} is repeated`);
    });

    it('redirects invalid_request for a repeated state (RFC 6749 §3.1)', async () => {
      const path = repeat(authorizePath(params()), 'state', 'st-2');
      const location = expectRedirectError(
        await hal.user.browser.fetch(path),
        'invalid_request',
        'state is repeated',
      );
      expect(location.searchParams.getAll('state')).toEqual(['st-1']);
    });

    it('redirects invalid_request for a missing code_challenge (RFC 9700 §2.1.1)', async () => {
      expectRedirectError(
        await authorize({ code_challenge: undefined }),
        'invalid_request',
        'code_challenge is required',
      );
    });

    it('redirects invalid_request for code_challenge_method=plain (RFC 9700 §2.1.1)', async () => {
      expectRedirectError(
        await authorize({ code_challenge_method: 'plain' }),
        'invalid_request',
        'code_challenge_method must be S256',
      );
    });

    it('redirects invalid_request for a missing code_challenge_method, which means plain (RFC 7636 §4.3)', async () => {
      expectRedirectError(
        await authorize({ code_challenge_method: undefined }),
        'invalid_request',
        'code_challenge_method must be S256',
      );
    });

    it('redirects invalid_request for a code_challenge that is no S256 digest (RFC 7636 §4.2)', async () => {
      expectRedirectError(
        await authorize({ code_challenge: 'short' }),
        'invalid_request',
        'code_challenge is malformed',
      );
    });

    it('redirects invalid_request when neither scope nor authorization_details is present (RFC 9396 §2)', async () => {
      expectRedirectError(
        await authorize({ scope: undefined }),
        'invalid_request',
        'scope or authorization_details is required',
      );
    });

    it('redirects invalid_request for a scope of only spaces, which requests nothing (RFC 6749 §3.3)', async () => {
      expectRedirectError(
        await authorize({ scope: '  ' }),
        'invalid_request',
        'scope or authorization_details is required',
      );
    });

    it.each([
      ['a scope outside the catalogue', 'profile admin', 'unknown scope: admin'],
      ['a personal-access-token-only scope', 'tokens:write', 'unknown scope: tokens:write'],
      ['a scope in the wrong case', 'Profile', 'unknown scope: Profile'],
      ['a scope with a double quote, without echoing it (RFC 6749 §5.2)', 'a"b', 'scope is malformed'],
    ])('redirects invalid_scope for %s (RFC 6749 §4.1.2.1)', async (_, scope, description) => {
      expectRedirectError(await authorize({ scope }), 'invalid_scope', description);
    });

    it("redirects invalid_scope for a scope outside the app's allowed_scopes (RFC 6749 §3.3)", async () => {
      expectRedirectError(
        await authorize({ client_id: restricted.client_id, scope: 'profile apps:write' }),
        'invalid_scope',
        'scope not allowed for this client: apps:write',
      );
    });

    it.each([
      ['truncated JSON', '[{"type":"hal_project"', 'authorization_details is not valid JSON'],
      ['an empty array', '[]', 'authorization_details must be a non-empty array'],
      [
        'an object instead of an array',
        '{"type":"hal_project","actions":["read"]}',
        'authorization_details must be a non-empty array',
      ],
      [
        'an unknown type',
        '[{"type":"payment_initiation","actions":["read"]}]',
        'unknown authorization_details type: payment_initiation',
      ],
      [
        'an unknown field',
        '[{"type":"hal_project","actions":["read"],"locations":["https://api.example"]}]',
        'unknown authorization_details field: locations',
      ],
      [
        'an unknown action',
        '[{"type":"hal_project","actions":["delete"]}]',
        'authorization_details actions must be a non-empty subset of read, write, widget:serve',
      ],
      [
        'a malformed project_id',
        '[{"type":"hal_project","project_id":"proj_1","actions":["read"]}]',
        'authorization_details project_id is malformed',
      ],
    ])('redirects invalid_authorization_details for %s (RFC 9396 §5)', async (_, details, description) => {
      expectRedirectError(
        await authorize({ scope: undefined, authorization_details: details }),
        'invalid_authorization_details',
        description,
      );
    });

    it("redirects invalid_authorization_details for an action outside the app's allowed_scopes (RFC 9396 §5)", async () => {
      expectRedirectError(
        await authorize({
          client_id: restricted.client_id,
          scope: undefined,
          authorization_details: '[{"type":"hal_project","actions":["read","write"]}]',
        }),
        'invalid_authorization_details',
        'authorization_details action not allowed for this client: projects:write',
      );
    });

    it('redirects invalid_request for a malformed project_id', async () => {
      expectRedirectError(
        await authorize({ scope: 'projects:read', project_id: 'proj_nope' }),
        'invalid_request',
        'project_id is malformed',
      );
    });

    it('redirects invalid_request when project_id and authorization_details name different projects', async () => {
      expectRedirectError(
        await authorize({
          scope: undefined,
          project_id: 'proj_01J9Z8Q4V7K3M2N5P6R8S0T1W2',
          authorization_details:
            '[{"type":"hal_project","project_id":"proj_01J9Z8Q4V7K3M2N5P6R8S0T1W3","actions":["read"]}]',
        }),
        'invalid_request',
        'project_id conflicts with the project of the request',
      );
    });

    it("keeps the redirect URI's own query when adding the error (RFC 6749 §3.1.2)", async () => {
      const res = await authorize({ redirect_uri: WITH_QUERY, response_type: 'token' });
      const location = expectRedirectError(res, 'unsupported_response_type', 'response_type must be code', {
        redirectUri: 'https://client.example/cb2',
      });
      expect(location.searchParams.get('tenant')).toBe('a');
      expect(res.headers.get('location')).toMatch(/^https:\/\/client\.example\/cb2\?tenant=a&/);
    });

    it('leaves state out of the error redirect when the request had none (RFC 6749 §4.1.2.1)', async () => {
      const res = await authorize({ state: undefined, response_type: 'token' });
      expectRedirectError(res, 'unsupported_response_type', 'response_type must be code', { state: null });
    });

    it('returns state byte for byte, including characters that need encoding (RFC 6749 §4.1.2.1)', async () => {
      const state = 'a b&c=d/é';
      const res = await authorize({ state, response_type: 'token' });
      expectRedirectError(res, 'unsupported_response_type', 'response_type must be code', { state });
    });

    it('sends iss equal to the metadata issuer in error redirects (RFC 9207 §2)', async () => {
      const metadata = await api(hal.url, 'GET', '/.well-known/oauth-authorization-server');
      const location = expectRedirectError(
        await authorize({ response_type: 'token' }),
        'unsupported_response_type',
        'response_type must be code',
      );
      expect(location.searchParams.get('iss')).toBe(metadata.json.issuer);
    });

    it('redirects errors for a signed-out user without asking them to sign in first', async () => {
      const signedOut = new Browser(hal.url);
      const res = await signedOut.fetch(authorizePath(params({ code_challenge: undefined })));
      expectRedirectError(res, 'invalid_request', 'code_challenge is required');
    });
  });

  describe('valid requests', () => {
    it('shows the consent page to a signed-in user', async () => {
      await expectConsentPage(await authorize());
    });

    it('ignores unknown parameters (RFC 6749 §3.1)', async () => {
      await expectConsentPage(await authorize({ nonce: 'n', prompt: 'consent', foo: 'bar' }));
    });

    it('accepts a repeated RFC 8707 resource, which may repeat (RFC 6749 §3.1, RFC 8707 §2)', async () => {
      const path = repeat(
        authorizePath(params({ resource: `${hal.url}/api` })),
        'resource',
        `${hal.url}/mcp`,
      );
      await expectConsentPage(await hal.user.browser.fetch(path));
    });

    it('answers on the /oauth/authorise spelling too', async () => {
      await expectConsentPage(await authorize({}, '/oauth/authorise'));
      expectRedirectError(
        await authorize({ response_type: 'token' }, '/oauth/authorise'),
        'unsupported_response_type',
        'response_type must be code',
      );
    });

    it('accepts authorization_details without scope (RFC 9396 §2)', async () => {
      await expectConsentPage(
        await authorize({
          scope: undefined,
          authorization_details: '[{"type":"hal_project","actions":["read"]}]',
        }),
      );
    });

    it('redirects with code, state and iss after approval, to the exact loopback URI requested (RFC 8252 §7.3, RFC 9207)', async () => {
      const uri = 'http://127.0.0.1:40123/cb';
      const form = await expectConsentPage(await authorize({ redirect_uri: uri }));
      const res = await hal.user.browser.post('/oauth/authorize/decision', {
        csrf: form.csrf as string,
        request_id: form.requestId as string,
        decision: 'approve',
      });
      expect(res.status).toBe(303);
      const location = new URL(res.headers.get('location') as string);
      expect(`${location.origin}${location.pathname}`).toBe(uri);
      expect(location.searchParams.get('code')).toMatch(/^[0-9A-Za-z]{43,}$/);
      expect(location.searchParams.get('state')).toBe('st-1');
      expect(location.searchParams.get('iss')).toBe(hal.srv.services.config.issuer);
      expect(location.searchParams.has('error')).toBe(false);
    });
  });

  describe('signed-out users (contract: sign-in and consent pages)', () => {
    it('sends a signed-out user to sign in and back to the same request after it', async () => {
      const signedOut = new Browser(hal.url);
      const res = await signedOut.fetch(authorizePath(params({ state: 'after-login' })));
      expect(res.status).toBe(302);
      const toLogin = new URL(res.headers.get('location') as string, hal.url);
      expect(toLogin.pathname).toBe('/login');
      const returnTo = toLogin.searchParams.get('return_to') as string;
      expect(returnTo).toMatch(CONSENT_PATH);

      const login = await signedOut.page(`${toLogin.pathname}${toLogin.search}`);
      expect(login.res.status).toBe(200);
      expect(login.html).toContain(`name="return_to" value="${returnTo}"`);
      const signedIn = await signedOut.post('/login', {
        email: hal.user.account.email,
        password: hal.user.account.password,
        csrf: login.csrf,
        return_to: returnTo,
      });
      // Redirects after a form POST use 303, never 307.
      expect(signedIn.status).toBe(303);
      expect(signedIn.headers.get('location')).toBe(returnTo);

      const consent = await signedOut.fetch(returnTo);
      const form = await expectConsentPage(consent);
      expect(`/oauth/authorize/consent/${form.requestId}`).toBe(returnTo);
      const decision = await signedOut.post('/oauth/authorize/decision', {
        csrf: form.csrf as string,
        request_id: form.requestId as string,
        decision: 'approve',
      });
      expect(decision.status).toBe(303);
      const location = new URL(decision.headers.get('location') as string);
      expect(location.searchParams.get('state')).toBe('after-login');
      expect(location.searchParams.get('code')).toBeTruthy();
    });

    it('sends a signed-out visitor of a consent page to sign in with that page as return_to', async () => {
      const signedOut = new Browser(hal.url);
      const res = await signedOut.fetch('/oauth/authorize/consent/01J9Z8Q4V7K3M2N5P6R8S0T1W2');
      expect(res.status).toBe(302);
      const toLogin = new URL(res.headers.get('location') as string, hal.url);
      expect(toLogin.pathname).toBe('/login');
      expect(toLogin.searchParams.get('return_to')).toBe(
        '/oauth/authorize/consent/01J9Z8Q4V7K3M2N5P6R8S0T1W2',
      );
    });
  });
});
