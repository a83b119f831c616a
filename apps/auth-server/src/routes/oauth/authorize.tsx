import { Params } from '@hal/core';
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { formBody } from '../../http/body';
import type { RouteDeps } from '../../http/route-deps';
import type { Env } from '../../http/types';
import { renderAuthorizationError, renderConsent, renderRefusal } from '../../views/consent';

const ProjectName = z.string().trim().min(1).max(100);

/**
 * `GET /oauth/authorize` (and the `/oauth/authorise` spelling), the consent page of a pending
 * request, and project creation from the consent page.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
 */
export function authorizeRoutes(s: RouteDeps) {
  const app = new Hono<Env>();
  const { authorization } = s;

  const refused = (c: Context, error: unknown) => renderRefusal(c, error, s.config.issuer);

  async function consent(c: Context<Env>, id: string, userId: string, error?: string) {
    try {
      return renderConsent(c, await s.consent.view(id, userId), s.csrf.token(c), error);
    } catch (e) {
      return refused(c, e);
    }
  }

  async function authorize(c: Context<Env>) {
    const session = await s.sessions.current(c);
    let id: string;
    try {
      id = await authorization.start(Params.from(new URL(c.req.url).searchParams), session?.user.id);
    } catch (error) {
      return refused(c, error);
    }
    const consentPath = `/oauth/authorize/consent/${id}`;
    if (!session) return c.redirect(`/login?return_to=${encodeURIComponent(consentPath)}`, 302);
    return consent(c, id, session.user.id);
  }

  app.get('/oauth/authorize', authorize);
  app.get('/oauth/authorise', authorize);

  app.get('/oauth/authorize/consent/:id', async (c) => {
    const session = await s.sessions.current(c);
    if (!session) return c.redirect(`/login?return_to=${encodeURIComponent(c.req.path)}`, 302);
    return consent(c, c.req.param('id'), session.user.id);
  });

  // Contract: a user with no eligible project is offered to create one on the consent page.
  app.post('/oauth/authorize/consent/:id/project', async (c) => {
    const form = await formBody(c);
    if (!s.csrf.verify(c, form.get('csrf')))
      return renderAuthorizationError(c, 'Your form expired. Please try again.', 403);
    const session = await s.sessions.current(c);
    if (!session) return renderAuthorizationError(c, 'Please sign in again.', 401);
    const name = ProjectName.safeParse(form.get('name'));
    if (!name.success) return consent(c, c.req.param('id'), session.user.id, 'Enter a project name.');
    await s.projects.create(session.user.id, name.data);
    // Encoded: the decoded id may hold CR, LF or non-Latin-1 text, which a Location header cannot.
    return c.redirect(`/oauth/authorize/consent/${encodeURIComponent(c.req.param('id'))}`, 303);
  });

  return app;
}
