/** @jsxImportSource hono/jsx */
import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import * as oauth from 'oauth4webapi';
import type { HostConfig } from './config';
import { CallbackError, HalAnswerError, HalApiError, halClient } from './hal-client';
import { Demo, ErrorPage, Home } from './pages';
import { memoryStore } from './store';

/** The visitor this demo site has signed in; a real host takes it from its own session. */
export const DEMO_USER = { user_id: 'demo-user-1', name: 'Demo Visitor' } as const;

const FLOW_COOKIE = 'widget_host_flow';

export interface HostOptions {
  /** The clock used for token expiry; tests move it forward to force a refresh. */
  now?: () => number;
}

/**
 * The example widget host: `GET /` (connect), `GET /connect` and `GET /callback` (the OAuth 2.1
 * authorization-code flow with PKCE) and `GET /demo` (a page that embeds the HAL widget and
 * identifies its signed-in visitor with a hash HAL signed).
 */
export function createHost(config: HostConfig, options: HostOptions = {}) {
  const now = options.now ?? Date.now;
  const hal = halClient(config, now);
  const store = memoryStore(hal, now);
  const cookie = {
    httpOnly: true,
    sameSite: 'Lax',
    secure: config.publicUrl.startsWith('https:'),
    path: '/callback',
  } as const;
  const app = new Hono();

  app.get('/', (c) => c.html(<Home connection={store.connection()} />));

  app.get('/connect', async (c) => {
    const flow = { state: oauth.generateRandomState(), verifier: oauth.generateRandomCodeVerifier() };
    const url = await hal.authorizationUrl({ ...flow, projectId: c.req.query('project_id') || undefined });
    const id = oauth.generateRandomState();
    store.startFlow(id, flow);
    // SameSite=Lax still reaches /callback: HAL sends the browser back with a top-level GET.
    setCookie(c, FLOW_COOKIE, id, { ...cookie, maxAge: 600 });
    return c.redirect(url.href, 302);
  });

  app.get('/callback', async (c) => {
    const flow = store.takeFlow(getCookie(c, FLOW_COOKIE));
    deleteCookie(c, FLOW_COOKIE, cookie);
    if (!flow)
      return c.html(<ErrorPage message="This connection was not started here or has expired." />, 400);
    store.connect(await hal.redeem(new URL(c.req.url), flow));
    return c.redirect('/demo', 303);
  });

  app.get('/demo', async (c) => {
    const connection = await store.fresh();
    if (!connection) return c.redirect('/', 302);
    const signed = await hal.signIdentity(connection.accessToken, DEMO_USER).catch((err: unknown) => {
      // 401: the user revoked the connection in HAL; the host has to be connected again.
      if (err instanceof HalApiError && err.status === 401) store.disconnect();
      throw err;
    });
    const tampered = c.req.query('tamper') === '1';
    const userHash = tampered ? flipLastHexDigit(signed.user_hash) : signed.user_hash;
    c.header('Cache-Control', 'no-store');
    return c.html(
      <Demo connection={connection} user={{ ...DEMO_USER, user_hash: userHash }} tampered={tampered} />,
    );
  });

  app.onError((err, c) => {
    const { status, message } = describe(err);
    if (status === 500) console.error(err);
    return c.html(<ErrorPage message={message} />, status);
  });

  return { app, store, config };
}

export type Host = ReturnType<typeof createHost>;

/** A hash HAL did not sign, for showing what the widget does with a forged identity. */
const flipLastHexDigit = (hash: string) => `${hash.slice(0, -1)}${hash.endsWith('0') ? '1' : '0'}`;

function describe(err: unknown): { status: 400 | 500 | 502; message: string } {
  if (err instanceof oauth.AuthorizationResponseError)
    return {
      status: 400,
      message: `HAL did not connect: ${err.error}${err.error_description ? ` (${err.error_description})` : ''}`,
    };
  if (err instanceof CallbackError)
    return { status: 400, message: `The callback was refused: ${err.message}` };
  if (err instanceof oauth.ResponseBodyError)
    return { status: 502, message: `HAL refused the token request: ${err.error}` };
  if (err instanceof HalAnswerError) return { status: 502, message: err.message };
  if (err instanceof HalApiError)
    return {
      status: 502,
      message: err.status === 401 ? 'The HAL connection was revoked; connect again.' : err.message,
    };
  // undici reports an unreachable server as TypeError('fetch failed').
  if (
    err instanceof oauth.OperationProcessingError ||
    (err instanceof TypeError && err.message === 'fetch failed')
  )
    return { status: 502, message: `Could not talk to HAL: ${err.message}` };
  return { status: 500, message: 'Unexpected error; see the server log.' };
}
