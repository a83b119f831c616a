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
import { exchangeCode, pkce } from '../support/oauth';
import { BACKENDS } from '../support/servers';

const backend = BACKENDS.includes('postgres') ? 'postgres' : 'pglite';
const REDIRECT = 'https://legacy.example/cb';
const CLIENT_AUTH_FAILED = { error: 'invalid_client', error_description: 'client authentication failed' };

describe.runIf(browserAvailable())(`private project clients in headless Chromium (${backend})`, () => {
  const hal = useInstance(backend, { user: false });
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  const account = newAccount('legacy');
  const shot = (name: string) =>
    page.screenshot({ path: join(ARTIFACTS, `dashboard-private-clients-${name}.png`), fullPage: true });
  const project = { id: '', appId: '' };
  const client = { id: '', client_id: '', client_secret: '', redirect_uris: [REDIRECT] };
  const clientCard = '[data-testid=private-client]';

  beforeAll(async () => {
    context = await launchChromium();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: hal.url });
    page = await context.newPage();
    errors = watchErrors(page);
    // The client's redirect URI: the browser lands here with the code, as the integration's server would.
    await page.route('https://legacy.example/**', (route) =>
      route.fulfill({ status: 200, body: 'callback' }),
    );
  }, 60_000);
  afterAll(async () => {
    await context?.close();
  });

  /** The signed-in user approves the client in Chromium; the code comes back on the redirect URI. */
  async function authorize() {
    const { verifier, challenge } = pkce();
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: REDIRECT,
      scope: 'widget:serve',
      state: 'st-1',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    await page.goto(`${hal.url}/oauth/authorize?${query}`);
    // The picker of a private client offers its own project only.
    expect(
      await page.$$eval('select[name=project_id] option', (os) =>
        os.map((o) => (o as HTMLOptionElement).value),
      ),
    ).toEqual([project.id]);
    await page.click('button[value=approve]');
    await page.waitForURL(/^https:\/\/legacy\.example\/cb\?/);
    const back = new URL(page.url());
    expect(back.searchParams.get('state')).toBe('st-1');
    return { code: back.searchParams.get('code') as string, verifier, redirectUri: REDIRECT };
  }

  async function secretShown() {
    await page.waitForSelector('[data-testid=secret-value]');
    return (await page.textContent('[data-testid=secret-value]')) as string;
  }

  it('creates a project, then a private client in its settings, and shows the secret once', async () => {
    await signUpToDashboard(page, hal.url, account);
    await page.fill('#new-project', 'Legacy shop');
    await page.click('text=Create project');
    await page.waitForSelector('[data-testid=snippet]');
    project.id = decodeURIComponent(page.url().split('/').at(-1) as string);
    expect(project.id).toMatch(/^proj_/);
    project.appId = /app_id: '(hal_wa_[0-9A-Za-z]+)'/.exec(
      (await page.textContent('[data-testid=snippet]')) as string,
    )?.[1] as string;
    await expect.poll(() => page.textContent('main')).toContain('No private clients yet');

    await page.getByLabel('Client name').fill('Nightly sync');
    await page.getByLabel('Description (optional)').fill('Our own export job');
    await page.getByLabel('Redirect URIs (one per line)').fill(REDIRECT);
    await page.getByRole('button', { name: 'Create private client' }).click();
    client.client_secret = await secretShown();
    expect(client.client_secret).toMatch(/^hal_cs_[0-9A-Za-z]{43,}$/);
    const notice = page.getByRole('region', { name: 'Client secret of Nightly sync' });
    expect(await notice.textContent()).toContain('It will not be shown again');
    await notice.getByRole('button', { name: 'Copy' }).click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(client.client_secret);

    const card = (await page.textContent(clientCard)) as string;
    client.client_id = /hal_app_[0-9A-HJKMNP-TV-Z]{26}/.exec(card)?.[0] as string;
    expect(client.client_id).toBeTruthy();
    expect(card).toContain(REDIRECT);
    expect(card).toContain('Our own export job');
    await shot('secret');

    await page.getByRole('button', { name: 'I have saved it' }).click();
    await expect.poll(() => page.locator('[data-testid=secret-value]').count()).toBe(0);
    await page.reload();
    await page.waitForSelector(clientCard);
    expect(await page.textContent(clientCard)).toContain(client.client_id);
    expect(await page.content()).not.toContain(client.client_secret);
    await shot('listed');
    // Long client ids and redirect URIs wrap rather than widen the page on a phone.
    await page.setViewportSize({ width: 375, height: 740 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(1);
    await page.setViewportSize({ width: 1100, height: 800 });
  });

  it('shows a member the list without the controls, and never a secret', async () => {
    const member = await hal.signUp();
    const added = await page.evaluate(
      async ([id, email]) => {
        const r = await fetch('/trpc/projects.members.add', {
          method: 'POST',
          headers: { 'x-hal-csrf': '1', 'content-type': 'application/json' },
          body: JSON.stringify({ id, email, role: 'member' }),
        });
        return r.status;
      },
      [project.id, member.account.email],
    );
    expect(added).toBe(200);
    const ownerCookies = await context.cookies();
    await context.clearCookies();
    await context.addCookies(
      [...member.browser.cookies].map(([name, value]) => ({ name, value, url: hal.url })),
    );
    try {
      await page.reload(); // the same URL: only a reload loads it again, as the member
      await page.waitForSelector(clientCard);
      expect(await page.textContent('main')).toContain('Your role: member');
      const card = page.locator(clientCard);
      expect(await card.textContent()).toContain(client.client_id);
      expect(await card.getByRole('button').count()).toBe(0);
      expect(await page.getByLabel('Client name').count()).toBe(0);
      expect(await page.content()).not.toContain(client.client_secret);
      await shot('member');
    } finally {
      await context.clearCookies();
      await context.addCookies(ownerCookies);
    }
  });

  it("exchanges a code with PKCE for the project's widget credentials, not tokens", async () => {
    const res = await exchangeCode(hal.url, client, await authorize());
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      app_id: project.appId,
      widget_secret: expect.stringMatching(/^hal_ws_/),
      project_id: project.id,
      token_type: 'widget_secret',
    });
    expect(res.json).not.toHaveProperty('access_token');
  });

  it('rotates after a confirm: the old secret is refused with invalid_client, the new one works', async () => {
    await page.goto(`${hal.url}/dashboard/#/projects/${project.id}`);
    const card = page.locator(clientCard);
    await card.getByRole('button', { name: 'Rotate secret' }).click();
    expect(await card.textContent()).toContain('The old secret stops working at once');
    await card.getByRole('button', { name: 'Yes' }).click();
    const rotated = await secretShown();
    expect(rotated).toMatch(/^hal_cs_/);
    expect(rotated).not.toBe(client.client_secret);
    expect(await page.getByRole('region', { name: 'New client secret of Nightly sync' }).count()).toBe(1);
    await page.getByRole('button', { name: 'I have saved it' }).click();

    const grant = await authorize();
    const old = await exchangeCode(hal.url, client, grant);
    expect(old.status).toBe(401);
    expect(old.json).toEqual(CLIENT_AUTH_FAILED);
    client.client_secret = rotated;
    const fresh = await exchangeCode(hal.url, client, grant);
    expect(fresh.status).toBe(200);
    expect(fresh.json).toMatchObject({ project_id: project.id, token_type: 'widget_secret' });
  });

  it('deletes after a confirm: the client is gone and its code is refused with invalid_client', async () => {
    const grant = await authorize();
    await page.goto(`${hal.url}/dashboard/#/projects/${project.id}`);
    const card = page.locator(clientCard);
    await card.getByRole('button', { name: 'Delete' }).click();
    await card.getByRole('button', { name: 'Yes' }).click();
    await expect.poll(() => page.textContent('main')).toContain('No private clients yet');
    await shot('deleted');

    const res = await exchangeCode(hal.url, client, grant);
    expect(res.status).toBe(401);
    expect(res.json).toEqual(CLIENT_AUTH_FAILED);
    expect(errors, errors.join('\n')).toEqual([]);
    // An authorization request naming it now gets the error page, never a redirect (contract).
    const page400 = await page.goto(
      `${hal.url}/oauth/authorize?response_type=code&client_id=${client.client_id}&redirect_uri=${encodeURIComponent(REDIRECT)}`,
    );
    expect(page400?.status()).toBe(400);
  });
});
