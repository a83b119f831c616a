import { InvalidScope } from '../errors';
import { OAUTH_SCOPES } from '../scopes';

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
const KNOWN: readonly string[] = OAUTH_SCOPES;

/**
 * Checks the scopes of an authorization request against the catalogue and the app's allowed scopes.
 * `foreign`: scopes a requested registered resource defines (and none of HAL's requested resources
 * does); the client's allowed scopes are a ceiling on HAL's own scopes only, so these are checked
 * by the user's consent alone (contract "Registered resource servers").
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.3
 */
export function checkRequestedScopes(
  requested: readonly string[],
  allowed: readonly string[],
  foreign: ReadonlySet<string> = new Set(),
): void {
  for (const scope of requested) {
    // RFC 6749 §5.2: error_description may only carry %x20-21 / %x23-5B / %x5D-7E, so never echo others
    if (!SCOPE_TOKEN.test(scope)) throw new InvalidScope('scope is malformed');
    if (foreign.has(scope)) continue;
    if (!KNOWN.includes(scope)) throw new InvalidScope(`unknown scope: ${scope}`);
    if (!allowed.includes(scope)) throw new InvalidScope(`scope not allowed for this client: ${scope}`);
  }
}

/**
 * Returns the scope of the access token issued by a refresh; the rotated refresh token keeps `granted`.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 */
export function checkRefreshScope(requested: readonly string[], granted: readonly string[]): string[] {
  // RFC 6749 §6: if omitted, the scope is treated as equal to the scope originally granted
  if (requested.length === 0) return [...granted];
  // RFC 6749 §6: the requested scope MUST NOT include any scope not originally granted
  if (requested.some((scope) => !granted.includes(scope))) {
    throw new InvalidScope('scope exceeds the original grant');
  }
  return [...requested];
}
