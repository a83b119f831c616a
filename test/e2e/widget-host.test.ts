import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHost, type Host, listen } from '../../examples/widget-host/src/index';
import { api } from '../support/api';
import { ARTIFACTS, browserAvailable, launchChromium } from '../support/chromium';
import { useInstance } from '../support/fixtures';
import type { RegisteredApp } from '../support/oauth';
import { freePort } from '../support/postgres-cluster';
import { BACKENDS } from '../support/servers';

const backend = BACKENDS.includes('postgres') ? 'postgres' : 'pglite';
const LAUNCHER = '#hal-widget-root[data-state="identified"][data-user-id="demo-user-1"]';

describe.runIf(browserAvailable())(`example widget host in headless Chromium (${backend})`, () => {
  const hal = useInstance(backend);
  let host: Host;
  let hostServer: { close(): Promise<void> };
  let hostUrl: string;
  let context: BrowserContext;
  let page: Page;
  let project: { id: string; app_id: string; name: string };
  let app: RegisteredApp;
  // The host's clock runs ahead by this much, to bring its access token near expiry.
  let skew = 0;
  // The tampered run logs its refused (401) identify request; the denied consent its 400 callback.
  let expectedConsoleError: RegExp | undefined;
  const errors: string[] = [];

  /** Opens a host page and waits for the widget to report how identify went. */
  async function identifyOutcome(path: string) {
    await page.goto(`${hostUrl}${path}`);
    await page.waitForFunction(() => document.body.dataset.identify !== undefined, undefined, {
      timeout: 10_000,
    });
    return page.evaluate(() => document.body.dataset.identify);
  }

  beforeAll(async () => {
    const owner = hal.user.auth;
    project = await hal.user.createProject('Storefront');
    const port = await freePort();
    hostUrl = `http://127.0.0.1:${port}`;
    app = await hal.registerApp({
      name: 'Example Widget Host',
      redirect_uris: [`${hostUrl}/callback`],
      allowed_scopes: ['widget:serve', 'projects:read'],
    });
    const origins = await api(hal.url, 'PATCH', `/api/v1/projects/${project.id}`, {
      auth: owner,
      body: { allowed_origins: [hostUrl] },
    });
    expect(origins.status).toBe(200);

    host = createHost(
      {
        halUrl: hal.url,
        clientId: app.client_id,
        clientSecret: app.client_secret as string,
        publicUrl: hostUrl,
        port,
      },
      { now: () => Date.now() + skew },
    );
    hostServer = await listen(host);

    context = await launchChromium();
    page = await context.newPage();
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      if (expectedConsoleError?.test(m.text())) return;
      errors.push(`console: ${m.text()} (${m.location().url})`);
    });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await hostServer?.close();
  });

  it('connects through HAL sign-in and consent with the project preselected (code flow, PKCE, RFC 9207 iss)', async () => {
    await page.goto(`${hostUrl}/`);
    expect(await page.getAttribute('a:has-text("Connect HAL")', 'href')).toBe('/connect');
    // A host that knows which project it wants names it; the consent page preselects it.
    await page.goto(`${hostUrl}/connect?project_id=${project.id}`);
    await page.waitForURL(`${hal.url}/login?**`);
    await page.fill('#email', hal.user.account.email);
    await page.fill('#password', hal.user.account.password);
    await page.click('button[type=submit]');
    await page.waitForSelector('select#project_id');
    expect(await page.textContent('h1')).toContain('Example Widget Host');
    expect(await page.inputValue('select#project_id')).toBe(project.id);
    await page.click('button[name=decision][value=approve]');
    await page.waitForURL(`${hostUrl}/demo`);

    const connection = host.store.connection();
    expect(connection).toMatchObject({
      projectId: project.id,
      projectName: 'Storefront',
      appId: project.app_id,
      widgetScriptUrl: `${hal.url}/widget/v1/hal-widget.js`,
      apiBaseUrl: hal.url,
    });
    expect(connection?.refreshToken).toMatch(/^hal_rt_/);
    expect(connection?.expiresAt).toBeGreaterThan(Date.now() + 60_000);
  });

  it('identifies the signed-in visitor through the embed snippet with a hash HAL signed', async () => {
    expect(await identifyOutcome('/demo')).toBe('ok');
    await expect.poll(() => page.locator(LAUNCHER).count()).toBe(1);
    await page.click('#hal-widget-root'); // opens the launcher's panel for the screenshot
    await page.screenshot({ path: join(ARTIFACTS, 'widget-host.png'), fullPage: true });
  });

  it('shows the connected project on its home page', async () => {
    await page.goto(`${hostUrl}/`);
    expect(await page.textContent('main')).toContain('Storefront');
    expect(await page.locator('a[href="/demo"]').count()).toBe(1);
  });

  it('refreshes once for concurrent requests within 30 s of expiry and keeps the rotated refresh token (RFC 9700 §4.14.2)', async () => {
    const before = host.store.connection();
    if (!before) throw new Error('not connected');
    skew = before.expiresAt - Date.now() - 10_000;
    // A second use of the rotated refresh token would make HAL revoke the whole grant.
    const pages = await Promise.all([1, 2, 3].map(() => fetch(`${hostUrl}/demo`, { redirect: 'manual' })));
    expect(pages.map((p) => p.status)).toEqual([200, 200, 200]);
    expect(await identifyOutcome('/demo')).toBe('ok');
    const after = host.store.connection();
    expect(after?.accessToken).not.toBe(before.accessToken);
    expect(after?.refreshToken).toMatch(/^hal_rt_/);
    expect(after?.refreshToken).not.toBe(before.refreshToken);
    expect(after?.appId).toBe(project.app_id);
    skew = 0;
  });

  it('rejects a tampered user_hash in the browser with invalid_user_hash', async () => {
    expectedConsoleError = /status of 401/;
    expect(await identifyOutcome('/demo?tamper=1')).toBe('invalid_user_hash');
    expectedConsoleError = undefined;
    expect(await page.locator(LAUNCHER).count()).toBe(0);
    expect(await page.getAttribute('#hal-widget-root', 'data-state')).toBe('anonymous');
  });

  it('shows access_denied when the user denies, keeping the existing connection (RFC 6749 §4.1.2.1)', async () => {
    const before = host.store.connection();
    expectedConsoleError = /status of 400/;
    await page.goto(`${hostUrl}/connect?project_id=${project.id}`);
    await page.click('button[name=decision][value=deny]');
    await page.waitForURL(`${hostUrl}/callback?**`);
    expect(await page.textContent('[role=alert]')).toContain('HAL did not connect: access_denied');
    expectedConsoleError = undefined;
    expect(host.store.connection()).toBe(before);
  });

  it('refuses a callback without its cookie, or with another state or iss (RFC 9207)', async () => {
    const before = host.store.connection();
    const start = async () => {
      const res = await fetch(`${hostUrl}/connect`, { redirect: 'manual' });
      const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] as string;
      const state = new URL(res.headers.get('location') as string).searchParams.get('state') as string;
      return { cookie, state };
    };
    const callback = async (query: Record<string, string>, cookie?: string) => {
      const res = await fetch(`${hostUrl}/callback?${new URLSearchParams({ code: 'stolen', ...query })}`, {
        headers: cookie ? { cookie } : {},
        redirect: 'manual',
      });
      return { status: res.status, text: await res.text() };
    };

    const noCookie = await callback({ state: 'x', iss: hal.url });
    expect(noCookie.status).toBe(400);
    expect(noCookie.text).toContain('This connection was not started here or has expired.');
    const a = await start();
    const otherIss = await callback({ state: a.state, iss: 'https://evil.example' }, a.cookie);
    expect(otherIss.status).toBe(400);
    expect(otherIss.text).toContain('unexpected &quot;iss&quot;');
    const b = await start();
    const otherState = await callback({ state: `${b.state}x`, iss: hal.url }, b.cookie);
    expect(otherState.status).toBe(400);
    expect(otherState.text).toContain('unexpected &quot;state&quot;');
    // Single use: the flow is gone even after a refused callback.
    expect((await callback({ state: b.state, iss: hal.url }, b.cookie)).status).toBe(400);
    expect(host.store.connection()).toBe(before);
  });

  it('recorded the identified visitor for the project, with no page or console errors', async () => {
    const identities = await hal.srv.services.stores.projects.identities(project.id);
    const visitor = identities.find((i) => i.userId === 'demo-user-1');
    // At least the two page views above that reported 'ok'; the tampered one is not counted.
    expect(visitor?.count).toBeGreaterThanOrEqual(2);
    expect(errors).toEqual([]);
  });
});
