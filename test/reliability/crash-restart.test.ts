import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, bearer } from '../support/api';
import { signUpUser } from '../support/fixtures';
import { codeFlow, oauthPost, type RegisteredApp, registerApp } from '../support/oauth';
import { type Cluster, findPgBin, freePort, removeCluster, startCluster } from '../support/postgres-cluster';
import { HalProcess } from '../support/process';
import { BACKENDS } from '../support/servers';

type Stats = {
  ok: number;
  unavailable: number;
  serverErrors: number;
  network: number;
  refused: number;
  samples: string[];
};

describe.runIf(BACKENDS.includes('postgres'))('crash and restart under load', () => {
  let cluster: Cluster;
  let hal: HalProcess;
  let app: RegisteredApp;
  let pat: string;
  const chains: { refresh: string }[] = [];
  const creds = () => ({ id: app.client_id, secret: app.client_secret as string });

  beforeAll(async () => {
    cluster = await startCluster(findPgBin() as string, { durable: true });
    const admin = postgres(cluster.url, { max: 1, onnotice: () => {} });
    await admin.unsafe('create database hal');
    await admin.end();
    hal = new HalProcess(await freePort(), cluster.url.replace(/\/postgres$/, '/hal'), {
      HAL_RATE_LIMITS: 'off',
    });
    await hal.start();
    const { browser, auth } = await signUpUser(hal.url).catch((e) => {
      throw new Error(`${e.message}\n${hal.output}`);
    });
    // A grace period lets a client retry a refresh whose answer was lost in the crash (contract).
    app = await registerApp(hal.url, auth, { allowed_scopes: ['profile'], refresh_reuse_grace: 60 });
    pat = (
      await api(hal.url, 'POST', '/api/v1/tokens', { auth, body: { name: 'load', scopes: ['profile'] } })
    ).json.data.token;
    for (let i = 0; i < 4; i++) {
      const { res } = await codeFlow(hal.url, browser, app, { scope: 'profile' });
      chains.push({ refresh: res.json.refresh_token });
    }
  }, 120_000);

  afterAll(async () => {
    await hal?.kill();
    if (cluster) removeCluster(cluster);
  });

  /** Mixed traffic (client_credentials, refresh chains, Bearer API) for `ms`, disrupted a third of the way in. */
  async function load(ms: number, disrupt: () => Promise<void>) {
    const stats: Stats = { ok: 0, unavailable: 0, serverErrors: 0, network: 0, refused: 0, samples: [] };
    const acknowledged: string[] = [];
    const stopAt = Date.now() + ms;
    const count = (status: number, text: string) => {
      if (status < 300) stats.ok++;
      else if (status === 503) stats.unavailable++;
      else if (status >= 500) stats.serverErrors++;
      else stats.refused++;
      if (status >= 300 && status !== 503 && stats.samples.length < 5)
        stats.samples.push(`${status} ${text.slice(0, 160)}`);
    };
    const call = async <T>(
      fn: () => Promise<T & { status: number; text: string }>,
    ): Promise<(T & { status: number; text: string }) | undefined> => {
      try {
        const res = await fn();
        count(res.status, res.text);
        return res;
      } catch {
        stats.network++; // in flight at the kill, or refused while the process was down
        await new Promise((r) => setTimeout(r, 20));
        return undefined;
      }
    };
    const workers = [
      ...[0, 1, 2].map(async () => {
        while (Date.now() < stopAt) {
          const res = await call(() =>
            oauthPost(hal.url, '/oauth/token', { grant_type: 'client_credentials' }, creds()),
          );
          if (res?.status === 200) acknowledged.push(res.json.access_token);
        }
      }),
      ...chains.map(async (chain) => {
        while (Date.now() < stopAt) {
          const res = await call(() =>
            oauthPost(
              hal.url,
              '/oauth/token',
              { grant_type: 'refresh_token', refresh_token: chain.refresh },
              creds(),
            ),
          );
          if (res?.status === 200) {
            chain.refresh = res.json.refresh_token;
            acknowledged.push(res.json.access_token);
          }
        }
      }),
      ...[0, 1].map(async () => {
        while (Date.now() < stopAt)
          await call(() => api(hal.url, 'GET', '/api/v1/auth/me', { auth: bearer(pat) }));
      }),
      (async () => {
        await new Promise((r) => setTimeout(r, ms / 3));
        await disrupt();
      })(),
    ];
    await Promise.all(workers);
    return { stats, acknowledged };
  }

  /** A request retried while HAL answers 503 (Retry-After), as a well-behaved client does. */
  async function retrying<T extends { status: number }>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const res = await fn();
      if (res.status !== 503 || attempt === 5) return res;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Every acknowledged access token still introspects active; every refresh chain still works. */
  async function nothingLost(acknowledged: string[]) {
    let inactive = 0;
    for (let i = 0; i < acknowledged.length; i += 25) {
      const batch = acknowledged.slice(i, i + 25);
      const results = await Promise.all(
        batch.map((token) => retrying(() => oauthPost(hal.url, '/oauth/introspect', { token }, creds()))),
      );
      inactive += results.filter((r) => r.json.active !== true).length;
    }
    expect(inactive, `${inactive} of ${acknowledged.length} acknowledged tokens were lost`).toBe(0);
    for (const chain of chains) {
      const next = await retrying(() =>
        oauthPost(
          hal.url,
          '/oauth/token',
          { grant_type: 'refresh_token', refresh_token: chain.refresh },
          creds(),
        ),
      );
      expect(next.status, next.text).toBe(200);
      chain.refresh = next.json.refresh_token;
    }
  }

  it('survives kill -9 of the server: nothing acknowledged is lost, no 5xx', async () => {
    const { stats, acknowledged } = await load(4000, async () => {
      await hal.kill();
      await hal.start();
    });
    console.info('kill -9 run:', { ...stats, acknowledged: acknowledged.length });
    expect(stats.serverErrors, hal.output.slice(-4000)).toBe(0);
    expect(stats.unavailable).toBe(0);
    expect(stats.refused).toBe(0);
    expect(stats.ok).toBeGreaterThan(100);
    await nothingLost(acknowledged);
  }, 120_000);

  it('survives a PostgreSQL restart: /readyz reports the outage and recovers without restarting HAL', async () => {
    const readiness: number[] = [];
    const { stats, acknowledged } = await load(4000, async () => {
      cluster.stop();
      readiness.push(
        (
          await fetch(`${hal.url}/readyz`).catch((e) => {
            throw new Error(`HAL died with the database: ${e}\n${hal.output.slice(-3000)}`);
          })
        ).status,
      );
      cluster.start();
      for (let i = 0; i < 100; i++) {
        const status = (await fetch(`${hal.url}/readyz`)).status;
        readiness.push(status);
        if (status === 200) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    });
    console.info('PostgreSQL restart run:', { ...stats, acknowledged: acknowledged.length, readiness });
    expect(readiness[0]).toBe(503);
    expect(readiness.at(-1)).toBe(200);
    // During the outage HAL answers 503 (retry), never a 500, and refuses nothing it should accept.
    expect(stats.serverErrors, hal.output.slice(-4000)).toBe(0);
    expect(stats.refused).toBe(0);
    expect(stats.ok).toBeGreaterThan(100);
    await nothingLost(acknowledged);
  }, 120_000);
});
