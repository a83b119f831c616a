import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import postgres, { type Sql } from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ROOT, stop, waitUntilOk, withBuildLock } from './support/build';
import { signUpUser } from './support/fixtures';
import { decodeJwtHeader, oauthPost, type RegisteredApp, registerApp } from './support/oauth';
import { findPgBin, freePort } from './support/postgres-cluster';
import { BACKENDS } from './support/servers';

/** The fenced blocks of DEPLOY.md: ```` ```sh <name> ```` is a command this test runs. */
const blocks = [...readFileSync(join(ROOT, 'DEPLOY.md'), 'utf8').matchAll(/^```(.*)\n([\s\S]*?)^```$/gm)].map(
  ([, info, body]) => ({ info: info as string, body: (body as string).trim() }),
);
const command = (name: string) => {
  const block = blocks.find((b) => b.info === `sh ${name}`);
  if (!block) throw new Error(`DEPLOY.md has no sh ${name} block`);
  return block.body;
};

// The instances' environment is the test's alone: nothing of HAL's from the shell running it.
const baseEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !/^(HAL_|DATABASE_URL$|PORT$|NODE_OPTIONS$)/.test(k)),
);
baseEnv.PATH = `${findPgBin() ?? ''}:${process.env.PATH}`;

/** One query on a connection of its own, closed after. */
async function query<T>(url: string, fn: (sql: Sql) => Promise<T>): Promise<T> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await fn(sql);
  } finally {
    await sql.end();
  }
}

/** Runs a block with `sh -e`, in `cwd`, with `env` added; resolves to its output, rejects on failure. */
function run(script: string, env: Record<string, string>, cwd = ROOT) {
  return promisify(execFile)('sh', ['-ec', script], { cwd, env: { ...baseEnv, ...env } });
}

describe('DEPLOY.md', () => {
  it('has only the commands this test runs, each in its own sh block', () => {
    expect(blocks.map((b) => b.info)).toEqual([
      'sh build',
      'sh secret-key',
      'sh instance',
      'sh rotate',
      'sh backup',
      'sh restore',
    ]);
  });
});

