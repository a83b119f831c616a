import { describe, expect, it } from 'vitest';
import { InvalidGrant, InvalidRequest, type OAuthError } from '../errors';
import { checkCodeChallenge, codeChallengeS256, verifyCodeVerifier } from './pkce';

const thrown = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err as OAuthError;
  }
  throw new Error('expected an error');
};

// RFC 7636 Appendix B
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

describe('codeChallengeS256', () => {
  it('matches the known-answer vector of RFC 7636 Appendix B', () => {
    expect(codeChallengeS256(VERIFIER)).toBe(CHALLENGE);
  });
});

describe('checkCodeChallenge', () => {
  it('accepts an S256 challenge of 43 base64url characters (RFC 7636 §4.2)', () => {
    expect(() => checkCodeChallenge(CHALLENGE, 'S256')).not.toThrow();
  });

  it.each([
    ['absent', undefined, 'S256'],
    ['empty', '', 'S256'],
    ['absent, with plain', undefined, 'plain'],
  ])(
    'rejects an %s code_challenge with invalid_request: PKCE is required for every client (RFC 9700 §2.1.1)',
    (_, challenge, method) => {
      const err = thrown(() => checkCodeChallenge(challenge, method));
      expect(err).toBeInstanceOf(InvalidRequest);
      expect(err).toMatchObject({
        error: 'invalid_request',
        error_description: 'code_challenge is required',
      });
    },
  );

  it.each([
    ['plain', 'plain'],
    ['an absent method, which defaults to plain (RFC 7636 §4.3)', undefined],
    ['an empty method', ''],
    ['lower-case s256 (method names are case-sensitive)', 's256'],
    ['an unknown method', 'S512'],
  ])('rejects %s with invalid_request (RFC 9700 §2.1.1)', (_, method) => {
    const err = thrown(() => checkCodeChallenge(CHALLENGE, method));
    expect(err).toBeInstanceOf(InvalidRequest);
    expect(err).toMatchObject({
      error: 'invalid_request',
      error_description: 'code_challenge_method must be S256',
    });
  });

  it.each([
    ['42 characters', CHALLENGE.slice(0, 42)],
    ['44 characters', `${CHALLENGE}A`],
    ['128 characters, a plain-length value', 'a'.repeat(128)],
    ['base64 padding', `${CHALLENGE.slice(0, 42)}=`],
    ['standard base64 characters', `${CHALLENGE.slice(0, 41)}+/`],
    ['unreserved characters outside base64url', `${CHALLENGE.slice(0, 41)}.~`],
  ])('rejects a challenge of %s with invalid_request (RFC 7636 §4.2)', (_, challenge) => {
    const err = thrown(() => checkCodeChallenge(challenge, 'S256'));
    expect(err).toBeInstanceOf(InvalidRequest);
    expect(err).toMatchObject({ error: 'invalid_request', error_description: 'code_challenge is malformed' });
  });
});

describe('verifyCodeVerifier', () => {
  it('accepts the RFC 7636 Appendix B verifier for its challenge', () => {
    expect(() => verifyCodeVerifier(VERIFIER, CHALLENGE)).not.toThrow();
  });

  it.each([
    ['43', 'a'.repeat(43)],
    ['128', `${'A1-._~'.repeat(21)}zz`],
  ])('accepts a matching verifier of %s characters (RFC 7636 §4.1)', (_, verifier) => {
    expect(() => verifyCodeVerifier(verifier, codeChallengeS256(verifier))).not.toThrow();
  });

  it.each([
    ['absent', undefined],
    ['empty', ''],
  ])('rejects an %s code_verifier with invalid_request (OAuth 2.1 §4.1.3)', (_, verifier) => {
    const err = thrown(() => verifyCodeVerifier(verifier, CHALLENGE));
    expect(err).toBeInstanceOf(InvalidRequest);
    expect(err).toMatchObject({ error: 'invalid_request', error_description: 'code_verifier is required' });
  });

  it.each([
    ['42 characters', 'a'.repeat(42)],
    ['129 characters', 'a'.repeat(129)],
    ['a space', `${VERIFIER.slice(0, 42)} `],
    ['a plus sign', `${VERIFIER.slice(0, 42)}+`],
    ['padding', `${VERIFIER}=`],
  ])('rejects a code_verifier with %s with invalid_request (RFC 7636 §4.1)', (_, verifier) => {
    const err = thrown(() => verifyCodeVerifier(verifier, codeChallengeS256(verifier)));
    expect(err).toBeInstanceOf(InvalidRequest);
    expect(err).toMatchObject({ error: 'invalid_request', error_description: 'code_verifier is malformed' });
  });

  it.each([
    ['a different verifier', 'a'.repeat(43)],
    ['a verifier differing in its last character', `${VERIFIER.slice(0, 42)}l`],
    ['the challenge itself, as a plain verifier would be', CHALLENGE],
  ])('rejects %s with invalid_grant (RFC 7636 §4.6)', (_, verifier) => {
    const err = thrown(() => verifyCodeVerifier(verifier, CHALLENGE));
    expect(err).toBeInstanceOf(InvalidGrant);
    expect(err).toMatchObject({
      error: 'invalid_grant',
      error_description: 'code_verifier does not match the code_challenge',
      status: 400,
    });
  });
});
