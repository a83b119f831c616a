import { describe, expect, it } from 'vitest';
import { Browser, newAccount, signUp } from '../support/browser';
import { useInstance } from '../support/fixtures';
import { BACKENDS } from '../support/servers';

describe.each(BACKENDS)('accounts pages on %s', (backend) => {
  const hal = useInstance(backend, {
    user: false,
    env: { HAL_RATE_LIMIT_LOGIN_ACCOUNT: '3', HAL_RATE_LIMIT_LOGIN_IP: '1000' },
  });

  it('serves sign-in and sign-up forms with the contract fields, CSRF and frame-ancestors none', async () => {
    const browser = new Browser(hal.url);
    for (const path of ['/login', '/signup']) {
      const { res, html, csrf } = await browser.page(path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(csrf.length).toBeGreaterThan(20);
      for (const field of ['email', 'password']) expect(html).toContain(`name="${field}"`);
    }
    expect((await browser.page('/signup')).html).toContain('name="name"');
  });

  it('signs up, sets an HttpOnly SameSite=Lax session cookie and redirects with 303', async () => {
    const browser = new Browser(hal.url);
    const { csrf } = await browser.page('/signup?return_to=/projects');
    const res = await browser.post('/signup', { ...newAccount(), csrf, return_to: '/projects' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/projects');
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('hal_session='));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Secure/i); // the issuer is http here
    const home = await browser.fetch('/');
    expect(home.status).toBe(200);
  });

  it('refuses a duplicate email case-insensitively with 409', async () => {
    const { account } = await signUp(hal.url);
    const browser = new Browser(hal.url);
    const { csrf } = await browser.page('/signup');
    const res = await browser.post('/signup', { ...account, email: account.email.toUpperCase(), csrf });
    expect(res.status).toBe(409);
    expect(await res.text()).toContain('already exists');
  });

  it('rejects a too-short password and an invalid email with 400', async () => {
    const browser = new Browser(hal.url);
    const { csrf } = await browser.page('/signup');
    expect((await browser.post('/signup', { ...newAccount(), password: 'short', csrf })).status).toBe(400);
    expect((await browser.post('/signup', { ...newAccount(), email: 'not-an-email', csrf })).status).toBe(
      400,
    );
  });

  it('logs in and out; the old session cookie stops working after logout', async () => {
    const { account } = await signUp(hal.url);
    const browser = new Browser(hal.url);
    const { csrf } = await browser.page('/login');
    const res = await browser.post('/login', { email: account.email, password: account.password, csrf });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/dashboard/');
    const session = browser.cookies.get('hal_session');
    expect((await browser.fetch('/')).status).toBe(200);

    const out = await browser.page('/logout');
    expect(out.res.status).toBe(200); // GET only shows the form
    expect((await browser.fetch('/')).status).toBe(200);
    const done = await browser.post('/logout', { csrf: out.csrf });
    expect(done.status).toBe(303);
    expect(browser.cookies.has('hal_session')).toBe(false);

    // Replaying the old cookie: the session was revoked server-side, not just forgotten.
    const replay = new Browser(hal.url);
    replay.cookies.set('hal_session', session as string);
    const again = await replay.fetch('/');
    expect(again.status).toBe(302);
    expect(again.headers.get('location')).toBe('/login');
  });

  it('rejects a wrong password with 401 and no session', async () => {
    const { account } = await signUp(hal.url);
    const browser = new Browser(hal.url);
    const { csrf } = await browser.page('/login');
    const res = await browser.post('/login', { email: account.email, password: 'wrong password!', csrf });
    expect(res.status).toBe(401);
    expect(browser.cookies.has('hal_session')).toBe(false);
  });

  it.each([
    ['missing', undefined],
    ['forged', 'forged-token'],
  ])('refuses a login form with a %s CSRF token (403)', async (_label, token) => {
    const { account } = await signUp(hal.url);
    const browser = new Browser(hal.url);
    const { csrf } = await browser.page('/login');
    const fields: Record<string, string> = { email: account.email, password: account.password };
    if (token) fields.csrf = token;
    const res = await browser.post('/login', fields);
    expect(res.status).toBe(403);
    expect(browser.cookies.has('hal_session')).toBe(false);
    expect(csrf).not.toBe(token);
  });

  it("refuses a CSRF token taken from another browser's page (403)", async () => {
    const { account } = await signUp(hal.url);
    const attacker = new Browser(hal.url);
    const { csrf } = await attacker.page('/login');
    const victim = new Browser(hal.url);
    await victim.page('/login');
    const res = await victim.post('/login', { email: account.email, password: account.password, csrf });
    expect(res.status).toBe(403);
  });

  it('refuses sign-up and logout forms without CSRF (403)', async () => {
    const browser = new Browser(hal.url);
    await browser.page('/signup');
    expect((await browser.post('/signup', newAccount())).status).toBe(403);
    const { browser: signedIn } = await signUp(hal.url);
    expect((await signedIn.post('/logout', {})).status).toBe(403);
    expect((await signedIn.fetch('/')).status).toBe(200);
  });

  it.each([
    ['https://evil.example/steal', '/dashboard/'],
    ['//evil.example/steal', '/dashboard/'],
    ['/\\evil.example', '/dashboard/'],
    ['javascript:alert(1)', '/dashboard/'],
    ['/%0d%0aSet-Cookie:x=1', '/%0d%0aSet-Cookie:x=1'],
    ['/oauth/authorize?client_id=x&state=y', '/oauth/authorize?client_id=x&state=y'],
  ])('sends return_to=%s to %s (same-origin paths only)', async (returnTo, expected) => {
    const { account } = await signUp(hal.url);
    const browser = new Browser(hal.url);
    const { csrf } = await browser.page(`/login?return_to=${encodeURIComponent(returnTo)}`);
    const res = await browser.post('/login', {
      email: account.email,
      password: account.password,
      csrf,
      return_to: returnTo,
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(expected);
  });

  it('throttles repeated failed logins for one account with 429 and Retry-After, even with the right password', async () => {
    const { account } = await signUp(hal.url);
    const browser = new Browser(hal.url);
    const { csrf } = await browser.page('/login');
    const attempt = (password: string) => browser.post('/login', { email: account.email, password, csrf });
    for (let i = 0; i < 3; i++) expect((await attempt('wrong password!')).status).toBe(401);
    const blocked = await attempt(account.password);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    // The counters live in the database: the row is there for every process to see.
    const key = `login:account:${account.email.toLowerCase()}`;
    const rows = (await hal.srv.services.stores.limits.peekAll([key])).get(key);
    expect(rows?.count).toBeGreaterThan(3);
  });
});

describe('login throttling switched off', () => {
  const hal = useInstance('pglite', {
    user: false,
    env: { HAL_RATE_LIMITS: 'off', HAL_RATE_LIMIT_LOGIN_ACCOUNT: '1' },
  });

  it('never answers 429 with HAL_RATE_LIMITS=off', async () => {
    const { account } = await signUp(hal.url);
    const browser = new Browser(hal.url);
    const { csrf } = await browser.page('/login');
    for (let i = 0; i < 4; i++) {
      expect(
        (await browser.post('/login', { email: account.email, password: 'nope nope nope', csrf })).status,
      ).toBe(401);
    }
    expect(
      (await browser.post('/login', { email: account.email, password: account.password, csrf })).status,
    ).toBe(303);
  });
});

describe('secure cookies behind an https issuer', () => {
  const hal = useInstance('pglite', { user: false, env: { HAL_ISSUER: 'https://hal.example' } });

  it('marks the session cookie Secure with the __Host- prefix and sends HSTS', async () => {
    const browser = new Browser(hal.url);
    const page = await browser.fetch('/login');
    expect(page.headers.get('strict-transport-security')).toContain('max-age=');
    const csrfCookie = page.headers.getSetCookie().find((c) => c.startsWith('__Host-hal_csrf='));
    expect(csrfCookie).toMatch(/Secure/);
  });
});
