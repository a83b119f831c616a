import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  constantEqual,
  decryptSecret,
  encryptSecret,
  hashToken,
  matchesTokenHash,
  randomBase62,
} from './crypto';

describe('constantEqual', () => {
  it.each([
    ['abc', 'abc', true],
    ['abc', 'abd', false],
    ['abc', 'abcd', false],
    ['', '', true],
    ['é', 'é', true],
  ])('%s vs %s is %s', (a, b, expected) => {
    expect(constantEqual(a, b)).toBe(expected);
  });
});

describe('matchesTokenHash', () => {
  const stored = hashToken('hal_cs_secret');

  it('matches the token whose hash is stored, and nothing else', () => {
    expect(matchesTokenHash('hal_cs_secret', stored)).toBe(true);
    expect(matchesTokenHash('hal_cs_secreT', stored)).toBe(false);
    expect(matchesTokenHash('', stored)).toBe(false);
  });

  it.each([
    ['a truncated hash', stored.slice(0, -1)],
    ['a longer hash', `${stored}A`],
    ['the hash in padded base64', `${Buffer.from(stored, 'base64url').toString('base64')}`],
    ['an empty hash', ''],
  ])('matches nothing against %s', (_, hash) => {
    expect(matchesTokenHash('hal_cs_secret', hash)).toBe(false);
  });
});

describe('hashToken', () => {
  it('is SHA-256 in base64url (known answer)', () => {
    // sha256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
    expect(hashToken('abc')).toBe(
      Buffer.from('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', 'hex').toString(
        'base64url',
      ),
    );
  });
});

describe('randomBase62', () => {
  it('yields the requested length from the base62 alphabet, never twice the same', () => {
    const a = randomBase62(43);
    expect(a).toMatch(/^[0-9A-Za-z]{43}$/);
    expect(randomBase62(43)).not.toBe(a);
  });
});

describe('encryptSecret / decryptSecret (AES-256-GCM)', () => {
  const key = randomBytes(32);

  it('round-trips and never contains the plaintext', () => {
    const sealed = encryptSecret('hal_ws_secret', key, 'proj_1');
    expect(sealed).not.toContain('hal_ws_secret');
    expect(decryptSecret(sealed, key, 'proj_1')).toBe('hal_ws_secret');
    expect(encryptSecret('hal_ws_secret', key, 'proj_1')).not.toBe(sealed); // fresh nonce
  });

  it('refuses a wrong key, a wrong AAD and a tampered ciphertext', () => {
    const sealed = encryptSecret('hal_ws_secret', key, 'proj_1');
    expect(() => decryptSecret(sealed, randomBytes(32), 'proj_1')).toThrow();
    expect(() => decryptSecret(sealed, key, 'proj_2')).toThrow();
    const [v, iv, ct, tag] = sealed.split('.');
    const flipped = Buffer.from(ct as string, 'base64url');
    flipped[0] = (flipped[0] as number) ^ 1;
    expect(() =>
      decryptSecret([v, iv, flipped.toString('base64url'), tag].join('.'), key, 'proj_1'),
    ).toThrow();
  });
});

describe('isUnstorable', () => {
  it('finds NUL in nested strings and keys, refuses deep nesting without recursion', async () => {
    const { isUnstorable } = await import('./params');
    expect(isUnstorable({ a: ['x', { b: 'y\u0000' }] })).toBe(true);
    expect(isUnstorable({ 'k\u0000': 1 })).toBe(true);
    expect(isUnstorable({ a: ['x', { b: 'y' }] })).toBe(false);
    // Unpaired surrogates are not Unicode text (PostgreSQL's jsonb refuses them); pairs are fine.
    expect(isUnstorable({ a: 'x\ud800' })).toBe(true);
    expect(isUnstorable(['\udc00y'])).toBe(true);
    expect(isUnstorable({ '\ud800': 1 })).toBe(true);
    expect(isUnstorable('\ud83d\ude00 emoji')).toBe(false);
    expect(isUnstorable(JSON.parse(`${'['.repeat(10_000)}${']'.repeat(10_000)}`))).toBe(true);
  });
});
