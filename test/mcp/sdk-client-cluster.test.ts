import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../support/browser';
import { signUpUser, type TestUser } from '../support/fixtures';
import { connectWithOAuth, TestOAuthProvider } from '../support/mcp-client';
import { BACKENDS, startCluster, type TestServer } from '../support/servers';

/** The same browser (cookies) talking to another server of the cluster. */
function over(browser: Browser, base: string) {
  const other = new Browser(base);
  for (const [k, v] of browser.cookies) other.cookies.set(k, v);
  return other;
}

describe.runIf(BACKENDS.includes('postgres'))(
  'the MCP SDK client across two HAL servers on one PostgreSQL',
  () => {
    const issuer = 'http://hal.test';
    let servers: TestServer[];
    let user: TestUser;
    /** Which server answered each request of the client, in order: `[server index, path]`. */
    const served: [number, string][] = [];

    beforeAll(async () => {
      servers = await startCluster(2, { HAL_ISSUER: issuer });
      user = await signUpUser((servers[0] as TestServer).url);
      await user.createProject('For the agent');
    });
    afterAll(async () => {
      for (const server of servers ?? []) await server.close();
    });

    /** A load balancer without affinity: the client's requests to the issuer go to A, B, A, B, … */
    const roundRobin: typeof fetch = (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (url.origin !== issuer) return fetch(input, init);
      const index = served.length % servers.length;
      const target = new URL((servers[index] as TestServer).url);
      served.push([index, url.pathname]);
      url.protocol = target.protocol;
      url.host = target.host;
      return input instanceof Request ? fetch(new Request(url, input), init) : fetch(url, init);
    };

    it('starts the flow on one server and finishes it on the other: no session affinity anywhere', async () => {
      // The user signed in on A; the consent is answered by B.
      const provider = new TestOAuthProvider(over(user.browser, (servers[1] as TestServer).url));
      const { client } = await connectWithOAuth(`${issuer}/mcp`, provider, { fetch: roundRobin });
      const whoami = await client.callTool({ name: 'whoami', arguments: {} });
      expect(whoami.structuredContent).toMatchObject({ id: user.id, auth: { method: 'oauth' } });
      const projects = await client.callTool({ name: 'list_projects', arguments: {} });
      expect(projects.structuredContent).toMatchObject({ projects: [{ name: 'For the agent' }] });
      await client.close();

      const by = (path: string) => new Set(served.filter(([, p]) => p === path).map(([i]) => i));
      expect(by('/mcp')).toEqual(new Set([0, 1]));
      expect(served.map(([, path]) => path)).toEqual(
        expect.arrayContaining([
          '/oauth/register',
          '/oauth/token',
          '/.well-known/oauth-protected-resource/mcp',
        ]),
      );
    });
  },
);
