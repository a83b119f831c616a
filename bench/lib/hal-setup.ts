import { api, bearer } from '../../test/support/api';
import { type Browser, basic, newAccount, signUp } from '../../test/support/browser';
import { authorizationCode, codeFlow, exchangeCode, registerApp } from '../../test/support/oauth';

const REDIRECT_URI = 'https://bench.example/cb';
/** The widget user the sign-identity and identify scenarios name in every request. */
export const WIDGET_USER_ID = 'bench-customer-1';

export interface HalFixture {
  clientId: string;
  clientSecret: string;
  /** An OAuth access token (authorization code flow, scope `profile`) for Bearer calls. */
  accessToken: string;
  /**
   * An OAuth access token (scope `profile`) for both of HAL's resources, `aud` =
   * [`<issuer>/api`, `<issuer>/mcp`]: the MCP scenario calls `whoami` and `GET /api/v1/auth/me`
   * with the very same token.
   */
  bothResourcesToken: string;
  /** Live refresh tokens, one per user and grant. */
  refreshTokens: string[];
  /** The owner's own credentials, one per authentication method of HAL's API besides OAuth. */
  owner: {
    /** A session JWT from `POST /api/v1/auth/login`. */
    sessionToken: string;
    /** A personal access token with scope `profile`. */
    pat: string;
    /** `Basic base64(email:password)`. */
    basic: string;
  };
  widget: WidgetFixture;
}

/** A widget host connected to one project, and one identity it signed. */
export interface WidgetFixture {
  /** OAuth access token (authorization code flow, scope `widget:serve`) bound to `projectId`. */
  accessToken: string;
  projectId: string;
  /** The project's public widget app id. */
  appId: string;
  userId: string;
  /** HMAC-SHA256(identity secret, userId) as sign-identity answered it. */
  userHash: string;
}

const fail = (what: string, res: { status: number; text: string }) =>
  new Error(`HAL setup: ${what} answered ${res.status}: ${res.text.slice(0, 300)}`);

/** The code flow for one new user: sign-up, consent, code exchange. */
async function userGrant(base: string, clientId: string, clientSecret: string) {
  const { browser } = await signUp(base, newAccount('bench'));
  const app = { id: '', client_id: clientId, client_secret: clientSecret, redirect_uris: [REDIRECT_URI] };
  const { res } = await codeFlow(base, browser, app, { scope: 'profile' });
  if (res.status !== 200) throw fail('the code exchange', res);
  return res.json as { access_token: string; refresh_token: string };
}

/**
 * The widget host: the owner creates a project, connects a `widget:serve` app to it through one
 * code flow (the consent page preselects the project named by `project_id`), and signs one
 * identity with the access token.
 */
async function widgetHost(base: string, browser: Browser, ownerAuth: string): Promise<WidgetFixture> {
  const created = await api(base, 'POST', '/api/v1/projects', {
    auth: ownerAuth,
    body: { name: 'Bench shop' },
  });
  if (created.status !== 201) throw fail('POST /api/v1/projects', created);
  const project = created.json.data as { id: string; app_id: string };
  const app = await registerApp(base, ownerAuth, {
    name: 'Bench widget host',
    redirect_uris: [REDIRECT_URI],
    client_type: 'confidential',
    allowed_scopes: ['widget:serve'],
    // The token is minted once at set-up and used by a scenario minutes later (longer with
    // BENCH_DURATION raised): the longest lifetime HAL allows keeps it valid for the whole run.
    access_token_ttl: 28_800,
  });
  const { res: token } = await codeFlow(base, browser, app, {
    scope: 'widget:serve',
    project_id: project.id,
  });
  if (token.status !== 200) throw fail('the widget:serve code exchange', token);
  if (token.json.project_id !== project.id)
    throw new Error(
      `HAL setup: the widget:serve grant is bound to ${token.json.project_id}, not ${project.id}`,
    );
  const accessToken = token.json.access_token as string;
  const signed = await api(base, 'POST', '/api/oauth/widget/sign-identity', {
    auth: bearer(accessToken),
    body: { user_id: WIDGET_USER_ID },
  });
  if (signed.status !== 200) throw fail('POST /api/oauth/widget/sign-identity', signed);
  return {
    accessToken,
    projectId: project.id,
    appId: project.app_id,
    userId: WIDGET_USER_ID,
    userHash: signed.json.user_hash as string,
  };
}

/**
 * Everything the scenarios need, made through HAL's public HTTP surface only: an owner who
 * registers a confidential app, then `grants` users who each consent once; and the owner's widget
 * host ({@link widgetHost}).
 */
export async function setUpHal(base: string, grants: number): Promise<HalFixture> {
  const owner = newAccount('owner');
  const { browser } = await signUp(base, owner);
  const login = await api(base, 'POST', '/api/v1/auth/login', {
    body: { email: owner.email, password: owner.password },
  });
  if (login.status !== 200) throw fail('POST /api/v1/auth/login', login);
  const ownerBasic = basic(owner.email, owner.password);
  const pat = await api(base, 'POST', '/api/v1/tokens', {
    auth: ownerBasic,
    body: { name: 'bench', scopes: ['profile'] },
  });
  if (pat.status !== 201) throw fail('POST /api/v1/tokens', pat);
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
  const widget = await widgetHost(base, browser, basic(owner.email, owner.password));
  const grant = await authorizationCode(
    browser,
    { ...app, redirect_uris: [REDIRECT_URI] },
    {
      scope: 'profile',
      resource: [`${base}/api`, `${base}/mcp`],
    },
  );
  const both = await exchangeCode(base, app, grant);
  if (both.status !== 200) throw fail('the code exchange for <issuer>/api and <issuer>/mcp', both);
  const bothResourcesToken = both.json.access_token as string;
  return {
    clientId,
    clientSecret,
    accessToken,
    bothResourcesToken,
    refreshTokens,
    widget,
    owner: {
      sessionToken: login.json.data.token as string,
      pat: pat.json.data.token as string,
      basic: ownerBasic,
    },
  };
}
