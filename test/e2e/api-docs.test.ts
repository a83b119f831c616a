import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../support/api';
import { ARTIFACTS, browserAvailable, launchChromium, watchErrors } from '../support/chromium';
import { useInstance } from '../support/fixtures';

declare global {
  interface Window {
    cspViolations?: string[];
  }
}

describe.runIf(browserAvailable())('API reference at /docs in headless Chromium', () => {
  const hal = useInstance('pglite', { user: { login: true } });
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  const elsewhere: string[] = [];
  const failed: string[] = [];

  beforeAll(async () => {
    context = await launchChromium();
    page = await context.newPage();
    errors = watchErrors(page);
    // Every violation of the page's policy, whether or not the page logs it.
    await page.addInitScript(() => {
      window.cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) =>
        window.cspViolations?.push(`${e.violatedDirective} ${e.blockedURI}`),
      );
    });
    page.on('request', (r) => {
      const url = new URL(r.url());
      if (url.protocol !== 'data:' && url.origin !== hal.url) elsewhere.push(r.url());
    });
    page.on('requestfailed', (r) => failed.push(`${r.url()}: ${r.failure()?.errorText}`));
  }, 60_000);
  afterAll(async () => {
    await context?.close();
  });

  it('renders every operation of the document from HAL alone, under its CSP', async () => {
    const slash = await fetch(`${hal.url}/docs/`, { redirect: 'manual' });
    expect([slash.status, slash.headers.get('location')]).toEqual([301, '/docs']);
    const res = await page.goto(`${hal.url}/docs`);
    const csp = res?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self';");
    expect(csp).not.toContain('unsafe-eval');
    await page.waitForSelector('text=Create an OAuth app');
    const doc = (await api(hal.url, 'GET', '/api/v1/openapi.json')).json;
    const operations = Object.values(doc.paths).flatMap((item) => Object.keys(item as object));
    await expect.poll(() => page.locator('.opblock').count()).toBe(operations.length);
    await page.screenshot({ path: join(ARTIFACTS, 'api-docs.png'), fullPage: true });
    expect(await page.evaluate(() => window.cspViolations)).toEqual([]);
    expect(elsewhere).toEqual([]);
    expect(failed).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('calls the API from the page: GET /api/v1/auth/me with a Bearer token', async () => {
    await page.click('button.authorize');
    await page.fill('.auth-container input[type=text]', hal.user.session);
    await page.click('.auth-container button[type=submit]');
    await page.click('button.close-modal');
    await page.click('#operations-Account-getMe .opblock-summary-control');
    await page.click('#operations-Account-getMe button.try-out__btn');
    await page.click('#operations-Account-getMe button.execute');
    const body = page.locator(
      '#operations-Account-getMe .live-responses-table .response-col_description pre',
    );
    await expect.poll(() => body.first().textContent()).toContain(hal.user.account.email);
    expect(await page.evaluate(() => window.cspViolations)).toEqual([]);
    expect(elsewhere).toEqual([]);
    expect(failed).toEqual([]);
    expect(errors).toEqual([]);
  });
});
