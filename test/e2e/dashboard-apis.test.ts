import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../support/api';
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

describe.runIf(browserAvailable())(`dashboard APIs page in headless Chromium (${backend})`, () => {
  const hal = useInstance(backend, { user: false });
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  const account = newAccount('apis');
  const shot = (name: string) =>
    page.screenshot({ path: join(ARTIFACTS, `dashboard-apis-${name}.png`), fullPage: true });
  const identifier = 'https://api.widgets.example/v1';

  beforeAll(async () => {
    context = await launchChromium();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: hal.url });
    page = await context.newPage();
    errors = watchErrors(page);
  }, 60_000);
  afterAll(async () => {
    await context?.close();
  });

  it('signs up and opens APIs from the navigation', async () => {
    await signUpToDashboard(page, hal.url, account);
    await page.click('nav >> text=APIs');
    await expect.poll(() => page.textContent('main')).toContain('No APIs registered yet');
  });

  it('registers an API with two scopes and shows its introspection secret once', async () => {
    await page.fill('#rs-name', 'Widgets API');
    await page.fill('#rs-identifier', identifier);
    await page.fill('#rs-scope-0', 'widgets:read');
    await page.fill('#rs-scope-0-description', 'Read your widgets');
    await page.click('form.panel >> text=Add scope');
    await page.fill('#rs-scope-1', 'widgets:write');
    await page.fill('#rs-scope-1-description', 'Change your widgets');
    await page.fill('#rs-ttl', '600');
    await page.click('text=Register API');
    const first = (await page.textContent('[data-testid=secret-value]')) as string;
    expect(first).toMatch(/^hal_rss_/);
    await page.click('[aria-label^="Introspection secret"] >> button:has-text("Copy")');
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(first);
    await shot('secret');
    await page.click('text=I have saved it');
    await expect.poll(() => page.locator('[data-testid=secret-value]').count()).toBe(0);
    await page.waitForSelector('[data-testid=resource]');
    expect(await page.textContent('main')).not.toContain(first);
    expect(await page.textContent('[data-testid=resource]')).toContain(identifier);

    const rotated = await rotate();
    expect(rotated).toMatch(/^hal_rss_/);
    expect(rotated).not.toBe(first);
    await page.click('text=I have saved it');
  });

  async function rotate() {
    await page.click('[data-testid=resource] >> text=Rotate secret');
    await page.click('[data-testid=resource] >> text=Yes');
    await page.waitForSelector('[data-testid=secret-value]');
    return (await page.textContent('[data-testid=secret-value]')) as string;
  }

  it('shows the metadata document URL and a verification snippet with the right audience', async () => {
    const url = (await page.textContent('[data-testid=metadata-url]')) as string;
    expect(url).toMatch(new RegExp(`^${hal.url}/api/v1/resources/hal_rs_[0-9A-Za-z]+/metadata$`));
    const doc = await api(hal.url, 'GET', new URL(url).pathname);
    expect(doc.status).toBe(200);
    expect(doc.json.resource).toBe(identifier);
    expect(doc.json.scopes_supported).toEqual(['widgets:read', 'widgets:write']);

    await page.click('[data-testid=resource] >> text=Verify HAL');
    const snippet = (await page.textContent('[data-testid=verify-snippet]')) as string;
    expect(snippet).toContain('jwtVerify');
    expect(snippet).toContain(`audience: '${identifier}'`);
    expect(snippet).toContain(`issuer: '${hal.url}'`);
    expect(snippet).toContain(`${hal.url}/.well-known/jwks.json`);
    await page.click('[data-testid=resource] >> text=Copy snippet');
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(snippet);
    await shot('snippet');
  });

  it('lists the users and apps holding access to the API once someone connects to it', async () => {
    await expect.poll(() => page.textContent('[data-testid=resource]')).toContain('No one holds access');
    const app = await page.evaluate(async () => {
      const r = await fetch('/trpc/apps.create', {
        method: 'POST',
        headers: { 'x-hal-csrf': '1', 'content-type': 'application/json' },
        body: JSON.stringify({
          name: 'Widget Client',
          redirect_uris: ['https://client.example/callback'],
          client_type: 'public',
          kind: 'public',
          allowed_scopes: ['profile'],
        }),
      });
      return (await r.json()).result.data;
    });
    const { challenge } = pkce();
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: app.client_id,
      redirect_uri: 'https://client.example/callback',
      scope: 'profile widgets:read',
      resource: identifier,
      state: 'st',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    await page.route('https://client.example/**', (route) =>
      route.fulfill({ status: 200, body: 'callback reached' }),
    );
    await page.goto(`${hal.url}/oauth/authorize?${query}`);
    await page.click('button[value=approve]');
    await page.waitForURL(/client\.example\/callback\?code=/);

    await page.goto(`${hal.url}/dashboard/#/apis`);
    await page.waitForSelector('[data-testid=resource-connection]');
    const holder = (await page.textContent('[data-testid=resource-connection]')) as string;
    expect(holder).toContain(account.email);
    expect(holder).toContain('Widget Client');
    expect(holder).toContain('widgets:read');
    await shot('connections');
    await page.setViewportSize({ width: 375, height: 740 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(1);
    await shot('phone');
    await page.setViewportSize({ width: 1100, height: 800 });
  });

  it('edits the name and scopes, then deletes the API after a confirm', async () => {
    await page.click('[data-testid=resource] >> text=Edit name and scopes');
    const item = page.locator('[data-testid=resource]');
    await item.locator('input[aria-label="Scope 2 description"]').fill('Create and change your widgets');
    await item.locator('input[id^="name-"]').fill('Widgets API v1');
    await item.locator('button:text("Save")').click();
    await expect.poll(() => page.textContent('[data-testid=resource] strong')).toBe('Widgets API v1');
    const listed = await page.evaluate(async () => {
      const r = await fetch('/trpc/resources.list', { headers: { 'x-hal-csrf': '1' } });
      return (await r.json()).result.data;
    });
    expect(listed[0].scopes[1].description).toBe('Create and change your widgets');
    expect(listed[0].access_token_ttl).toBe(600);
    await shot('edited');

    await page.click('[data-testid=resource] >> text=Delete');
    await page.click('[data-testid=resource] >> text=Yes');
    await expect.poll(() => page.textContent('main')).toContain('No APIs registered yet');
    expect(errors, errors.join('\n')).toEqual([]);
  });
});
