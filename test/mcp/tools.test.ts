import { request } from 'node:http';
import { beforeAll, describe, expect, it } from 'vitest';
import { api, bearer } from '../support/api';
import { useInstance } from '../support/fixtures';
import { callTool, mcpToken, PROTOCOL, rpc } from '../support/mcp';
import { codeFlow } from '../support/oauth';
import { BACKENDS } from '../support/servers';

const READ_SCOPES = 'profile projects:read apps:read';
const ALL_SCOPES = 'profile apps:read apps:write projects:read projects:write widget:serve';
const TOOLS = [
  'whoami',
  'list_projects',
  'get_project',
  'create_project',
  'update_project',
  'list_apps',
  'get_app',
  'create_app',
  'rotate_app_secret',
  'sign_widget_identity',
];

describe.each(BACKENDS)('MCP server at /mcp on %s (contract "AI clients")', (backend) => {
  const hal = useInstance(backend, {
    user: { login: true },
    app: { allowed_scopes: ALL_SCOPES.split(' '), redirect_uris: ['https://client.example/cb'] },
  });
  let project: { id: string; app_id: string };
  let other: { id: string };
  let read: string;
  let all: string;

  beforeAll(async () => {
    project = await hal.user.createProject('Bound');
    other = await hal.user.createProject('Other');
    read = await mcpToken(hal, hal.app, READ_SCOPES, project.id);
    all = await mcpToken(hal, hal.app, ALL_SCOPES, project.id);
  });

  const result = (res: { json: { result: { structuredContent: Record<string, unknown> } } }) =>
    res.json.result.structuredContent;

  describe('transport', () => {
    it.each(['2025-06-18', '2025-11-25'])(
      'initializes with protocol version %s, without a session',
      async (version) => {
        const res = await rpc(hal.url, read, 'initialize', {
          protocolVersion: version,
          capabilities: {},
          clientInfo: { name: 'test', version: '1' },
        });
        expect(res.status).toBe(200);
        expect(res.json.result).toMatchObject({
          protocolVersion: version,
          capabilities: { tools: {} },
          serverInfo: { name: 'hal' },
        });
        expect(res.headers.get('mcp-session-id')).toBeNull();
      },
    );

    it('answers ping', async () => {
      const res = await rpc(hal.url, read, 'ping');
      expect(res.json).toEqual({ jsonrpc: '2.0', id: 1, result: {} });
    });

    it('answers GET and DELETE with 405: no stream to offer, no session to end (stateless)', async () => {
      for (const method of ['GET', 'DELETE']) {
        const res = await api(hal.url, method, '/mcp', {
          auth: read,
          headers: { accept: 'text/event-stream', 'mcp-protocol-version': PROTOCOL },
        });
        expect(res.status).toBe(405);
        expect(res.headers.get('allow')).toBe('POST');
      }
    });

    it('answers a body that is not JSON with a JSON-RPC parse error', async () => {
      const res = await api(hal.url, 'POST', '/mcp', {
        auth: read,
        body: '{',
        headers: { accept: 'application/json, text/event-stream' },
      });
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe(-32700);
    });
  });

  describe('authentication (RFC 6750, RFC 9728, RFC 8707)', () => {
    it('challenges a request without a token with the starting scopes and the metadata URL', async () => {
      const res = await rpc(hal.url, undefined, 'tools/list');
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe(
        `Bearer realm="hal", scope="${READ_SCOPES}", resource_metadata="${hal.url}/.well-known/oauth-protected-resource/mcp"`,
      );
    });

    it('refuses a token issued for <issuer>/api with 401 invalid_token', async () => {
      const { res } = await codeFlow(hal.url, hal.user.browser, hal.app, { scope: 'profile' });
      const refused = await rpc(hal.url, bearer(res.json.access_token), 'tools/list');
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toContain('error="invalid_token"');
    });

    it('accepts a personal access token', async () => {
      const pat = await api(hal.url, 'POST', '/api/v1/tokens', {
        auth: hal.user.auth,
        body: { name: 'mcp', scopes: ['profile', 'projects:write'] },
      });
      const res = await callTool(hal.url, bearer(pat.json.data.token), 'whoami');
      expect(result(res)).toMatchObject({ id: hal.user.id, auth: { method: 'pat' } });
      const created = await callTool(hal.url, bearer(pat.json.data.token), 'create_project', {
        name: 'By PAT',
      });
      expect(result(created)).toMatchObject({ name: 'By PAT', role: 'owner' });
    });

    it("accepts the session JWT and Basic, HAL's own credentials", async () => {
      expect(result(await callTool(hal.url, hal.user.auth, 'whoami'))).toMatchObject({
        auth: { method: 'session' },
      });
      expect(result(await callTool(hal.url, hal.user.basic, 'whoami'))).toMatchObject({
        auth: { method: 'basic' },
      });
    });

    it('steps up: a tool call without its scope is 403 insufficient_scope naming it (MCP authorization §scope challenge)', async () => {
      const res = await callTool(hal.url, read, 'create_project', { name: 'No' });
      expect(res.status).toBe(403);
      expect(res.headers.get('www-authenticate')).toBe(
        `Bearer realm="hal", error="insufficient_scope", scope="profile apps:read projects:read projects:write", resource_metadata="${hal.url}/.well-known/oauth-protected-resource/mcp"`,
      );
      const list = await api(hal.url, 'GET', '/api/v1/projects', { auth: hal.user.auth });
      expect(list.json.data.map((p: { name: string }) => p.name)).not.toContain('No');
    });
  });

  describe('DNS rebinding (MCP transports §security)', () => {
    it("refuses a request whose Origin is not HAL's with 403, even with a token", async () => {
      const res = await rpc(hal.url, read, 'ping', {}, { origin: 'https://evil.example' });
      expect(res.status).toBe(403);
      expect((await rpc(hal.url, read, 'ping', {}, { origin: hal.url })).status).toBe(200);
    });

    it('refuses a Host that is not loopback while HAL is served on loopback', async () => {
      const status = (host: string) =>
        new Promise<number>((resolve, reject) => {
          const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });
          const req = request(`${hal.url}/mcp`, {
            method: 'POST',
            headers: {
              host,
              authorization: read,
              'content-type': 'application/json',
              accept: 'application/json, text/event-stream',
            },
          });
          req.on('response', (res) => {
            res.resume();
            resolve(res.statusCode as number);
          });
          req.on('error', reject);
          req.end(body);
        });
      expect(await status('evil.example.com')).toBe(403);
      expect(await status(new URL(hal.url).host)).toBe(200);
      expect(await status('localhost')).toBe(200);
    });
  });

  describe('tools', () => {
    it('lists every tool with a JSON Schema input, annotations and a description', async () => {
      const res = await rpc(hal.url, read, 'tools/list');
      const tools = res.json.result.tools as {
        name: string;
        description: string;
        inputSchema: { type: string; properties?: Record<string, unknown>; required?: string[] };
        annotations: { readOnlyHint: boolean; destructiveHint?: boolean };
      }[];
      expect(tools.map((t) => t.name).sort()).toEqual([...TOOLS].sort());
      for (const t of tools) {
        expect(t.inputSchema.type).toBe('object');
        expect(t.description).toBeTruthy();
        expect(typeof t.annotations.readOnlyHint).toBe('boolean');
      }
      const byName = new Map(tools.map((t) => [t.name, t]));
      expect(byName.get('get_project')?.inputSchema.required).toEqual(['id']);
      expect(byName.get('create_app')?.inputSchema.properties).toHaveProperty('redirect_uris');
      expect(byName.get('list_projects')?.annotations).toMatchObject({ readOnlyHint: true });
      expect(byName.get('rotate_app_secret')?.annotations).toMatchObject({
        readOnlyHint: false,
        destructiveHint: true,
      });
      expect(byName.get('create_project')?.annotations).toMatchObject({ destructiveHint: false });
    });

    it('whoami returns what GET /api/v1/auth/me returns for the same token', async () => {
      const me = await api(hal.url, 'GET', '/api/v1/auth/me', { auth: hal.user.auth });
      const res = await callTool(hal.url, read, 'whoami');
      expect(result(res)).toMatchObject({ id: me.json.data.id, email: me.json.data.email });
      expect(result(res).auth).toMatchObject({ method: 'oauth', project_id: project.id });
      expect(JSON.parse(res.json.result.content[0].text)).toEqual(result(res));
    });

    it('list_projects and get_project see only the project the grant is bound to', async () => {
      const list = await callTool(hal.url, read, 'list_projects');
      expect((result(list).projects as { id: string }[]).map((p) => p.id)).toEqual([project.id]);
      const got = await callTool(hal.url, read, 'get_project', { id: project.id });
      expect(result(got)).toMatchObject({ id: project.id, app_id: project.app_id });
      expect(result(got).embed_snippet).toContain(`app_id: '${project.app_id}'`);
      expect(result(got).embed_snippet).toContain(`${hal.url}/widget/v1/hal-widget.js`);
      const hidden = await callTool(hal.url, read, 'get_project', { id: other.id });
      expect(hidden.status).toBe(200);
      expect(hidden.json.result).toEqual({
        content: [{ type: 'text', text: 'project not found' }],
        isError: true,
      });
    });

    it('update_project changes the project as PATCH /api/v1/projects/{id} does', async () => {
      const res = await callTool(hal.url, all, 'update_project', {
        id: project.id,
        allowed_origins: ['https://shop.example'],
      });
      expect(result(res)).toMatchObject({ id: project.id, allowed_origins: ['https://shop.example'] });
      const rest = await api(hal.url, 'GET', `/api/v1/projects/${project.id}`, { auth: hal.user.auth });
      expect(rest.json.data.allowed_origins).toEqual(['https://shop.example']);
    });

    it('create_project creates a project owned by the caller', async () => {
      const res = await callTool(hal.url, all, 'create_project', { name: 'From MCP' });
      expect(result(res)).toMatchObject({ name: 'From MCP', role: 'owner' });
      expect(result(res).id).toMatch(/^proj_/);
    });

    it("create_app, get_app, list_apps and rotate_app_secret manage the caller's OAuth apps", async () => {
      const created = await callTool(hal.url, all, 'create_app', {
        name: 'Agent-made',
        redirect_uris: ['https://agent.example/cb'],
      });
      const app = result(created) as { id: string; client_id: string; client_secret: string };
      expect(app.client_secret).toBeTruthy();
      const got = await callTool(hal.url, read, 'get_app', { id: app.id });
      expect(result(got)).toMatchObject({ id: app.id, name: 'Agent-made' });
      const list = await callTool(hal.url, read, 'list_apps');
      expect((result(list).apps as { id: string }[]).map((a) => a.id)).toContain(app.id);
      const rotated = await callTool(hal.url, all, 'rotate_app_secret', { id: app.id });
      expect(result(rotated).client_secret).not.toBe(app.client_secret);
    });

    it('sign_widget_identity gives the same user_hash as the REST endpoint', async () => {
      const res = await callTool(hal.url, all, 'sign_widget_identity', { user_id: 'u-42', name: 'Ada' });
      const apiToken = await codeFlow(hal.url, hal.user.browser, hal.app, {
        scope: 'widget:serve',
        project_id: project.id,
      });
      const rest = await api(hal.url, 'POST', '/api/oauth/widget/sign-identity', {
        auth: bearer(apiToken.res.json.access_token),
        body: { user_id: 'u-42', name: 'Ada' },
      });
      expect(Object.keys(result(res)).sort()).toEqual(Object.keys(rest.json).sort());
      expect(result(res)).toMatchObject({
        user_id: 'u-42',
        user_hash: rest.json.user_hash,
        project_id: project.id,
      });
    });

    it('reports a service refusal as an isError result with its plain message', async () => {
      const res = await callTool(hal.url, read, 'get_app', { id: 'hal_app_nope' });
      expect(res.status).toBe(200);
      expect(res.json.result).toEqual({ content: [{ type: 'text', text: 'app not found' }], isError: true });
    });

    it('reports bad arguments as an isError result with the schema error', async () => {
      const res = await callTool(hal.url, read, 'get_project', {});
      expect(res.json.result.isError).toBe(true);
      expect(res.json.result.content[0].text).toMatch(
        /Input validation error: Invalid arguments for tool get_project: .* at id$/,
      );
      expect(res.json.result.content[0].text).toContain('id');
    });
  });
});
