import {
  createCipheriv,
  createDecipheriv,
  hash,
  randomBytes,
  randomFillSync,
  timingSafeEqual,
} from 'node:crypto';

// One-shot `crypto.hash` (Node 20.12+): about 3x cheaper than a createHash object for short inputs,
// and the token endpoint hashes several values per request.
const sha256 = (value: string | Uint8Array) => hash('sha256', value, 'buffer');

/**
 * Compares two secrets in constant time. Lengths are compared through their SHA-256 digests so
 * that neither the content nor the length of the expected value leaks through timing.
 */
export function constantEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  const da = sha256(a);
  const db = sha256(b);
  return timingSafeEqual(da, db) && Buffer.byteLength(a as string) === Buffer.byteLength(b as string);
}

/** The one way HAL hashes a high-entropy token (PAT, refresh token, code, session) for storage. */
export function hashToken(token: string): string {
  return hash('sha256', token, 'base64url');
}

const DIGEST_BYTES = 32;

/**
 * True when `token` is what {@link hashToken} turned into `storedHash`, compared in constant time.
 * Both sides are 32-byte digests (a stored hash of any other length matches nothing, and its
 * length is no secret of the presented token), so one SHA-256 suffices where {@link constantEqual}
 * would hash three times.
 */
export function matchesTokenHash(token: string, storedHash: string): boolean {
  const stored = Buffer.from(storedHash, 'base64url');
  if (stored.length !== DIGEST_BYTES || stored.toString('base64url') !== storedHash) return false;
  return timingSafeEqual(hash('sha256', token, 'buffer'), stored);
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

// Random bytes drawn in blocks (crypto.randomFillSync, refilled when spent): one call per ~90
// secrets instead of an allocation and a call per secret. Each byte is used once, then zeroed.
const entropy = Buffer.alloc(4096);
let drawn = entropy.length;

/** Uniform random base62 string (rejection sampling, no modulo bias). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    if (drawn === entropy.length) {
      randomFillSync(entropy);
      drawn = 0;
    }
    const byte = entropy[drawn] as number;
    entropy[drawn++] = 0;
    if (byte < 248) out += BASE62[byte % 62];
  }
  return out;
}

/** AES-256-GCM with a random 96-bit nonce; output is `v1.<iv>.<ciphertext>.<tag>` in base64url. */
export function encryptSecret(plaintext: string, key: Uint8Array, aad = ''): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv, ct, cipher.getAuthTag()]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

/** Inverse of {@link encryptSecret}; throws when the key, the AAD or the ciphertext is wrong. */
export function decryptSecret(sealed: string, key: Uint8Array, aad = ''): string {
  const [version, iv, ct, tag] = sealed.split('.');
  if (version !== 'v1' || !iv || !ct || !tag) throw new Error('unrecognised sealed secret');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
}
