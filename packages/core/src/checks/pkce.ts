import { createHash } from 'node:crypto';
import { constantEqual } from '../crypto';
import { InvalidGrant, InvalidRequest } from '../errors';

// RFC 7636 §4.1: code-verifier = 43*128unreserved, unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~"
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
// RFC 7636 §4.2: an S256 challenge is BASE64URL(SHA256(verifier)) without padding, 32 bytes → 43 chars
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/**
 * The S256 transformation: BASE64URL-ENCODE(SHA256(ASCII(code_verifier))).
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.2
 */
export const codeChallengeS256 = (verifier: string) =>
  createHash('sha256').update(verifier, 'ascii').digest('base64url');

/**
 * Checks the PKCE parameters of an authorization request; only S256 is accepted.
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-2.1.1
 */
export function checkCodeChallenge(challenge?: string, method?: string): void {
  // RFC 9700 §2.1.1, OAuth 2.1 §4.1.1: PKCE is required for every client, public or confidential
  if (!challenge) throw new InvalidRequest('code_challenge is required');
  // RFC 9700 §2.1.1: plain is refused, and an absent method means plain (RFC 7636 §4.3)
  if (method !== 'S256') throw new InvalidRequest('code_challenge_method must be S256');
  if (!S256_CHALLENGE.test(challenge)) throw new InvalidRequest('code_challenge is malformed');
}

/**
 * Verifies the code_verifier of a token request against the challenge stored with the code.
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.6
 */
export function verifyCodeVerifier(verifier: string | undefined, challenge: string): void {
  // OAuth 2.1 §4.1.3: code_verifier is REQUIRED when the authorization request carried a challenge
  if (!verifier) throw new InvalidRequest('code_verifier is required');
  if (!VERIFIER.test(verifier)) throw new InvalidRequest('code_verifier is malformed');
  // RFC 7636 §4.6: the server MUST compare BASE64URL(SHA256(verifier)) with the stored challenge
  if (!constantEqual(codeChallengeS256(verifier), challenge)) {
    throw new InvalidGrant('code_verifier does not match the code_challenge');
  }
}
