import type { OAuthStore } from '@hal/core';
import type { ChangeFeed } from '../../cache/change-feed';
import type { Db } from '../../database';
import { inScope } from '../../scope';
import { writeAudit } from '../audit';
import { codeStore } from './codes';
import type { GrantStore } from './grants';
import { refreshRotation } from './rotation';
import { tokenStore } from './tokens';

export { type GrantStore, grantStore } from './grants';
export { requestStore } from './requests';

/**
 * The {@link OAuthStore} of packages/core, assembled from its concepts, plus what the revoke and
 * introspect endpoints and Bearer authentication read and revoke.
 */
export function oauthStore(db: Db, feed: ChangeFeed, grants: GrantStore) {
  return {
    ...codeStore(db, feed),
    ...tokenStore(db, feed),
    grant: grants.get,
    revokeGrant: (grantId: string, scope?: unknown) => inScope(scope, () => grants.revoke(grantId)),
    rotateRefreshToken: refreshRotation(db),
    // Through the one audit writer; fields left out take the columns' defaults (null, `data` {}).
    audit: (event: Parameters<typeof writeAudit>[1], scope?: unknown) =>
      inScope(scope, () => writeAudit(db, event)),
  } satisfies OAuthStore;
}
