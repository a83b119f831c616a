import { createHmac } from 'node:crypto';
import { ChangeFeed, ReadCache } from '@hal/db';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, onTestFinished, vi } from 'vitest';
import { api, bearer } from '../support/api';
import { type Browser, signUp } from '../support/browser';
import { signUpUser } from '../support/fixtures';
import { codeFlow, decodeJwtPayload, oauthPost, type RegisteredApp, registerApp } from '../support/oauth';
import { BACKENDS, startCluster, type TestServer } from '../support/servers';
import { trpcFor } from '../support/trpc';

/** A promise settled from outside, to interleave a read with a change. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((r, j) => {
    resolve = r;
    reject = j;
  });
  return { promise, resolve, reject };
}

describe('ReadCache and ChangeFeed', () => {
  /** A feed that listens, as after `database.listen`. */
  function liveFeed() {
    const feed = new ChangeFeed();
    feed.listener.listening(true);
    return feed;
  }
  const reader = <V>(value: V) => vi.fn(async () => value);

  afterEach(() => {
    vi.useRealTimers();
  });

  it('keeps nothing before the feed listens: every get reads', async () => {
    const cache = new ChangeFeed().cache<string, number>('tokens', 60_000);
    const read = reader(1);
    expect(await cache.get('k', read)).toBe(1);
    expect(await cache.get('k', read)).toBe(1);
    expect(read).toHaveBeenCalledTimes(2);
  });

  it('keeps a value once live, but never an absent one (a row inserted later must be found)', async () => {
    const cache = liveFeed().cache<string, number>('tokens', 60_000);
    const read = reader(1);
    expect(await cache.get('k', read)).toBe(1);
    expect(await cache.get('k', read)).toBe(1);
    expect(read).toHaveBeenCalledTimes(1);
    const missing = reader<number | undefined>(undefined);
    await cache.get('absent', missing);
    await cache.get('absent', missing);
    expect(missing).toHaveBeenCalledTimes(2);
  });

  it('does not keep a value whose read was overtaken by a change of its topic', async () => {
    const feed = liveFeed();
    const cache = feed.cache<string, string>('tokens', 60_000);
    const slow = deferred<string>();
    const pending = cache.get('k', () => slow.promise);
    feed.changed('tokens'); // the row may have changed after the read saw it
    slow.resolve('stale');
    expect(await pending).toBe('stale');
    const read = reader('fresh');
    expect(await cache.get('k', read)).toBe('fresh');
    expect(read).toHaveBeenCalledTimes(1);
  });

  it("clears only the notified topic's caches; an unknown payload clears them all", async () => {
    const feed = liveFeed();
    const tokens = feed.cache<string, number>('tokens', 60_000);
    const projects = feed.cache<string, number>('projects', 60_000);
    const readToken = reader(1);
    const readProject = reader(2);
    const both = async () => {
      await tokens.get('k', readToken);
      await projects.get('k', readProject);
    };
    await both();
    feed.listener.notify('tokens');
    await both();
    expect(readToken).toHaveBeenCalledTimes(2);
    expect(readProject).toHaveBeenCalledTimes(1);
    feed.listener.notify('some-topic-of-a-newer-version');
    await both();
    expect(readToken).toHaveBeenCalledTimes(3);
    expect(readProject).toHaveBeenCalledTimes(2);
  });

  it('stops caching and forgets everything when the listening connection drops', async () => {
    const feed = liveFeed();
    const cache = feed.cache<string, number>('apps', 60_000);
    const read = reader(1);
    await cache.get('k', read);
    feed.listener.listening(false); // NOTIFYs may now be missed
    expect(feed.live).toBe(false);
    await cache.get('k', read);
    await cache.get('k', read);
    expect(read).toHaveBeenCalledTimes(3);
    // A read that started while down and ends after the re-listen may predate a missed NOTIFY.
    const slow = deferred<number>();
    const pending = cache.get('k', () => slow.promise);
    feed.listener.listening(true);
    slow.resolve(1);
    await pending;
    await cache.get('k', read);
    await cache.get('k', read);
    expect(read).toHaveBeenCalledTimes(4);
  });

  it('reads again once the TTL has passed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const cache = liveFeed().cache<string, number>('projects', 1_000);
    const read = reader(1);
    await cache.get('k', read);
    vi.setSystemTime(Date.now() + 999);
    await cache.get('k', read);
    expect(read).toHaveBeenCalledTimes(1);
    vi.setSystemTime(Date.now() + 2);
    await cache.get('k', read);
    expect(read).toHaveBeenCalledTimes(2);
  });

  it('shares one read among concurrent misses of a key; a change meanwhile starts a fresh one', async () => {
    const feed = liveFeed();
    const cache = feed.cache<string, string>('credentials', 60_000);
    const slow = deferred<string>();
    const read = vi.fn(() => slow.promise);
    const burst = Promise.all([1, 2, 3].map(() => cache.get('k', read)));
    expect(read).toHaveBeenCalledTimes(1);
    feed.changed('credentials'); // a reader arriving now must not get what was read before
    const after = deferred<string>();
    const fresh = cache.get('k', () => after.promise);
    slow.resolve('stale');
    after.resolve('fresh');
    expect(await burst).toEqual(['stale', 'stale', 'stale']);
    expect(await fresh).toBe('fresh');
    expect(await cache.get('k', read)).toBe('fresh');
    expect(read).toHaveBeenCalledTimes(1);
  });

  it('reads for itself when the read it joined fails (its request was cut short)', async () => {
    const cache = liveFeed().cache<string, string>('tokens', 60_000);
    const failing = deferred<string>();
    const first = cache.get('k', () => failing.promise);
    const second = cache.get('k', async () => 'own');
    failing.reject(new Error('cancelled'));
    await expect(first).rejects.toThrow('cancelled');
    expect(await second).toBe('own');
  });

  it('stays bounded, evicting the oldest entry', async () => {
    const cache = new ReadCache<string, string>('test', { live: true }, 60_000, 2);
    const read = vi.fn(async () => 'v');
    for (const key of ['a', 'b', 'c', 'b', 'c']) await cache.get(key, read);
    expect(read).toHaveBeenCalledTimes(3);
    await cache.get('a', read);
    expect(read).toHaveBeenCalledTimes(4);
  });
});

