import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_SERVER, buildAll, stop, waitUntilOk } from '../support/build';
import { freePort } from '../support/postgres-cluster';

const pkg = JSON.parse(readFileSync(join(AUTH_SERVER, 'package.json'), 'utf8'));

describe('production build (npm run build, npm start)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hal-built-'));
  let child: ChildProcess;
  let output = '';
  let url: string;

  beforeAll(async () => {
    await buildAll();
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    // Exactly the `start` script, with an environment that registers no loader (no NODE_OPTIONS).
    const [cmd, ...args] = pkg.scripts.start.split(' ');
    expect(cmd).toBe('node');
    child = spawn(process.execPath, args, {
      cwd: AUTH_SERVER,
      env: { PATH: process.env.PATH, PORT: String(port), HAL_DATA_DIR: dataDir, HAL_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d) => {
      output += d;
    });
    child.stderr?.on('data', (d) => {
      output += d;
    });
    await waitUntilOk(`${url}/readyz`, child, () => output);
  }, 240_000);

  afterAll(async () => {
    if (child) await stop(child);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('emits plain JavaScript with HAL packages bundled in and source maps', () => {
    expect(pkg.scripts.start).toBe('node --enable-source-maps dist/main.js');
    const main = readFileSync(join(AUTH_SERVER, 'dist', 'main.js'), 'utf8');
    // Workspace packages export TypeScript: an import of one would need a loader at run time.
    expect(main).not.toMatch(/from "@hal\//);
    expect(main).not.toMatch(/from "[^"]+\.tsx?"/);
    expect(main).toMatch(/\/\/# sourceMappingURL=main\.js\.map\s*$/);
    const map = JSON.parse(readFileSync(join(AUTH_SERVER, 'dist', 'main.js.map'), 'utf8'));
    expect(map.sources).toContain('../src/main.ts');
    expect(map.sources).toContain('../../../packages/db/src/database.ts');
  });

  it('runs on node alone: no tsx in its arguments or environment', () => {
    const argv = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    expect(argv).toEqual([process.execPath, '--enable-source-maps', 'dist/main.js']);
    const environ = readFileSync(`/proc/${child.pid}/environ`, 'utf8').split('\0');
    expect(environ.filter((v) => /^NODE_OPTIONS=|tsx/.test(v))).toEqual([]);
  });

  it('migrates its embedded database and is ready, with the OAuth metadata, dashboard and widget script', async () => {
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', database: 'pglite' });
    const metadata = await (await fetch(`${url}/.well-known/oauth-authorization-server`)).json();
    expect(metadata.issuer).toBe(`http://localhost:${new URL(url).port}`);
    expect(metadata.token_endpoint).toBe(`${metadata.issuer}/oauth/token`);
    // Files other workspaces build, found from dist/ as from src/.
    expect((await fetch(`${url}/dashboard/`)).status).toBe(200);
    expect((await fetch(`${url}/widget/v1/hal-widget.js`)).status).toBe(200);
    expect((await fetch(`${url}/signup`)).status).toBe(200); // server-rendered Preact
  });

  it('stops on SIGTERM, and the built keys:rotate CLI then adds a signing key to its database', async () => {
    expect(await stop(child)).toBe(0);
    const { stdout } = await promisify(execFile)(
      process.execPath,
      pkg.scripts['keys:rotate'].split(' ').slice(1),
      {
        cwd: AUTH_SERVER,
        env: { PATH: process.env.PATH, HAL_DATA_DIR: dataDir },
      },
    );
    expect(stdout).toMatch(/^new signing key [0-9a-f-]{36} is active$/m);
  }, 120_000);
});
