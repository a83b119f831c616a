import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { api, bearer } from '../support/api';
import { Browser, basic } from '../support/browser';
import { useInstance } from '../support/fixtures';
import { codeFlow, oauthPost, registerApp } from '../support/oauth';
import { BACKENDS, type TestServer } from '../support/servers';

/** Every row of every table in the public schema, as one string. */
async function dumpAllTables(srv: TestServer): Promise<string> {
  const { db } = srv.database;
  const tables = (await db.execute(
    sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
  )) as unknown as { rows?: { table_name: string }[] } & { table_name: string }[];
  const names = (tables.rows ?? tables).map((t) => t.table_name);
  expect(names).toContain('users');
  let dump = '';
  for (const name of names) {
    const rows = await db.execute(sql.raw(`select * from "${name}"`));
    dump += JSON.stringify(rows);
  }
  return dump;
}

describe.each(BACKENDS)('no secret is stored in clear on %s', (backend) => {
  const hal = useInstance(backend);

  it('stores no raw password, session token, session JWT, PAT, identity secret, client secret, code, refresh or access token in any table or log', async () => {
    const { browser, account } = hal.user;
    const sessionCookie = browser.cookies.get('hal_session') as string;
    const login = new Browser(hal.url);
    const { csrf } = await login.page('/login');
    await login.post('/login', { email: account.email, password: account.password, csrf });
    const secondCookie = login.cookies.get('hal_session') as string;

    const jwt = (
      await api(hal.url, 'POST', '/api/v1/auth/login', {
        body: { email: account.email, password: account.password },
      })
    ).json.data.token as string;
    const pat = (
      await api(hal.url, 'POST', '/api/v1/tokens', {
        auth: bearer(jwt),
        body: { name: 'x', scopes: ['profile', 'projects:read'] },
      })
    ).json.data.token as string;
    await api(hal.url, 'GET', '/api/v1/auth/me', { auth: bearer(pat) });
    await api(hal.url, 'GET', '/api/v1/auth/me', { auth: basic(account.email, account.password) });
    const project = (
      await api(hal.url, 'POST', '/api/v1/projects', { auth: bearer(jwt), body: { name: 'P' } })
    ).json.data;
    const row = await hal.srv.services.projects.load(
      { userId: (await api(hal.url, 'GET', '/api/v1/auth/me', { auth: bearer(jwt) })).json.data.id },
      project.id,
      'read',
    );
    const identitySecret = hal.srv.services.projects.widgetSecret(row);

    // An OAuth round: client secret, authorization code, refresh tokens (before and after rotation),
    // access token, and what sign-identity hands out.
    const app = await registerApp(hal.url, bearer(jwt), { allowed_scopes: ['profile', 'widget:serve'] });
    const flow = await codeFlow(hal.url, browser, app, { scope: 'widget:serve', project_id: project.id });
    const { code } = flow;
    const issued = flow.res.json;
    const creds = { id: app.client_id, secret: app.client_secret as string };
    const rotated = (
      await oauthPost(
        hal.url,
        '/oauth/token',
        { grant_type: 'refresh_token', refresh_token: issued.refresh_token },
        creds,
      )
    ).json;
    await api(hal.url, 'POST', '/api/oauth/widget/sign-identity', {
      auth: bearer(rotated.access_token),
      body: { user_id: 'visitor' },
    });

    // A registered resource server: its introspection secret, first and rotated, in use.
    const resource = (
      await api(hal.url, 'POST', '/api/v1/resources', {
        auth: bearer(jwt),
        body: { name: 'R', identifier: 'https://r.example/api', scopes: [{ name: 'r', description: 'R' }] },
      })
    ).json.data;
    const rotatedResourceSecret = (
      await api(hal.url, 'POST', `/api/v1/resources/${resource.id}/secret`, { auth: bearer(jwt) })
    ).json.data.introspection_secret as string;
    await oauthPost(
      hal.url,
      '/oauth/introspect',
      { token: rotated.access_token },
      {
        id: resource.id,
        secret: rotatedResourceSecret,
      },
    );

    const secrets = {
      password: account.password,
      sessionCookie,
      secondCookie,
      jwt,
      pat,
      identitySecret,
      clientSecret: app.client_secret as string,
      code,
      refreshToken: issued.refresh_token as string,
      rotatedRefreshToken: rotated.refresh_token as string,
      accessToken: rotated.access_token as string,
      introspectionSecret: resource.introspection_secret as string,
      rotatedIntrospectionSecret: rotatedResourceSecret,
    };
    for (const value of Object.values(secrets)) expect(value.length).toBeGreaterThan(8);

    const dump = await dumpAllTables(hal.srv);
    const logs = hal.srv.logs.join('\n');
    for (const [what, value] of Object.entries(secrets)) {
      expect(dump.includes(value), `${what} found in the database`).toBe(false);
      expect(logs.includes(value), `${what} found in the logs`).toBe(false);
    }
    // Sanity check that the dump really covers the rows: the public identifiers are there.
    expect(dump).toContain(project.app_id);
    expect(dump).toContain(account.email);
    expect(dump).toContain(resource.id);
  });
});
