/** @jsxImportSource preact */
/** @jsxRuntime automatic */
import { type AuthorizationDetail, SCOPE_DESCRIPTIONS, type Scope, UnsafeRedirectError } from '@hal/core';
import type { Context } from 'hono';
import { redirectError } from '../http/oauth-redirect';
import { AuthorizationPageError, ClientRedirect } from '../services/authorization';
import type { ConsentView } from '../services/consent';
import { PAGE_CSP, renderPage } from './layout';

/**
 * What the authorization service refused, for the user agent: a page when the client cannot be
 * trusted with the answer (RFC 6749 §4.1.2.1), otherwise a redirect to the client with the error.
 */
export function renderRefusal(c: Context, error: unknown, issuer: string) {
  if (error instanceof UnsafeRedirectError || error instanceof AuthorizationPageError)
    return renderAuthorizationError(
      c,
      error.message,
      error instanceof AuthorizationPageError ? error.reason : 'invalid',
    );
  if (error instanceof ClientRedirect)
    return redirectError(c, error.redirectUri, error.error, error.state, issuer);
  throw error;
}

const ACTION_WORDS: Record<string, string> = {
  read: 'see the project and its settings',
  write: 'change the project and its settings',
  'widget:serve': 'sign widget identities for the project',
};

type ConsentProps = Omit<ConsentView, 'redirectUri' | 'details'> & {
  details: AuthorizationDetail[];
  csrf: string;
  redirectHost: string;
  /** A choice that could not be accepted, shown beside the project picker. */
  error?: string;
};

/** The consent page's CSP: the form may also lead to the client's redirect URI (after a 303). */
function consentCsp(redirectUri: string) {
  const url = new URL(redirectUri);
  const target = url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : url.protocol;
  return PAGE_CSP.replace("form-action 'self'", `form-action 'self' ${target}`);
}

/** Renders the consent page of `view`; with `error`, again after a choice that was refused (400). */
export function renderConsent(c: Context, view: ConsentView, csrf: string, error?: string) {
  const { redirectUri, ...props } = view;
  const page = (
    <ConsentPage
      {...props}
      csrf={csrf}
      redirectHost={new URL(redirectUri).host || redirectUri}
      error={error}
    />
  );
  const name = view.app.name || 'an unnamed application';
  return renderPage(c, `Authorize ${name}`, page, error ? 400 : 200, consentCsp(redirectUri));
}

const PAGE_STATUS = { gone: 404, foreign: 403, invalid: 400 } as const;

/** The page of an authorization request that cannot go on (never a redirect: RFC 6749 §4.1.2.1). */
export function renderAuthorizationError(
  c: Context,
  message: string,
  status: AuthorizationPageError['reason'] | 401 | 403 = 'invalid',
) {
  const code = typeof status === 'number' ? status : PAGE_STATUS[status];
  return renderPage(c, 'Authorization error', <AuthorizationErrorPage message={message} />, code);
}

/** The consent page: who asks, for what, on which project; approve or deny (no JavaScript). */
export function ConsentPage(p: ConsentProps) {
  const needsProject = p.projects !== undefined;
  const noProject = needsProject && p.projects?.length === 0;
  return (
    <>
      <h1>Authorize {p.app.name || 'an unnamed application'}?</h1>
      {p.app.description ? <p>{p.app.description}</p> : null}
      {p.app.verified ? (
        <p class="muted">
          By {p.app.ownerName || 'an unknown developer'}. After your decision you will be sent to{' '}
          {p.redirectHost}.
        </p>
      ) : (
        <UnverifiedClient {...p} />
      )}
      <p>
        <strong>{p.app.name || 'This application'}</strong> is asking to:
      </p>
      <ul>
        {p.scopes.map((scope) => (
          <li>{SCOPE_DESCRIPTIONS[scope as Scope] ?? p.scopeDescriptions[scope] ?? scope}</li>
        ))}
        {p.details.map((d) => (
          <li>
            On {d.project_id ? 'the selected project' : 'a project you choose'}:{' '}
            {d.actions.map((a) => ACTION_WORDS[a] ?? a).join(', ')}
          </li>
        ))}
      </ul>
      {/* RFC 8707: the resources the access is for (HAL's API, its MCP server). */}
      <p class="muted">For use with {p.resources.join(' and ')}.</p>
      {noProject ? (
        <form method="post" action={`/oauth/authorize/consent/${p.requestId}/project`}>
          <p>You have no project you can connect yet. Create one to continue.</p>
          {p.error ? (
            <p class="error" role="alert">
              {p.error}
            </p>
          ) : null}
          <input type="hidden" name="csrf" value={p.csrf} />
          <label for="project_name">Project name</label>
          <input id="project_name" name="name" required maxlength={100} />
          <button type="submit">Create project</button>
        </form>
      ) : null}
      <form method="post" action="/oauth/authorize/decision">
        <input type="hidden" name="csrf" value={p.csrf} />
        <input type="hidden" name="request_id" value={p.requestId} />
        {needsProject && !noProject ? (
          <>
            <label for="project_id">Project</label>
            {p.error ? (
              <p class="error" role="alert" id="project_error">
                {p.error}
              </p>
            ) : null}
            <select
              id="project_id"
              name="project_id"
              required
              aria-describedby={p.error ? 'project_error' : undefined}
            >
              {p.projects?.map((project) => (
                <option value={project.id} selected={project.id === p.selectedProjectId}>
                  {project.name}
                </option>
              ))}
            </select>
          </>
        ) : null}
        <button type="submit" name="decision" value="approve" disabled={noProject}>
          Approve
        </button>{' '}
        <button type="submit" name="decision" value="deny" class="secondary">
          Deny
        </button>
      </form>
    </>
  );
}

/**
 * What the page says of a client HAL has not vetted (contract: registered and metadata-document
 * clients): not verified, where the answer goes in large type, and a warning for local-only apps.
 */
function UnverifiedClient(p: ConsentProps) {
  return (
    <>
      <p class="notice" role="note" data-testid="unverified">
        <strong>Not verified by HAL.</strong>{' '}
        {p.app.documentHost
          ? `This application is described by a document published at ${p.app.documentHost}`
          : 'This application registered itself'}
        ; HAL does not know who runs it. Approve only if you trust it.
      </p>
      <p class="destination" data-testid="redirect-host">
        After your decision you will be sent to <strong>{p.redirectHost}</strong>
      </p>
      {p.loopbackOnly ? (
        <p class="notice" role="note" data-testid="loopback-warning">
          This application can only send its answer to a program on your own computer ({p.redirectHost}).
          Approve only if you started it yourself on this device just now.
        </p>
      ) : null}
    </>
  );
}

export const AuthorizationErrorPage = (p: { message: string }) => (
  <>
    <h1>This authorization request cannot be completed</h1>
    <p class="error" role="alert">
      {p.message}
    </p>
    <p class="muted">Go back to the application and try again, or contact its developer.</p>
  </>
);
