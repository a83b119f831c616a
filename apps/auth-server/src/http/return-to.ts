/**
 * Accepts only a same-origin path for `return_to` (no open redirect: OWASP Unvalidated Redirects).
 * `//evil`, `/\evil`, absolute URLs and control characters all fall back to `fallback`.
 */
export function safeReturnTo(value: string | null | undefined, issuer: string, fallback = '/'): string {
  if (!value?.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return fallback;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return fallback;
  try {
    const base = new URL(issuer);
    const url = new URL(value, base);
    if (url.origin !== base.origin) return fallback;
    return `${url.pathname}${url.search}${url.hash}`;
  } catch {
    return fallback;
  }
}
