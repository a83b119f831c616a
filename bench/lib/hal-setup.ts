import { randomBytes } from 'node:crypto';
import { api, bearer } from '../../test/support/api';
import { basic, newAccount, signUp } from '../../test/support/browser';
import { authorizeInBrowser, oauthPost, pkce, registerApp } from '../../test/support/oauth';

const REDIRECT_URI = 'https://bench.example/cb';

export interface HalFixture {
  clientId: string;
  clientSecret: string;
  /** An OAuth access token (authorization code flow, scope `profile`) for Bearer calls. */
  accessToken: string;
  /** Live refresh tokens, one per user and grant. */
  refreshTokens: string[];
}

const fail = (what: string, res: { status: number; text: string }) =>
  new Error(`HAL setup: ${what} answered ${res.status}: ${res.text.slice(0, 300)}`);

/** The code flow for one new user: sign-up, consent, code exchange. */
async function userGrant(base: string, clientId: string, clientSecret: string) {
  const { browser } = await signUp(base, newAccount('bench'));
  const { verifier, challenge } = pkce();
  const redirect = await authorizeInBrowser(browser, {
    response_type: 'code',
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    scope: 'profile',
    state: randomBytes(8).toString('hex'),
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  const code = redirect.searchParams.get('code');
  if (!code) throw new Error(`HAL setup: authorization answered ${redirect}`);
  const res = await oauthPost(
    base,
    '/oauth/token',
    { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier },
    { id: clientId, secret: clientSecret },
  );
  if (res.status !== 200) throw fail('the code exchange', res);
  return res.json as { access_token: string; refresh_token: string };
}

/**
 * Everything the scenarios need, made through HAL's public HTTP surface only: an owner who
 * registers a confidential app, then `grants` users who each consent once.
 */
export async function setUpHal(base: string, grants: number): Promise<HalFixture> {
  const owner = newAccount('owner');
  await signUp(base, owner);
  const login = await api(base, 'POST', '/api/v1/auth/login', {
    body: { email: owner.email, password: owner.password },
  });
  if (login.status !== 200) throw fail('POST /api/v1/auth/login', login);
  const app = await registerApp(base, basic(owner.email, owner.password), {
    name: 'Bench',
    redirect_uris: [REDIRECT_URI],
    client_type: 'confidential',
    allowed_scopes: ['profile'],
  });
  const clientId = app.client_id;
  const clientSecret = app.client_secret as string;

  const refreshTokens: string[] = [];
  let accessToken = '';
  const queue = Array.from({ length: grants }, (_, i) => i);
  // A few at a time: HAL hashes each new password with a memory-hard function.
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (queue.shift() !== undefined) {
        const tokens = await userGrant(base, clientId, clientSecret);
        refreshTokens.push(tokens.refresh_token);
        accessToken = tokens.access_token;
      }
    }),
  );
  const me = await api(base, 'GET', '/api/v1/auth/me', { auth: bearer(accessToken) });
  if (me.status !== 200) throw fail('GET /api/v1/auth/me with an OAuth access token', me);
  return { clientId, clientSecret, accessToken, refreshTokens };
}
