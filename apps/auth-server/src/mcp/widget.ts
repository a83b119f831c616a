import { SignIdentity } from '../http/inputs';
import { tool } from './tool';

/** Widget identities, with the same output and rate limit as `POST /api/oauth/widget/sign-identity`. */
export const widgetTools = [
  tool({
    name: 'sign_widget_identity',
    title: 'Sign a widget identity',
    description:
      "Signs one of your users for the project's widget: user_hash and user_jwt to pass to HalWidget identify.",
    scope: 'widget:serve',
    input: SignIdentity.strict(),
    annotations: { readOnlyHint: true, openWorldHint: false },
    run: async ({ s, principal, c }, input) => {
      // Per connection (client × project), counted with the REST endpoint's calls.
      await s.rateLimits.limiter('sign', s.config.rateLimits.signIdentity, () => {
        return `${principal.clientId ?? principal.user.id}:${principal.projectId}`;
      })?.(c);
      return s.widget.signIdentity(principal, input);
    },
  }),
];
