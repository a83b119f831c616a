import type { Db } from '../database';
import { accountStore } from './accounts';
import { oauthAppStore } from './oauth-apps';
import { oauthTokenStore } from './oauth-tokens';
import { operationsStore } from './operations';
import { projectStore } from './projects';

export { type AccountUser, accountUser, type PersonalAccessToken, type Session, type User } from './accounts';
export { APPS_CHANGED, type OAuthApp } from './oauth-apps';
export type { AuditEvent, SigningKey } from './operations';
export type { Project, ProjectWithRole, Role } from './projects';

/** Every query HAL runs, grouped by concept; built once per database so prepared statements are reused. */
export function createStores(db: Db) {
  return {
    accounts: accountStore(db),
    projects: projectStore(db),
    apps: oauthAppStore(db),
    oauth: oauthTokenStore(db),
    ops: operationsStore(db),
  };
}

export type Stores = ReturnType<typeof createStores>;
