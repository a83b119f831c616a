import { hash, randomBytes } from 'node:crypto';

/**
 * Keys for credentials kept in this process's memory: SHA-256 over a random prefix born with the
 * returned function and the credential, so a dump of a cache reveals neither the credential nor
 * anything to look it up by elsewhere. It is no MAC that anyone verifies (length extension means
 * nothing for a lookup key); one-shot `crypto.hash` costs a third of an HMAC object, on every
 * authenticated request.
 */
export function cacheKeyer(): (credential: string) => string {
  const prefix = randomBytes(32).toString('base64');
  return (credential) => hash('sha256', prefix + credential, 'base64url');
}
