import { createHmac } from 'node:crypto';
import { constantEqual } from '../crypto';

/**
 * The widget's `user_hash`: lowercase hex HMAC-SHA256 of the user id under the project's
 * identity secret.
 * @see https://www.rfc-editor.org/rfc/rfc2104
 */
export function userHash(identitySecret: string, userId: string): string {
  return createHmac('sha256', identitySecret).update(userId, 'utf8').digest('hex');
}

/** Checks a presented `user_hash` in constant time. */
export function verifyUserHash(identitySecret: string, userId: string, presented: string): boolean {
  return constantEqual(userHash(identitySecret, userId), presented);
}
