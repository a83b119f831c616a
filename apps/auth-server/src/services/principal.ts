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
