import type { AccountUser } from '@hal/db';

export type AuthMethod = 'session' | 'basic' | 'pat' | 'oauth';

/** Who is calling and what they may do; built once per request by the auth middleware. */
export interface Principal {
  user: AccountUser;
  method: AuthMethod;
  scopes: ReadonlySet<string>;
  /** OAuth access tokens only. */
  clientId?: string;
  grantId?: string;
  /** OAuth grants bound to one project (project-level scopes). */
  projectId?: string;
}
