import type { ChangeFeed, ReadCache } from '@hal/db';
import { cacheKeyer } from './cache-key';

/** As long as the OAuth tokens' revocation states: the staleness bound should a NOTIFY be lost. */
const TTL_MS = 10_000;

/**
 * Credentials this process verified (a Basic password, a session JWT, a personal access token),
 * kept a few seconds so that a script's every request does not pay a password hash, a signature
 * or database lookups. Only successes are kept, under a keyed hash of the credential (cache-key.ts:
 * a secret prefix born and dying with this cache), never the credential itself. Every process drops
 * them all when a session, a token or a user changes anywhere (the 'credentials' NOTIFY of
 * migration 0005, see ChangeFeed).
 */
export class CredentialCache<V> {
  readonly #cache: ReadCache<string, V>;

  constructor(feed: ChangeFeed, ttlMs = TTL_MS) {
    this.#cache = feed.cache('credentials', ttlMs);
  }

  /** The cache key of `credential`: meaningless outside this cache, so a dump of it reveals nothing. */
  readonly keyOf = cacheKeyer();

  /** What `verify()` found for `credential` (kept when defined), or what it found a moment ago. */
  get(credential: string, verify: () => Promise<V | undefined>): Promise<V | undefined> {
    return this.#cache.get(this.keyOf(credential), verify);
  }
}
