import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A throwaway self-signed certificate for 127.0.0.1 (openssl, valid one day): the MCP SDK presents
 * a URL client id only when it is https, so tests serve metadata documents over TLS with it.
 */
function selfSignedCertificate() {
  const dir = mkdtempSync(join(tmpdir(), 'hal-cimd-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
    ].concat(['-subj', '/CN=127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]),
    { stdio: 'ignore' },
  );
  return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
}

/**
 * Serves a client ID metadata document for a public MCP client over https with a self-signed
 * certificate, and lets HAL (running in this process) fetch it: outgoing TLS accepts self-signed
 * certificates until `close()` (HAL_CIMD_ALLOW_LOCAL=1 already lets it fetch from loopback).
 * `fetched` counts the fetches.
 */
export async function serveMetadataDocument(clientName: string, redirectUri: string) {
  const previousTls = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
  const served = { url: '', fetched: 0, close };
  const server = createServer(selfSignedCertificate(), (_req, res) => {
    served.fetched++;
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        client_id: served.url,
        client_name: clientName,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  served.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/client.json`;
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  async function close() {
    if (previousTls === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    else process.env.NODE_TLS_REJECT_UNAUTHORIZED = previousTls;
    await new Promise((resolve) => server.close(resolve));
  }
  return served;
}
