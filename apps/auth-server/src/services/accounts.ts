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
import type { Stores, User } from '@hal/db';
import type { Config } from '../env';
import { conflict } from './errors';
import type { Keyring } from './keyring';
import { loginThrottle } from './throttle';

export const SESSION_JWT_TYP = 'hal-session+jwt';

/** Sign-up, password checks, browser sessions and API session JWTs. */
export function accountService(stores: Stores, keyring: Keyring, config: Config) {
  const { accounts, audit, limits } = stores;
  const throttle = loginThrottle(limits, config.rateLimits);

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

    /** Checks an email and password (throttled); undefined when they do not match. */
    async checkPassword(email: string, password: string, ip: string): Promise<User | undefined> {
      if (isUnstorable(email)) return undefined; // no such address can exist; PostgreSQL text cannot hold NUL
      await throttle.attempt(email, ip);
      const user = await accounts.userByEmail(email);
      // Same work whether or not the account exists: no user enumeration through timing.
      const ok = user
        ? await verifyPassword(user.passwordHash, password)
        : await verifyAgainstDecoy(password);
      if (!ok || !user) return undefined;
      await throttle.succeeded(email, ip);
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
    async startApiSession(user: User): Promise<{ token: string; expires_in: number }> {
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

    /** Verifies a session JWT (signature, `typ`, `iss`, expiry) and that its session is still live. */
    async verifySessionJwt(token: string): Promise<User | undefined> {
      let sid: unknown;
      let sub: unknown;
      try {
        ({ sid, sub } = (await keyring.verify(token, SESSION_JWT_TYP, config.issuer)).payload);
      } catch {
        return undefined;
      }
      if (typeof sid !== 'string' || typeof sub !== 'string') return undefined;
      const session = await accounts.liveSession(sid);
      if (!session || session.userId !== sub) return undefined;
      return accounts.userById(sub);
    },

    /** Session JWTs and Basic credentials act as the user: every scope of the catalogue. */
    fullScopes: new Set<string>(PAT_SCOPES),
  };
}

export type AccountService = ReturnType<typeof accountService>;
