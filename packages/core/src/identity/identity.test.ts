import { createHmac, randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { HmacSha256Key, userHash, verifyUserHash } from './user-hash';
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

  it('computes HMAC-SHA256 with its key prepared once: RFC 4231 vectors, and createHmac on random input', () => {
    // RFC 4231 §4.2–§4.8 (case 5, truncated output, compares a prefix); cases 6 and 7 hash a
    // key longer than the block first.
    const vectors: [string, string, string][] = [
      [
        '0b'.repeat(20),
        Buffer.from('Hi There').toString('hex'),
        'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
      ],
      [
        '4a656665',
        Buffer.from('what do ya want for nothing?').toString('hex'),
        '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
      ],
      ['aa'.repeat(20), 'dd'.repeat(50), '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe'],
      [
        '0102030405060708090a0b0c0d0e0f10111213141516171819',
        'cd'.repeat(50),
        '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b',
      ],
      [
        '0c'.repeat(20),
        Buffer.from('Test With Truncation').toString('hex'),
        'a3b6167473100ee06e0c796c2955552b',
      ],
      [
        'aa'.repeat(131),
        Buffer.from('Test Using Larger Than Block-Size Key - Hash Key First').toString('hex'),
        '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
      ],
      [
        'aa'.repeat(131),
        Buffer.from(
          'This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.',
        ).toString('hex'),
        '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2',
      ],
    ];
    for (const [key, data, mac] of vectors) {
      const text = Buffer.from(data, 'hex').toString('latin1');
      // The vectors' data are bytes; those above 0x7f are not one UTF-8 byte each: compare those via createHmac.
      const prepared = new HmacSha256Key(Buffer.from(key, 'hex'));
      const expected = /[\x80-\xff]/.test(text)
        ? createHmac('sha256', Buffer.from(key, 'hex')).update(text, 'utf8').digest('hex')
        : mac;
      expect(prepared.mac(text, 'hex').slice(0, expected.length)).toBe(expected);
    }
    for (let i = 0; i < 200; i++) {
      const secret = randomBytes(i % 150).toString('base64url');
      const key = new HmacSha256Key(secret);
      const text = `${randomBytes(i).toString('base64')}é€😀`.slice(0, i * 3);
      for (const encoding of ['hex', 'base64url'] as const)
        expect(key.mac(text, encoding)).toBe(
          createHmac('sha256', secret).update(text, 'utf8').digest(encoding),
        );
    }
  });

  it('gives the same answers under the secret prepared as an HmacSha256Key', () => {
    const key = new HmacSha256Key(SECRET);
    expect(userHash(key, 'user-42')).toBe('6ab66a647a1d18d47e6c221a284438b21bf581410fce6979cf61060e4a60d253');
    expect(verifyUserHash(key, 'user-42', userHash(SECRET, 'user-42'))).toBe(true);
    expect(verifyUserHash(new HmacSha256Key('other-secret'), 'user-42', userHash(SECRET, 'user-42'))).toBe(
      false,
    );
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
    const jwt = signUserJwt(SECRET, { user_id: 'u1', name: 'Ada', email: 'ada@example.test' });
    const claims = JSON.parse(Buffer.from(jwt.split('.')[1] as string, 'base64url').toString());
    expect(claims.exp - claims.iat).toBeLessThanOrEqual(3600);
    expect(await verifyUserJwt(SECRET, jwt)).toEqual({
      user_id: 'u1',
      name: 'Ada',
      email: 'ada@example.test',
    });
  });

  it('signs the same token under the secret prepared as an HmacSha256Key', async () => {
    const jwt = signUserJwt(new HmacSha256Key(SECRET), { user_id: 'u1', name: 'Ada' });
    expect(await verifyUserJwt(SECRET, jwt)).toEqual({ user_id: 'u1', name: 'Ada' });
    expect(await verifyUserJwt('other', jwt)).toBeUndefined();
  });

  it('refuses another secret, a tampered payload, an expired token and a too-long lifetime', async () => {
    const jwt = signUserJwt(SECRET, { user_id: 'u1' });
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
