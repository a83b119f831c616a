const MAX_LENGTH = 2000;
const LOOPBACK_HOSTS = ['127.0.0.1', '[::1]', 'localhost'];

// RFC 3986 §2: the characters a URI may contain (unreserved, reserved and percent); no spaces, `\`, `"`, `<`…
const URI_CHARS = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+$/;
// The raw `scheme://authority rest`, so that checks see the registered string and not a normalised form.
const HIERARCHICAL = /^(https?):\/\/([^/?#]*)(.*)$/;
// RFC 8252 §7.3: a loopback IP literal redirect; groups: host, port, path and query.
const LOOPBACK_IP = /^http:\/\/(127\.0\.0\.1|\[::1\])(?::(\d{1,5}))?([/?][^#]*)?$/;

const hostOf = (authority: string) => authority.replace(/:\d*$/, '');

/**
 * Checks one redirect URI an app registers; returns what is wrong with it, or null when it is acceptable.
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.1.3
 */
export function validateRegisteredRedirectUri(uri: string): string | null {
  if (uri.length > MAX_LENGTH) return `redirect_uri must be at most ${MAX_LENGTH} characters`;
  if (!URI_CHARS.test(uri) || !URL.canParse(uri)) return 'redirect_uri must be an absolute URL';
  // RFC 6749 §3.1.2: the redirection endpoint URI MUST NOT include a fragment component
  if (uri.includes('#')) return 'redirect_uri must not contain a fragment';
  // RFC 9700 §4.1.3: redirect URIs are compared by exact string matching, never as patterns
  if (uri.includes('*')) return 'redirect_uri must not contain wildcards';
  const url = new URL(uri);
  const scheme = url.protocol.slice(0, -1);
  if (scheme === 'http' || scheme === 'https') {
    const raw = HIERARCHICAL.exec(uri);
    if (!raw?.[2]) return 'redirect_uri must be an absolute URL';
    // RFC 3986 §7.5: userinfo can disguise the real host (`https://app.example@evil.example`)
    if (raw[2].includes('@')) return 'redirect_uri must not contain userinfo';
    // OAuth 2.1 §2.3.1, RFC 8252 §8.3: plain http is for loopback redirects of native apps only
    if (scheme === 'http' && !LOOPBACK_HOSTS.includes(hostOf(raw[2]))) {
      return 'redirect_uri must use https unless its host is a loopback address';
    }
    return null;
  }
  if (url.username || url.password) return 'redirect_uri must not contain userinfo';
  // RFC 8252 §7.1: native apps may use a private-use scheme in reverse domain name form
  if (scheme.includes('.')) return null;
  return 'redirect_uri must use https, http on a loopback host, or a reverse-domain private-use scheme';
}

/**
 * True for a redirect URI on the user's own machine (127.0.0.1, [::1] or localhost): the
 * consent page warns when a client unknown to HAL has only such URIs (contract: "AI clients").
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-7.3
 */
export function isLoopbackRedirectUri(uri: string): boolean {
  const raw = HIERARCHICAL.exec(uri);
  return raw !== null && LOOPBACK_HOSTS.includes(hostOf(raw[2] ?? ''));
}

/**
 * Picks the redirect URI of an authorization request from the client's registered ones, or undefined.
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.1.3
 */
export function matchRedirectUri(
  requested: string | undefined,
  registered: readonly string[],
): string | undefined {
  // RFC 6749 §3.1: a parameter sent without a value is treated as omitted;
  // OAuth 2.1 §2.3.2: redirect_uri may be omitted only when exactly one is registered
  if (!requested) return registered.length === 1 ? registered[0] : undefined;
  // RFC 9700 §4.1.3: exact string matching
  if (registered.includes(requested)) return requested;
  // RFC 8252 §7.3: a loopback IP redirect MUST match with any port; path and query stay identical
  const req = LOOPBACK_IP.exec(requested);
  if (!req || Number(req[2] ?? 0) > 65535) return undefined;
  const matches = registered.some((uri) => {
    const reg = LOOPBACK_IP.exec(uri);
    return reg !== null && reg[1] === req[1] && reg[3] === req[3];
  });
  return matches ? requested : undefined;
}
