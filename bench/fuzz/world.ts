import { createHash } from 'node:crypto';
import type { Database } from '@hal/db';
import { api, bearer } from '../../test/support/api';
import { Browser, basic, newAccount, signUp } from '../../test/support/browser';
import { authorizePath, codeFlow, consentForm, registerApp } from '../../test/support/oauth';
import type { Rng } from './rng';
import type { Answer } from './wire';

const KEEP = 32;

/**
 * What the generator knows, by kind: the generator's own account's credentials and objects, the
 * other account's public identifiers (never its credentials), and what answers revealed since.
 */
export class Pools {
  readonly #kinds = new Map<string, string[]>();

  add(kind: string, value: string | undefined) {
    if (!value) return;
    const list = this.#kinds.get(kind) ?? [];
    if (list.includes(value)) return;
    list.push(value);
    if (list.length > KEEP) list.shift();
    this.#kinds.set(kind, list);
  }

  /** A value of `kind`, the newest ones likelier (older ones are often revoked by now). */
  pick(rng: Rng, kind: string): string | undefined {
    const list = this.#kinds.get(kind);
    if (!list?.length) return undefined;
    const newest = rng.chance(0.6);
    return newest ? list[list.length - 1 - rng.int(0, Math.min(3, list.length - 1))] : rng.pick(list);
  }

