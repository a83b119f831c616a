import { createHmac, type KeyObject } from 'node:crypto';
import { constantEqual } from '../crypto';

/**
 * A project's identity secret: as text, or as a secret `KeyObject` made from its UTF-8 bytes
 * once (`createSecretKey`), which spares each HMAC converting the key again.
 */
export type IdentityKey = string | KeyObject;

/**
 * The widget's `user_hash`: lowercase hex HMAC-SHA256 of the user id under the project's
 * identity secret.
 * @see https://www.rfc-editor.org/rfc/rfc2104
 */
export function userHash(identitySecret: IdentityKey, userId: string): string {
  return createHmac('sha256', identitySecret).update(userId, 'utf8').digest('hex');
}

/** Checks a presented `user_hash` in constant time. */
export function verifyUserHash(identitySecret: IdentityKey, userId: string, presented: string): boolean {
  return constantEqual(userHash(identitySecret, userId), presented);
}
