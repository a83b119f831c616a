import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { useInstance } from '../support/fixtures';
import { connectWithOAuth, TestOAuthProvider } from '../support/mcp-client';
import { decodeJwtPayload } from '../support/oauth';
import { BACKENDS } from '../support/servers';

describe.each(BACKENDS)(
  'the official MCP SDK client against /mcp on %s (MCP authorization 2025-11-25)',
  (backend) => {
    const hal = useInstance(backend);
    let project: { id: string };

    beforeAll(async () => {
      project = await hal.user.createProject('For the agent');
    });

    it('connects from nothing through registration: 401 → metadata → register → consent → token for /mcp → tools', async () => {
      const provider = new TestOAuthProvider(hal.user.browser);
      const { client, unauthorized } = await connectWithOAuth(`${hal.url}/mcp`, provider);
      expect(unauthorized).toBeInstanceOf(UnauthorizedError);

      // RFC 7591: the SDK registered itself; RFC 8707: it asked for HAL's MCP server, with the
      // starting scopes the 401 named.
      const registered = provider.clientInformation();
      expect(registered?.client_id).toMatch(/^hal_app_/);
      const authorization = provider.authorizationUrls[0] as URL;
      expect(authorization.origin + authorization.pathname).toBe(`${hal.url}/oauth/authorize`);
      expect(authorization.searchParams.get('resource')).toBe(`${hal.url}/mcp`);
      expect(authorization.searchParams.get('scope')).toBe('profile projects:read apps:read');
      expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');
      const access = provider.tokens()?.access_token as string;
      expect(decodeJwtPayload(access)).toMatchObject({
        aud: `${hal.url}/mcp`,
        client_id: registered?.client_id,
      });

      expect(client.getServerVersion()).toMatchObject({ name: 'hal' });
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain('whoami');
      const whoami = await client.callTool({ name: 'whoami', arguments: {} });
      expect(whoami.structuredContent).toMatchObject({
        id: hal.user.id,
        auth: { method: 'oauth', client_id: registered?.client_id, project_id: project.id },
      });
      const projects = await client.callTool({ name: 'list_projects', arguments: {} });
      expect(projects.structuredContent).toMatchObject({ projects: [{ id: project.id }] });
      await client.close();
    });

    it('steps up: a write tool answered 403 insufficient_scope sends the user to consent again with the wider scope', async () => {
      // SDK 1.32 answers insufficient_scope with a refresh when it holds a refresh token, which
      // cannot widen a grant (RFC 6749 §6), and gives up; without one it re-authorizes.
      // The client registers itself with the starting scopes (RFC 7591), then steps up unaided.
      const provider = new TestOAuthProvider(hal.user.browser, { keepRefreshToken: false });
      const { client, transport } = await connectWithOAuth(`${hal.url}/mcp`, provider);
      const refused = await client
        .callTool({ name: 'create_project', arguments: { name: 'Stepped up' } })
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect(refused).toBeInstanceOf(UnauthorizedError);
      // MCP authorization §scope challenge: the needed scope with those already granted.
      expect(provider.authorizationUrls[1]?.searchParams.get('scope')).toBe(
        'profile apps:read projects:read projects:write',
      );
      await transport.finishAuth(provider.code as string);
      const created = await client.callTool({ name: 'create_project', arguments: { name: 'Stepped up' } });
      expect(created.structuredContent).toMatchObject({ name: 'Stepped up', role: 'owner' });
      await client.close();
    });

    it("lists the registered client among the user's connected apps with the resource it holds", async () => {
      const provider = new TestOAuthProvider(hal.user.browser);
      const { client } = await connectWithOAuth(`${hal.url}/mcp`, provider);
      await client.close();
      const connections = (await hal.user.trpc.connections.list.query()) as unknown as Record<
        string,
        unknown
      >[];
      const mine = connections.find((c) =>
        JSON.stringify(c).includes(provider.clientInformation()?.client_id as string),
      );
      expect(mine).toBeDefined();
    });
  },
);
