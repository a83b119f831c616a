import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExample } from '../../examples/mcp-resource-server/src/index';
import { api, bearer } from '../support/api';
import { useInstance } from '../support/fixtures';
import { CLIENT_REDIRECT, connectWithOAuth, TestOAuthProvider } from '../support/mcp-client';
import { authorizationCode, decodeJwtPayload, oauthPost } from '../support/oauth';
import { freePort } from '../support/postgres-cluster';
import { BACKENDS } from '../support/servers';
import { serveMetadataDocument } from '../support/tls';

const backend = BACKENDS.at(-1) as (typeof BACKENDS)[number];

describe(`examples/mcp-resource-server protected by HAL (${backend})`, () => {
  const hal = useInstance(backend, {
    env: { HAL_CIMD_ALLOW_LOCAL: '1' },
    app: { allowed_scopes: ['profile'] },
  });
  let example: Awaited<ReturnType<typeof startExample>>;
  let documents: Awaited<ReturnType<typeof serveMetadataDocument>>;

  beforeAll(async () => {
    const port = await freePort();
    const identifier = `http://127.0.0.1:${port}/mcp`;
    const created = await api(hal.url, 'POST', '/api/v1/resources', {
      auth: hal.user.auth,
      body: {
        name: 'Notes (example)',
        identifier,
        scopes: [
          { name: 'notes:read', description: 'Read your notes' },
          { name: 'notes:write', description: 'Add notes' },
        ],
      },
    });
    expect(created.status).toBe(201);
    example = await startExample({ issuer: hal.url, port });
    expect(example.url).toBe(identifier);

    documents = await serveMetadataDocument('Notes agent', CLIENT_REDIRECT);
  });
  afterAll(async () => {
    await documents?.close();
    await example?.close();
  });

  it('serves its RFC 9728 document and challenges a request without a token', async () => {
    const meta = await api(example.url, 'GET', '/.well-known/oauth-protected-resource/mcp');
    expect(meta.json).toEqual({
      resource: example.url,
      authorization_servers: [hal.url],
      scopes_supported: ['notes:read', 'notes:write'],
      bearer_methods_supported: ['header'],
    });
    const res = await api(example.url, 'POST', '/mcp', { body: { jsonrpc: '2.0', id: 1, method: 'ping' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer resource_metadata="${new URL(example.url).origin}/.well-known/oauth-protected-resource/mcp", scope="notes:read notes:write"`,
    );
  });

  it('the SDK client goes through HAL (metadata document, consent) and calls the tools', async () => {
    const provider = new TestOAuthProvider(hal.user.browser, { clientMetadataUrl: documents.url });
    const { client } = await connectWithOAuth(example.url, provider);
    expect(provider.authorizationUrls[0]?.origin).toBe(hal.url);
    expect(provider.authorizationUrls[0]?.searchParams.get('resource')).toBe(example.url);
    expect(decodeJwtPayload(provider.tokens()?.access_token as string)).toMatchObject({
      iss: hal.url,
      aud: example.url,
      sub: hal.user.id,
      client_id: documents.url,
    });
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name).sort()).toEqual(['add_note', 'list_notes']);
    const added = await client.callTool({ name: 'add_note', arguments: { text: 'buy milk' } });
    expect(added.isError).toBeFalsy();
    const listed = await client.callTool({ name: 'list_notes', arguments: {} });
    expect(listed.structuredContent).toEqual({ notes: ['buy milk'] });
    await client.close();
  });

  /** A token from `hal.app` (a confidential client) for `resource`. */
  async function tokenFor(resource: string, scope: string) {
    const code = await authorizationCode(hal.user.browser, hal.app, { scope, state: 's', resource });
    const token = await oauthPost(
      hal.url,
      '/oauth/token',
      {
        grant_type: 'authorization_code',
        code: code.code,
        redirect_uri: code.redirectUri,
        code_verifier: code.verifier,
      },
      { id: hal.app.client_id, secret: hal.app.client_secret as string },
    );
    if (token.status !== 200) throw new Error(`token failed: ${token.status} ${token.text}`);
    return token.json.access_token as string;
  }

  it('answers 403 insufficient_scope to a tool call the token has no scope for', async () => {
    const token = await tokenFor(example.url, 'notes:read');
    const call = (name: string, args: Record<string, unknown>) =>
      api(example.url, 'POST', '/mcp', {
        auth: bearer(token),
        headers: { accept: 'application/json, text/event-stream' },
        body: { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } },
      });
    const denied = await call('add_note', { text: 'x' });
    expect(denied.status).toBe(403);
    expect(denied.headers.get('www-authenticate')).toMatch(
      /^Bearer resource_metadata="[^"]+", error="insufficient_scope", scope="notes:read notes:write"$/,
    );
    const allowed = await call('list_notes', {});
    expect(allowed.status).toBe(200);
  });

  it('refuses a HAL token for another audience with 401 invalid_token', async () => {
    const token = await tokenFor(`${hal.url}/api`, 'profile');
    expect(decodeJwtPayload(token)).toMatchObject({ aud: `${hal.url}/api` });
    const res = await api(example.url, 'POST', '/mcp', {
      auth: bearer(token),
      body: { jsonrpc: '2.0', id: 1, method: 'tools/list' },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(
      /^Bearer resource_metadata="[^"]+", error="invalid_token", error_description="unexpected aud claim value"$/,
    );
  });
});
