/** @jsxImportSource preact */
/** @jsxRuntime automatic */
import { type AuthorizationDetail, SCOPE_DESCRIPTIONS, type Scope } from '@hal/core';

const ACTION_WORDS: Record<string, string> = {
  read: 'see the project and its settings',
  write: 'change the project and its settings',
  'widget:serve': 'sign widget identities for the project',
};

export interface ConsentProps {
  requestId: string;
  csrf: string;
  app: { name: string; description: string; ownerName: string; logoUrl: string | null };
  scopes: string[];
  details: AuthorizationDetail[];
  redirectHost: string;
  /** Present when a project must be picked: the user's projects where they are owner or admin. */
  projects?: { id: string; name: string }[];
  selectedProjectId?: string;
  error?: string;
}

/** The consent page: who asks, for what, on which project; approve or deny (no JavaScript). */
export function ConsentPage(p: ConsentProps) {
  const needsProject = p.projects !== undefined;
  const noProject = needsProject && p.projects?.length === 0;
  return (
    <>
      <h1>Authorize {p.app.name}?</h1>
      {p.app.description ? <p>{p.app.description}</p> : null}
      <p class="muted">
        By {p.app.ownerName || 'an unknown developer'}. After your decision you will be sent to{' '}
        {p.redirectHost}.
      </p>
      {p.error ? (
        <p class="error" role="alert">
          {p.error}
        </p>
      ) : null}
      <p>
        <strong>{p.app.name}</strong> is asking to:
      </p>
      <ul>
        {p.scopes.map((scope) => (
          <li>{SCOPE_DESCRIPTIONS[scope as Scope] ?? scope}</li>
        ))}
        {p.details.map((d) => (
          <li>
            On {d.project_id ? 'the selected project' : 'a project you choose'}:{' '}
            {d.actions.map((a) => ACTION_WORDS[a] ?? a).join(', ')}
          </li>
        ))}
      </ul>
      {noProject ? (
        <form method="post" action={`/oauth/authorize/consent/${p.requestId}/project`}>
          <p>You have no project you can connect yet. Create one to continue.</p>
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
            <select id="project_id" name="project_id" required>
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

export const AuthorizationErrorPage = (p: { message: string }) => (
  <>
    <h1>This authorization request cannot be completed</h1>
    <p class="error" role="alert">
      {p.message}
    </p>
    <p class="muted">Go back to the application and try again, or contact its developer.</p>
  </>
);
