import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newAccount } from '../support/browser';
import {
  ARTIFACTS,
  browserAvailable,
  launchChromium,
  signUpToDashboard,
  watchErrors,
} from '../support/chromium';
import { useInstance } from '../support/fixtures';
import { exchangeCode } from '../support/oauth';
import { BACKENDS } from '../support/servers';

const backend = BACKENDS.includes('postgres') ? 'postgres' : 'pglite';
const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

describe.runIf(browserAvailable())(`dashboard app page in headless Chromium (${backend})`, () => {
  const hal = useInstance(backend, { user: false });
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  const account = newAccount('apppage');
  const shot = (name: string) =>
    page.screenshot({ path: join(ARTIFACTS, `dashboard-app-${name}.png`), fullPage: true });
  const widgets = 'https://api.widgets.example/v1';
  let app: { id: string; client_id: string; client_secret: string; redirect_uris: string[] };
  let project: { id: string };

  /** A tRPC mutation from the signed-in page, as the dashboard sends it. */
  const mutate = (path: string, input: unknown) =>
    page.evaluate(
      async ([path, input]) => {
        const r = await fetch(`/trpc/${path}`, {
          method: 'POST',
          headers: { 'x-hal-csrf': '1', 'content-type': 'application/json' },
          body: JSON.stringify(input),
        });
        return (await r.json()).result.data;
      },
      [path, input] as const,
    );
  const shownUrl = async () => new URL((await page.textContent('[data-testid=authorize-url]')) as string);
  const param = async (name: string) => (await shownUrl()).searchParams.getAll(name);

  beforeAll(async () => {
    context = await launchChromium();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: hal.url });
    page = await context.newPage();
    errors = watchErrors(page);
    await signUpToDashboard(page, hal.url, account);
    project = await mutate('projects.create', { name: 'Storefront' });
    await mutate('resources.create', {
      name: 'Widgets API',
      identifier: widgets,
      scopes: [{ name: 'widgets:read', description: 'Read your widgets' }],
    });
    app = await mutate('apps.create', {
      name: 'Builder App',
      redirect_uris: ['https://client.example/callback', 'https://client.example/other'],
      client_type: 'confidential',
      kind: 'public',
      allowed_scopes: ['profile', 'projects:read', 'widget:serve'],
    });
  }, 60_000);
  afterAll(async () => {
    await context?.close();
  });

  it("opens an app's page from the apps list, with a URL whose challenge is the S256 of the shown verifier (RFC 7636 §4.2)", async () => {
    await page.click('nav >> text=OAuth apps');
    await page.click('[data-testid=app] >> a:has-text("Builder App")');
    await page.waitForURL(new RegExp(`#/apps/${app.id}$`));
    await expect.poll(() => page.textContent('[data-testid=authorize-url]')).toMatch(/^http/);
    const url = await shownUrl();
    expect(`${url.origin}${url.pathname}`).toBe(`${hal.url}/oauth/authorize`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: app.client_id,
      redirect_uri: 'https://client.example/callback',
      scope: 'profile',
      code_challenge_method: 'S256',
    });
    expect(url.searchParams.has('authorization_details')).toBe(false);
    expect(url.searchParams.has('resource')).toBe(false);
    const verifier = (await page.textContent('[data-testid=code-verifier]')) as string;
    expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('code_challenge')).toBe(s256(verifier));
    await shot('builder');
  });

  it('updates the URL on every change: scopes, project details, resources, redirect URI, state, verifier', async () => {
    await page.check('fieldset:has(legend:text("Scopes")) >> label:has-text("projects:read") >> input');
    await expect.poll(() => param('scope')).toEqual(['profile projects:read']);

    await page.selectOption('#flow-project', project.id);
    await expect
      .poll(async () => JSON.parse((await param('authorization_details'))[0] ?? 'null'))
      .toEqual([{ type: 'hal_project', project_id: project.id, actions: ['read'] }]);
    await page.check(
      'fieldset:has(legend:text("Project actions")) >> label:has-text("widget:serve") >> input',
    );
    await expect
      .poll(async () => JSON.parse((await param('authorization_details'))[0] ?? 'null'))
      .toEqual([{ type: 'hal_project', project_id: project.id, actions: ['read', 'widget:serve'] }]);

    await page.check(`label:has-text("${hal.url}/api") >> input`);
    await expect.poll(() => param('resource')).toEqual([`${hal.url}/api`]);
    // A registered resource brings its own scopes into the picker.
    await page.check(`label:has-text("Widgets API") >> input`);
    await expect.poll(() => param('resource')).toEqual([`${hal.url}/api`, widgets]);
    await page.check('fieldset:has(legend:text("Scopes")) >> label:has-text("widgets:read") >> input');
    await expect.poll(() => param('scope')).toEqual(['profile projects:read widgets:read']);

    await page.selectOption('#flow-redirect', 'https://client.example/other');
    await expect.poll(() => param('redirect_uri')).toEqual(['https://client.example/other']);
    await page.selectOption('#flow-redirect', 'https://client.example/callback');
    await page.fill('#flow-state', 'my-state-1');
    await expect.poll(() => param('state')).toEqual(['my-state-1']);

    const before = (await param('code_challenge'))[0];
    await page.click('text=New verifier');
    await expect.poll(async () => (await param('code_challenge'))[0]).not.toBe(before);
    const verifier = (await page.textContent('[data-testid=code-verifier]')) as string;
    expect((await param('code_challenge'))[0]).toBe(s256(verifier));
    expect(await page.textContent('[data-testid=code-challenge]')).toBe(s256(verifier));

    await page.click('button:has-text("Copy URL")');
    await expect
      .poll(() => page.evaluate(() => navigator.clipboard.readText()))
      .toBe((await shownUrl()).href);
    await shot('changed');
  });

  it('shows curl, JavaScript, Python and PHP snippets with the app, never its secret', async () => {
    const curl = (await page.textContent('[data-testid=snippet-curl]')) as string;
    expect(curl).toContain((await shownUrl()).href);
    expect(curl).toContain(`CODE_VERIFIER='${await page.textContent('[data-testid=code-verifier]')}'`);
    for (const [tab, marker] of [
      ['JavaScript (oauth4webapi)', "from 'oauth4webapi'"],
      ['Python', 'import urllib.request'],
      ['PHP', '<?php'],
    ] as const) {
      await page.click(`[role=tab]:has-text("${tab}")`);
      const text = (await page.textContent('[role=tabpanel] pre')) as string;
      expect(text).toContain(marker);
      expect(text).toContain(app.client_id);
      expect(text).toContain('HAL_CLIENT_SECRET');
      expect(text).not.toContain(app.client_secret);
      await page.click(`[role=tabpanel] >> button:has-text("Copy")`);
      await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(text);
    }
    await shot('snippets');
    await page.setViewportSize({ width: 375, height: 740 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(1);
    await shot('phone');
    await page.setViewportSize({ width: 1100, height: 800 });
  });

  it('follows the built URL to the consent page without an error, and its code exchanges with the shown verifier', async () => {
    const url = await shownUrl();
    const verifier = (await page.textContent('[data-testid=code-verifier]')) as string;
    await page.route('https://client.example/**', (route) =>
      route.fulfill({ status: 200, body: 'callback reached' }),
    );
    const consent = await page.goto(url.href);
    expect(consent?.status()).toBe(200);
    expect(await page.textContent('body')).toContain('Builder App');
    expect(await page.textContent('body')).toContain('Widgets API');
    expect(await page.inputValue('select[name=project_id]')).toBe(project.id);
    await shot('consent');
    await page.click('button[value=approve]');
    await page.waitForURL(/client\.example\/callback\?/);
    const redirect = new URL(page.url());
    expect(redirect.searchParams.get('state')).toBe('my-state-1');
    expect(redirect.searchParams.get('iss')).toBe(hal.url);
    const res = await exchangeCode(hal.url, app, {
      code: redirect.searchParams.get('code') as string,
      verifier,
      redirectUri: 'https://client.example/callback',
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json.scope).toBe('profile projects:read widgets:read');
    expect(res.json.authorization_details).toEqual([
      { type: 'hal_project', project_id: project.id, actions: ['read', 'widget:serve'] },
    ]);
    expect(errors, errors.join('\n')).toEqual([]);
  });
});
