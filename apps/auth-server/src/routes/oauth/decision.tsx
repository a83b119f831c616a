/** @jsxImportSource preact */
/** @jsxRuntime automatic */
import { AccessDenied, bindDetailsToProject, hashToken, newAuthorizationCode, newId } from '@hal/core';
import type { OAuthApp } from '@hal/db';
import { Hono } from 'hono';
import { formBody } from '../../http/body';
import type { Env } from '../../http/types';
import type { Services } from '../../services';
import { renderPage } from '../pages/layout';
import { eligibleProjects, type Pending } from './authorize';
import { AuthorizationErrorPage } from './consent-page';
import { redirectError, redirectToClient } from './serialize';

// RFC 6749 §4.1.2: a maximum authorization code lifetime of 10 minutes is RECOMMENDED.
const CODE_TTL = 600;

/** `POST /oauth/authorize/decision`: the consent form's answer issues a code or `access_denied`. */
export function decisionRoutes(s: Services) {
  const issuer = s.config.issuer;
  return new Hono<Env>().post('/oauth/authorize/decision', async (c) => {
    const form = await formBody(c);
    const fail = (message: string, status: 400 | 401 | 403 | 404 = 400) =>
      renderPage(c, 'Authorization error', <AuthorizationErrorPage message={message} />, status);
    if (!s.csrf.verify(c, form.get('csrf')))
      return fail('Your form expired. Please go back and try again.', 403);
    const session = await s.sessions.current(c);
    if (!session)
      return fail('Your session ended. Please sign in and start again from the application.', 401);

    const id = form.get('request_id') ?? '';
    const pending = await s.stores.oauth.pendingRequest(id);
    if (!pending || pending.pushed || pending.userId !== session.user.id) {
      return fail('This authorization request has expired or was already answered.', 404);
    }
    const { request } = pending.params as Pending;
    const decision = form.get('decision');
    if (decision !== 'approve' && decision !== 'deny') return fail('Choose approve or deny.');

    const stored = (await s.stores.apps.byClientId(request.clientId)) as OAuthApp | undefined;
    if (!stored) return fail('This application no longer exists.', 404);
    const client = s.stores.apps.toClient(stored);

    let projectId: string | undefined;
    if (decision === 'approve' && request.needsProject) {
      projectId = form.get('project_id') ?? undefined;
      const allowed = await eligibleProjects(s, session.user.id, client);
      // A forged or foreign project_id is refused: only the user's own owner/admin projects.
      const ok =
        projectId &&
        allowed.some((p) => p.id === projectId) &&
        (!request.projectId || request.projectId === projectId);
      if (!ok) return fail('Choose one of your projects where you are an owner or admin.', 400);
    }
    // One answer per request: the first submission wins, a replayed form finds nothing.
    if (!(await s.stores.oauth.consumeRequest(id)))
      return fail('This authorization request was already answered.', 404);

    if (decision === 'deny') {
      await s.stores.ops.audit({ type: 'oauth.denied', userId: session.user.id, appId: client.id });
      return redirectError(
        c,
        request.redirectUri,
        new AccessDenied('the user denied the request'),
        request.state,
        issuer,
      );
    }

    const details = bindDetailsToProject(request.details, projectId);
    const grant = await s.stores.oauth.upsertGrant({
      id: newId(),
      userId: session.user.id,
      appId: client.id,
      projectId: projectId ?? null,
      scopes: request.scopes,
      details: details.length ? details : null,
    });
    const code = newAuthorizationCode();
    await s.stores.oauth.createCode({
      codeHash: hashToken(code),
      grantId: grant.id,
      appId: client.id,
      redirectUri: request.redirectUri,
      redirectUriGiven: request.redirectUriGiven,
      codeChallenge: request.codeChallenge,
      scopes: request.scopes,
      authorizationDetails: details.length ? details : null,
      expiresAt: new Date(Date.now() + CODE_TTL * 1000),
    });
    await s.stores.ops.audit({
      type: 'oauth.approved',
      userId: session.user.id,
      appId: client.id,
      projectId: projectId ?? null,
      data: { grant_id: grant.id, scopes: request.scopes },
    });
    // RFC 9207 §2: `iss` in every authorization response.
    return redirectToClient(c, request.redirectUri, { code, state: request.state, iss: issuer });
  });
}