describe.runIf(BACKENDS.includes('postgres'))('DEPLOY.md, command by command, on one PostgreSQL', () => {
  const issuer = 'http://hal.test';
  const work = mkdtempSync(join(tmpdir(), 'hal-deploy-'));
  const running: ChildProcess[] = [];
  let admin: Sql;
  let databaseUrl: string;
  let key: string;
  let owner: string;
  let app: RegisteredApp;

  /** The `instance` block as its own process (exec: signals reach node), on `port`. */
  function instance(env: Record<string, string>) {
    let output = '';
    const child = spawn('sh', ['-c', `exec ${command('instance')}`], {
      cwd: ROOT,
      env: { ...baseEnv, HAL_ISSUER: issuer, HAL_LOG_LEVEL: 'warn', HAL_DATA_DIR: work, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d) => {
      output += d;
    });
    child.stderr?.on('data', (d) => {
      output += d;
    });
    running.push(child);
    return { child, output: () => output };
  }

  async function startInstance(env: Record<string, string> = {}) {
    const port = await freePort();
    const started = instance({ DATABASE_URL: databaseUrl, HAL_SECRET_KEY: key, PORT: String(port), ...env });
    await waitUntilOk(`http://127.0.0.1:${port}/readyz`, started.child, started.output);
    return { ...started, url: `http://127.0.0.1:${port}` };
  }

  async function emptyDatabase() {
    const name = `hal_${randomBytes(6).toString('hex')}`;
    await admin.unsafe(`create database ${name}`);
    return inject('pgAdminUrl').replace(/\/postgres$/, `/${name}`);
  }

  const creds = () => ({ id: app.client_id, secret: app.client_secret as string });
  const token = async (base: string) => {
    const res = await oauthPost(base, '/oauth/token', { grant_type: 'client_credentials' }, creds());
    expect(res.status).toBe(200);
    return res.json.access_token as string;
  };
  const active = async (base: string, jwt: string) =>
    (await oauthPost(base, '/oauth/introspect', { token: jwt }, creds())).json.active;

  let a: Awaited<ReturnType<typeof startInstance>>;
  let b: Awaited<ReturnType<typeof startInstance>>;

  beforeAll(async () => {
    // `npm ci` is the README's first command: run again here it would replace node_modules under
    // the running suite. The rest of the block runs as written.
    const build = command('build');
    expect(build.split('\n')[0]).toBe('npm ci');
    await withBuildLock(() =>
      promisify(execFile)('sh', ['-ec', build.split('\n').slice(1).join('\n')], { cwd: ROOT }),
    );
    admin = postgres(inject('pgAdminUrl'), { max: 1, onnotice: () => {} });
    databaseUrl = await emptyDatabase();
  }, 300_000);

  afterAll(async () => {
    await Promise.all(running.map(stop));
    await admin?.end();
    rmSync(work, { recursive: true, force: true });
  });

  it('secret-key prints 32 random bytes as 64 hex characters', async () => {
    const { stdout } = await run(command('secret-key'), {});
    expect(stdout).toMatch(/^[0-9a-f]{64}\n$/);
    expect((await run(command('secret-key'), {})).stdout).not.toBe(stdout);
    key = stdout.trim();
  });

  it('instance: two started together on one empty database migrate once (advisory lock) and are ready', async () => {
    [a, b] = await Promise.all([startInstance(), startInstance()]);
    for (const s of [a, b]) {
      const metadata = await (await fetch(`${s.url}/.well-known/oauth-authorization-server`)).json();
      expect(metadata.issuer).toBe(issuer);
    }
    const [row] = await query(
      databaseUrl,
      (sql) => sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
    );
    const journal = JSON.parse(readFileSync(join(ROOT, 'packages/db/drizzle/meta/_journal.json'), 'utf8'));
    expect(row?.n).toBe(journal.entries.length);
  }, 180_000);

  it('act as one, round robin: a token from one is active on the other; revoked on one, refused at once on the other', async () => {
    ({ auth: owner } = await signUpUser(a.url));
    app = await registerApp(b.url, owner);
    const jwt = await token(a.url);
    expect(await active(b.url, jwt)).toBe(true);
    expect(await active(a.url, jwt)).toBe(true); // cached on A now
    expect((await oauthPost(b.url, '/oauth/revoke', { token: jwt }, creds())).status).toBe(200);
    await expect.poll(() => active(a.url, jwt), { timeout: 2000, interval: 20 }).toBe(false);
  });

  it('an instance with another HAL_SECRET_KEY exits at start, naming the setting', async () => {
    const wrong = instance({
      DATABASE_URL: databaseUrl,
      HAL_SECRET_KEY: randomBytes(32).toString('hex'),
      PORT: String(await freePort()),
    });
    const code = await new Promise((r) => wrong.child.once('exit', r));
    expect(code).not.toBe(0);
    expect(wrong.output()).toMatch(/cannot open signing key [0-9a-f-]{36}: HAL_SECRET_KEY is not the key/);
  }, 120_000);

  it('rotate: refused with another key; with the right one a restarted instance signs with the new key, accepted at once by the other', async () => {
    const before = await token(a.url);
    const keys = () => query(databaseUrl, (sql) => sql`select kid from signing_keys order by kid`);
    const kids = (await keys()).map((r) => r.kid);

    const refused = run(command('rotate'), {
      DATABASE_URL: databaseUrl,
      HAL_SECRET_KEY: randomBytes(32).toString('hex'),
    });
    await expect(refused).rejects.toMatchObject({
      stderr: expect.stringMatching(/HAL_SECRET_KEY is not the key/),
    });
    expect((await keys()).map((r) => r.kid)).toEqual(kids);

    const { stdout } = await run(command('rotate'), { DATABASE_URL: databaseUrl, HAL_SECRET_KEY: key });
    const kid = /new signing key ([0-9a-f-]{36}) is active/.exec(stdout)?.[1];
    expect(kid).toBeDefined();

    await stop(b.child);
    b = await startInstance();
    const after = await token(b.url);
    expect(decodeJwtHeader(after).kid).toBe(kid);
    expect(decodeJwtHeader(before).kid).not.toBe(kid);
    expect(await active(a.url, after)).toBe(true); // an unknown kid makes A reload its keys
    expect(await active(b.url, before)).toBe(true); // the old key stays published
    const jwks = await (await fetch(`${a.url}/.well-known/jwks.json`)).json();
    expect(jwks.keys.map((k: { kid: string }) => k.kid)).toEqual(expect.arrayContaining([kid, ...kids]));
  }, 180_000);

  it('backup and restore: an instance on the restored database, same key, serves what was dumped, revocations since included', async () => {
    const jwt = await token(a.url);
    await run(command('backup'), { DATABASE_URL: databaseUrl }, work);
    expect((await oauthPost(a.url, '/oauth/revoke', { token: jwt }, creds())).status).toBe(200);
    expect(await active(a.url, jwt)).toBe(false);

    const restored = await emptyDatabase();
    await run(command('restore'), { DATABASE_URL: restored }, work);
    const c = await startInstance({ DATABASE_URL: restored });
    // Rolled back to the dump: the token revoked since is active again.
    expect(await active(c.url, jwt)).toBe(true);
    expect(await active(c.url, await token(c.url))).toBe(true);
  }, 180_000);
});
