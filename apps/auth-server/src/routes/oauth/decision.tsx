import { Hono } from 'hono';
import { formBody } from '../../http/body';
import { redirectToClient } from '../../http/oauth-redirect';
import type { RouteDeps } from '../../http/route-deps';
import type { Env } from '../../http/types';
import { ConsentChoiceError } from '../../services/consent';
import { renderAuthorizationError, renderConsent, renderRefusal } from '../../views/consent';

/** `POST /oauth/authorize/decision`: the consent form's answer issues a code or `access_denied`. */
export function decisionRoutes(s: RouteDeps) {
  return new Hono<Env>().post('/oauth/authorize/decision', async (c) => {
    const form = await formBody(c);
    if (!s.csrf.verify(c, form.get('csrf')))
      return renderAuthorizationError(c, 'Your form expired. Please go back and try again.', 403);
    const session = await s.sessions.current(c);
    if (!session)
      return renderAuthorizationError(
        c,
        'Your session ended. Please sign in and start again from the application.',
        401,
      );
    const id = form.get('request_id') ?? '';
    const answer = { decision: form.get('decision'), projectId: form.get('project_id') || undefined };
    try {
      const { redirectUri, params } = await s.consent.decide(id, session.user.id, answer);
      return redirectToClient(c, redirectUri, params);
    } catch (error) {
      if (!(error instanceof ConsentChoiceError)) return renderRefusal(c, error, s.config.issuer);
      // The request stays alive: the same page again, the reason beside the picker.
      try {
        const view = await s.consent.view(id, session.user.id);
        return renderConsent(c, view, s.csrf.token(c), error.message);
      } catch (refusal) {
        return renderRefusal(c, refusal, s.config.issuer);
      }
    }
  });
}