describe.runIf(BACKENDS.includes('postgres'))('per-process caches on two servers of one PostgreSQL', () => {
  let a: TestServer;
  let b: TestServer;
  let browser: Browser;
  let owner: string;
  let app: RegisteredApp;
  /** A connection of its own, as an operator's psql. */
  let operator: postgres.Sql;
  /** How long each change took to reach server B, printed once at the end. */
  const delays: Record<string, number> = {};

  beforeAll(async () => {
    // One issuer, as behind a load balancer: tokens of either server verify on the other.
    [a, b] = (await startCluster(2, { HAL_ISSUER: 'http://hal.test' })) as [TestServer, TestServer];
    ({ browser, auth: owner } = await signUpUser(a.url));
    app = await registerApp(a.url, owner, { allowed_scopes: ['profile', 'widget:serve'] });
    const [row] = (await a.database.db.execute(sql`select current_database() as name`)) as unknown as {
      name: string;
    }[];
    operator = postgres(inject('pgAdminUrl').replace(/\/postgres$/, `/${row?.name}`), {
      max: 1,
      onnotice: () => {},
    });
  });
  afterAll(async () => {
    console.log('NOTIFY propagation to server B (ms):', delays);
    await operator?.end();
    await a?.close();
    await b?.close();
  });

  const creds = () => ({ id: app.client_id, secret: app.client_secret as string });

  /** The token response to a code approved by `who` on server A (bound to `projectId` when given). */
  async function tokens(who = browser, scope = 'profile', projectId?: string) {
    const { res } = await codeFlow(a.url, who, app, { scope, project_id: projectId });
    expect(res.status).toBe(200);
    return res.json as { access_token: string; refresh_token: string };
  }
  const issue = async (...args: Parameters<typeof tokens>) => (await tokens(...args)).access_token;

  const me = async (server: TestServer, token: string) =>
    (await api(server.url, 'GET', '/api/v1/auth/me', { auth: bearer(token) })).status;
  const introspect = async (server: TestServer, token: string) =>
    (await oauthPost(server.url, '/oauth/introspect', { token }, creds())).json.active;
  const revoke = async (server: TestServer, token: string) =>
    (await oauthPost(server.url, '/oauth/revoke', { token }, creds())).status;

  /** Polls (≤ 2 s) until `probe` yields `expected`; returns how long that took. */
  async function until<T>(probe: () => Promise<T>, expected: T) {
    const start = performance.now();
    let took = 0;
    await expect
      .poll(
        async () => {
          const value = await probe();
          took = performance.now() - start;
          return value;
        },
        { timeout: 2000, interval: 10 },
      )
      .toEqual(expected);
    return Math.round(took);
  }

  /** The LISTEN connections of this database, as pg_stat_activity shows them. */
  const listeners = async () =>
    (
      await operator`select count(*)::int as n from pg_stat_activity
                     where query ilike 'listen%' and datname = current_database()`
    )[0]?.n as number;

  it('serves a token from its cache: a revocation announcing nothing stays unseen until a NOTIFY', async () => {
    // The control for the tests below: were the NOTIFY lost, B would keep answering from its cache.
    const token = await issue();
    expect(await me(b, token)).toBe(200);
    const { jti } = decodeJwtPayload(token);
    await operator.begin(async (tx) => {
      await tx`set local session_replication_role = replica`; // triggers off
      await tx`update access_tokens set revoked_at = now() where jti = ${jti}`;
    });
    expect(await me(a, token)).toBe(401); // A never cached it
    for (let i = 0; i < 5; i++) expect(await me(b, token)).toBe(200);
    await operator`select pg_notify('hal_changed', 'tokens')`;
    await until(() => me(b, token), 401);
  });

  it('refuses on B a token B had cached, as soon as A revokes it', async () => {
    const token = await issue();
    expect(await me(b, token)).toBe(200);
    expect(await introspect(b, token)).toBe(true);
    expect(await revoke(a, token)).toBe(200);
    delays.revocation = await until(() => me(b, token), 401);
    expect(await introspect(b, token)).toBe(false);
  });

  it('refuses on B the cached access tokens of a grant whose refresh token A revoked', async () => {
    // Another user: the grant (user × app) and every token under it go.
    const { browser: other } = await signUp(a.url);
    const first = await tokens(other);
    const second = await issue(other);
    expect([await me(b, first.access_token), await me(b, second)]).toEqual([200, 200]);
    expect(await revoke(a, first.refresh_token)).toBe(200);
    delays.grantRevocation = await until(
      async () => [await me(b, first.access_token), await me(b, second)],
      [401, 401],
    );
  });

  it('refuses on both servers a token an operator revoked in psql', async () => {
    const token = await issue();
    expect(await me(a, token)).toBe(200);
    expect(await me(b, token)).toBe(200);
    await operator`update access_tokens set revoked_at = now() where jti = ${decodeJwtPayload(token).jti}`;
    delays.psql = await until(() => me(b, token), 401);
    await until(() => me(a, token), 401);
    expect(await introspect(b, token)).toBe(false);
  });

  describe('projects', () => {
    const origin = 'https://shop.example';
    let project: { id: string; app_id: string };
    let admin: Browser; // the member who approved the widget host
    let adminToken: string;
    let ownerToken: string;

    beforeAll(async () => {
      const trpc = trpcFor(browser);
      project = await trpc.projects.create.mutate({ name: 'Shop' });
      await trpc.projects.update.mutate({ id: project.id, allowed_origins: [origin] });
      const signed = await signUp(a.url);
      admin = signed.browser;
      await trpc.projects.members.add.mutate({ id: project.id, email: signed.account.email, role: 'admin' });
      adminToken = await issue(admin, 'widget:serve', project.id);
      ownerToken = await issue(browser, 'widget:serve', project.id);
    });

    const sign = (server: TestServer, token: string) =>
      api(server.url, 'POST', '/api/oauth/widget/sign-identity', {
        auth: bearer(token),
        body: { user_id: 'cust-1' },
      });
    const identify = async (server: TestServer, userHash: string) =>
      (
        await api(server.url, 'POST', '/api/widget/v1/identify', {
          body: { app_id: project.app_id, user_id: 'cust-1', user_hash: userHash },
          headers: { origin },
        })
      ).status;
    const hash = (secret: string) => createHmac('sha256', secret).update('cust-1').digest('hex');

    it('signs on B with the secret rotated on A; B verifies with it too', async () => {
      const old = (await trpcFor(browser).projects.secret.reveal.mutate({ id: project.id })).widget_secret;
      // B caches the membership (sign-identity) and the project by app_id (identify).
      for (let i = 0; i < 2; i++) {
        const signed = await sign(b, adminToken);
        expect(signed.status).toBe(200);
        expect(signed.json.user_hash).toBe(hash(old));
        expect(await identify(b, hash(old))).toBe(200);
      }
      const rotated = (await trpcFor(browser).projects.secret.rotate.mutate({ id: project.id }))
        .widget_secret;
      expect(rotated).not.toBe(old);
      delays.rotation = await until(async () => (await sign(b, adminToken)).json.user_hash, hash(rotated));
      await until(() => identify(b, hash(old)), 401);
      expect(await identify(b, hash(rotated))).toBe(200);
    });

    it('refuses on B a member removed on A, then everyone once the project is deleted on A', async () => {
      expect((await sign(b, adminToken)).status).toBe(200);
      expect((await sign(b, ownerToken)).status).toBe(200);
      const adminId = (await trpcFor(admin).me.get.query()).id;
      await trpcFor(browser).projects.members.remove.mutate({ id: project.id, user_id: adminId });
      // Their token still verifies; the project is no longer theirs to sign for.
      delays.memberRemoval = await until(async () => (await sign(b, adminToken)).status, 404);
      expect((await sign(b, ownerToken)).status).toBe(200);
      await trpcFor(browser).projects.delete.mutate({ id: project.id });
      // The grant, and with it the token, went with the project.
      delays.projectDeletion = await until(async () => (await sign(b, ownerToken)).status, 401);
      expect(await me(b, ownerToken)).toBe(401);
      await until(() => identify(b, 'ab'), 404); // its app_id is unknown now
    });
  });

  it('resolves on B a registered resource as rotated or deleted on A', async () => {
    const created = await api(a.url, 'POST', '/api/v1/resources', {
      auth: owner,
      body: {
        name: 'Notes',
        identifier: 'https://notes.cache.example/api',
        scopes: [{ name: 'notes:read', description: 'Read your notes' }],
        access_token_ttl: 600,
      },
    });
    expect(created.status).toBe(201);
    const { id, identifier } = created.json.data as { id: string; identifier: string };
    const { res } = await codeFlow(a.url, browser, app, { scope: 'notes:read', resource: identifier });
    expect(res.json.expires_in).toBe(600);
    // B caches the resource when it refreshes for it.
    const refreshOnB = async () =>
      (
        await oauthPost(
          b.url,
          '/oauth/token',
          { grant_type: 'refresh_token', refresh_token: refreshToken, resource: identifier },
          creds(),
        )
      ).json;
    let refreshToken = res.json.refresh_token as string;
    const first = await refreshOnB();
    expect(first.expires_in).toBe(600);
    refreshToken = first.refresh_token;
    // B caches the resource server's credentials when it introspects; a rotation on A ends them.
    const secret = created.json.data.introspection_secret as string;
    const introspectOnB = async () =>
      (await oauthPost(b.url, '/oauth/introspect', { token: 'x' }, { id, secret })).status;
    expect(await introspectOnB()).toBe(200);
    await api(a.url, 'POST', `/api/v1/resources/${id}/secret`, { auth: owner });
    delays.resourceSecretRotation = await until(introspectOnB, 401);
    await api(a.url, 'DELETE', `/api/v1/resources/${id}`, { auth: owner });
    // Unknown on B at once (the grant was revoked with it, which B would report as invalid_grant).
    delays.resourceDeletion = await until(async () => (await refreshOnB()).error, 'invalid_target');
  });

  it('keeps serving while the LISTEN connections are killed, and caches safely once they are back', async () => {
    // Each process hears `listening(true)` only when we pass it on (listenOn looks the method up on
    // each call): a reconnect as slow as a loaded machine may see, so the checks below surely run while
    // the feeds are down.
    const held: (() => void)[] = [];
    const told = [a, b].map((server) => {
      const { listener } = server.services.stores.feed;
      const real = listener.listening;
      return vi
        .spyOn(listener, 'listening')
        .mockImplementation((on) => (on ? held.push(() => real(true)) : real(false)));
    });
    onTestFinished(() => {
      for (const spy of told) spy.mockRestore();
    });
    const logged = [a.logs.length, b.logs.length];
    const cached = await issue();
    const uncached = await issue();
    expect(await me(b, cached)).toBe(200);
    expect(await me(b, uncached)).toBe(200);
    expect(await listeners()).toBe(2);
    const killed = await operator`select pg_terminate_backend(pid) as done from pg_stat_activity
                                  where query ilike 'listen%' and datname = current_database()`;
    expect(killed.filter((k) => k.done).length).toBeGreaterThanOrEqual(2); // one per server
    await until(async () => [a.services.stores.feed.live, b.services.stores.feed.live], [false, false]);
    // Nothing fails meanwhile, and nothing is cached: a revocation shows at once, without a NOTIFY.
    const meanwhile = await Promise.all(
      [a, b, a, b].map(async (server) => [await me(server, cached), await introspect(server, cached)]),
    );
    expect(meanwhile).toEqual(Array(4).fill([200, true]));
    expect(await revoke(a, uncached)).toBe(200);
    expect(await me(b, uncached)).toBe(401);

    // Both reconnect by themselves and listen again.
    await until(listeners, 2);
    await until(
      async () => told.map((spy) => spy.mock.calls.map(([on]) => on)),
      [
        [false, true],
        [false, true],
      ],
    );
    for (const spy of told) spy.mockRestore();
    for (const release of held) release();
    expect([a.services.stores.feed.live, b.services.stores.feed.live]).toEqual([true, true]);
    const after = await issue();
    expect(await me(b, after)).toBe(200);
    expect(await me(b, after)).toBe(200);
    expect(await revoke(a, after)).toBe(200);
    delays.afterReconnect = await until(() => me(b, after), 401);
    expect(await me(b, cached)).toBe(200);
    const errors = [a.logs.slice(logged[0]), b.logs.slice(logged[1])]
      .flat()
      .filter((l) => /"level":[56]0/.test(l));
    expect(errors).toEqual([]);
  });
});
