import { createHmac, randomBytes } from 'node:crypto';
import { constantEqual } from '@hal/core';
import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';

/**
 * CSRF protection for server-rendered forms: the signed double-submit cookie pattern (OWASP CSRF
 * Prevention Cheat Sheet). A random value lives in an HttpOnly cookie; the form carries its HMAC
 * under HAL's secret key. Stateless, so every server process accepts every other's forms.
 */
export function csrfProtection(secretKey: Uint8Array, secureCookies: boolean) {
  const cookieName = secureCookies ? '__Host-hal_csrf' : 'hal_csrf';
  const sign = (value: string) => createHmac('sha256', secretKey).update(`csrf:${value}`).digest('base64url');

  return {
    /** The token to put in a form's hidden `csrf` field (sets the cookie when missing). */
    token(c: Context): string {
      let value = getCookie(c, cookieName);
      if (!value || value.length < 32) {
        value = randomBytes(32).toString('base64url');
        setCookie(c, cookieName, value, {
          httpOnly: true,
          sameSite: 'Lax',
          secure: secureCookies,
          path: '/',
        });
      }
      return sign(value);
    },
    /** True when the submitted token matches this browser's cookie. */
    verify(c: Context, submitted: string | null | undefined): boolean {
      const value = getCookie(c, cookieName);
      return Boolean(value && submitted && constantEqual(sign(value), submitted));
    },
  };
}

export type Csrf = ReturnType<typeof csrfProtection>;
