import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useInstance } from '../support/fixtures';
import { CLIENT_REDIRECT, connectWithOAuth, TestOAuthProvider } from '../support/mcp-client';
import { decodeJwtPayload } from '../support/oauth';
import { BACKENDS } from '../support/servers';
import { serveMetadataDocument } from '../support/tls';

describe.each(BACKENDS)('the official MCP SDK client with a client ID metadata document on %s', (backend) => {
  const hal = useInstance(backend, { env: { HAL_CIMD_ALLOW_LOCAL: '1' } });
  let documents: Awaited<ReturnType<typeof serveMetadataDocument>>;

  beforeAll(async () => {
    await hal.user.createProject('For the agent');
    documents = await serveMetadataDocument('SDK document client', CLIENT_REDIRECT);
  });
  afterAll(() => documents?.close());

  it('connects from nothing with its URL as client_id: no registration, HAL fetches the document', async () => {
    const provider = new TestOAuthProvider(hal.user.browser, { clientMetadataUrl: documents.url });
    const { client } = await connectWithOAuth(`${hal.url}/mcp`, provider);
    expect(provider.clientInformation()?.client_id).toBe(documents.url);
    expect(provider.authorizationUrls[0]?.searchParams.get('client_id')).toBe(documents.url);
    expect(documents.fetched).toBeGreaterThan(0);
    expect(decodeJwtPayload(provider.tokens()?.access_token as string)).toMatchObject({
      aud: `${hal.url}/mcp`,
      client_id: documents.url,
    });
    const whoami = await client.callTool({ name: 'whoami', arguments: {} });
    expect(whoami.structuredContent).toMatchObject({ id: hal.user.id, auth: { client_id: documents.url } });
    await client.close();
    const connections = await hal.user.trpc.connections.list.query();
    expect(connections.find((c) => c.app.client_id === documents.url)).toMatchObject({
      app: { origin: 'metadata_document', verified: false },
      resources: [`${hal.url}/mcp`],
    });
  });
});
