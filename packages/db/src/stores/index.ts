import { ChangeFeed } from '../cache/change-feed';
import type { Db } from '../database';
import { accountStore } from './accounts';
import { auditStore } from './audit';
import { keyStore } from './keys';
import { rateLimitStore } from './limits';
import { grantStore, oauthStore, requestStore } from './oauth';
import { oauthAppStore } from './oauth-apps';
import { projectStore } from './projects';
import { registeredClientStore } from './registered-clients';
import { resourceServerStore } from './resource-servers';

export { type AccountUser, accountUser, type PersonalAccessToken, type Session, type User } from './accounts';
export type { AuditEvent } from './audit';
export type { SigningKey } from './keys';
export type { OAuthApp } from './oauth-apps';
export type { Project, ProjectWithRole, Role } from './projects';
export type { ResourceServer } from './resource-servers';

/**
 * Every query HAL runs, grouped by concept; built once per database so prepared statements are
 * reused. The hot reads are cached per process once `feed` listens for changes (see
 * {@link ChangeFeed}); until then, and without a feed, every read goes to the database.
 */
export function createStores(db: Db, feed = new ChangeFeed()) {
  const grants = grantStore(db, feed);
  return {
    feed,
    accounts: accountStore(db, feed),
    projects: projectStore(db, feed),
    apps: oauthAppStore(db, feed),
    registeredClients: registeredClientStore(db, feed),
    resourceServers: resourceServerStore(db, feed),
    oauth: oauthStore(db, feed, grants),
    requests: requestStore(db),
    grants,
    keys: keyStore(db),
    audit: auditStore(db),
    limits: rateLimitStore(db),
  };
}

export type Stores = ReturnType<typeof createStores>;
