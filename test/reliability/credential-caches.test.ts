import { createHash } from 'node:crypto';
import { CredentialCache } from '@hal/auth-server';
import { hashPassword } from '@hal/core';
import { ChangeFeed, type Database, schema } from '@hal/db';
import { eq, type SQL, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { api, bearer } from '../support/api';
import { basic } from '../support/browser';
import { signUpUser, type TestUser, useInstance } from '../support/fixtures';
import { decodeJwtPayload } from '../support/oauth';
import { BACKENDS, startCluster, type TestServer } from '../support/servers';

// Sign-in throttling as the tests below count it: three failures lock an account.
const THROTTLE = { HAL_RATE_LIMIT_LOGIN_ACCOUNT: '3', HAL_RATE_LIMIT_LOGIN_IP: '1000' };

/** Polls (≤ 2 s: the NOTIFY latency, with room for a loaded machine) until `probe` yields `expected`. */
async function until<T>(probe: () => Promise<T>, expected: T): Promise<number> {
  const start = performance.now();
  await expect.poll(probe, { timeout: 2000, interval: 10 }).toEqual(expected);
  return Math.round(performance.now() - start);
}

const me = (base: string, auth: string) => api(base, 'GET', '/api/v1/auth/me', { auth });
const status = async (base: string, auth: string) => (await me(base, auth)).status;

/** A user's three credentials of HAL's own: Basic, a session JWT and a PAT (scope `profile`). */
async function credentialsOf(base: string, user: TestUser) {
  const pat = await api(base, 'POST', '/api/v1/tokens', {
    auth: user.basic,
    body: { name: 'kept', scopes: ['profile'] },
  });
  expect(pat.status).toBe(201);
  return {
    basic: user.basic,
    session: bearer(user.session),
    pat: bearer(pat.json.data.token),
    patId: pat.json.data.id as string,
    sid: decodeJwtPayload(user.session).sid as string,
  };
}

/** Runs `statement` with the triggers off: a change that announces nothing. */
const silently = (database: Database, statement: SQL) =>
  database.db.transaction(async (tx) => {
    await tx.execute(sql`set local session_replication_role = replica`);
    await tx.execute(statement);
  });

describe('CredentialCache', () => {
  const liveFeed = () => {
    const feed = new ChangeFeed();
    feed.listener.listening(true);
    return feed;
  };

  it('keys a credential by an HMAC under a key of its own: never the credential, nor its stored SHA-256', () => {
    const cache = new CredentialCache<string>(liveFeed());
    const secret = 'hal_pat_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG';
    const key = cache.keyOf(secret);
    expect(key).toMatch(/^[\w-]{43}$/); // 32 bytes, base64url
    expect(key).not.toContain(secret.slice(8, 20));
    for (const encoding of ['hex', 'base64url', 'base64'] as const)
      expect(key).not.toBe(createHash('sha256').update(secret).digest(encoding));
    expect(cache.keyOf(secret)).toBe(key);
    expect(cache.keyOf(`${secret}x`)).not.toBe(key);
    // Another process (another cache) keys the same credential otherwise.
    expect(new CredentialCache<string>(liveFeed()).keyOf(secret)).not.toBe(key);
  });

  it('keeps only successes, and forgets them all on a credentials NOTIFY', async () => {
    const feed = liveFeed();
    const cache = new CredentialCache<string>(feed);
    feed.cache('tokens', 60_000); // a topic this feed knows, to be told apart from 'credentials'
    const verify = vi.fn(async () => 'user-1');
    const refuse = vi.fn(async () => undefined);
    for (let i = 0; i < 3; i++) {
      expect(await cache.get('right', verify)).toBe('user-1');
      expect(await cache.get('wrong', refuse)).toBeUndefined();
    }
    expect(verify).toHaveBeenCalledTimes(1);
    expect(refuse).toHaveBeenCalledTimes(3);
    feed.listener.notify('credentials');
    await cache.get('right', verify);
    expect(verify).toHaveBeenCalledTimes(2);
    feed.listener.notify('tokens'); // another topic: kept
    await cache.get('right', verify);
    expect(verify).toHaveBeenCalledTimes(2);
  });
});

describe.each(BACKENDS)('credentials kept per process on %s', (backend) => {
  const hal = useInstance(backend, { env: THROTTLE, user: false });
  const db = () => hal.srv.database;
  const names = (auths: string[]) =>
    Promise.all(auths.map(async (auth) => (await me(hal.url, auth)).json.data?.name as string | undefined));

  it('serves each credential from its cache: a change announcing nothing stays unseen until a NOTIFY', async () => {
    // The control for the tests below: without the cache, the quiet rename would show at once.
    const user = await signUpUser(hal.url, { login: true });
    const { basic, session, pat } = await credentialsOf(hal.url, user);
    const auths = [basic, session, pat];
    expect(await names(auths)).toEqual(Array(3).fill(user.account.name));
    await silently(db(), sql`update users set name = 'Quietly renamed' where id = ${user.id}`);
    for (let i = 0; i < 3; i++) expect(await names(auths)).toEqual(Array(3).fill(user.account.name));
    await db().db.execute(sql`select pg_notify('hal_changed', 'credentials')`);
    await until(() => names(auths), Array(3).fill('Quietly renamed'));
  });

  it('shows a renamed user on every method, and refuses them all once the user is deleted', async () => {
    const user = await signUpUser(hal.url, { login: true });
    const { basic, session, pat } = await credentialsOf(hal.url, user);
    const auths = [basic, session, pat];
    expect(await names(auths)).toEqual(Array(3).fill(user.account.name));
    await db().db.update(schema.users).set({ name: 'Renamed' }).where(eq(schema.users.id, user.id));
    await until(() => names(auths), Array(3).fill('Renamed'));
    await db().db.delete(schema.users).where(eq(schema.users.id, user.id));
    await until(() => Promise.all(auths.map((auth) => status(hal.url, auth))), [401, 401, 401]);
  });

  it('refuses a kept PAT once its expires_at passes: expiry is checked on every use', async () => {
    const user = await signUpUser(hal.url);
    const expiresAt = Date.now() + 1500;
    const created = await api(hal.url, 'POST', '/api/v1/tokens', {
      auth: user.basic,
      body: { name: 'short', scopes: ['profile'], expires_at: new Date(expiresAt).toISOString() },
    });
    expect(created.status).toBe(201);
    const pat = bearer(created.json.data.token);
    expect(await status(hal.url, pat)).toBe(200);
    expect(await status(hal.url, pat)).toBe(200);
    await new Promise((r) => setTimeout(r, expiresAt + 50 - Date.now()));
    // Well inside the cache's 10 s: only the check of expires_at can refuse it.
    expect(await status(hal.url, pat)).toBe(401);
  });

  it('refuses a kept session JWT on the next request once its session ends', async () => {
    const user = await signUpUser(hal.url, { login: true });
    const { session, sid } = await credentialsOf(hal.url, user);
    expect(await status(hal.url, session)).toBe(200);
    expect(await status(hal.url, session)).toBe(200);
    await hal.srv.services.accounts.endSession(sid);
    expect(await status(hal.url, session)).toBe(401);
  });

  it('hashes and counts a wrong password after a kept success; once locked, the right one gets 429 too', async () => {
    const user = await signUpUser(hal.url);
    const wrong = basic(user.account.email, 'not the password');
    // Successes are given back to the throttle: more of them than the limit are fine.
    for (let i = 0; i < 5; i++) expect(await status(hal.url, user.basic)).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push(await status(hal.url, wrong));
    expect(statuses).toEqual([401, 401, 401, 429]);
    // A kept success counts nothing, but still meets the account's lock (OWASP lockout).
    const locked = await me(hal.url, user.basic);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe.runIf(BACKENDS.includes('postgres'))('credentials kept on two servers of one PostgreSQL', () => {
  let a: TestServer;
  let b: TestServer;
  /** How long each change took to reach server B, printed once at the end. */
  const delays: Record<string, number> = {};

  beforeAll(async () => {
    // One issuer, as behind a load balancer: session JWTs of either server verify on the other.
    [a, b] = (await startCluster(2, { HAL_ISSUER: 'http://hal.test', ...THROTTLE })) as [
      TestServer,
      TestServer,
    ];
  });
  afterAll(async () => {
    console.log('credentials NOTIFY propagation to server B (ms):', delays);
    await a?.close();
    await b?.close();
  });

  /** A user signed up on A whose credentials B has verified (and kept). */
  async function keptOnB() {
    const user = await signUpUser(a.url, { login: true });
    const credentials = await credentialsOf(a.url, user);
    for (const auth of [credentials.basic, credentials.session, credentials.pat])
      expect(await status(b.url, auth)).toBe(200);
    return { user, ...credentials };
  }

  it('refuses on B a PAT that B kept, once A revokes it', async () => {
    const { user, pat, patId, session } = await keptOnB();
    const revoked = await api(a.url, 'DELETE', `/api/v1/tokens/${patId}`, { auth: user.basic });
    expect(revoked.status).toBe(204);
    expect(await status(a.url, pat)).toBe(401);
    delays.patRevocation = await until(() => status(b.url, pat), 401);
    expect(await status(b.url, session)).toBe(200); // the user's other credentials stand
  });

  it('refuses on B the old Basic password once A changed it; the new one works on B', async () => {
    const { user, pat } = await keptOnB();
    const password = 'a brand new passphrase';
    await a.database.db
      .update(schema.users)
      .set({ passwordHash: await hashPassword(password) })
      .where(eq(schema.users.id, user.id));
    delays.passwordChange = await until(() => status(b.url, user.basic), 401);
    expect(await status(a.url, user.basic)).toBe(401);
    expect(await status(b.url, basic(user.account.email, password))).toBe(200);
    expect(await status(b.url, pat)).toBe(200);
  });

  it('refuses on B a session JWT that B kept, once A ends its session', async () => {
    const { session, sid, basic: ownBasic } = await keptOnB();
    await a.services.accounts.endSession(sid);
    expect(await status(a.url, session)).toBe(401);
    delays.sessionEnd = await until(() => status(b.url, session), 401);
    expect(await status(b.url, ownBasic)).toBe(200);
  });

  it('counts on A the failures after a success kept on B: B then refuses the right password (429)', async () => {
    const { user } = await keptOnB();
    const wrong = basic(user.account.email, 'not the password');
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push(await status(a.url, wrong));
    expect(statuses).toEqual([401, 401, 401]);
    // No NOTIFY is needed: the throttle's counters are in the database, read for a kept success too.
    expect(await status(b.url, user.basic)).toBe(429);
  });

  it('shows on B a name changed on A, and refuses every credential of a user deleted on A', async () => {
    const { user, basic: ownBasic, session, pat } = await keptOnB();
    const auths = [ownBasic, session, pat];
    await a.database.db
      .update(schema.users)
      .set({ name: 'Renamed on A' })
      .where(eq(schema.users.id, user.id));
    delays.rename = await until(
      () => Promise.all(auths.map(async (auth) => (await me(b.url, auth)).json.data?.name)),
      Array(3).fill('Renamed on A'),
    );
    await a.database.db.delete(schema.users).where(eq(schema.users.id, user.id));
    delays.deletion = await until(
      () => Promise.all(auths.map((auth) => status(b.url, auth))),
      [401, 401, 401],
    );
  });
});
