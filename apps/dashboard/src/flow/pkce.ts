// PKCE values made in the browser with Web Crypto (also Node's global `crypto`): nothing leaves the page.

const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

const random = (size: number) => base64url(crypto.getRandomValues(new Uint8Array(size)));

/**
 * A code_verifier of 43 characters from 32 random bytes.
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.1
 */
export const newCodeVerifier = () => random(32);

/** An unguessable `state` (RFC 6749 §10.12: CSRF protection of the redirect). */
export const newState = () => random(16);

/**
 * The S256 code_challenge of a verifier: BASE64URL(SHA256(ASCII(verifier))).
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.2
 */
export async function s256(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}
