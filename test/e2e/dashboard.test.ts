import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, bearer } from '../support/api';
import { newAccount } from '../support/browser';
import {
  ARTIFACTS,
  browserAvailable,
  launchChromium,
  signUpToDashboard,
  watchErrors,
} from '../support/chromium';
import { useInstance } from '../support/fixtures';
import { pkce } from '../support/oauth';
import { BACKENDS } from '../support/servers';

const backend = BACKENDS.includes('postgres') ? 'postgres' : 'pglite';

describe.runIf(browserAvailable())(`dashboard in headless Chromium (${backend})`, () => {
  const hal = useInstance(backend, { user: false });
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  const account = newAccount('dash');
  const shot = (name: string) =>
    page.screenshot({ path: join(ARTIFACTS, `dashboard-${name}.png`), fullPage: true });

  beforeAll(async () => {
    context = await launchChromium();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: hal.url });
    page = await context.newPage();
    errors = watchErrors(page);
  }, 60_000);
  afterAll(async () => {
    await context?.close();
  });

  it('sends a signed-out visitor to sign-in and back after sign-up', async () => {
    await signUpToDashboard(page, hal.url, account);
    await expect.poll(() => page.textContent('main')).toContain('No projects yet');
    await shot('projects-empty');
  });

  it('creates a project and copies its widget snippet', async () => {
    await page.fill('#new-project', 'Storefront');
    await page.click('text=Create project');
    await page.waitForSelector('[data-testid=snippet]');
    const snippet = (await page.textContent('[data-testid=snippet]')) as string;
    expect(snippet).toMatch(/app_id: 'hal_wa_[0-9A-Za-z]{16}'/);
    await page.click('text=Copy snippet');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(snippet);
    await shot('project');
  });

  it('registers a confidential app, shows its secret once, and rotates it', async () => {
    await page.click('nav >> text=OAuth apps');
    await page.fill('#app-name', 'Widget Host');
    await page.fill('#app-redirects', 'https://host.example/callback');
    await page.click('text=Register app');
    const first = (await page.textContent('[data-testid=secret-value]')) as string;
    expect(first).toMatch(/^hal_cs_/);
    await shot('apps-secret');
    await page.click('text=I have saved it');
    await expect.poll(() => page.locator('[data-testid=secret-value]').count()).toBe(0);
    expect(await page.textContent('main')).not.toContain(first);

    await page.click('[data-testid=app] >> text=Rotate secret');
    await page.click('[data-testid=app] >> text=Yes');
    const rotated = (await page.textContent('[data-testid=secret-value]')) as string;
    expect(rotated).toMatch(/^hal_cs_/);
    expect(rotated).not.toBe(first);
    const apps = await api(hal.url, 'POST', '/oauth/token', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    expect(apps.status).toBe(401); // sanity: no credentials, no token
    await page.click('text=I have saved it');
    await shot('apps');
  });

  it('creates a personal access token that works with a plain HTTP client', async () => {
    await page.click('nav >> text=Tokens');
    await page.fill('#pat-name', 'ci script');
    await page.click('text=Create token');
    const token = (await page.textContent('[data-testid=secret-value]')) as string;
    expect(token).toMatch(/^hal_pat_/);
    const me = await api(hal.url, 'GET', '/api/v1/auth/me', { auth: bearer(token) });
    expect(me.status).toBe(200);
    expect(me.json.data.email).toBe(account.email);
    await page.click('text=I have saved it');
    await expect.poll(() => page.textContent('main')).toContain('ci script');
    await shot('tokens');
  });

  it('approves a connection on the consent page and revokes it from Connected apps', async () => {
    const appsRes = await page.evaluate(async () => {
      const r = await fetch('/trpc/apps.list', { headers: { 'x-hal-csrf': '1' } });
      return r.json();
    });
    const app = appsRes.result.data[0];
    const secret = (await page.evaluate(async (id) => {
      const r = await fetch('/trpc/apps.rotateSecret', {
        method: 'POST',
        headers: { 'x-hal-csrf': '1', 'content-type': 'application/json' },
        body: JSON.stringify({ id }),
      });
      return (await r.json()).result.data.client_secret;
    }, app.id)) as string;
    const { verifier, challenge } = pkce();
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: app.client_id,
      redirect_uri: 'https://host.example/callback',
      scope: 'profile widget:serve',
      state: 'st',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    await page.route('https://host.example/**', (route) =>
      route.fulfill({ status: 200, body: 'callback reached' }),
    );
    await page.goto(`${hal.url}/oauth/authorize?${query}`);
    expect(await page.textContent('h1')).toContain('Authorize Widget Host');
    await shot('consent');
    await page.click('button[value=approve]');
    await page.waitForURL(/host\.example\/callback/);
    const code = new URL(page.url()).searchParams.get('code') as string;
    const token = await api(hal.url, 'POST', '/oauth/token', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: 'https://host.example/callback',
        code_verifier: verifier,
        client_id: app.client_id,
        client_secret: secret,
      }).toString(),
    });
    expect(token.status).toBe(200);
    expect(
      (await api(hal.url, 'GET', '/api/v1/auth/me', { auth: bearer(token.json.access_token) })).status,
    ).toBe(200);

    await page.goto(`${hal.url}/dashboard/#/connections`);
    await page.waitForSelector('[data-testid=connection]');
    await shot('connections');
    await page.click('[data-testid=connection] >> text=Revoke access');
    await page.click('[data-testid=connection] >> text=Yes');
    await expect.poll(() => page.textContent('main')).toContain('You have not connected any app');
    expect(
      (await api(hal.url, 'GET', '/api/v1/auth/me', { auth: bearer(token.json.access_token) })).status,
    ).toBe(401);
  });

  it('shows the audit log, newest first', async () => {
    await page.click('nav >> text=Audit log');
    await page.waitForSelector('[data-testid=audit-event]');
    const events = await page.locator('[data-testid=audit-event] td:nth-child(2)').allTextContents();
    expect(events[0]).toBe('oauth.grant_revoked');
    expect(events).toContain('pat.created');
    expect(events).toContain('oauth.approved');
    await shot('audit');
  });

  it('is usable on a phone-sized screen and had no console or page errors', async () => {
    await page.setViewportSize({ width: 375, height: 740 });
    await page.goto(`${hal.url}/dashboard/#/projects`);
    await page.waitForSelector('.cards li');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(1);
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => document.activeElement?.tagName);
    expect(focused).toBe('A');
    await shot('phone');
    expect(errors, errors.join('\n')).toEqual([]);
  });
});
