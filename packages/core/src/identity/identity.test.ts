import { createSecretKey } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { userHash, verifyUserHash } from './user-hash';
import { signUserJwt, verifyUserJwt } from './user-jwt';

const SECRET = 'hal_ws_test_secret';

describe('user_hash (HMAC-SHA256, lowercase hex)', () => {
  it('matches known-answer vectors (RFC 4231 test case 2 and a HAL vector)', () => {
    // RFC 4231 §4.3: key "Jefe", data "what do ya want for nothing?"
    expect(userHash('Jefe', 'what do ya want for nothing?')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
    // Computed independently with `printf %s user-42 | openssl dgst -sha256 -hmac hal_ws_test_secret`.
    expect(userHash(SECRET, 'user-42')).toBe(
      '6ab66a647a1d18d47e6c221a284438b21bf581410fce6979cf61060e4a60d253',
    );
  });

  it('gives the same answers under the secret as a KeyObject of its UTF-8 bytes', () => {
    const key = createSecretKey(SECRET, 'utf8');
    expect(userHash(key, 'user-42')).toBe('6ab66a647a1d18d47e6c221a284438b21bf581410fce6979cf61060e4a60d253');
    expect(verifyUserHash(key, 'user-42', userHash(SECRET, 'user-42'))).toBe(true);
    expect(
      verifyUserHash(createSecretKey('other-secret', 'utf8'), 'user-42', userHash(SECRET, 'user-42')),
    ).toBe(false);
  });

  it('verifies the right hash and refuses a tampered one, another user or upper case', () => {
    const hash = userHash(SECRET, 'user-42');
    expect(verifyUserHash(SECRET, 'user-42', hash)).toBe(true);
    expect(verifyUserHash(SECRET, 'user-43', hash)).toBe(false);
    const flipped = `${hash.slice(0, -1)}${hash.endsWith('0') ? '1' : '0'}`;
    expect(verifyUserHash(SECRET, 'user-42', flipped)).toBe(false);
    expect(verifyUserHash(SECRET, 'user-42', hash.toUpperCase())).toBe(false);
    expect(verifyUserHash('other-secret', 'user-42', hash)).toBe(false);
  });
});

describe('user_jwt (HS256)', () => {
  it('round-trips sub, name and email and expires within an hour', async () => {
    const jwt = await signUserJwt(SECRET, { user_id: 'u1', name: 'Ada', email: 'ada@example.test' });
    const claims = JSON.parse(Buffer.from(jwt.split('.')[1] as string, 'base64url').toString());
    expect(claims.exp - claims.iat).toBeLessThanOrEqual(3600);
    expect(await verifyUserJwt(SECRET, jwt)).toEqual({
      user_id: 'u1',
      name: 'Ada',
      email: 'ada@example.test',
    });
  });

  it('signs the same token under the secret as a KeyObject', async () => {
    const jwt = await signUserJwt(createSecretKey(SECRET, 'utf8'), { user_id: 'u1', name: 'Ada' });
    expect(await verifyUserJwt(SECRET, jwt)).toEqual({ user_id: 'u1', name: 'Ada' });
    expect(await verifyUserJwt('other', jwt)).toBeUndefined();
  });

  it('refuses another secret, a tampered payload, an expired token and a too-long lifetime', async () => {
    const jwt = await signUserJwt(SECRET, { user_id: 'u1' });
    expect(await verifyUserJwt('other', jwt)).toBeUndefined();
    const [h, , s] = jwt.split('.');
    const forged = [
      h,
      Buffer.from(JSON.stringify({ sub: 'admin', iat: 1, exp: 9e9 })).toString('base64url'),
      s,
    ].join('.');
    expect(await verifyUserJwt(SECRET, forged)).toBeUndefined();
    const key = new TextEncoder().encode(SECRET);
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u1')
      .setIssuedAt(now - 7200)
      .setExpirationTime(now - 3600)
      .sign(key);
    expect(await verifyUserJwt(SECRET, expired)).toBeUndefined();
    const longLived = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u1')
      .setIssuedAt(now)
      .setExpirationTime(now + 86400)
      .sign(key);
    expect(await verifyUserJwt(SECRET, longLived)).toBeUndefined();
    const noExp = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u1')
      .setIssuedAt(now)
      .sign(key);
    expect(await verifyUserJwt(SECRET, noExp)).toBeUndefined();
  });
});
