/** @jsxImportSource preact */
/** @jsxRuntime automatic */
import {
  type AuthorizationRequest,
  checkAuthorizationRequest,
  InvalidRequest,
  newId,
  type OAuthClient,
  OAuthError,
  Params,
  resolveRedirectUri,
  UnsafeRedirectError,
} from '@hal/core';
import type { User } from '@hal/db';
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { formBody } from '../../http/body';
import type { Env } from '../../http/types';
import type { Services } from '../../services';
import { PAGE_CSP, renderPage } from '../pages/layout';
import { AuthorizationErrorPage, ConsentPage } from './consent-page';
import { REQUEST_URI_PREFIX } from './par';
import { redirectError } from './serialize';

// A pending request lives long enough for a sign-in or a sign-up in between.
const PENDING_TTL = 600;

export type Pending = { request: AuthorizationRequest };

/** The consent page's CSP: the form may also lead to the client's redirect URI (after a 303). */
export function consentCsp(redirectUri: string) {
  const url = new URL(redirectUri);
  const target = url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : url.protocol;
  return PAGE_CSP.replace("form-action 'self'", `form-action 'self' ${target}`);
}

/** Projects the user may connect: those where they are owner or admin (contract: project picker). */
export async function eligibleProjects(s: Services, userId: string, client: OAuthClient) {
  const mine = await s.stores.projects.listForMember(userId);
  return mine
    .filter((p) => p.role === 'owner' || p.role === 'admin')
    .filter((p) => client.kind !== 'private' || p.id === client.projectId)
    .map((p) => ({ id: p.id, name: p.name }));
}

/**
 * `GET /oauth/authorize` (and the `/oauth/authorise` spelling of the Hail seed), the consent page
 * for a stored request, and project creation from the consent page.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
 */
export function authorizeRoutes(s: Services) {
  const app = new Hono<Env>();
  const issuer = s.config.issuer;
  const errorPage = (c: Context, message: string, status: 400 | 401 | 403 | 404 = 400) =>
    renderPage(c, 'Authorization error', <AuthorizationErrorPage message={message} />, status);

  async function authorize(c: Context<Env>) {
    let params = Params.from(new URL(c.req.url).searchParams);
    const clientId = params.isRepeated('client_id') ? undefined : params.get('client_id');
    const stored = clientId ? await s.stores.apps.byClientId(clientId) : undefined;
    const client = stored && s.stores.apps.toClient(stored);

    // RFC 9126 §4: a pushed request, used once, replaces the query parameters.
    const requestUri = params.get('request_uri');
    if (requestUri && client && !params.isRepeated('request_uri')) {
      const id = requestUri.startsWith(REQUEST_URI_PREFIX) ? requestUri.slice(REQUEST_URI_PREFIX.length) : '';
      const pushed = id ? await s.stores.oauth.consumeRequest(id) : undefined;
      if (!pushed?.pushed || pushed.appId !== client.id)
        return errorPage(c, 'request_uri is invalid, expired or already used');
      params = Params.from(Object.entries(pushed.params as Record<string, string>));
    }

    let redirectUri: string;
    try {
      redirectUri = resolveRedirectUri(params, client);
    } catch (error) {
      // RFC 6749 §4.1.2.1: never redirect to an unverified URI; tell the user instead.
      if (error instanceof UnsafeRedirectError) return errorPage(c, error.message);
      throw error;
    }
    let request: AuthorizationRequest;
    try {
      request = checkAuthorizationRequest(params, client as OAuthClient, redirectUri);
    } catch (error) {
      if (error instanceof OAuthError)
        return redirectError(c, redirectUri, error, params.get('state'), issuer);
      throw error;
    }

    const session = await s.sessions.current(c);
    const id = newId();
    await s.stores.oauth.createRequest({
      id,
      appId: (client as OAuthClient).id,
      userId: session?.user.id ?? null,
      params: { request } satisfies Pending,
      expiresAt: new Date(Date.now() + PENDING_TTL * 1000),
    });
    const consentPath = `/oauth/authorize/consent/${id}`;
    if (!session) return c.redirect(`/login?return_to=${encodeURIComponent(consentPath)}`, 302);
    return consent(c, id, session.user);
  }

  /** Renders the consent page of a stored request for `user` (binding it to them on first view). */
  async function consent(c: Context<Env>, id: string, user: User, error?: string) {
    const pending = await s.stores.oauth.pendingRequest(id);
    if (!pending || pending.pushed)
      return errorPage(c, 'This authorization request has expired or was already answered.', 404);
    if (pending.userId && pending.userId !== user.id)
      return errorPage(c, 'This authorization request belongs to another user.', 403);
    if (!pending.userId) await s.stores.oauth.bindRequest(id, user.id);
    const { request } = pending.params as Pending;
    const stored = await s.stores.apps.byClientId(request.clientId);
    // Deleted since the request was made (or while it was being made): as the decision says.
    if (!stored) return errorPage(c, 'This application no longer exists.', 404);
    const client = s.stores.apps.toClient(stored);

    let projects: { id: string; name: string }[] | undefined;
    if (request.needsProject) {
      projects = await eligibleProjects(s, user.id, client);
      // A request naming a project the user cannot connect is refused, not silently changed.
      if (request.projectId && !projects.some((p) => p.id === request.projectId)) {
        await s.stores.oauth.consumeRequest(id);
        const refusal = new InvalidRequest('project_id is not a project this user can authorize');
        return redirectError(c, request.redirectUri, refusal, request.state, issuer);
      }
      if (request.projectId) projects = projects.filter((p) => p.id === request.projectId);
    }
    const page = (
      <ConsentPage
        requestId={id}
        csrf={s.csrf.token(c)}
        app={{
          name: stored.name,
          description: stored.description,
          ownerName: await s.stores.apps.ownerName(stored.ownerId),
          logoUrl: stored.logoUrl,
        }}
        scopes={request.scopes}
        details={request.details}
        redirectHost={new URL(request.redirectUri).host || request.redirectUri}
        projects={projects}
        selectedProjectId={request.projectId}
        error={error}
      />
    );
    return renderPage(
      c,
      `Authorize ${stored.name}`,
      page,
      error ? 400 : 200,
      consentCsp(request.redirectUri),
    );
  }

  app.get('/oauth/authorize', authorize);
  app.get('/oauth/authorise', authorize);

  app.get('/oauth/authorize/consent/:id', async (c) => {
    const session = await s.sessions.current(c);
    if (!session) return c.redirect(`/login?return_to=${encodeURIComponent(c.req.path)}`, 302);
    return consent(c, c.req.param('id'), session.user);
  });

  // Contract: a user with no eligible project is offered to create one on the consent page.
  app.post('/oauth/authorize/consent/:id/project', async (c) => {
    const form = await formBody(c);
    if (!s.csrf.verify(c, form.get('csrf'))) return errorPage(c, 'Your form expired. Please try again.', 403);
    const session = await s.sessions.current(c);
    if (!session) return errorPage(c, 'Please sign in again.', 401);
    const name = z.string().trim().min(1).max(100).safeParse(form.get('name'));
    if (!name.success) return consent(c, c.req.param('id'), session.user, 'Enter a project name.');
    await s.projects.create(session.user.id, name.data);
    // Encoded: the decoded id may hold CR, LF or non-Latin-1 text, which a Location header cannot.
    return c.redirect(`/oauth/authorize/consent/${encodeURIComponent(c.req.param('id'))}`, 303);
  });

  return app;
}
