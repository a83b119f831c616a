import * as oauth from 'oauth4webapi';
import { beforeAll, describe, expect, it } from 'vitest';
import { api } from '../support/api';
import { useInstance } from '../support/fixtures';
import {
  type AuthMethod,
  approveInBrowser,
  authorizationUrl,
  authorizeWithLibrary,
  clientAuthFor,
  discover,
  insecure,
  tamper,
  verifyAccessToken,
} from '../support/interop';
import { BACKENDS } from '../support/servers';

// A stock client (panva/oauth4webapi) against a real HAL over a socket. The client is used as a
// stranger would use it: when the library rejects something HAL does, the test fails.
const REDIRECT = 'https://client.example/cb';
const SCOPE = 'profile projects:read';

const CLIENTS: ['confidential' | 'public', AuthMethod][] = [
  ['confidential', 'client_secret_basic'],
  ['confidential', 'client_secret_post'],
  ['public', 'none'],
];

describe.each(BACKENDS)('interoperability with oauth4webapi on %s', (backend) => {
  const hal = useInstance(backend);
  let projectId: string;
  let as: oauth.AuthorizationServer;
  /** Every access token HAL issued in this file, for the JWKS check at the end. */
  const issued: string[] = [];

  beforeAll(async () => {
    projectId = (await hal.user.createProject('P')).id;
    as = await discover(hal.srv.services.config.issuer);
  });

  it('publishes metadata whose issuer is the issuer identifier byte for byte (RFC 8414 §3.3)', async () => {
    expect(as.issuer).toBe(hal.srv.services.config.issuer);
    expect(as).toMatchObject({
      authorization_endpoint: `${as.issuer}/oauth/authorize`,
      token_endpoint: `${as.issuer}/oauth/token`,
      jwks_uri: `${as.issuer}/.well-known/jwks.json`,
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    });
  });

  it('is refused by the library for another issuer identifier, proving the issuer check runs (RFC 8414 §3.3)', async () => {
    const other = new URL(hal.srv.services.config.issuer.replace('127.0.0.1', 'localhost'));
    const res = await oauth.discoveryRequest(new URL(hal.srv.services.config.issuer), {
      algorithm: 'oauth2',
      ...insecure,
    });
    await expect(oauth.processDiscoveryResponse(other, res)).rejects.toMatchObject({
      code: oauth.JSON_ATTRIBUTE_COMPARISON,
    });
  });

  describe.each(CLIENTS)('a %s client authenticating with %s', (type, method) => {
    let client: oauth.Client;
    let auth: oauth.ClientAuth;

    beforeAll(async () => {
      const app = await hal.registerApp({ client_type: type, redirect_uris: [REDIRECT] });
      client = { client_id: app.client_id };
      auth = clientAuthFor(method, app.client_secret);
    });

    /** The whole code flow through oauth4webapi, optionally starting with a pushed request. */
    async function codeFlow(options: { par?: boolean } = {}) {
      const verifier = oauth.generateRandomCodeVerifier();
      const state = oauth.generateRandomState();
      const request = {
        response_type: 'code',
        redirect_uri: REDIRECT,
        scope: SCOPE,
        state,
        code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        project_id: projectId,
      };
      let url: URL;
      if (options.par) {
        const pushed = await oauth.processPushedAuthorizationResponse(
          as,
          client,
          await oauth.pushedAuthorizationRequest(as, client, auth, request, insecure),
        );
        url = authorizationUrl(as, { client_id: client.client_id, request_uri: pushed.request_uri });
      } else {
        url = authorizationUrl(as, { client_id: client.client_id, ...request });
      }
      const callback = await approveInBrowser(hal.user.browser, url);
      const params = oauth.validateAuthResponse(as, client, callback, state);
      const res = await oauth.authorizationCodeGrantRequest(
        as,
        client,
        auth,
        params,
        REDIRECT,
        verifier,
        insecure,
      );
      const tokens = await oauth.processAuthorizationCodeResponse(as, client, res);
      issued.push(tokens.access_token);
      return tokens;
    }

    async function refresh(refreshToken: string) {
      const res = await oauth.refreshTokenGrantRequest(as, client, auth, refreshToken, insecure);
      const tokens = await oauth.processRefreshTokenResponse(as, client, res);
      issued.push(tokens.access_token);
      return tokens;
    }

    async function me(accessToken: string) {
      const url = new URL('/api/v1/auth/me', as.issuer);
      return oauth.protectedResourceRequest(accessToken, 'GET', url, undefined, undefined, insecure);
    }

    it('completes the code flow with PKCE S256 and a validated iss, and the token reads /api/v1/auth/me (RFC 6749 §4.1, RFC 7636 §4.6, RFC 9207 §2.4)', async () => {
      const tokens = await codeFlow();
      expect(tokens).toMatchObject({ token_type: 'bearer', expires_in: 900, scope: SCOPE });
      expect(tokens.refresh_token).toMatch(/^hal_rt_/);

      const res = await me(tokens.access_token);
      expect(res.status).toBe(200);
      expect((await res.json()).data).toMatchObject({
        email: hal.user.account.email,
        auth: { method: 'oauth', client_id: client.client_id, project_id: projectId },
      });
    });

    it('rotates the refresh token, and the new access token works (RFC 6749 §6, RFC 9700 §4.14.2)', async () => {
      const first = await codeFlow();
      const second = await refresh(first.refresh_token as string);
      expect(second).toMatchObject({ token_type: 'bearer', scope: SCOPE });
      expect(second.refresh_token).toMatch(/^hal_rt_/);
      expect(second.refresh_token).not.toBe(first.refresh_token);
      expect((await me(second.access_token)).status).toBe(200);
    });

    it('revokes the refresh token, after which refreshing fails with invalid_grant (RFC 7009 §2.1, RFC 6749 §5.2)', async () => {
      const tokens = await codeFlow();
      const refreshToken = tokens.refresh_token as string;
      await oauth.processRevocationResponse(
        await oauth.revocationRequest(as, client, auth, refreshToken, insecure),
      );
      const res = await oauth.refreshTokenGrantRequest(as, client, auth, refreshToken, insecure);
      await expect(oauth.processRefreshTokenResponse(as, client, res)).rejects.toMatchObject({
        code: oauth.RESPONSE_BODY_ERROR,
        status: 400,
        error: 'invalid_grant',
      });
    });

    it('completes a pushed authorization request, authorizing with client_id and request_uri only (RFC 9126 §4)', async () => {
      const tokens = await codeFlow({ par: true });
      expect(tokens).toMatchObject({ token_type: 'bearer', scope: SCOPE });
      expect((await me(tokens.access_token)).status).toBe(200);
    });

    if (type === 'confidential') {
      it('refuses a wrong client secret with 401 and a Basic challenge the library surfaces (RFC 6749 §5.2)', async () => {
        const wrong = clientAuthFor(method, 'hal_cs_wrong');
        const res = await oauth.clientCredentialsGrantRequest(
          as,
          client,
          wrong,
          { scope: 'profile' },
          insecure,
        );
        await expect(oauth.processClientCredentialsResponse(as, client, res)).rejects.toMatchObject({
          code: oauth.WWW_AUTHENTICATE_CHALLENGE,
          status: 401,
          cause: [expect.objectContaining({ scheme: 'basic' })],
        });
      });

      it('introspects the access token as active, then inactive once it is revoked (RFC 7662 §2.2, RFC 7009 §2.1)', async () => {
        const tokens = await codeFlow();
        const introspect = async (token: string) =>
          oauth.processIntrospectionResponse(
            as,
            client,
            await oauth.introspectionRequest(as, client, auth, token, insecure),
          );

        expect(await introspect(tokens.access_token)).toMatchObject({
          active: true,
          client_id: client.client_id,
          scope: SCOPE,
        });
        await oauth.processRevocationResponse(
          await oauth.revocationRequest(as, client, auth, tokens.access_token, insecure),
        );
        expect(await introspect(tokens.access_token)).toMatchObject({ active: false });

        const refreshToken = tokens.refresh_token as string;
        expect(await introspect(refreshToken)).toMatchObject({ active: true, client_id: client.client_id });
        await oauth.processRevocationResponse(
          await oauth.revocationRequest(as, client, auth, refreshToken, insecure),
        );
        expect(await introspect(refreshToken)).toMatchObject({ active: false });
      });
    } else {
      it('issues access tokens whose ES256 signature verifies against the JWKS with typ at+jwt (RFC 9068 §4)', async () => {
        const tokens = await codeFlow();
        const claims = await verifyAccessToken(as, tokens.access_token);
        expect(claims).toMatchObject({ client_id: client.client_id, scope: SCOPE, project_id: projectId });
        await expect(verifyAccessToken(as, tamper(tokens.access_token))).rejects.toMatchObject({
          code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
        });
      });
    }
  });

  it('issues a client_credentials token to a confidential client, without a refresh token (RFC 6749 §4.4.3)', async () => {
    const app = await hal.registerApp({ client_type: 'confidential', redirect_uris: [REDIRECT] });
    const client: oauth.Client = { client_id: app.client_id };
    const auth = oauth.ClientSecretBasic(app.client_secret as string);
    const res = await oauth.clientCredentialsGrantRequest(as, client, auth, { scope: 'profile' }, insecure);
    const tokens = await oauth.processClientCredentialsResponse(as, client, res);
    issued.push(tokens.access_token);
    expect(tokens).toMatchObject({ token_type: 'bearer', scope: 'profile' });
    expect(tokens.refresh_token).toBeUndefined();
    expect(await verifyAccessToken(as, tokens.access_token)).toMatchObject({ client_id: app.client_id });
  });

  it('lets the library detect a state or iss mismatch in the authorization response (RFC 6749 §10.12, RFC 9207 §2.4)', async () => {
    const app = await hal.registerApp({ client_type: 'public', redirect_uris: [REDIRECT] });
    const client: oauth.Client = { client_id: app.client_id };
    const { callback, state } = await authorizeWithLibrary(as, hal.user.browser, client, REDIRECT);

    // Positive control: the genuine response validates, so the failures below are the checks.
    expect(oauth.validateAuthResponse(as, client, callback, state).get('code')).toBeTruthy();
    expect(() => oauth.validateAuthResponse(as, client, callback, oauth.generateRandomState())).toThrow(
      expect.objectContaining({
        code: oauth.INVALID_RESPONSE,
        message: 'unexpected "state" response parameter value',
      }),
    );
    const forged = new URL(callback);
    forged.searchParams.set('iss', 'https://attacker.example');
    expect(() => oauth.validateAuthResponse(as, client, forged, state)).toThrow(
      expect.objectContaining({
        code: oauth.INVALID_RESPONSE,
        message: 'unexpected "iss" (issuer) response parameter value',
      }),
    );
  });

  it('refuses a code exchanged with another PKCE verifier with invalid_grant (RFC 7636 §4.6)', async () => {
    const app = await hal.registerApp({ client_type: 'public', redirect_uris: [REDIRECT] });
    const client: oauth.Client = { client_id: app.client_id };
    const { callback, state } = await authorizeWithLibrary(as, hal.user.browser, client, REDIRECT);
    const params = oauth.validateAuthResponse(as, client, callback, state);
    const other = oauth.generateRandomCodeVerifier();
    const res = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      oauth.None(),
      params,
      REDIRECT,
      other,
      insecure,
    );
    await expect(oauth.processAuthorizationCodeResponse(as, client, res)).rejects.toMatchObject({
      code: oauth.RESPONSE_BODY_ERROR,
      status: 400,
      error: 'invalid_grant',
    });
  });

  it('signs every access token it issued with a key from the JWKS, as RFC 9068 at+jwt for the API audience (RFC 9068 §4)', async () => {
    // The flows above ran first: 6 tokens per client kind (3 kinds) and 1 from client_credentials.
    expect(issued.length).toBeGreaterThanOrEqual(19);
    for (const token of issued) {
      const claims = await verifyAccessToken(as, token);
      expect(claims.iss).toBe(as.issuer);
      // A resource server built on oauth4webapi accepts the same tokens.
      const request = new Request(new URL('/api/v1/auth/me', as.issuer), {
        headers: { authorization: `Bearer ${token}` },
      });
      await expect(
        oauth.validateJwtAccessToken(as, request, `${as.issuer}/api`, insecure),
      ).resolves.toMatchObject({
        jti: claims.jti,
      });
    }
    expect(new Set(issued.map((t) => t.split('.')[2])).size).toBe(issued.length);
  });
});
