import type { AccountUser } from '@hal/db';

export type AuthMethod = 'session' | 'basic' | 'pat' | 'oauth';

/**
 * Who is calling and what they may do. The HTTP layer's authentication builds it once per request;
 * use cases read it, whichever surface called them.
 */
export interface Principal {
  user: AccountUser;
  method: AuthMethod;
  scopes: ReadonlySet<string>;
  /** OAuth access tokens only. */
  clientId?: string;
  /** OAuth grants bound to one project (project-level scopes). */
  projectId?: string;
}

/** The caller as `GET /api/v1/auth/me` and the MCP `whoami` tool show it (contract). */
export function describePrincipal({ user, method, scopes, clientId, projectId }: Principal) {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    auth: {
      method,
      scopes: [...scopes],
      ...(clientId && { client_id: clientId }),
      ...(projectId && { project_id: projectId }),
    },
  };
}
