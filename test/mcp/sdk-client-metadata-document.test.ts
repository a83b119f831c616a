import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useInstance } from '../support/fixtures';
import { CLIENT_REDIRECT, connectWithOAuth, TestOAuthProvider } from '../support/mcp-client';
import { decodeJwtPayload } from '../support/oauth';
import { BACKENDS } from '../support/servers';
import { selfSignedCertificate } from '../support/tls';

describe.each(BACKENDS)('the official MCP SDK client with a client ID metadata document on %s', (backend) => {
  const hal = useInstance(backend, { env: { HAL_CIMD_ALLOW_LOCAL: '1' } });
  let documents: Server;
  let documentUrl: string;
  let fetched = 0;
  const previousTls = process.env.NODE_TLS_REJECT_UNAUTHORIZED;

  beforeAll(async () => {
    await hal.user.createProject('For the agent');
    documents = createServer(selfSignedCertificate(), (_req, res) => {
      fetched++;
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          client_id: documentUrl,
          client_name: 'SDK document client',
          redirect_uris: [CLIENT_REDIRECT],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          token_endpoint_auth_method: 'none',
        }),
      );
    });
    await new Promise<void>((resolve) => documents.listen(0, '127.0.0.1', resolve));
    documentUrl = `https://127.0.0.1:${(documents.address() as AddressInfo).port}/oauth/client.json`;
    // HAL runs in this process: for this file only its outgoing TLS accepts the self-signed
    // certificate (HAL_CIMD_ALLOW_LOCAL=1 already lets it fetch from loopback).
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  });
  afterAll(async () => {
    if (previousTls === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    else process.env.NODE_TLS_REJECT_UNAUTHORIZED = previousTls;
    await new Promise((resolve) => documents?.close(resolve));
  });

  it('connects from nothing with its URL as client_id: no registration, HAL fetches the document', async () => {
    const provider = new TestOAuthProvider(hal.user.browser, { clientMetadataUrl: documentUrl });
    const { client } = await connectWithOAuth(`${hal.url}/mcp`, provider);
    expect(provider.clientInformation()?.client_id).toBe(documentUrl);
    expect(provider.authorizationUrls[0]?.searchParams.get('client_id')).toBe(documentUrl);
    expect(fetched).toBeGreaterThan(0);
    expect(decodeJwtPayload(provider.tokens()?.access_token as string)).toMatchObject({
      aud: `${hal.url}/mcp`,
      client_id: documentUrl,
    });
    const whoami = await client.callTool({ name: 'whoami', arguments: {} });
    expect(whoami.structuredContent).toMatchObject({ id: hal.user.id, auth: { client_id: documentUrl } });
    await client.close();
    const connections = await hal.user.trpc.connections.list.query();
    expect(connections.find((c) => c.app.client_id === documentUrl)).toMatchObject({
      app: { origin: 'metadata_document', verified: false },
      resources: [`${hal.url}/mcp`],
    });
  });
});