  size() {
    let n = 0;
    for (const list of this.#kinds.values()) n += list.length;
    return n;
  }
}

/** The generator's own account: its password lets the runner renew what the generator revoked. */
export interface Generator {
  email: string;
  password: string;
  browser: Browser;
  redirectUri: string;
}

const REDIRECT_URI = 'https://fuzz.example/cb';
/** One PKCE pair for every authorization request the generator makes, so harvested codes redeem. */
export const VERIFIER = 'fuzz-verifier-0123456789-0123456789-0123456789';
export const CHALLENGE = createHash('sha256').update(VERIFIER).digest('base64url');

const fail = (what: string, res: { status: number; text: string }) =>
  new Error(`fuzz set-up: ${what} answered ${res.status}: ${res.text.slice(0, 300)}`);

/**
 * The account the generator never gets credentials of: a project, an app with a grant, a PAT.
 * Returns its user id and the public identifiers handed to the generator.
 */
export async function seedVictim(base: string) {
  const account = newAccount('victim');
  const { browser } = await signUp(base, account);
  const auth = basic(account.email, account.password);
  const me = await api(base, 'GET', '/api/v1/auth/me', { auth });
  const project = await api(base, 'POST', '/api/v1/projects', { auth, body: { name: 'Victim shop' } });
  if (project.status !== 201) throw fail('victim project', project);
  const app = await registerApp(base, auth, {
    name: 'Victim app',
    redirect_uris: [REDIRECT_URI],
    allowed_scopes: ['profile', 'projects:read', 'widget:serve'],
  });
  const { res: tokens } = await codeFlow(base, browser, app, {
    scope: 'profile widget:serve',
    project_id: project.json.data.id,
  });
  if (tokens.status !== 200) throw fail('victim code flow', tokens);
  const pat = await api(base, 'POST', '/api/v1/tokens', {
    auth,
    body: { name: 'victim', scopes: ['profile'] },
  });
  if (pat.status !== 201) throw fail('victim PAT', pat);
  const userId = me.json.data.id as string;
  return {
    userId,
    // Identifiers only: ids travel in URLs and embed snippets; the app's client_id is left out,
    // as an authorization the generator's user granted to it would be a legitimate change.
    publicIds: {
      userId,
      projectId: project.json.data.id as string,
      widgetAppId: project.json.data.app_id as string,
      appId: app.id,
      tokenId: pat.json.data.id as string,
    },
  };
}

/** Signs the generator's account up and fills the pools with its credentials. */
export async function seedGenerator(base: string, pools: Pools): Promise<Generator> {
  const account = newAccount('fuzzer');
  const { browser } = await signUp(base, account);
  const generator = { email: account.email, password: account.password, browser, redirectUri: REDIRECT_URI };
  pools.add('email', account.email);
  pools.add('password', account.password);
  pools.add('redirectUri', REDIRECT_URI);
  const failed = await renew(base, generator, pools);
  if (failed.length) throw new Error(`fuzz set-up: ${failed.join('; ')}`);
  return generator;
}

/**
 * Renews the generator's credentials (the generator revokes its own tokens, sessions, apps and
 * projects as it goes): a PAT, a session JWT, a browser session, an app and a project, tokens from
 * a code flow, a widget identity and a pending consent request. Each step on its own (the
 * generator may delete an app in the middle of its code flow); returns what failed.
 */
export async function renew(base: string, g: Generator, pools: Pools): Promise<string[]> {
  const failed: string[] = [];
  const step = async <T>(name: string, run: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await run();
    } catch (error) {
      failed.push(`${name}: ${(error as Error).message}`);
      return undefined;
    }
  };
  const auth = basic(g.email, g.password);
  const created = async (what: string, path: string, body: unknown) => {
    const res = await api(base, 'POST', path, { auth, body });
    if (res.status !== 201) throw fail(what, res);
    return res.json.data;
  };
  await step('PAT', async () => {
    const pat = await created('PAT', '/api/v1/tokens', { name: 'fuzz', scopes: ALL_SCOPES });
    pools.add('pat', pat.token);
    pools.add('tokenId', pat.id);
  });
  await step('session JWT', async () => {
    const login = await api(base, 'POST', '/api/v1/auth/login', {
      body: { email: g.email, password: g.password },
    });
    pools.add('jwt', login.json?.data?.token);
  });
  const signedIn = await step('sign-in', async () => {
    // A fresh browser session (the generator may have signed the old one out).
    g.browser = new Browser(base);
    const { csrf } = await g.browser.page('/login');
    const signIn = await g.browser.post('/login', { email: g.email, password: g.password, csrf });
    if (signIn.status !== 303) throw new Error(`sign-in answered ${signIn.status}`);
    return true;
  });
  const project = await step('project', async () => {
    const data = await created('project', '/api/v1/projects', { name: 'Fuzz shop' });
    pools.add('projectId', data.id);
    pools.add('widgetAppId', data.app_id);
    return data as { id: string };
  });
  const app = await step('apps', async () => {
    const confidential = await registerApp(base, auth, {
      name: 'Fuzz app',
      redirect_uris: [g.redirectUri],
      allowed_scopes: ALL_SCOPES.filter((s) => s !== 'tokens:write'),
    });
    pools.add('client', `${confidential.client_id}:${confidential.client_secret}`);
    pools.add('clientId', confidential.client_id);
    pools.add('appId', confidential.id);
    const open = await registerApp(base, auth, {
      name: 'Fuzz public app',
      redirect_uris: [g.redirectUri],
      client_type: 'public',
    });
    pools.add('publicClientId', open.client_id);
    pools.add('appId', open.id);
    return confidential;
  });
  if (!signedIn || !app) return failed;
  await step('code flow', async () => {
    const { res: tokens } = await codeFlow(base, g.browser, app, {
      scope: 'profile apps:read projects:read projects:write widget:serve',
      ...(project && { project_id: project.id }),
    });
    if (tokens.status !== 200) throw fail('code flow', tokens);
    pools.add('accessToken', tokens.json.access_token);
    pools.add('refreshToken', tokens.json.refresh_token);
    const signed = await api(base, 'POST', '/api/oauth/widget/sign-identity', {
      auth: bearer(tokens.json.access_token),
      body: { user_id: 'fuzz-user', name: 'Fuzz' },
    });
    pools.add('userHash', signed.json?.user_hash);
    pools.add('userJwt', signed.json?.user_jwt);
  });
  await step('pending consent', async () => {
    const page = await g.browser.fetch(
      authorizePath({
        response_type: 'code',
        client_id: app.client_id,
        redirect_uri: g.redirectUri,
        code_challenge: CHALLENGE,
        code_challenge_method: 'S256',
        scope: 'profile projects:read',
        state: 'fuzz',
      }),
    );
    const form = consentForm(await page.text());
    if (!form.csrf) throw new Error(`no consent form (${page.status})`);
    pools.add('requestId', form.requestId);
    pools.add('csrf', form.csrf);
    // The browser session and the CSRF token its forms carry, used together.
    const cookie = [...g.browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    pools.add('browser', JSON.stringify({ cookie, csrf: form.csrf }));
  });
  return failed;
}

const ALL_SCOPES = [
  'profile',
  'apps:read',
  'apps:write',
  'projects:read',
  'projects:write',
  'widget:serve',
  'tokens:write',
];

const PATTERNS: [string, RegExp][] = [
  ['pat', /hal_pat_[A-Za-z0-9]{20,}/g],
  ['refreshToken', /hal_rt_[A-Za-z0-9]{20,}/g],
  ['clientId', /hal_app_[0-9A-Z]{26}/g],
  ['projectId', /proj_[0-9A-Z]{26}/g],
  ['widgetAppId', /hal_wa_[A-Za-z0-9]{8,}/g],
  ['jwt', /eyJ[\w-]{10,}\.eyJ[\w-]{10,}\.[\w-]{20,}/g],
  ['requestUri', /urn:ietf:params:oauth:request_uri:[0-9A-Z]{26}/g],
  ['id', /"id":"([0-9A-Z]{26})"/g],
  ['requestId', /name="request_id" value="([^"]+)"/g],
  ['csrf', /name="csrf" value="([^"]+)"/g],
];

