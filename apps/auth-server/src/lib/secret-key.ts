import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Decodes HAL_SECRET_KEY (64 hex chars, or base64/base64url of 32 bytes). */
export function decodeSecretKey(value: string): Buffer {
  const trimmed = value.trim();
  const key = /^[0-9a-f]{64}$/i.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : Buffer.from(trimmed, 'base64url');
  if (key.length !== 32) throw new Error('HAL_SECRET_KEY must encode exactly 32 bytes (64 hex characters)');
  return key;
}

/** The configured key, or the one kept in `<dataDir>/secret.key`, created (mode 0600) on first start. */
export function loadSecretKey(configured: string | undefined, dataDir: string): Buffer {
  if (configured) return decodeSecretKey(configured);
  const file = join(dataDir, 'secret.key');
  try {
    return decodeSecretKey(readFileSync(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  // 'wx' fails if another process created it first; then read theirs so both agree.
  try {
    writeFileSync(file, key.toString('hex'), { mode: 0o600, flag: 'wx' });
    return key;
  } catch {
    return decodeSecretKey(readFileSync(file, 'utf8'));
  }
}
