/**
 * A minimal cookie-keeping HTTP client that behaves like a browser for server-rendered forms:
 * it stores cookies, never follows redirects by itself, and can pull the CSRF field out of a page.
 */
export class Browser {
  readonly cookies = new Map<string, string>();

  constructor(readonly base: string) {}

  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(new URL(path, this.base), { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /max-age=0/i.test(a) || /expires=Thu, 01 Jan 1970/i.test(a));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  /** GETs a page and returns its HTML and CSRF token. */
  async page(path: string): Promise<{ res: Response; html: string; csrf: string }> {
    const res = await this.fetch(path);
    const html = await res.text();
    return { res, html, csrf: csrfFrom(html) };
  }

  /** POSTs an HTML form (application/x-www-form-urlencoded). */
  post(path: string, fields: Record<string, string>): Promise<Response> {
    return this.fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  }
}

export function csrfFrom(html: string): string {
  return /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
}

let counter = 0;
/** A unique, valid sign-up for this test run. */
export function newAccount(label = 'user') {
  counter += 1;
  return {
    email: `${label}-${counter}-${Date.now()}@example.test`,
    name: `${label[0]?.toUpperCase()}${label.slice(1)} ${counter}`,
    password: `correct horse ${counter} battery staple`,
  };
}

/** Signs up through the real form; returns the signed-in browser. */
export async function signUp(
  base: string,
  account = newAccount(),
): Promise<{ browser: Browser; account: typeof account }> {
  const browser = new Browser(base);
  const { csrf } = await browser.page('/signup');
  const res = await browser.post('/signup', { ...account, csrf });
  if (res.status !== 303) throw new Error(`sign-up failed with ${res.status}: ${await res.text()}`);
  return { browser, account };
}

export const basic = (email: string, password: string) =>
  `Basic ${Buffer.from(`${email}:${password}`).toString('base64')}`;
