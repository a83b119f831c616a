import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AccountService } from '../services/accounts';

/** The browser session cookie: HttpOnly, SameSite=Lax, `__Host-` prefixed and Secure on https. */
export function browserSessions(accounts: AccountService, secureCookies: boolean) {
  const name = secureCookies ? '__Host-hal_session' : 'hal_session';
  const options = { httpOnly: true, sameSite: 'Lax', secure: secureCookies, path: '/' } as const;

  return {
    async current(c: Context) {
      const token = getCookie(c, name);
      return token ? accounts.browserSession(token) : undefined;
    },
    async start(c: Context, userId: string) {
      const { token, maxAge } = await accounts.startBrowserSession(userId);
      setCookie(c, name, token, { ...options, maxAge });
    },
    async end(c: Context) {
      const session = await this.current(c);
      if (session) await accounts.endSession(session.sessionId);
      deleteCookie(c, name, options);
    },
  };
}

export type BrowserSessions = ReturnType<typeof browserSessions>;
