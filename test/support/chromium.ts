import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts');

/** Browser tests need Debian's Chromium; HAL_TEST_SKIP_BROWSER=1 skips them where it is absent. */
export const browserAvailable = () => {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.HAL_TEST_SKIP_BROWSER === '1') return false;
  throw new Error(
    `${CHROMIUM} not found: install Debian's chromium (.ci/run does) or set HAL_TEST_SKIP_BROWSER=1`,
  );
};

/** Real headless Chromium with a fresh profile, never a downloaded browser. */
export async function launchChromium(): Promise<BrowserContext> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'hal-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1100, height: 800 },
  });
}

/** Collects page errors and console errors so a test can assert there were none. */
export function watchErrors(page: Page, allow: RegExp[] = []) {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !allow.some((r) => r.test(m.text()))) errors.push(`console: ${m.text()}`);
  });
  return errors;
}

/**
 * Opens the dashboard signed out, follows the sign-in page's "Create one" link and signs up as
 * `account`: the dashboard is where sign-up sends the visitor back.
 */
export async function signUpToDashboard(
  page: Page,
  base: string,
  account: { name: string; email: string; password: string },
) {
  await page.goto(`${base}/dashboard/`);
  await page.waitForURL(/\/login\?return_to=/);
  await page.click('text=Create one');
  await page.fill('#name', account.name);
  await page.fill('#email', account.email);
  await page.fill('#password', account.password);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/dashboard\//);
}