/** Learns from an answer: ids, tokens, codes and form fields it reveals become new inputs. */
export function harvest(pools: Pools, answer: Answer) {
  const location = answer.headers.get('location');
  if (location) {
    pools.add('code', /[?&]code=([^&]+)/.exec(location)?.[1]);
    pools.add('requestId', /\/consent\/([^/?#]+)/.exec(location)?.[1]);
  }
  if (answer.body.length === 0 || answer.body.length > 200_000) return;
  const text = answer.body.toString('utf8');
  for (const [kind, pattern] of PATTERNS) {
    for (const match of text.matchAll(pattern)) pools.add(kind, match[1] ?? match[0]);
  }
  const secret = /"client_id":"(hal_app_[0-9A-Z]{26})"[^}]*"client_secret":"(hal_cs_[A-Za-z0-9]+)"/.exec(
    text,
  );
  if (secret) pools.add('client', `${secret[1]}:${secret[2]}`);
}

/**
 * Every row that belongs to `userId`, as sorted JSON text: its `users` row, then, transitively
 * along the schema's foreign keys in both directions, the rows referring to a row taken (its
 * projects' memberships, apps, grants, tokens, sessions, audit events…) and the rows a taken row
 * refers to; and the audit events naming its users, projects or apps. Read from PostgreSQL's catalog,
 * so a refactor of the stores cannot make the comparison miss a table; only real references are
 * followed (a widget user id that happens to equal the account's id is no reference).
 */
export async function rowsOwnedBy(database: Database, userId: string): Promise<string[]> {
  const rowsOf = async (query: string) => {
    const result = (await database.db.execute(query)) as unknown;
    return (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Record<
      string,
      unknown
    >[];
  };
  const keys = (await rowsOf(`
    select c.conrelid::regclass::text as "from", a.attname as "column",
           c.confrelid::regclass::text as "to", af.attname as "target"
    from pg_constraint c
    join lateral unnest(c.conkey, c.confkey) as k(attnum, fattnum) on true
    join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.attnum
    join pg_attribute af on af.attrelid = c.confrelid and af.attnum = k.fattnum
    where c.contype = 'f' and c.connamespace = 'public'::regnamespace`)) as {
    from: string;
    column: string;
    to: string;
    target: string;
  }[];
  const tables = new Map<string, Record<string, unknown>[]>();
  const table = async (name: string) => {
    let rows = tables.get(name);
    if (!rows) {
      const quoted = name.startsWith('"') ? name : `"${name}"`;
      rows = (await rowsOf(`select row_to_json(t)::text as j from ${quoted} t`)).map((r) =>
        JSON.parse(String(r.j)),
      );
      tables.set(name, rows);
    }
    return rows;
  };
  const taken = new Map<string, Set<Record<string, unknown>>>();
  const take = (name: string, row: Record<string, unknown>) => {
    const set = taken.get(name) ?? new Set();
    taken.set(name, set);
    if (set.has(row)) return false;
    set.add(row);
    return true;
  };
  for (const row of await table('users')) if (row.id === userId) take('users', row);
  for (let grew = true; grew; ) {
    grew = false;
    for (const { from, column, to, target } of keys) {
      // Rows of `from` referring to a taken row of `to`, and rows of `to` a taken `from` row refers to.
      const targets = new Set<unknown>([...(taken.get(to) ?? [])].map((r) => r[target]));
      for (const row of await table(from)) if (targets.has(row[column]) && take(from, row)) grew = true;
      const referred = new Set<unknown>(
        [...(taken.get(from) ?? [])].map((r) => r[column]).filter((v) => v != null),
      );
      for (const row of await table(to)) if (referred.has(row[target]) && take(to, row)) grew = true;
    }
  }
  // The audit log names users, projects and apps without foreign keys (it outlives them).
  const ids = (name: string) => new Set([...(taken.get(name) ?? [])].map((r) => r.id));
  const [users, projects, apps] = [ids('users'), ids('projects'), ids('oauth_apps')];
  for (const row of await table('audit_events'))
    if (users.has(row.user_id) || projects.has(row.project_id) || apps.has(row.app_id))
      take('audit_events', row);
  return [...taken]
    .flatMap(([name, rows]) => [...rows].map((row) => `${name} ${JSON.stringify(row)}`))
    .sort();
}
