import { request } from 'node:http';
import { isOutage } from '@hal/auth-server';
import { hashToken } from '@hal/core';
import type { Sql } from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from '../support/browser';
import {
  backUpAt,
  eventually,
  holdLocks,
  listening,
  lockWaiter,
  lockWaiters,
  startHalForFaults,
  terminateBackends,
} from '../support/faults';
import { signUpUser } from '../support/fixtures';
import { codeFlow, oauthPost, type RegisteredApp, registerApp } from '../support/oauth';
import { type Cluster, removeCluster } from '../support/postgres-cluster';
import type { HalProcess } from '../support/process';
import { BACKENDS } from '../support/servers';

// Short, so that a statement held past it is quick to test; the default is 15 s.
const DEADLINE_MS = 1_500;
// Margins for a loaded 2-core machine: the answers themselves come in milliseconds.
const SLACK_MS = 1_500;

describe('database unavailability is classified as 503, never 500', () => {
  const wrapped = (code: string) => ({ message: 'query failed', cause: { code } }); // as drizzle wraps
  it.each([
    ['57P03', 'the database system is starting up / shutting down'],
    ['57P01', 'terminating connection due to administrator command'],
    ['57P02', 'crash of another server process'],
    ['53300', 'too many connections'],
    ['08006', 'connection failure'],
    ['57014', 'statement cancelled (deadline, client gone, statement_timeout)'],
    ['25P03', 'idle-in-transaction timeout'],
    ['40P01', 'deadlock detected: this transaction was rolled back'],
    ['40001', 'serialization failure: this transaction was rolled back'],
    ['ECONNREFUSED', 'connection refused'],
    ['CONNECTION_CLOSED', 'connection closed mid-query'],
    ['CONNECT_TIMEOUT', 'no answer to a connection attempt'],
  ])('%s (%s) is unavailable', (code) => {
    expect(isOutage({ code })).toBe(true);
    expect(isOutage(wrapped(code))).toBe(true);
  });
  it.each(['23505', '42P01', '22P02', '40003', undefined])('%s is not', (code) => {
    expect(isOutage(wrapped(code as string))).toBe(false);
  });
});

