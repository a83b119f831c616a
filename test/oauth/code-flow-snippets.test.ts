import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  authorizationUrl,
  curlSnippet,
  type FlowSettings,
  type HalProjectDetail,
  javascriptSnippet,
  newCodeVerifier,
  newState,
  phpSnippet,
  pythonSnippet,
  s256,
  sh,
} from '@hal/dashboard/snippets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../support/api';
import { useInstance } from '../support/fixtures';
import { runInteractive } from '../support/interactive';
import { authorizeInBrowser, type OAuthParams, type RegisteredApp } from '../support/oauth';
import { BACKENDS } from '../support/servers';

const backend = BACKENDS.includes('postgres') ? 'postgres' : 'pglite';
const hasPython = spawnSync('python3', ['--version']).status === 0;
const hasPhp = spawnSync('php', ['--version']).status === 0;

/** The query of an authorization URL as request parameters (a repeated `resource` stays a list). */
function paramsOf(url: URL): OAuthParams {
  const params: OAuthParams = {};
  for (const key of new Set(url.searchParams.keys())) {
    const all = url.searchParams.getAll(key);
    params[key] = all.length === 1 ? all[0] : all;
  }
  return params;
}

describe('the PKCE values and quoting of the code flow snippets', () => {
  it('computes the S256 challenge of RFC 7636 Appendix B with Web Crypto', async () => {
    expect(await s256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  it('makes 43-character verifiers from the unreserved alphabet, never the same twice (RFC 7636 §4.1)', () => {
    const verifiers = Array.from({ length: 50 }, newCodeVerifier);
    for (const v of verifiers) expect(v).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set(verifiers).size).toBe(50);
  });

  it('quotes any value as one shell word', () => {
    const value = `it's "$HOME" \\ $(true) \`x\``;
    const echoed = spawnSync('bash', ['-c', `printf %s ${sh(value)}`], { encoding: 'utf8' });
    expect(echoed.stdout).toBe(value);
  });
});

describe(`the dashboard's code flow snippets run against HAL (${backend})`, () => {
  const hal = useInstance(backend, {
    app: {
      name: "Snippet's App",
      allowed_scopes: ['profile', 'projects:read', 'widget:serve'],
      redirect_uris: ['https://client.example/cb', 'http://127.0.0.1/callback'],
    },
  });
  let meta: { issuer: string; authorization_endpoint: string; token_endpoint: string };
  let project: { id: string };
  let publicApp: RegisteredApp;
  let dir: string;

  beforeAll(async () => {
    meta = (await api(hal.url, 'GET', '/.well-known/oauth-authorization-server')).json;
    project = await hal.user.createProject('Snippet project');
    publicApp = await hal.registerApp({
      name: 'Public Snippet App',
      client_type: 'public',
      allowed_scopes: ['profile', 'projects:read'],
    });
    dir = mkdtempSync(join(tmpdir(), 'hal-snippets-'));
    // The JavaScript snippet imports oauth4webapi, resolved from the workspace's node_modules.
    symlinkSync(join(import.meta.dirname, '..', '..', 'node_modules'), join(dir, 'node_modules'));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The builder's settings for `app`, with a fresh state and PKCE pair as the page makes them. */
  async function settings(
    app: RegisteredApp,
    request: { scopes: string[]; details?: HalProjectDetail[]; resources?: string[]; redirectUri?: string },
  ): Promise<FlowSettings> {
    const codeVerifier = newCodeVerifier();
    return {
      issuer: meta.issuer,
      authorizationEndpoint: meta.authorization_endpoint,
      tokenEndpoint: meta.token_endpoint,
      appName: app.name as string,
      clientId: app.client_id,
      confidential: app.client_secret !== undefined,
      privateClient: false,
      redirectUri: request.redirectUri ?? (app.redirect_uris[0] as string),
      scopes: request.scopes,
      details: request.details ?? [],
      resources: request.resources ?? [],
      state: newState(),
      codeVerifier,
      codeChallenge: await s256(codeVerifier),
    };
  }

  /** Writes a snippet to a file and runs it; the user approves the URL it prints on the consent page. */
  function run(
    file: string,
    text: string,
    command: string,
    env: Record<string, string>,
    reply: (redirect: URL) => string,
  ) {
    const path = join(dir, file);
    writeFileSync(path, text);
    return runInteractive(command, [path], { env, cwd: dir }, async (url) => {
      expect(url.origin).toBe(new URL(hal.url).origin);
      const redirect = await authorizeInBrowser(hal.user.browser, paramsOf(url), { projectId: project.id });
      expect(redirect.searchParams.get('iss')).toBe(meta.issuer);
      return reply(redirect);
    });
  }
  const secretEnv = () => ({ HAL_CLIENT_SECRET: hal.app.client_secret as string });

  /** The user's /me answer for an OAuth token, as the snippets print it (JSON or Node's inspect). */
  const expectMe = (stdout: string) => {
    expect(stdout).toContain(hal.user.account.email);
    expect(stdout).toMatch(/method"?: ['"]oauth['"]/);
  };

  it('curl: a confidential app exchanges the code of the page URL with its verifier, refreshes and reads /me (RFC 6749 §4.1.3, §6)', async () => {
    const s = await settings(hal.app, {
      scopes: ['profile'],
      details: [{ type: 'hal_project', project_id: project.id, actions: ['read'] }],
      resources: [`${meta.issuer}/api`],
    });
    const text = curlSnippet(s);
    expect(text).not.toContain(hal.app.client_secret);
    const result = await run('confidential.sh', text, 'bash', secretEnv(), (redirect) => {
      expect(redirect.searchParams.get('state')).toBe(s.state);
      return redirect.searchParams.get('code') as string;
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('"token_type": "Bearer"');
    expect(result.stdout).toContain(`"project_id": "${project.id}"`);
    expectMe(result.stdout);
  });

  it("curl: the printed URL is the page URL, and its code exchanges only with that URL's verifier (RFC 7636 §4.6)", async () => {
    const s = await settings(hal.app, { scopes: ['profile'] });
    const other = { ...s, codeVerifier: newCodeVerifier() };
    const result = await run('wrong-verifier.sh', curlSnippet(other), 'bash', secretEnv(), (redirect) => {
      return redirect.searchParams.get('code') as string;
    });
    expect(result.stdout).toContain(authorizationUrl(s));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('invalid_grant');
  });

  it('curl: refuses to start without HAL_CLIENT_SECRET in the environment', async () => {
    const s = await settings(hal.app, { scopes: ['profile'] });
    const result = await run('no-secret.sh', curlSnippet(s), 'bash', {}, () => 'unused');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('HAL_CLIENT_SECRET');
  });

  it('curl: a public app sends its client_id and no secret', async () => {
    const s = await settings(publicApp, { scopes: ['profile'] });
    const text = curlSnippet(s);
    expect(text).not.toContain('HAL_CLIENT_SECRET');
    const result = await run('public.sh', text, 'bash', {}, (r) => r.searchParams.get('code') as string);
    expect(result.code, result.stderr).toBe(0);
    expectMe(result.stdout);
  });

  it('JavaScript (oauth4webapi): a confidential app with a project the user picks gets tokens, refreshes and reads /me', async () => {
    const s = await settings(hal.app, {
      scopes: ['profile'],
      details: [{ type: 'hal_project', actions: ['read', 'widget:serve'] }],
      redirectUri: 'http://127.0.0.1/callback',
    });
    const text = javascriptSnippet(s);
    expect(text).not.toContain(hal.app.client_secret);
    const result = await run('confidential.mjs', text, process.execPath, secretEnv(), (r) => r.href);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("token_type: 'bearer'");
    expect(result.stdout).toContain(project.id);
    expect(result.stdout).toMatch(/^200 /m);
    expectMe(result.stdout);
  });

  it('JavaScript (oauth4webapi): a public app gets tokens with PKCE alone', async () => {
    const s = await settings(publicApp, { scopes: ['profile', 'projects:read'] });
    const result = await run('public.mjs', javascriptSnippet(s), process.execPath, {}, (r) => r.href);
    expect(result.code, result.stderr).toBe(0);
    expectMe(result.stdout);
  });

  it('JavaScript (oauth4webapi): refuses a redirect whose state is not its own (RFC 6749 §10.12)', async () => {
    const s = await settings(publicApp, { scopes: ['profile'] });
    const result = await run('forged.mjs', javascriptSnippet(s), process.execPath, {}, (r) => {
      r.searchParams.set('state', 'forged');
      return r.href;
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('unexpected "state" response parameter value');
  });

  it.runIf(hasPython)(
    'Python (urllib): compiles, then a confidential app gets tokens, refreshes and reads /me',
    async () => {
      const s = await settings(hal.app, { scopes: ['profile', 'projects:read'] });
      const text = pythonSnippet(s);
      writeFileSync(join(dir, 'hal_flow.py'), text);
      const compiled = spawnSync('python3', ['-m', 'py_compile', join(dir, 'hal_flow.py')], {
        encoding: 'utf8',
      });
      expect(compiled.status, compiled.stderr).toBe(0);
      const result = await run('hal_flow.py', text, 'python3', secretEnv(), (r) => r.href);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain('"token_type": "Bearer"');
      expectMe(result.stdout);
    },
  );

  it.runIf(hasPython)('Python (urllib): refuses a redirect from another issuer (RFC 9207 §2.4)', async () => {
    const s = await settings(publicApp, { scopes: ['profile'] });
    const result = await run('other_iss.py', pythonSnippet(s), 'python3', {}, (r) => {
      r.searchParams.set('iss', 'https://evil.example');
      return r.href;
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('iss is not this HAL');
  });

  it('curl: a private project client receives the project widget secret, and the snippet stops there', async () => {
    const privateApp = await hal.registerApp({
      name: 'Private Snippet Client',
      kind: 'private',
      project_id: project.id,
      allowed_scopes: ['widget:serve'],
    });
    const s = { ...(await settings(privateApp, { scopes: ['widget:serve'] })), privateClient: true };
    const text = curlSnippet(s);
    expect(text).not.toContain('refresh_token');
    const env = { HAL_CLIENT_SECRET: privateApp.client_secret as string };
    const result = await run('private.sh', text, 'bash', env, (r) => r.searchParams.get('code') as string);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('"token_type": "widget_secret"');
    expect(result.stdout).toContain(`"project_id": "${project.id}"`);
  });

  it('every snippet leaves out /api/v1/auth/me when the token is for another resource than the API (RFC 8707)', async () => {
    const s = await settings(hal.app, { scopes: ['profile'], resources: [`${meta.issuer}/mcp`] });
    for (const make of [curlSnippet, javascriptSnippet, pythonSnippet, phpSnippet]) {
      const text = make(s);
      expect(text).not.toMatch(/(curl|Request|protectedResourceRequest|curl_init)\(?.*\/api\/v1\/auth\/me/);
      expect(text).toContain(`Bearer <token>" to ${meta.issuer}/mcp`);
    }
  });

  it('PHP: fills in the app, reads the secret from the environment, repeats resource by hand', async () => {
    const s = await settings(hal.app, {
      scopes: ['profile'],
      resources: [`${meta.issuer}/api`, `${meta.issuer}/mcp`],
    });
    const text = phpSnippet(s);
    expect(text).toContain(`const CLIENT_ID = '${hal.app.client_id}';`);
    expect(text).toContain("getenv('HAL_CLIENT_SECRET')");
    expect(text).toContain(`['resource', '${meta.issuer}/mcp'],`);
    expect(text).not.toContain(hal.app.client_secret);
    if (hasPhp) {
      writeFileSync(join(dir, 'hal-flow.php'), text);
      const lint = spawnSync('php', ['-l', join(dir, 'hal-flow.php')], { encoding: 'utf8' });
      expect(lint.status, lint.stdout).toBe(0);
    }
  });
});
