import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closedPort, startFakeHal } from './fake-hal';

const CHROMIUM = '/usr/bin/chromium';
const PKG = resolve(import.meta.dirname, '..');
const SCRIPT = join(PKG, 'dist/hal-widget.js');
const ARTIFACTS = resolve(PKG, '../../test-artifacts');
const SKIP = !existsSync(CHROMIUM) && process.env.HAL_TEST_SKIP_BROWSER === '1';

/** What the host pages put on window, as seen from page.evaluate. */
interface HostWindow {
  HalWidget: ((method: string, ...args: unknown[]) => unknown) & {
    init(options: unknown): void;
    identify(input: unknown): Promise<{ user_id: string }>;
    reset(): void;
    on(event: string, fn: (payload: unknown) => void): () => void;
  };
  log: unknown[];
  rejections: string[];
}

/** Builds the script when it is missing or older than its sources (turbo only builds dependencies). */
function ensureBuilt(): void {
  const built = existsSync(SCRIPT) ? statSync(SCRIPT).mtimeMs : 0;
  const sources = readdirSync(join(PKG, 'src')).map((f) => statSync(join(PKG, 'src', f)).mtimeMs);
  if (sources.some((m) => m > built)) execFileSync('npx', ['vite', 'build'], { cwd: PKG, stdio: 'inherit' });
}