describe.runIf(BACKENDS.includes('postgres'))(
  'a 503 means nothing happened: faults in the middle of a rotation',
  () => {
    let cluster: Cluster;
    let hal: HalProcess;
    let admin: Sql;
    let adminUrl: string;
    let browser: Browser;
    let app: RegisteredApp;
    const creds = () => ({ id: app.client_id, secret: app.client_secret as string });

    beforeAll(async () => {
      ({ cluster, adminUrl, admin, hal } = await startHalForFaults(DEADLINE_MS));
      const user = await signUpUser(hal.url);
      browser = user.browser;
      // The default grace of 0: a retried rotation that had happened would revoke the grant.
      app = await registerApp(hal.url, user.auth, {
        allowed_scopes: ['profile'],
      });
    }, 120_000);

    afterAll(async () => {
      await hal?.kill();
      await admin?.end({ timeout: 1 });
      if (cluster) removeCluster(cluster);
    });

    const newChain = async (): Promise<string> => {
      const { res } = await codeFlow(hal.url, browser, app, { scope: 'profile' });
      if (res.status !== 200) throw new Error(`code flow: ${res.status} ${res.text}`);
      return res.json.refresh_token;
    };
    const refresh = async (token: string) => {
      const started = performance.now();
      const res = await oauthPost(
        hal.url,
        '/oauth/token',
        { grant_type: 'refresh_token', refresh_token: token },
        creds(),
      );
      return { ...res, ms: performance.now() - started, endedAt: performance.now() };
    };
    /** The grant of `token` as stored: revoked or not, whether `token` was rotated, its token counts. */
    const grantOf = async (token: string) => {
      const [row] = await admin`
      select g.revoked_at is not null as revoked, t.rotated_at is not null as rotated,
             (select count(*)::int from refresh_tokens r where r.grant_id = g.id) as refresh_tokens,
             (select count(*)::int from access_tokens a where a.grant_id = g.id) as access_tokens
        from refresh_tokens t join grants g on g.id = t.grant_id
       where t.token_hash = ${hashToken(token)}`;
      if (!row) throw new Error('no such refresh token');
      return row as { revoked: boolean; rotated: boolean; refresh_tokens: number; access_tokens: number };
    };
    const lockToken = (token: string) =>
      holdLocks(adminUrl, 'select 1 from refresh_tokens where token_hash = $1 for update', [
        hashToken(token),
      ]);
    /** A refresh sent over a raw socket, for the test to hang up (`req.destroy()`) mid-rotation. */
    const refreshToHangUp = (token: string) => {
      const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token }).toString();
      const req = request(`${hal.url}/oauth/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          authorization: `Basic ${Buffer.from(`${creds().id}:${creds().secret}`).toString('base64')}`,
        },
      });
      req.on('error', () => {}); // the test hangs up itself
      req.end(body);
      return req;
    };
    const expect503 = (res: { status: number; headers: Headers; json: { error?: string } }) => {
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(res.json.error).toBe('temporarily_unavailable');
    };
    /** After the 503: the token was not rotated; presenting it again succeeds once; nothing revoked. */
    async function nothingHappened(token: string, before: Awaited<ReturnType<typeof grantOf>>) {
      expect(await grantOf(token)).toEqual(before);
      const retry = await refresh(token);
      expect(retry.status, retry.text).toBe(200);
      const next = await refresh(retry.json.refresh_token);
      expect(next.status, next.text).toBe(200);
      expect(await grantOf(token)).toEqual({
        revoked: false,
        rotated: true,
        refresh_tokens: before.refresh_tokens + 2,
        access_tokens: before.access_tokens + 2,
      });
    }

    it('cancels a rotation held past the request deadline, answers 503 once it rolled back, and the retry succeeds once', async () => {
      const token = await newChain();
      const before = await grantOf(token);
      const release = await lockToken(token);
      const res = await refresh(token);
      // Answered at the deadline, once PostgreSQL confirmed the cancel: no backend still waits.
      const waiting = await lockWaiters(admin, 'hal');
      await release();
      console.info('statement held past the deadline:', { status: res.status, ms: Math.round(res.ms) });
      expect503(res);
      expect(res.ms).toBeGreaterThanOrEqual(DEADLINE_MS - 50);
      expect(res.ms).toBeLessThan(DEADLINE_MS + SLACK_MS);
      expect(waiting).toEqual([]);
      await nothingHappened(token, before);
    });

    it('answers a read-only request (GET /api/v1/auth/me, no request scope) 503 at its deadline while its read waits', async () => {
      const { res: issued } = await codeFlow(hal.url, browser, app, { scope: 'profile' });
      expect(issued.status, issued.text).toBe(200);
      // A fresh token: its revocation state is not cached yet, so /me reads it and waits on the lock.
      const release = await holdLocks(adminUrl, 'lock table access_tokens in access exclusive mode');
      const started = performance.now();
      const res = await fetch(`${hal.url}/api/v1/auth/me`, {
        headers: { authorization: `Bearer ${issued.json.access_token}` },
      });
      const ms = performance.now() - started;
      await release();
      console.info('read held past the deadline:', { status: res.status, ms: Math.round(ms) });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(ms).toBeGreaterThanOrEqual(DEADLINE_MS - 50);
      expect(ms).toBeLessThan(DEADLINE_MS + SLACK_MS);
      // Once the lock is gone the same token reads as usual.
      const again = await fetch(`${hal.url}/api/v1/auth/me`, {
        headers: { authorization: `Bearer ${issued.json.access_token}` },
      });
      expect(again.status).toBe(200);
    });

    it('cancels the rotation of a client that went away before it committed', async () => {
      const token = await newChain();
      const before = await grantOf(token);
      const release = await lockToken(token);
      const req = refreshToHangUp(token);
      const pid = await lockWaiter(admin, 'hal');
      const goneAt = performance.now();
      req.destroy();
      // HAL sees the disconnect and cancels: its backend stops waiting long before the deadline.
      const cancelled = await eventually(async () => !(await lockWaiters(admin, 'hal')).includes(pid), 1_000);
      const cancelMs = performance.now() - goneAt;
      await release();
      console.info('client gone mid-rotation:', { cancelledWithinMs: Math.round(cancelMs) });
      expect(cancelled).toBe(true);
      await nothingHappened(token, before);
    });

    it('a rotation waiting on a locked row holds up no other: its batch skips it, it waits alone, and its client hanging up cancels it', async () => {
      const stuck = await newChain();
      const other = await newChain();
      const stuckBefore = await grantOf(stuck);
      const release = await lockToken(stuck);
      const req = refreshToHangUp(stuck);
      const pid = await lockWaiter(admin, 'hal');
      // Rotations are group-committed: this one is not held up by the one waiting on the lock.
      const otherBefore = await grantOf(other);
      const res = await refresh(other);
      expect(res.status, res.text).toBe(200);
      expect(res.ms).toBeLessThan(DEADLINE_MS / 2);
      expect(await lockWaiters(admin, 'hal')).toContain(pid);
      const now = await grantOf(other);
      expect(now.rotated).toBe(true);
      expect(now.revoked).toBe(false);
      // Both chains share the grant: one rotation (one refresh and one access token) was added.
      expect(now.refresh_tokens).toBe(otherBefore.refresh_tokens + 1);
      expect(now.access_tokens).toBe(otherBefore.access_tokens + 1);
      const goneAt = performance.now();
      req.destroy();
      const cancelled = await eventually(async () => !(await lockWaiters(admin, 'hal')).includes(pid), 1_000);
      console.info('rotation beside a stuck one:', {
        otherMs: Math.round(res.ms),
        stuckCancelledAfterMs: Math.round(performance.now() - goneAt),
      });
      expect(cancelled).toBe(true);
      await release();
      await nothingHappened(stuck, {
        ...stuckBefore,
        refresh_tokens: now.refresh_tokens,
        access_tokens: now.access_tokens,
      });
    });

    it('answers 503 at once when the backend of a rotation is terminated, and the retry succeeds once', async () => {
      const token = await newChain();
      const before = await grantOf(token);
      const release = await lockToken(token);
      const pending = refresh(token);
      const pid = await lockWaiter(admin, 'hal');
      const killedAt = performance.now();
      await admin`select pg_terminate_backend(${pid})`;
      const res = await pending;
      await release();
      console.info('backend terminated mid-rotation:', {
        status: res.status,
        afterKillMs: Math.round(res.endedAt - killedAt),
      });
      expect503(res);
      expect(res.endedAt - killedAt).toBeLessThan(2_000);
      await nothingHappened(token, before);
    });

    it('answers 503 within 2 s when PostgreSQL restarts mid-rotation; /readyz is 200 only once requests succeed again', async () => {
      const token = await newChain();
      const before = await grantOf(token);
      // A token introspected (and cached) before the restart, revoked by hand right after it.
      const cc = await oauthPost(hal.url, '/oauth/token', { grant_type: 'client_credentials' }, creds());
      const cached = cc.json.access_token as string;
      expect((await oauthPost(hal.url, '/oauth/introspect', { token: cached }, creds())).json.active).toBe(
        true,
      );

      const release = await lockToken(token);
      const pending = refresh(token);
      await lockWaiter(admin, 'hal');
      const stoppedAt = performance.now();
      const backUp = backUpAt(adminUrl);
      const restarted = cluster.restart(500);
      // /readyz from the stop on: 503 with Retry-After until a query succeeds again.
      const readiness: string[] = [];
      let readyAt = 0;
      const polled = (async () => {
        while (!readyAt && performance.now() - stoppedAt < 30_000) {
          const ready = await fetch(`${hal.url}/readyz`);
          // A 200 before the first 503 was answered before the stop took effect.
          if (ready.status === 200) readyAt = readiness.length ? performance.now() : 0;
          else readiness.push(`${ready.status} ${ready.headers.get('retry-after')}`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      })();
      const res = await pending;
      console.info('PostgreSQL restarted mid-rotation:', {
        status: res.status,
        afterStopMs: Math.round(res.endedAt - stoppedAt),
      });
      expect503(res);
      expect(res.endedAt - stoppedAt).toBeLessThan(2_000);
      await restarted;
      const acceptingAt = await backUp;
      await release();
      await polled;
      // Ready means served: a burst wider than the pool, every connection of it, all succeed at once.
      const burst = await Promise.all(
        Array.from({ length: 24 }, () =>
          oauthPost(hal.url, '/oauth/token', { grant_type: 'client_credentials' }, creds()),
        ),
      );
      // The cache was dropped with the change listener: the revocation made by hand is seen at once.
      await admin`update access_tokens set revoked_at = now() where revoked_at is null and app_id = (
      select id from oauth_apps where client_id = ${app.client_id})`;
      const introspected = await oauthPost(hal.url, '/oauth/introspect', { token: cached }, creds());
      // The change listener reconnected by itself (caching resumes once it listens).
      const listens = await eventually(() => listening(admin, 'hal'), 2_000);
      console.info('after the restart:', {
        readyAfterAcceptingMs: Math.round(readyAt - acceptingAt),
        notReady: readiness.length,
        burst: burst.map((r) => r.status).filter((s) => s !== 200),
      });
      expect(readiness.length).toBeGreaterThan(0);
      expect(new Set(readiness)).toEqual(new Set(['503 1']));
      expect(readyAt).toBeGreaterThan(0);
      expect(readyAt - acceptingAt).toBeLessThan(2_000);
      expect(burst.filter((r) => r.status !== 200).map((r) => `${r.status} ${r.text}`)).toEqual([]);
      expect(introspected.json.active).toBe(false);
      expect(listens).toBe(true);
      await nothingHappened(token, before);
    }, 60_000);

    it('answers 503 with Retry-After, never 500, while PostgreSQL refuses connections (too many connections)', async () => {
      await admin`alter role hal connection limit 0`;
      try {
        await terminateBackends(admin, 'hal');
        const res = await oauthPost(hal.url, '/oauth/token', { grant_type: 'client_credentials' }, creds());
        const ready = await fetch(`${hal.url}/readyz`);
        console.info('too many connections:', { token: res.status, readyz: ready.status });
        expect503(res);
        expect(ready.status).toBe(503);
        expect(ready.headers.get('retry-after')).toBe('1');
        // Every surface says it in its own shape: tRPC, the HTML pages, the REST API.
        const trpc = await browser.fetch('/trpc/me.get');
        expect(trpc.status).toBe(503);
        expect(trpc.headers.get('retry-after')).toBe('1');
        expect((await trpc.json()).error.message).toBe(
          'the service is temporarily unavailable; retry shortly',
        );
        const page = await browser.fetch(`/oauth/authorize?client_id=${app.client_id}`);
        expect(page.status).toBe(503);
        expect(page.headers.get('content-type')).toMatch(/^text\/html/);
        expect(page.headers.get('retry-after')).toBe('1');
        const rest = await browser.fetch('/api/v1/projects', {
          headers: { authorization: 'Bearer hal_pat_x' },
        });
        expect(rest.status).toBe(503);
        expect((await rest.json()).error.code).toBe('unavailable');
      } finally {
        await admin`alter role hal connection limit -1`;
      }
      expect(await eventually(async () => (await fetch(`${hal.url}/readyz`)).status === 200, 2_000)).toBe(
        true,
      );
      const res = await oauthPost(hal.url, '/oauth/token', { grant_type: 'client_credentials' }, creds());
      expect(res.status).toBe(200);
    });
  },
);
