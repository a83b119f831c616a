import { afterAll, beforeAll } from 'vitest';
import { api, bearer } from './api';
import { type Browser, basic, type newAccount, signUp } from './browser';
import { type RegisteredApp, registerApp } from './oauth';
import { type Backend, startTestServer, type TestServer } from './servers';
import { trpcFor } from './trpc';

/** How a test user is made. */
export interface UserOptions {
  /** Also sign in at `/api/v1/auth/login`: `auth` is then the session JWT as a Bearer token. */
  login?: boolean;
  /** The sign-up form's fields; a fresh `newAccount()` when omitted. */
  account?: ReturnType<typeof newAccount>;
}

/** A user who signed up through the real form, with every way a test speaks for them. */
export interface TestUser {
  account: ReturnType<typeof newAccount>;
  id: string;
  /** Holds the session cookie: consent pages, decisions, HTML forms. */
  browser: Browser;
  /** The dashboard's typed tRPC client (cookie and x-hal-csrf). */
  trpc: ReturnType<typeof trpcFor>;
  /** `Basic email:password` for the REST API. */
  basic: string;
  /** The REST credential of this user: `Bearer <session JWT>` when signed up with `login`, else `basic`. */
  auth: string;
  /** The raw session JWT; throws unless signed up with `login`. */
  readonly session: string;
  /** Creates a project owned by this user (POST /api/v1/projects) and returns its API view. */
  createProject(
    name: string,
  ): Promise<{ id: string; app_id: string; name: string; [field: string]: unknown }>;
}

/** Signs up a new user on the server at `base`; see `TestUser`. */
export async function signUpUser(base: string, options: UserOptions = {}): Promise<TestUser> {
  const { browser, account } = await signUp(base, options.account);
  const trpc = trpcFor(browser);
  const { id } = await trpc.me.get.query();
  let session: string | undefined;
  if (options.login) {
    const res = await api(base, 'POST', '/api/v1/auth/login', {
      body: { email: account.email, password: account.password },
    });
    if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.text}`);
    session = res.json.data.token as string;
  }
  const credentials = basic(account.email, account.password);
  const auth = session ? bearer(session) : credentials;
  return {
    account,
    id,
    browser,
    trpc,
    basic: credentials,
    auth,
    get session() {
      if (!session) throw new Error('signUpUser: this user signed up without { login: true }');
      return session;
    },
    async createProject(name) {
      const res = await api(base, 'POST', '/api/v1/projects', { auth, body: { name } });
      if (res.status !== 201) throw new Error(`project creation failed: ${res.status} ${res.text}`);
      return res.json.data;
    },
  };
}

/** What a suite asks of its HAL instance. */
export interface InstanceOptions {
  /** Server environment on top of the test defaults (fresh port, issuer, secret key). */
  env?: Record<string, string>;
  /** The suite's user (`hal.user`): signed up by default; `false` for none. */
  user?: UserOptions | false;
  /** Registers `hal.app` for `hal.user` with these fields over `registerApp`'s defaults. */
  app?: Record<string, unknown>;
}

/** A suite's HAL: one server on a fresh database, its user and app. Read it inside tests and hooks. */
export interface Instance {
  srv: TestServer;
  /** The server's base URL (`srv.url`). */
  url: string;
  user: TestUser;
  app: RegisteredApp;
  /** Signs up another user on this server. */
  signUp(options?: UserOptions): Promise<TestUser>;
  /** Registers another app, for `hal.user` unless another credential is given. */
  registerApp(body?: Record<string, unknown>, auth?: string): Promise<RegisteredApp>;
}

/**
 * Gives the calling `describe` a HAL instance on `backend` (in the spirit of better-auth's
 * `getTestInstance()`): a server on a fresh database, a signed-up user and, when asked, an app.
 * It starts in `beforeAll` and stops in `afterAll`; the handle's fields throw before that.
 *
 * @example
 * describe.each(BACKENDS)('token endpoint on %s', (backend) => {
 *   const hal = useInstance(backend, { app: { allowed_scopes: ['profile'] } });
 *   it('…', async () => {
 *     const { res } = await codeFlow(hal.url, hal.user.browser, hal.app, { scope: 'profile' });
 *   });
 * });
 */
export function useInstance(backend: Backend, options: InstanceOptions = {}): Instance {
  let srv: TestServer | undefined;
  let user: TestUser | undefined;
  let app: RegisteredApp | undefined;

  beforeAll(async () => {
    srv = await startTestServer(backend, options.env);
    if (options.user !== false) user = await signUpUser(srv.url, options.user);
    if (options.app) {
      if (!user) throw new Error('useInstance: an app needs a user to own it');
      app = await registerApp(srv.url, user.auth, options.app);
    }
  });
  afterAll(() => srv?.close());

  const started = () => {
    if (!srv) throw new Error('useInstance: the server starts in beforeAll; read it inside tests and hooks');
    return srv;
  };
  const hal: Instance = {
    get srv() {
      return started();
    },
    get url() {
      return started().url;
    },
    get user() {
      started();
      if (!user) throw new Error('useInstance: this instance has no user ({ user: false })');
      return user;
    },
    get app() {
      started();
      if (!app) throw new Error('useInstance: this instance has no app (pass { app: {} })');
      return app;
    },
    signUp: (userOptions) => signUpUser(started().url, userOptions),
    registerApp: (body = {}, auth) => registerApp(started().url, auth ?? hal.user.auth, body),
  };
  return hal;
}
