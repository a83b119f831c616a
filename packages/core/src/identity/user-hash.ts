import { createHmac, hash } from 'node:crypto';
import { constantEqual } from '../crypto';

const BLOCK = 64; // SHA-256's block size in bytes (RFC 2104 §2: B)
const DIGEST = 32; // SHA-256's output size in bytes (RFC 2104 §2: L)

/**
 * HMAC-SHA256 (RFC 2104 §2) under one key, its padded blocks computed once: each MAC is then
 * two one-shot SHA-256 digests, H((K ^ opad) || H((K ^ ipad) || text)), rather than a
 * `createHmac` whose key set-up costs more than the hashing of a short text.
 * @see https://www.rfc-editor.org/rfc/rfc2104#section-2
 */
export class HmacSha256Key {
  readonly #ipad: Buffer;
  // K ^ opad, then room for the inner digest (written by each MAC: JavaScript runs one at a time).
  readonly #outer: Buffer;

  /** `secret` as bytes, or as text whose UTF-8 bytes are the key (as `createHmac` takes it). */
  constructor(secret: string | Uint8Array) {
    let key: Buffer = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
    // RFC 2104 §2: a key longer than B bytes is hashed first.
    if (key.length > BLOCK) key = hash('sha256', key, 'buffer');
    this.#ipad = Buffer.alloc(BLOCK, 0x36);
    this.#outer = Buffer.alloc(BLOCK + DIGEST, 0x5c);
    for (let i = 0; i < key.length; i++) {
      this.#ipad[i] = (key[i] as number) ^ 0x36;
      this.#outer[i] = (key[i] as number) ^ 0x5c;
    }
  }

  /** The MAC of `text` (UTF-8), encoded. */
  mac(text: string, encoding: 'hex' | 'base64url'): string {
    const inner = Buffer.allocUnsafe(BLOCK + Buffer.byteLength(text, 'utf8'));
    this.#ipad.copy(inner, 0);
    inner.write(text, BLOCK, 'utf8');
    hash('sha256', inner, 'buffer').copy(this.#outer, BLOCK);
    return hash('sha256', this.#outer, encoding);
  }
}

/** A project's identity secret: as text, or as an {@link HmacSha256Key} made from it once. */
export type IdentityKey = string | HmacSha256Key;

/** HMAC-SHA256 of `text` under `key`. */
export const hmacSha256 = (key: IdentityKey, text: string, encoding: 'hex' | 'base64url') =>
  typeof key === 'string'
    ? createHmac('sha256', key).update(text, 'utf8').digest(encoding)
    : key.mac(text, encoding);

/**
 * The widget's `user_hash`: lowercase hex HMAC-SHA256 of the user id under the project's
 * identity secret.
 * @see https://www.rfc-editor.org/rfc/rfc2104
 */
export function userHash(identitySecret: IdentityKey, userId: string): string {
  return hmacSha256(identitySecret, userId, 'hex');
}

/** Checks a presented `user_hash` in constant time. */
export function verifyUserHash(identitySecret: IdentityKey, userId: string, presented: string): boolean {
  return constantEqual(userHash(identitySecret, userId), presented);
}
