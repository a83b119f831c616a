import {
  hashPassword,
  hashToken,
  isUnstorable,
  newId,
  newSessionToken,
  newUserId,
  PAT_SCOPES,
  verifyAgainstDecoy,
  verifyPassword,
} from '@hal/core';
import { type AccountUser, accountUser, type Stores, type User } from '@hal/db';
import type { Config } from '../env';
import { CredentialCache } from './credential-cache';
import { conflict } from './errors';
import type { Keyring } from './keyring';
import { loginThrottle } from './throttle';

export const SESSION_JWT_TYP = 'hal-session+jwt';

/** Sign-up, password checks, browser sessions and API session JWTs. */
export function accountService(stores: Stores, keyring: Keyring, config: Config) {
  const { accounts, audit, limits } = stores;
  const throttle = loginThrottle(limits, config.rateLimits);
  // Verified a moment ago in this process (see CredentialCache): email and password; session JWTs.
  const passwords = new CredentialCache<AccountUser>(stores.feed);
  const sessions = new CredentialCache<{ user: AccountUser; until: number }>(stores.feed);

  return {
    async signUp(input: { email: string; name: string; password: string }): Promise<User> {
      const user = await accounts.createUser({
        id: newUserId(),
        email: input.email,
        name: input.name,
        passwordHash: await hashPassword(input.password),
      });
      if (!user) throw conflict('email_taken', 'an account with this email already exists');
      await audit.write({ type: 'user.signed_up', userId: user.id });
      return user;
    },

    /**
     * Checks an email and password (throttled); undefined when they do not match. Every check of a
     * password is counted first and handed back when it succeeds (`services/throttle.ts`). A match
     * of the last few seconds stands in for the check, and then counts nothing: there is no guess
     * in it, only the account's and the address's locks to honour. A wrong password never matches
     * a kept one (it is another key), so it is counted and hashed like any other.
     *
     * Concurrent checks of one email and password share one count and one hash (CredentialCache),
     * so a script's parallel calls are not refused for the counts their own successes hold for a
     * moment (twelve at once would be refused 429 from the sixth, at the default limit of 5). While
     * the change feed is down nothing is kept or shared (ReadCache), and each check counts alone.
     */
    async checkPassword(email: string, password: string, ip: string): Promise<AccountUser | undefined> {
      if (isUnstorable(email)) return undefined; // no such address can exist; PostgreSQL text cannot hold NUL
      let counted = false;
      // NUL cannot be in `email` (above): the pair is unambiguous.
      const user = await passwords.get(`${email}\u0000${password}`, async () => {
        counted = true;
        await throttle.attempt(email, ip);
        const found = await accounts.userByEmail(email);
        // Same work whether or not the account exists: no user enumeration through timing.
        const ok = found
          ? await verifyPassword(found.passwordHash, password)
          : await verifyAgainstDecoy(password);
        if (!ok || !found) return undefined;
        await throttle.succeeded(email, ip);
        return accountUser(found);
      });
      // An answer this request did not count itself (a kept success, or the check of another
      // request it joined) still meets this account's and this address's locks.
      if (!counted) await throttle.admits(email, ip);
      return user;
    },

    /** A sign-in through the sign-in page, for the user's audit log. */
    async signedIn(userId: string, ip: string) {
      await audit.write({ type: 'user.signed_in', userId, ip });
    },

    /** Starts a browser session; returns the raw cookie value (stored only as a hash). */
    async startBrowserSession(userId: string): Promise<{ token: string; maxAge: number }> {
      const token = newSessionToken();
      await accounts.createSession({
        id: newId(),
        userId,
        kind: 'browser',
        tokenHash: hashToken(token),
        expiresAt: new Date(Date.now() + config.sessionTtl * 1000),
      });
      return { token, maxAge: config.sessionTtl };
    },

    async browserSession(token: string): Promise<{ sessionId: string; user: User } | undefined> {
      const session = await accounts.sessionByTokenHash(hashToken(token));
      const user = session && (await accounts.userById(session.userId));
      return session && user ? { sessionId: session.id, user } : undefined;
    },

    endSession: (sessionId: string) => accounts.revokeSession(sessionId),

    /** `POST /api/v1/auth/login`: a session JWT whose `sid` can be revoked server-side. */
    async startApiSession(user: AccountUser): Promise<{ token: string; expires_in: number }> {
      const sid = newId();
      const expiresIn = config.apiSessionTtl;
      await accounts.createSession({
        id: sid,
        userId: user.id,
        kind: 'api',
        expiresAt: new Date(Date.now() + expiresIn * 1000),
      });
      const token = await keyring.sign({ iss: config.issuer, sub: user.id, sid }, SESSION_JWT_TYP, expiresIn);
      return { token, expires_in: expiresIn };
    },

    /**
     * Verifies a session JWT (signature, `typ`, `iss`, expiry) and that its session is still live;
     * kept a few seconds once verified, dropped everywhere when its session or user changes.
     */
    async verifySessionJwt(token: string): Promise<AccountUser | undefined> {
      const session = await sessions.get(token, async () => {
        let claims: { sid?: unknown; sub?: unknown; exp?: unknown };
        try {
          claims = (await keyring.verify(token, SESSION_JWT_TYP, config.issuer)).payload;
        } catch {
          return undefined;
        }
        const { sid, sub, exp } = claims;
        if (typeof sid !== 'string' || typeof sub !== 'string') return undefined;
        const live = await accounts.liveSession(sid);
        if (!live || live.userId !== sub) return undefined;
        const user = await accounts.userById(sub);
        const jwtExpiry = typeof exp === 'number' ? exp * 1000 : Number.POSITIVE_INFINITY;
        return user && { user: accountUser(user), until: Math.min(jwtExpiry, live.expiresAt.getTime()) };
      });
      // The JWT or its session may have expired since it was verified.
      return session && session.until > Date.now() ? session.user : undefined;
    },

    /** Session JWTs and Basic credentials act as the user: every scope of the catalogue. */
    fullScopes: new Set<string>(PAT_SCOPES),
  };
}

export type AccountService = ReturnType<typeof accountService>;