/** Host page; `before` runs ahead of the async widget script, like a customer's embed snippet. */
function hostPage(scriptUrl: string, { before = '', attrs = '', css = '' } = {}): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Host</title><style>${css}</style></head>
<body><h1>Customer site</h1><div class="content">Host content</div>
<script>window.log = []; window.rejections = [];
addEventListener('unhandledrejection', (e) => rejections.push(String(e.reason)));
window.HalWidget = window.HalWidget || function () { (HalWidget.q = HalWidget.q || []).push(arguments) };
${before}</script>
<script async src="${scriptUrl}" ${attrs}></script></body></html>`;
}

interface DomNode {
  nodeType: number;
  nodeName: string;
  nodeValue: string;
  attributes?: string[];
  children?: DomNode[];
  shadowRoots?: DomNode[];
}

/** Reads text inside the closed shadow root through CDP, which pierces what page scripts cannot. */
async function shadowText(page: Page): Promise<string> {
  const cdp = await page.context().newCDPSession(page);
  const { root } = (await cdp.send('DOM.getDocument', { depth: -1, pierce: true })) as { root: DomNode };
  const texts: string[] = [];
  const walk = (node: DomNode, inShadow: boolean) => {
    if (node.nodeName === 'STYLE') return;
    if (inShadow && node.nodeType === 3) texts.push(node.nodeValue);
    const isHost = node.attributes?.join(' ').includes('id hal-widget-root') ?? false;
    for (const child of node.children ?? []) walk(child, inShadow);
    for (const shadow of node.shadowRoots ?? []) walk(shadow, inShadow || isHost);
  };
  walk(root, false);
  await cdp.detach();
  return texts.join('|');
}

describe.skipIf(SKIP)('HAL widget in Chromium', () => {
  let hal: Awaited<ReturnType<typeof startFakeHal>>;
  let context: BrowserContext;
  let profile: string;
  let page: Page;
  let problems: string[];
  let allowedConsoleErrors: RegExp[];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium not found at ${CHROMIUM}: apt-get install -y chromium, or HAL_TEST_SKIP_BROWSER=1`,
      );
    }
    ensureBuilt();
    hal = await startFakeHal(SCRIPT);
    profile = mkdtempSync(join(tmpdir(), 'hal-widget-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
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
      viewport: { width: 800, height: 600 },
    });
  });

  afterAll(async () => {
    await context?.close();
    await hal?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  beforeEach(async () => {
    problems = [];
    allowedConsoleErrors = [];
    hal.calls.length = 0;
    page = await context.newPage();
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !allowedConsoleErrors.some((re) => re.test(msg.text()))) {
        problems.push(`console.error: ${msg.text()}`);
      }
    });
  });

  afterEach(async () => {
    const rejections = await page.evaluate(() => (window as unknown as HostWindow).rejections);
    await page.close();
    expect(rejections).toEqual([]);
    expect(problems).toEqual([]);
  });

  const open = async (path: string, html: string) => {
    hal.serve(path, html);
    await page.goto(`${hal.pageOrigin}${path}`);
    await page.waitForFunction(
      () => typeof (window as unknown as HostWindow).HalWidget.identify === 'function',
    );
  };
  const root = () => page.locator('#hal-widget-root');

  it('replays calls queued before load in order and shows the identified user', async () => {
    await open(
      '/queued',
      hostPage(hal.scriptUrl, {
        before: `HalWidget('on', 'error', (e) => log.push(['error', e.code]));
HalWidget('identify', { user_id: 'early', user_hash: 'good' });
HalWidget('init', { app_id: 'hal_wa_test' });
HalWidget('on', 'identified', (u) => log.push(['identified', u]));
HalWidget('identify', { user_id: 'u1', user_hash: 'good', name: 'Ada Lovelace', email: 'ada@example.com' });`,
      }),
    );
    await expect.poll(() => root().getAttribute('data-state')).toBe('identified');
    expect(await root().getAttribute('data-user-id')).toBe('u1');
    // identify before init was rejected, proving the queue ran in its original order.
    expect(await page.evaluate(() => (window as unknown as HostWindow).log)).toEqual([
      ['error', 'not_initialized'],
      ['identified', { user_id: 'u1', name: 'Ada Lovelace', email: 'ada@example.com' }],
    ]);
    // api_base defaulted to the script's origin, so the call is cross-origin from the page.
    expect(hal.calls).toEqual([
      {
        origin: hal.pageOrigin,
        body: {
          app_id: 'hal_wa_test',
          user_id: 'u1',
          user_hash: 'good',
          name: 'Ada Lovelace',
          email: 'ada@example.com',
        },
      },
    ]);

    const box = await root().boundingBox();
    if (!box) throw new Error('launcher has no box');
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    expect((await root().boundingBox())?.height).toBeGreaterThan(56);
    expect(await shadowText(page)).toContain('Signed in as Ada Lovelace');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'widget.png') });
  });

  it('rejects a bad user_hash with invalid_user_hash and emits error', async () => {
    allowedConsoleErrors = [/status of 401/];
    await open('/auto', hostPage(hal.scriptUrl, { attrs: 'data-app-id="hal_wa_auto"' }));
    const result = await page.evaluate(async () => {
      const { HalWidget } = window as unknown as HostWindow;
      const emitted: unknown[] = [];
      HalWidget.on('error', (e) => emitted.push((e as { code: string }).code));
      try {
        await HalWidget.identify({ user_id: 'u2', user_hash: 'forged' });
        return { resolved: true };
      } catch (e) {
        return { isError: e instanceof Error, code: (e as { code: string }).code, emitted };
      }
    });
    expect(result).toEqual({ isError: true, code: 'invalid_user_hash', emitted: ['invalid_user_hash'] });
    expect(hal.calls[0]?.body).toEqual({ app_id: 'hal_wa_auto', user_id: 'u2', user_hash: 'forged' });
    expect(await root().getAttribute('data-state')).toBe('anonymous');
  });

  it('rejects client-side failures with invalid_request, not_initialized and network_error', async () => {
    allowedConsoleErrors = [/ERR_CONNECTION_REFUSED/];
    await open('/client-errors', hostPage(hal.scriptUrl));
    const deadBase = `http://127.0.0.1:${await closedPort()}`;
    const codes = await page.evaluate(async (apiBase) => {
      const { HalWidget } = window as unknown as HostWindow;
      const code = (p: Promise<unknown>) =>
        p.then(
          () => 'resolved',
          (e: { code: string }) => e.code,
        );
      const before = await code(HalWidget.identify({ user_id: 'u', user_hash: 'good' }));
      HalWidget.init({ app_id: 'hal_wa_test', api_base: apiBase });
      const missing = await code(HalWidget.identify({ user_hash: 'good' }));
      const network = await code(HalWidget.identify({ user_id: 'u', user_hash: 'good' }));
      return [before, missing, network];
    }, deadBase);
    expect(codes).toEqual(['not_initialized', 'invalid_request', 'network_error']);
    expect(hal.calls).toEqual([]);
  });

  it('identifies with a user_jwt, survives a throwing listener, and reset() returns to anonymous', async () => {
    await open('/jwt', hostPage(hal.scriptUrl, { before: "HalWidget('init', { app_id: 'hal_wa_test' });" }));
    const jwt = `e30.${Buffer.from(JSON.stringify({ sub: 'u3', name: 'Grace' })).toString('base64url')}.sig`;
    const result = await page.evaluate(async (userJwt) => {
      const { HalWidget, log } = window as unknown as HostWindow;
      HalWidget.on('identified', () => {
        throw new Error('host bug');
      });
      HalWidget.on('identified', (u) => log.push(u));
      // Function-call style keeps working after load and returns the promise.
      return await (HalWidget('identify', { user_jwt: userJwt }) as Promise<unknown>);
    }, jwt);
    expect(result).toEqual({ user_id: 'u3' });
    expect(await page.evaluate(() => (window as unknown as HostWindow).log)).toEqual([
      { user_id: 'u3', name: 'Grace' },
    ]);
    expect(await root().getAttribute('data-state')).toBe('identified');
    expect(await shadowText(page)).toContain('Signed in as Grace');

    await page.evaluate(() => (window as unknown as HostWindow).HalWidget.reset());
    expect(await root().getAttribute('data-state')).toBe('anonymous');
    expect(await root().getAttribute('data-user-id')).toBeNull();
    expect(await shadowText(page)).toContain('Not identified');
  });

  it('auto-inits from data-app-id in <head> and mounts once the body exists', async () => {
    await open(
      '/head',
      `<!doctype html><html><head><script>window.rejections = [];</script>
<script src="${hal.scriptUrl}" data-app-id="hal_wa_head"></script></head><body><p>late body</p></body></html>`,
    );
    expect(await root().getAttribute('data-state')).toBe('anonymous');
    await page.evaluate(() =>
      (window as unknown as HostWindow).HalWidget.identify({ user_id: 'u4', user_hash: 'good' }),
    );
    expect(await root().getAttribute('data-user-id')).toBe('u4');
    expect(hal.calls[0]?.body.app_id).toBe('hal_wa_head');
  });

  it('keeps the launcher visible under hostile host CSS, inside a closed shadow root', async () => {
    const css = `div, button { display: none !important; opacity: 0 !important; }
#hal-widget-root { left: 0 !important; top: 0 !important; right: auto !important; }`;
    await open(
      '/hostile',
      hostPage(hal.scriptUrl, { css, before: "HalWidget('init', { app_id: 'hal_wa_test' });" }),
    );
    expect(await page.locator('.content').isVisible()).toBe(false);
    expect(await page.evaluate(() => document.getElementById('hal-widget-root')?.shadowRoot)).toBeNull();
    expect(await page.locator('button').count()).toBe(0);

    const closed = await root().boundingBox();
    expect(closed).toEqual({ x: 800 - 20 - 56, y: 600 - 20 - 56, width: 56, height: 56 });
    await page.mouse.click(800 - 48, 600 - 48);
    const opened = await root().boundingBox();
    expect(opened?.height).toBeGreaterThan(56);
    expect(await shadowText(page)).toContain('Not identified');
  });
});
